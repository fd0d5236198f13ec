// Chains whose rules are the same on every node (KUBE-SVC and KUBE-SEP of
// Cluster-policy services) are built once per cluster and shared by reference:
// a 5,000-node cluster then costs one copy of its 470,000 service rules, not
// 5,000. Shared rule arrays are never mutated after they are built.

import type { Cluster } from "../../model/cluster.js";
import type { Rule, Tables } from "../../netfilter/rule.js";
import { LayeredChains } from "../../netfilter/layered-chains.js";

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

/** Lists shorter than this are not worth comparing. */
const INTERN_MIN = 64;
/** Distinct lists kept per chain name (nodes with Local-policy endpoints differ; most do not). */
const INTERN_KEEP = 4;

const interned = new WeakMap<Cluster, Map<string, Rule[][]>>();

/**
 * Replaces each long rule list of a node's own chains by an earlier node's list with the
 * very same rules, frozen: at L every node's KUBE-SERVICES holds the same 10,000 shared
 * rules, and one list means one rule-walk index per cluster instead of one per node.
 */
export function internLongChains(cluster: Cluster, tables: Tables): void {
  let byName = interned.get(cluster);
  if (!byName) interned.set(cluster, (byName = new Map()));
  for (const table of tables.values()) {
    const chains = table.chains instanceof LayeredChains ? table.chains.own() : table.chains.values();
    for (const chain of chains) {
      if (chain.rules.length < INTERN_MIN || Object.isFrozen(chain)) continue;
      const key = `${table.name}\u0000${chain.name}`;
      let lists = byName.get(key);
      if (!lists) byName.set(key, (lists = []));
      const same = lists.find((list) => sameRules(list, chain.rules));
      if (same) chain.rules = same;
      else if (lists.length < INTERN_KEEP) lists.push(Object.freeze(chain.rules) as Rule[]);
    }
  }
}

function sameRules(a: readonly Rule[], b: readonly Rule[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
