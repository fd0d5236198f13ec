// Chains whose rules are the same on every node (KUBE-SVC and KUBE-SEP of
// Cluster-policy services) are built once per cluster and shared by reference:
// a 5,000-node cluster then costs one copy of its 470,000 service rules, not
// 5,000. Shared rule arrays are never mutated after they are built.

import type { Cluster } from "../../model/cluster.js";
import type { Rule } from "../../netfilter/rule.js";

const shared = new WeakMap<Cluster, Map<string, Rule[]>>();

export function sharedChain(cluster: Cluster, name: string, build: () => Rule[]): Rule[] {
  let chains = shared.get(cluster);
  if (!chains) {
    chains = new Map();
    shared.set(cluster, chains);
  }
  let rules = chains.get(name);
  if (!rules) {
    rules = build();
    chains.set(name, rules);
  }
  return rules;
}
