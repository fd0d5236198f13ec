// What flanneld writes on a node: its iptables rules (pkg/trafficmngr/iptables,
// reference flannel-cni-tcpdump.md §A6), /run/flannel/subnet.env (§A2), and
// the per-remote-node routes, ARP and FDB entries of each backend (§A3–A5).

import { type Cidr, formatCidr, networkOf } from "../model/addr.js";
import type { Cluster, Node } from "../model/cluster.js";
import type { Rule } from "../netfilter/rule.js";
import { comment, mark, net } from "./kube-proxy/rules.js";
import type { RuleSet } from "./ruleset.js";

const MULTICAST: Cidr = { addr: 0xe0000000, len: 4 };

function origin(cluster: Cluster, node: Node): Rule["origin"] {
  return { by: "flanneld", object: `flannel --ip-masq on ${node.name} (Network ${formatCidr(cluster.network.podCIDR)}, lease ${formatCidr(node.podSubnet)})`, at: ["network", "ipMasq"] };
}

/** flannel's MTU per backend: vxlan −50, udp −28, host-gw unchanged (§A2). */
export function flannelMtu(cluster: Cluster): number {
  const { backend, mtu } = cluster.network;
  return backend === "vxlan" ? mtu - 50 : backend === "udp" ? mtu - 28 : mtu;
}

export function subnetEnv(cluster: Cluster, node: Node): string {
  const first = { addr: (networkOf(node.podSubnet) + 1) >>> 0, len: node.podSubnet.len };
  return [
    `FLANNEL_NETWORK=${formatCidr(cluster.network.podCIDR)}`,
    `FLANNEL_SUBNET=${formatCidr(first)}`,
    `FLANNEL_MTU=${flannelMtu(cluster)}`,
    `FLANNEL_IPMASQ=${cluster.network.ipMasq}`,
    "",
  ].join("\n");
}

/** flanneld's minor version: "0.22" → 22. */
export function flannelMinor(cluster: Cluster): number {
  return Number(cluster.network.flannelVersion.split(".")[1]);
}

/**
 * flanneld's --ip-masq and forward rules, by release (reference §A6,
 * docs/facts/node-iptables-eras.md §3): a FLANNEL chain (0.5–0.7), four
 * POSTROUTING rules (0.8–0.19; FORWARD rules from 0.10, --random-fully from
 * 0.11, comments from 0.16.2), FLANNEL-POSTRTG/FLANNEL-FWD chains (0.20+,
 * jumped to with -I until 0.21 and -A since 0.22).
 */
export function writeFlannelRules(rs: RuleSet, cluster: Cluster, node: Node): void {
  const o = origin(cluster, node);
  const f = flannelMinor(cluster);
  const N = cluster.network.podCIDR;
  const lease = node.podSubnet;
  const masq = { t: "MASQUERADE" as const, randomFully: f >= 11 };
  const masqComment = f >= 16 ? [comment("flanneld masq")] : [];
  const fwdComment = f >= 16 ? [comment("flanneld forward")] : [];
  const add = (table: "nat" | "filter", chain: string, r: Omit<Rule, "origin">): void => rs.append(table, chain, { ...r, origin: o });
  if (cluster.network.ipMasq) {
    if (f <= 7) {
      rs.chain("nat", "FLANNEL");
      add("nat", "FLANNEL", { dst: net(N), matches: [], target: { t: "ACCEPT" } });
      add("nat", "FLANNEL", { dst: net(MULTICAST, true), matches: [], target: masq });
      rs.ensure("nat", "POSTROUTING", { src: net(N), matches: [], target: { t: "jump", chain: "FLANNEL" }, origin: o }, "append");
      rs.ensure("nat", "POSTROUTING", { src: net(N, true), dst: net(N), matches: [], target: masq, origin: o }, "append");
    } else if (f <= 19) {
      add("nat", "POSTROUTING", { src: net(N), dst: net(N), matches: masqComment, target: { t: "RETURN" } });
      add("nat", "POSTROUTING", { src: net(N), dst: net(MULTICAST, true), matches: masqComment, target: masq });
      add("nat", "POSTROUTING", { src: net(N, true), dst: net(lease), matches: masqComment, target: { t: "RETURN" } });
      add("nat", "POSTROUTING", { src: net(N, true), dst: net(N), matches: masqComment, target: masq });
    } else {
      rs.chain("nat", "FLANNEL-POSTRTG");
      const rules: Omit<Rule, "origin">[] = [{ matches: [mark(0x4000, 0x4000), ...masqComment], target: { t: "RETURN" } }];
      if (f === 20) rules.push({ src: net(N), dst: net(N), matches: masqComment, target: { t: "RETURN" } });
      else {
        rules.push({ src: net(lease), dst: net(N), matches: masqComment, target: { t: "RETURN" } });
        rules.push({ src: net(N), dst: net(lease), matches: masqComment, target: { t: "RETURN" } });
      }
      const returnToLease = { src: net(N, true), dst: net(lease), matches: masqComment, target: { t: "RETURN" as const } };
      const toWorld = { src: net(N), dst: net(MULTICAST, true), matches: masqComment, target: masq };
      if (f === 20) rules.push(toWorld, returnToLease);
      else rules.push(returnToLease, toWorld);
      rules.push({ src: net(N, true), dst: net(N), matches: masqComment, target: masq });
      for (const r of rules) add("nat", "FLANNEL-POSTRTG", r);
      rs.ensure("nat", "POSTROUTING", { matches: masqComment, target: { t: "jump", chain: "FLANNEL-POSTRTG" }, origin: o }, f >= 22 ? "append" : "prepend");
    }
  }
  if (f < 10) return;
  if (f <= 19) {
    add("filter", "FORWARD", { src: net(N), matches: fwdComment, target: { t: "ACCEPT" } });
    add("filter", "FORWARD", { dst: net(N), matches: fwdComment, target: { t: "ACCEPT" } });
    return;
  }
  rs.chain("filter", "FLANNEL-FWD");
  rs.ensure("filter", "FORWARD", { matches: fwdComment, target: { t: "jump", chain: "FLANNEL-FWD" }, origin: o }, f >= 22 ? "append" : "prepend");
  add("filter", "FLANNEL-FWD", { src: net(N), matches: fwdComment, target: { t: "ACCEPT" } });
  add("filter", "FLANNEL-FWD", { dst: net(N), matches: fwdComment, target: { t: "ACCEPT" } });
}
