// Rules dockerd's bridge driver (libnetwork) writes, by era
// (docs/facts/node-iptables-eras.md §3, §4–7, §10). Docker runs on a node
// when it is the pod bridge (docker0) or the container runtime (dockershim,
// Kubernetes before 1.24); from 1.24 the runtime is containerd.

import { type Cidr, broadcastOf, networkOf } from "../model/addr.js";
import type { Cluster, Node } from "../model/cluster.js";
import type { Rule } from "../netfilter/rule.js";
import { minorOf } from "./kube-proxy/features.js";
import { ctstate, dstLocal, net } from "./kube-proxy/rules.js";
import type { RuleSet } from "./ruleset.js";

export type DockerEra = "1.8" | "1.10" | "17.06" | "18.09";

/** The docker release a cluster of this Kubernetes version ran (inferred from release dates). */
export function dockerEra(cluster: Cluster): DockerEra | null {
  const m = minorOf(cluster.kubeProxy.version);
  if (cluster.network.bridge !== "docker0" && m >= 24) return null;
  if (m <= 1) return "1.8";
  if (m <= 5) return "1.10";
  if (m <= 9) return "17.06";
  return "18.09";
}

/** docker0's address: the flannel lease (--bip from subnet.env) when it is the pod bridge, else docker's default. */
export function docker0Address(cluster: Cluster, node: Node): { cidr: Cidr; broadcast: number } {
  if (cluster.network.bridge === "docker0") {
    return { cidr: { addr: (networkOf(node.podSubnet) + 1) >>> 0, len: node.podSubnet.len }, broadcast: broadcastOf(node.podSubnet) };
  }
  return { cidr: { addr: 0xac110001, len: 16 }, broadcast: 0xac11ffff };
}

export function writeDocker(rs: RuleSet, cluster: Cluster, node: Node, era: DockerEra): void {
  const origin = { by: "docker" as const, object: "dockerd bridge driver (docker0)" };
  const r = (parts: Omit<Rule, "origin">): Rule => ({ ...parts, origin });
  const br = { name: "docker0", neg: false };
  const notBr = { name: "docker0", neg: true };
  // With flannel --ip-masq, mk-docker-opts.sh gives dockerd --ip-masq=false (§12 vi).
  const ipMasq = cluster.network.bridge !== "docker0" || !cluster.network.ipMasq;
  const addr = docker0Address(cluster, node).cidr;
  const subnet = { addr: networkOf(addr), len: addr.len };
  if (era === "18.09" || era === "17.06") rs.policy("filter", "FORWARD", "DROP");
  rs.chain("filter", "DOCKER");
  rs.chain("nat", "DOCKER");
  rs.ensure("nat", "PREROUTING", r({ matches: [dstLocal], target: { t: "jump", chain: "DOCKER" } }), "append");
  rs.ensure("nat", "OUTPUT", r({ dst: net({ addr: 0x7f000000, len: 8 }, true), matches: [dstLocal], target: { t: "jump", chain: "DOCKER" } }), "append");
  if (ipMasq) rs.insert("nat", "POSTROUTING", r({ src: net(subnet), outIface: notBr, matches: [], target: { t: "MASQUERADE", randomFully: false } }));
  if (ipMasq && era !== "1.8") rs.append("nat", "DOCKER", r({ inIface: br, matches: [], target: { t: "RETURN" } }));
  // FORWARD: icc, outbound, conntrack, DOCKER jump, each inserted at the top (final order reversed).
  const forward: Rule[] = [
    r({ inIface: br, outIface: br, matches: [], target: { t: "ACCEPT" } }),
    r({ inIface: br, outIface: notBr, matches: [], target: { t: "ACCEPT" } }),
  ];
  const established = r({ outIface: br, matches: [ctstate(["RELATED", "ESTABLISHED"])], target: { t: "ACCEPT" } });
  const toDocker = r({ outIface: br, matches: [], target: { t: "jump", chain: "DOCKER" } });
  if (era === "1.8" || era === "1.10") forward.push(established, toDocker);
  else forward.push(toDocker, established);
  for (const rule of forward) rs.insert("filter", "FORWARD", rule);
  if (era === "1.10" || era === "17.06") {
    rs.chain("filter", "DOCKER-ISOLATION");
    rs.append("filter", "DOCKER-ISOLATION", r({ matches: [], target: { t: "RETURN" } }));
    rs.insert("filter", "FORWARD", r({ matches: [], target: { t: "jump", chain: "DOCKER-ISOLATION" } }));
  }
  if (era === "18.09") {
    rs.chain("filter", "DOCKER-ISOLATION-STAGE-1");
    rs.chain("filter", "DOCKER-ISOLATION-STAGE-2");
    rs.append("filter", "DOCKER-ISOLATION-STAGE-1", r({ inIface: br, outIface: notBr, matches: [], target: { t: "jump", chain: "DOCKER-ISOLATION-STAGE-2" } }));
    rs.append("filter", "DOCKER-ISOLATION-STAGE-1", r({ matches: [], target: { t: "RETURN" } }));
    rs.append("filter", "DOCKER-ISOLATION-STAGE-2", r({ outIface: br, matches: [], target: { t: "DROP" } }));
    rs.append("filter", "DOCKER-ISOLATION-STAGE-2", r({ matches: [], target: { t: "RETURN" } }));
    rs.insert("filter", "FORWARD", r({ matches: [], target: { t: "jump", chain: "DOCKER-ISOLATION-STAGE-1" } }));
  }
  if (era === "18.09" || era === "17.06") {
    rs.chain("filter", "DOCKER-USER");
    rs.append("filter", "DOCKER-USER", r({ matches: [], target: { t: "RETURN" } }));
    rs.insert("filter", "FORWARD", r({ matches: [], target: { t: "jump", chain: "DOCKER-USER" } }));
  }
}
