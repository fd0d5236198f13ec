// kube-proxy IPVS mode, the v1.28 layout (pkg/proxy/ipvs/proxier.go;
// reference kube-proxy.md §6, docs/facts/node-iptables-eras.md §9): virtual
// servers in the kernel's IPVS table, every service address on the dummy
// kube-ipvs0, ipsets, and a fixed set of iptables rules driven by the sets.

import { formatIp4 } from "../../model/addr.js";
import type { Cluster, Node } from "../../model/cluster.js";
import type { IpSet, IpvsService, Link } from "../../model/kernel.js";
import type { Match, Rule } from "../../netfilter/rule.js";
import { randomMac } from "../naming.js";
import type { RuleSet } from "../ruleset.js";
import type { KubeProxyFeatures } from "./features.js";
import { MASQ_MARK, comment, ctstate, dstLocal, jumpTo, mark, net, proto, rule } from "./rules.js";
import { portInfos } from "./service-ports.js";

const KP = { by: "kube-proxy" as const };

/** Sets in kube-proxy's ipsetInfo order (the order `ipset list` shows them). */
const SETS: [string, string][] = [
  ["KUBE-LOOP-BACK", "hash:ip,port,ip"],
  ["KUBE-CLUSTER-IP", "hash:ip,port"],
  ["KUBE-EXTERNAL-IP", "hash:ip,port"],
  ["KUBE-EXTERNAL-IP-LOCAL", "hash:ip,port"],
  ["KUBE-LOAD-BALANCER", "hash:ip,port"],
  ["KUBE-LOAD-BALANCER-FW", "hash:ip,port"],
  ["KUBE-LOAD-BALANCER-LOCAL", "hash:ip,port"],
  ["KUBE-LOAD-BALANCER-SOURCE-IP", "hash:ip,port,ip"],
  ["KUBE-LOAD-BALANCER-SOURCE-CIDR", "hash:ip,port,net"],
  ["KUBE-NODE-PORT-TCP", "bitmap:port"],
  ["KUBE-NODE-PORT-LOCAL-TCP", "bitmap:port"],
  ["KUBE-NODE-PORT-UDP", "bitmap:port"],
  ["KUBE-NODE-PORT-LOCAL-UDP", "bitmap:port"],
  ["KUBE-NODE-PORT-SCTP-HASH", "hash:ip,port"],
  ["KUBE-NODE-PORT-LOCAL-SCTP-HASH", "hash:ip,port"],
  ["KUBE-HEALTH-CHECK-NODE-PORT", "bitmap:port"],
  ["KUBE-IPVS-IPS", "hash:ip"],
];

export function ipvsSets(cluster: Cluster, node: Node, f: KubeProxyFeatures): IpSet[] {
  const members = new Map<string, string[]>(SETS.map(([name]) => [name, []]));
  const add = (set: string, member: string): void => void members.get(set)!.push(member);
  for (const info of portInfos(cluster, f.minor)) {
    const { svc, port, proto: p } = info;
    const entry = (ip: number) => `${formatIp4(ip)},${p}:${port.port}`;
    add("KUBE-CLUSTER-IP", entry(svc.clusterIP!));
    for (const ip of svc.externalIPs) add(svc.externalTrafficPolicy === "Local" ? "KUBE-EXTERNAL-IP-LOCAL" : "KUBE-EXTERNAL-IP", entry(ip));
    for (const ip of svc.loadBalancerIPs) {
      add("KUBE-LOAD-BALANCER", entry(ip));
      if (svc.externalTrafficPolicy === "Local") add("KUBE-LOAD-BALANCER-LOCAL", entry(ip));
    }
    if (port.nodePort !== null) {
      const local = svc.externalTrafficPolicy === "Local";
      if (p === "tcp") add(local ? "KUBE-NODE-PORT-LOCAL-TCP" : "KUBE-NODE-PORT-TCP", String(port.nodePort));
      if (p === "udp") add(local ? "KUBE-NODE-PORT-LOCAL-UDP" : "KUBE-NODE-PORT-UDP", String(port.nodePort));
    }
    for (const e of info.endpoints) {
      if (e.ep.node === node.name) add("KUBE-LOOP-BACK", `${formatIp4(e.ep.ip)},${p}:${e.ep.port},${formatIp4(e.ep.ip)}`);
    }
    if (svc.healthCheckNodePort !== null && port === svc.ports[0]) add("KUBE-HEALTH-CHECK-NODE-PORT", String(svc.healthCheckNodePort));
  }
  for (const ip of ipvsAddresses(cluster, f)) add("KUBE-IPVS-IPS", formatIp4(ip));
  return SETS.map(([name, type]) => ({
    name,
    type,
    header: type.startsWith("bitmap") ? "range 0-65535" : "family inet hashsize 1024 maxelem 65536",
    members: dedupe(members.get(name)!),
  }));
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}

/** Every address kube-proxy binds to kube-ipvs0: cluster IPs, external IPs, load-balancer IPs. */
export function ipvsAddresses(cluster: Cluster, f: KubeProxyFeatures): number[] {
  const set = new Set<number>();
  for (const info of portInfos(cluster, f.minor)) {
    set.add(info.svc.clusterIP!);
    for (const ip of info.svc.externalIPs) set.add(ip);
    for (const ip of info.svc.loadBalancerIPs) set.add(ip);
  }
  return [...set].sort((a, b) => a - b);
}

export function kubeIpvs0(cluster: Cluster, node: Node, index: number, f: KubeProxyFeatures): Link {
  return {
    index, name: "kube-ipvs0", kind: "dummy", mtu: 1500, mac: randomMac(`kube-ipvs0/${cluster.name}/${node.name}`),
    flags: ["BROADCAST", "NOARP"], operState: "DOWN", qdisc: "noop", txqlen: 1000,
    addrs: ipvsAddresses(cluster, f).map((ip) => ({ cidr: { addr: ip, len: 32 }, scope: "global" as const })),
  };
}

/** Virtual servers: each service address and port, and each node port on the node's own addresses. */
export function ipvsServices(cluster: Cluster, node: Node, nodeAddresses: number[], f: KubeProxyFeatures): IpvsService[] {
  const out: IpvsService[] = [];
  for (const info of portInfos(cluster, f.minor)) {
    const { svc, port, proto: p } = info;
    const prot = p.toUpperCase() as IpvsService["proto"];
    const pick = (local: boolean) => info.endpoints.filter((e) => !local || e.ep.node === node.name).map((e) => ({ ip: e.ep.ip, port: e.ep.port, weight: 1, forward: "Masq" as const }));
    const affinity = { ...(svc.sessionAffinity === "ClientIP" ? { persistent: svc.sessionAffinityTimeout } : {}), origin: info.origin };
    const internal = pick(svc.internalTrafficPolicy === "Local");
    const external = pick(svc.externalTrafficPolicy === "Local" && svc.type !== "ClusterIP");
    out.push({ proto: prot, vip: svc.clusterIP!, port: port.port, scheduler: "rr", ...affinity, dests: internal });
    for (const ip of [...svc.externalIPs, ...svc.loadBalancerIPs]) out.push({ proto: prot, vip: ip, port: port.port, scheduler: "rr", ...affinity, dests: external });
    if (port.nodePort !== null) for (const ip of nodeAddresses) out.push({ proto: prot, vip: ip, port: port.nodePort, scheduler: "rr", ...affinity, dests: external });
  }
  return out;
}

export function writeIpvsRules(rs: RuleSet, cluster: Cluster, sets: IpSet[], f: KubeProxyFeatures): void {
  const nonEmpty = (name: string) => sets.find((s) => s.name === name)!.members.length > 0;
  const set = (name: string, flags: ("src" | "dst")[]): Match => ({ m: "set", name, flags, neg: false });
  const natChains = ["KUBE-SERVICES", "KUBE-POSTROUTING", "KUBE-NODE-PORT", "KUBE-LOAD-BALANCER", "KUBE-MARK-MASQ"];
  const filterChains = ["KUBE-FORWARD", "KUBE-NODE-PORT", "KUBE-PROXY-FIREWALL", "KUBE-SOURCE-RANGES-FIREWALL", "KUBE-IPVS-FILTER"];
  for (const c of natChains) rs.flush("nat", c);
  for (const c of filterChains) rs.flush("filter", c);
  const jumps: ["nat" | "filter", string, string, string][] = [
    ["nat", "OUTPUT", "kubernetes service portals", "KUBE-SERVICES"],
    ["nat", "PREROUTING", "kubernetes service portals", "KUBE-SERVICES"],
    ["nat", "POSTROUTING", "kubernetes postrouting rules", "KUBE-POSTROUTING"],
    ["filter", "FORWARD", "kubernetes forwarding rules", "KUBE-FORWARD"],
    ["filter", "INPUT", "kubernetes health check rules", "KUBE-NODE-PORT"],
    ["filter", "INPUT", "kube-proxy firewall rules", "KUBE-PROXY-FIREWALL"],
    ["filter", "FORWARD", "kube-proxy firewall rules", "KUBE-PROXY-FIREWALL"],
    ["filter", "INPUT", "kubernetes ipvs access filter", "KUBE-IPVS-FILTER"],
  ];
  for (const [table, chain, text, target] of jumps) rs.ensure(table, chain, rule({ matches: [comment(text)], target: jumpTo(target) }, KP), "prepend");
  const add = (table: "nat" | "filter", chain: string, r: Omit<Rule, "origin">): void => rs.append(table, chain, { ...r, origin: KP });
  const cidr = cluster.kubeProxy.clusterCIDR;
  add("nat", "KUBE-SERVICES", { src: net({ addr: 0x7f000000, len: 8 }), matches: [], target: { t: "RETURN" } });
  if (nonEmpty("KUBE-CLUSTER-IP")) {
    const why = [comment("Kubernetes service cluster ip + port for masquerade purpose"), set("KUBE-CLUSTER-IP", ["dst", "dst"])];
    if (cluster.kubeProxy.masqueradeAll) add("nat", "KUBE-SERVICES", { matches: why, target: jumpTo("KUBE-MARK-MASQ") });
    else if (cidr) add("nat", "KUBE-SERVICES", { src: net(cidr, true), matches: why, target: jumpTo("KUBE-MARK-MASQ") });
    else add("nat", "KUBE-SERVICES", { matches: [why[0]!, set("KUBE-CLUSTER-IP", ["src", "dst"])], target: jumpTo("KUBE-MARK-MASQ") });
  }
  if (nonEmpty("KUBE-EXTERNAL-IP")) {
    const ext = [comment("Kubernetes service external ip + port for masquerade and filter purpose"), set("KUBE-EXTERNAL-IP", ["dst", "dst"])];
    add("nat", "KUBE-SERVICES", { matches: ext, target: jumpTo("KUBE-MARK-MASQ") });
    add("nat", "KUBE-SERVICES", { matches: [...ext, { m: "physdev", isIn: { neg: true } }, { m: "addrtype", src: { types: ["LOCAL"], neg: true } }], target: { t: "ACCEPT" } });
    add("nat", "KUBE-SERVICES", { matches: [...ext, dstLocal], target: { t: "ACCEPT" } });
  }
  if (nonEmpty("KUBE-LOAD-BALANCER")) add("nat", "KUBE-SERVICES", { matches: [comment("Kubernetes service lb portal"), set("KUBE-LOAD-BALANCER", ["dst", "dst"])], target: jumpTo("KUBE-LOAD-BALANCER") });
  add("nat", "KUBE-SERVICES", { matches: [dstLocal], target: jumpTo("KUBE-NODE-PORT") });
  if (nonEmpty("KUBE-CLUSTER-IP")) add("nat", "KUBE-SERVICES", { matches: [set("KUBE-CLUSTER-IP", ["dst", "dst"])], target: { t: "ACCEPT" } });
  for (const [p, name] of [["tcp", "KUBE-NODE-PORT-TCP"], ["udp", "KUBE-NODE-PORT-UDP"]] as const) {
    if (nonEmpty(name)) add("nat", "KUBE-NODE-PORT", { proto: proto(p), matches: [comment(`Kubernetes nodeport ${p.toUpperCase()} port for masquerade purpose`), set(name, ["dst"])], target: jumpTo("KUBE-MARK-MASQ") });
  }
  add("nat", "KUBE-LOAD-BALANCER", { matches: [], target: jumpTo("KUBE-MARK-MASQ") });
  if (nonEmpty("KUBE-LOOP-BACK")) add("nat", "KUBE-POSTROUTING", { matches: [comment("Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose"), set("KUBE-LOOP-BACK", ["dst", "dst", "src"])], target: { t: "MASQUERADE", randomFully: false } });
  add("nat", "KUBE-POSTROUTING", { matches: [mark(MASQ_MARK, MASQ_MARK, true)], target: { t: "RETURN" } });
  add("nat", "KUBE-POSTROUTING", { matches: [], target: { t: "MARK", value: MASQ_MARK, mask: 0 } });
  add("nat", "KUBE-POSTROUTING", { matches: [comment("kubernetes service traffic requiring SNAT")], target: { t: "MASQUERADE", randomFully: f.randomFully } });
  add("nat", "KUBE-MARK-MASQ", { matches: [], target: { t: "MARK", value: MASQ_MARK, mask: MASQ_MARK } });
  add("filter", "KUBE-FORWARD", { matches: [comment("kubernetes forwarding rules"), mark(MASQ_MARK, MASQ_MARK)], target: { t: "ACCEPT" } });
  add("filter", "KUBE-FORWARD", { matches: [comment("kubernetes forwarding conntrack rule"), ctstate(["RELATED", "ESTABLISHED"])], target: { t: "ACCEPT" } });
  add("filter", "KUBE-NODE-PORT", { matches: [comment("Kubernetes health check node port"), set("KUBE-HEALTH-CHECK-NODE-PORT", ["dst"])], target: { t: "ACCEPT" } });
  add("filter", "KUBE-SOURCE-RANGES-FIREWALL", { matches: [], target: { t: "DROP" } });
  for (const [name, flags] of [["KUBE-LOAD-BALANCER", ["dst", "dst"]], ["KUBE-CLUSTER-IP", ["dst", "dst"]], ["KUBE-EXTERNAL-IP", ["dst", "dst"]], ["KUBE-HEALTH-CHECK-NODE-PORT", ["dst"]]] as const) {
    add("filter", "KUBE-IPVS-FILTER", { matches: [set(name, [...flags])], target: { t: "RETURN" } });
  }
  add("filter", "KUBE-IPVS-FILTER", { matches: [ctstate(["NEW"]), set("KUBE-IPVS-IPS", ["dst"])], target: { t: "REJECT", with: "icmp-port-unreachable" } });
}
