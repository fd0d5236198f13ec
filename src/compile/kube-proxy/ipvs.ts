// kube-proxy IPVS mode, the v1.28 layout (pkg/proxy/ipvs/proxier.go;
// reference kube-proxy.md §6, docs/facts/node-iptables-eras.md §9): virtual
// servers in the kernel's IPVS table, service addresses on the dummy
// kube-ipvs0, ipsets, and a fixed set of iptables rules driven by the sets.

import { type Cidr, contains, formatCidr, formatIp4 } from "../../model/addr.js";
import type { Cluster, Node, Service } from "../../model/cluster.js";
import type { IpSet, IpvsService, Link } from "../../model/kernel.js";
import type { Match, Rule, Target } from "../../netfilter/rule.js";
import { randomMac } from "../naming.js";
import type { RuleSet } from "../ruleset.js";
import type { KubeProxyFeatures } from "./features.js";
import { MASQ_MARK, comment, ctstate, dstLocal, jumpTo, mark, net, proto, rule } from "./rules.js";
import { type PortInfo, portInfos } from "./service-ports.js";

const KP = { by: "kube-proxy" as const };

type SetFlag = "src" | "dst";

/** ipsetInfo: the sets in creation order (the order `ipset list` shows them), with the comment each set-driven rule carries. */
const SETS: { name: string; type: string; comment: string }[] = [
  { name: "KUBE-LOOP-BACK", type: "hash:ip,port,ip", comment: "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" },
  { name: "KUBE-CLUSTER-IP", type: "hash:ip,port", comment: "Kubernetes service cluster ip + port for masquerade purpose" },
  { name: "KUBE-EXTERNAL-IP", type: "hash:ip,port", comment: "Kubernetes service external ip + port for masquerade and filter purpose" },
  { name: "KUBE-EXTERNAL-IP-LOCAL", type: "hash:ip,port", comment: "Kubernetes service external ip + port with externalTrafficPolicy=local" },
  { name: "KUBE-LOAD-BALANCER", type: "hash:ip,port", comment: "Kubernetes service lb portal" },
  { name: "KUBE-LOAD-BALANCER-FW", type: "hash:ip,port", comment: "Kubernetes service load balancer ip + port for load balancer with sourceRange" },
  { name: "KUBE-LOAD-BALANCER-LOCAL", type: "hash:ip,port", comment: "Kubernetes service load balancer ip + port with externalTrafficPolicy=local" },
  { name: "KUBE-LOAD-BALANCER-SOURCE-IP", type: "hash:ip,port,ip", comment: "Kubernetes service load balancer ip + port + source IP for packet filter purpose" },
  { name: "KUBE-LOAD-BALANCER-SOURCE-CIDR", type: "hash:ip,port,net", comment: "Kubernetes service load balancer ip + port + source cidr for packet filter purpose" },
  { name: "KUBE-NODE-PORT-TCP", type: "bitmap:port", comment: "Kubernetes nodeport TCP port for masquerade purpose" },
  { name: "KUBE-NODE-PORT-LOCAL-TCP", type: "bitmap:port", comment: "Kubernetes nodeport TCP port with externalTrafficPolicy=local" },
  { name: "KUBE-NODE-PORT-UDP", type: "bitmap:port", comment: "Kubernetes nodeport UDP port for masquerade purpose" },
  { name: "KUBE-NODE-PORT-LOCAL-UDP", type: "bitmap:port", comment: "Kubernetes nodeport UDP port with externalTrafficPolicy=local" },
  { name: "KUBE-NODE-PORT-SCTP-HASH", type: "hash:ip,port", comment: "Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port'" },
  { name: "KUBE-NODE-PORT-LOCAL-SCTP-HASH", type: "hash:ip,port", comment: "Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type 'hash ip:port'" },
  { name: "KUBE-HEALTH-CHECK-NODE-PORT", type: "bitmap:port", comment: "Kubernetes health check node port" },
  { name: "KUBE-IPVS-IPS", type: "hash:ip", comment: "Addresses on the ipvs interface" },
];

const COMMENTS = new Map(SETS.map((s) => [s.name, s.comment]));

/**
 * Node addresses as kube-proxy reads them each sync (netlinkHandle.GetAllLocalAddressesExcept
 * "kube-ipvs0"): every other interface's addresses, loopback addresses dropped (isValidForSet).
 * NodePort virtual servers go on each; an external or LB IP among them is not bound to kube-ipvs0.
 */
export function ipvsNodeAddresses(links: Link[]): number[] {
  const out = new Set<number>();
  for (const l of links) if (l.name !== "kube-ipvs0") for (const a of l.addrs) if (a.cidr.addr >>> 24 !== 127) out.add(a.cidr.addr);
  return [...out];
}

/** apiservice.ExternalPolicyLocal: only NodePort and LoadBalancer services have an external policy. */
function externalPolicyLocal(svc: Service): boolean {
  return svc.type !== "ClusterIP" && svc.externalTrafficPolicy === "Local";
}

/** BaseServicePortInfo.ExternallyAccessible: a node port, a load-balancer IP or an external IP. */
function externallyAccessible(info: PortInfo): boolean {
  return info.port.nodePort !== null || info.svc.loadBalancerIPs.length > 0 || info.svc.externalIPs.length > 0;
}

export function ipvsSets(cluster: Cluster, node: Node, nodeAddresses: number[], f: KubeProxyFeatures): IpSet[] {
  const members = new Map<string, Set<string>>(SETS.map(({ name }) => [name, new Set()]));
  const add = (set: string, member: string): void => void members.get(set)!.add(member);
  for (const info of portInfos(cluster, f.minor)) {
    const { svc, port, proto: p } = info;
    const entry = (ip: number) => `${formatIp4(ip)},${p}:${port.port}`;
    const local = externalPolicyLocal(svc);
    // Every local endpoint, whatever the traffic policies: a pod reaching itself through a VIP is masqueraded.
    for (const e of info.endpoints) if (e.ep.node === node.name) add("KUBE-LOOP-BACK", `${formatIp4(e.ep.ip)},${p}:${e.ep.port},${formatIp4(e.ep.ip)}`);
    add("KUBE-CLUSTER-IP", entry(svc.clusterIP!));
    for (const ip of svc.externalIPs) add(local ? "KUBE-EXTERNAL-IP-LOCAL" : "KUBE-EXTERNAL-IP", entry(ip));
    for (const ip of svc.loadBalancerIPs) {
      add("KUBE-LOAD-BALANCER", entry(ip));
      if (local) add("KUBE-LOAD-BALANCER-LOCAL", entry(ip));
      if (svc.loadBalancerSourceRanges.length > 0) sourceRangeEntries(svc.loadBalancerSourceRanges, entry(ip), ip, node, add);
    }
    if (port.nodePort !== null) {
      // bitmap:port sets hold the bare port; SCTP's hash:ip,port set one entry per node address.
      const entries = p === "sctp" ? nodeAddresses.map((ip) => `${formatIp4(ip)},sctp:${port.nodePort}`) : [String(port.nodePort)];
      const [all, onlyLocal] = NODE_PORT_SETS[p]!;
      // ExternalPolicyLocal ports are in both sets: KUBE-NODE-PORT returns on the -LOCAL set before the masquerade rule.
      for (const e of entries) {
        add(all, e);
        if (local) add(onlyLocal, e);
      }
    }
    if (svc.healthCheckNodePort !== null) add("KUBE-HEALTH-CHECK-NODE-PORT", String(svc.healthCheckNodePort));
  }
  for (const ip of ipvsBoundAddresses(cluster, nodeAddresses, f)) add("KUBE-IPVS-IPS", formatIp4(ip));
  // A bitmap lists its members by bit, ascending; hash sets keep our insertion order (the kernel's is by bucket).
  return SETS.map(({ name, type }) => {
    const bitmap = type.startsWith("bitmap");
    const list = [...members.get(name)!];
    return { name, type, header: bitmap ? "range 0-65535" : "family inet hashsize 1024 maxelem 65536", members: bitmap ? list.sort((a, b) => Number(a) - Number(b)) : list };
  });
}

const NODE_PORT_SETS: Record<string, [string, string]> = {
  tcp: ["KUBE-NODE-PORT-TCP", "KUBE-NODE-PORT-LOCAL-TCP"],
  udp: ["KUBE-NODE-PORT-UDP", "KUBE-NODE-PORT-LOCAL-UDP"],
  sctp: ["KUBE-NODE-PORT-SCTP-HASH", "KUBE-NODE-PORT-LOCAL-SCTP-HASH"],
};

/**
 * loadBalancerSourceRanges: the LB address goes in -FW, each range in -SOURCE-CIDR, and when
 * a range holds the node's IP, the LB address itself as an allowed source in -SOURCE-IP (for
 * hosts that route the VIP locally; syncProxyRules, allowFromNode).
 */
function sourceRangeEntries(ranges: Cidr[], entry: string, lbIP: number, node: Node, add: (set: string, member: string) => void): void {
  add("KUBE-LOAD-BALANCER-FW", entry);
  // ipset prints a full-length net without its /32 (checked with ipset 7).
  for (const r of ranges) add("KUBE-LOAD-BALANCER-SOURCE-CIDR", `${entry},${r.len === 32 ? formatIp4(r.addr) : formatCidr(r)}`);
  if (ranges.some((r) => contains(r, node.ip))) add("KUBE-LOAD-BALANCER-SOURCE-IP", `${entry},${formatIp4(lbIP)}`);
}

/**
 * Addresses kube-proxy binds to kube-ipvs0 (and lists in KUBE-IPVS-IPS): every cluster IP, and
 * external and LB IPs unless already a node address ("We must not add the address to the dummy
 * device if it exist on another interface").
 */
export function ipvsBoundAddresses(cluster: Cluster, nodeAddresses: number[], f: KubeProxyFeatures): number[] {
  const onNode = new Set(nodeAddresses);
  const set = new Set<number>();
  for (const info of portInfos(cluster, f.minor)) {
    set.add(info.svc.clusterIP!);
    for (const ip of [...info.svc.externalIPs, ...info.svc.loadBalancerIPs]) if (!onNode.has(ip)) set.add(ip);
  }
  return [...set].sort((a, b) => a - b);
}

/** The dummy device, created but never set up; its addresses come from bindIpvsAddresses once the other links exist. */
export function kubeIpvs0(cluster: Cluster, node: Node, index: number): Link {
  return {
    index, name: "kube-ipvs0", kind: "dummy", mtu: 1500, mac: randomMac(`kube-ipvs0/${cluster.name}/${node.name}`),
    flags: ["BROADCAST", "NOARP"], operState: "DOWN", qdisc: "noop", txqlen: 1000, addrs: [],
  };
}

/** Binds the service addresses to kube-ipvs0 in `links`, which must hold every other interface already. */
export function bindIpvsAddresses(cluster: Cluster, links: Link[], f: KubeProxyFeatures): void {
  const dummy = links.find((l) => l.name === "kube-ipvs0");
  if (!dummy) return;
  dummy.addrs = ipvsBoundAddresses(cluster, ipvsNodeAddresses(links), f).map((ip) => ({ cidr: { addr: ip, len: 32 }, scope: "global" as const }));
}

/**
 * Real servers of one virtual server (syncEndpoint over CategorizeEndpoints). Cluster endpoints
 * exist when ITP is Cluster or the port is externally accessible; a Local-policy virtual server
 * takes this node's endpoints, and when there are none falls back to the cluster endpoints
 * (kubernetes#97081), so an ETP=Local node port without local endpoints still forwards.
 */
function realServers(info: PortInfo, node: Node, onlyLocal: boolean): IpvsService["dests"] {
  const usesCluster = info.svc.internalTrafficPolicy !== "Local" || externallyAccessible(info);
  const cluster = usesCluster ? info.endpoints : [];
  const local = info.endpoints.filter((e) => e.ep.node === node.name);
  const chosen = onlyLocal && local.length > 0 ? local : cluster;
  const seen = new Set<string>();
  return chosen
    .filter((e) => !seen.has(e.text) && seen.add(e.text))
    .map((e) => ({ ip: e.ep.ip, port: e.ep.port, weight: 1, forward: "Masq" as const }));
}

/** Virtual servers: the cluster IP, each external and LB IP, and the node port on every node address. */
export function ipvsServices(cluster: Cluster, node: Node, nodeAddresses: number[], f: KubeProxyFeatures): IpvsService[] {
  const out: IpvsService[] = [];
  for (const info of portInfos(cluster, f.minor)) {
    const { svc, port, proto: p } = info;
    const base = { proto: p.toUpperCase() as IpvsService["proto"], scheduler: "rr", ...(svc.sessionAffinity === "ClientIP" ? { persistent: svc.sessionAffinityTimeout } : {}), origin: info.origin };
    const internal = realServers(info, node, svc.internalTrafficPolicy === "Local");
    const external = realServers(info, node, externalPolicyLocal(svc));
    out.push({ ...base, vip: svc.clusterIP!, port: port.port, dests: internal });
    for (const ip of [...svc.externalIPs, ...svc.loadBalancerIPs]) out.push({ ...base, vip: ip, port: port.port, dests: external });
    if (port.nodePort !== null) for (const ip of nodeAddresses) out.push({ ...base, vip: ip, port: port.nodePort, dests: external });
  }
  return out;
}

/**
 * ipsetWithIptablesChain: one rule per non-empty set, `-A <from> [-p proto] -m comment
 * --comment <set comment> -m set --match-set <set> <flags> -j <to>`, written first and in this
 * order (so each -LOCAL RETURN precedes its masquerade rule).
 */
const SET_RULES: { set: string; table: "nat" | "filter"; from: string; to: string; flags: SetFlag[]; proto?: string }[] = [
  { set: "KUBE-LOOP-BACK", table: "nat", from: "KUBE-POSTROUTING", to: "MASQUERADE", flags: ["dst", "dst", "src"] },
  { set: "KUBE-LOAD-BALANCER", table: "nat", from: "KUBE-SERVICES", to: "KUBE-LOAD-BALANCER", flags: ["dst", "dst"] },
  { set: "KUBE-LOAD-BALANCER-LOCAL", table: "nat", from: "KUBE-LOAD-BALANCER", to: "RETURN", flags: ["dst", "dst"] },
  { set: "KUBE-NODE-PORT-LOCAL-TCP", table: "nat", from: "KUBE-NODE-PORT", to: "RETURN", flags: ["dst"], proto: "tcp" },
  { set: "KUBE-NODE-PORT-TCP", table: "nat", from: "KUBE-NODE-PORT", to: "KUBE-MARK-MASQ", flags: ["dst"], proto: "tcp" },
  { set: "KUBE-NODE-PORT-LOCAL-UDP", table: "nat", from: "KUBE-NODE-PORT", to: "RETURN", flags: ["dst"], proto: "udp" },
  { set: "KUBE-NODE-PORT-UDP", table: "nat", from: "KUBE-NODE-PORT", to: "KUBE-MARK-MASQ", flags: ["dst"], proto: "udp" },
  { set: "KUBE-NODE-PORT-LOCAL-SCTP-HASH", table: "nat", from: "KUBE-NODE-PORT", to: "RETURN", flags: ["dst", "dst"], proto: "sctp" },
  { set: "KUBE-NODE-PORT-SCTP-HASH", table: "nat", from: "KUBE-NODE-PORT", to: "KUBE-MARK-MASQ", flags: ["dst", "dst"], proto: "sctp" },
  { set: "KUBE-LOAD-BALANCER-FW", table: "filter", from: "KUBE-PROXY-FIREWALL", to: "KUBE-SOURCE-RANGES-FIREWALL", flags: ["dst", "dst"] },
  { set: "KUBE-LOAD-BALANCER-SOURCE-CIDR", table: "filter", from: "KUBE-SOURCE-RANGES-FIREWALL", to: "RETURN", flags: ["dst", "dst", "src"] },
  { set: "KUBE-LOAD-BALANCER-SOURCE-IP", table: "filter", from: "KUBE-SOURCE-RANGES-FIREWALL", to: "RETURN", flags: ["dst", "dst", "src"] },
];

function setMatch(name: string, flags: SetFlag[]): Match {
  return { m: "set", name, flags, neg: false };
}

/** `-m comment --comment <the set's comment> -m set --match-set <set> <flags>`. */
function bySet(name: string, flags: SetFlag[]): Match[] {
  return [comment(COMMENTS.get(name)!), setMatch(name, flags)];
}

function setRuleTarget(to: string): Target {
  if (to === "MASQUERADE") return { t: "MASQUERADE", randomFully: false };
  if (to === "RETURN") return { t: "RETURN" };
  return jumpTo(to);
}

/** createAndLinkKubeChain: the ten chains and the jumps into them, each inserted at the top of its builtin chain. */
function linkChains(rs: RuleSet): void {
  for (const c of ["KUBE-SERVICES", "KUBE-POSTROUTING", "KUBE-NODE-PORT", "KUBE-LOAD-BALANCER", "KUBE-MARK-MASQ"]) rs.flush("nat", c);
  for (const c of ["KUBE-FORWARD", "KUBE-NODE-PORT", "KUBE-PROXY-FIREWALL", "KUBE-SOURCE-RANGES-FIREWALL", "KUBE-IPVS-FILTER"]) rs.flush("filter", c);
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
}

/** writeIptablesRules, in its order; rules on empty sets are left out except where kube-proxy writes them unconditionally. */
export function writeIpvsRules(rs: RuleSet, cluster: Cluster, sets: IpSet[], f: KubeProxyFeatures): void {
  const nonEmpty = (name: string) => sets.find((s) => s.name === name)!.members.length > 0;
  const add = (table: "nat" | "filter", chain: string, r: Omit<Rule, "origin">): void => rs.append(table, chain, { ...r, origin: KP });
  linkChains(rs);
  add("nat", "KUBE-SERVICES", { src: net({ addr: 0x7f000000, len: 8 }), matches: [], target: { t: "RETURN" } });
  for (const s of SET_RULES) {
    if (nonEmpty(s.set)) add(s.table, s.from, { ...(s.proto ? { proto: proto(s.proto) } : {}), matches: bySet(s.set, s.flags), target: setRuleTarget(s.to) });
  }
  writeServiceRules(cluster, nonEmpty, add);
  add("nat", "KUBE-LOAD-BALANCER", { matches: [], target: jumpTo("KUBE-MARK-MASQ") });
  add("filter", "KUBE-SOURCE-RANGES-FIREWALL", { matches: [], target: { t: "DROP" } });
  // acceptIPVSTraffic: "Those rules must be in the end of KUBE-SERVICE chain".
  for (const name of ["KUBE-CLUSTER-IP", "KUBE-LOAD-BALANCER"]) if (nonEmpty(name)) add("nat", "KUBE-SERVICES", { matches: [setMatch(name, ["dst", "dst"])], target: { t: "ACCEPT" } });
  add("filter", "KUBE-FORWARD", { matches: [comment("kubernetes forwarding rules"), mark(MASQ_MARK, MASQ_MARK)], target: { t: "ACCEPT" } });
  add("filter", "KUBE-FORWARD", { matches: [comment("kubernetes forwarding conntrack rule"), ctstate(["RELATED", "ESTABLISHED"])], target: { t: "ACCEPT" } });
  add("filter", "KUBE-NODE-PORT", { matches: bySet("KUBE-HEALTH-CHECK-NODE-PORT", ["dst"]), target: { t: "ACCEPT" } });
  // Written even for empty sets; KUBE-EXTERNAL-IP-LOCAL has no RETURN here in 1.28.
  for (const [name, flags] of [["KUBE-LOAD-BALANCER", ["dst", "dst"]], ["KUBE-CLUSTER-IP", ["dst", "dst"]], ["KUBE-EXTERNAL-IP", ["dst", "dst"]], ["KUBE-HEALTH-CHECK-NODE-PORT", ["dst"]]] as const) {
    add("filter", "KUBE-IPVS-FILTER", { matches: [setMatch(name, [...flags])], target: { t: "RETURN" } });
  }
  add("filter", "KUBE-IPVS-FILTER", { matches: [ctstate(["NEW"]), setMatch("KUBE-IPVS-IPS", ["dst"])], target: { t: "REJECT", with: "icmp-port-unreachable" } });
  add("nat", "KUBE-POSTROUTING", { matches: [mark(MASQ_MARK, MASQ_MARK, true)], target: { t: "RETURN" } });
  add("nat", "KUBE-POSTROUTING", { matches: [], target: { t: "MARK", value: MASQ_MARK, mask: 0 } });
  add("nat", "KUBE-POSTROUTING", { matches: [comment("kubernetes service traffic requiring SNAT")], target: { t: "MASQUERADE", randomFully: f.randomFully } });
  add("nat", "KUBE-MARK-MASQ", { matches: [], target: { t: "MARK", value: MASQ_MARK, mask: MASQ_MARK } });
}

/** KUBE-SERVICES after the set table: cluster-IP masquerade, external IPs, then the node-port jump. */
function writeServiceRules(cluster: Cluster, nonEmpty: (name: string) => boolean, add: (table: "nat", chain: string, r: Omit<Rule, "origin">) => void): void {
  if (nonEmpty("KUBE-CLUSTER-IP")) {
    const cidr = cluster.kubeProxy.clusterCIDR;
    // masqueradeAll; else the local-traffic detector's `! -s <cidr>`; else masquerade what leaves from a VIP (`src,dst`).
    if (cluster.kubeProxy.masqueradeAll) add("nat", "KUBE-SERVICES", { matches: bySet("KUBE-CLUSTER-IP", ["dst", "dst"]), target: jumpTo("KUBE-MARK-MASQ") });
    else if (cidr) add("nat", "KUBE-SERVICES", { src: net(cidr, true), matches: bySet("KUBE-CLUSTER-IP", ["dst", "dst"]), target: jumpTo("KUBE-MARK-MASQ") });
    else add("nat", "KUBE-SERVICES", { matches: bySet("KUBE-CLUSTER-IP", ["src", "dst"]), target: jumpTo("KUBE-MARK-MASQ") });
  }
  // externalIPRules: accept what comes from off the machine, and what is addressed to a local address.
  const acceptExternal = (why: Match[]) => {
    add("nat", "KUBE-SERVICES", { matches: [...why, { m: "physdev", isIn: { neg: true } }, { m: "addrtype", src: { types: ["LOCAL"], neg: true } }], target: { t: "ACCEPT" } });
    add("nat", "KUBE-SERVICES", { matches: [...why, dstLocal], target: { t: "ACCEPT" } });
  };
  if (nonEmpty("KUBE-EXTERNAL-IP")) {
    add("nat", "KUBE-SERVICES", { matches: bySet("KUBE-EXTERNAL-IP", ["dst", "dst"]), target: jumpTo("KUBE-MARK-MASQ") });
    acceptExternal(bySet("KUBE-EXTERNAL-IP", ["dst", "dst"]));
  }
  // externalTrafficPolicy=Local external IPs keep their source: no masquerade rule.
  if (nonEmpty("KUBE-EXTERNAL-IP-LOCAL")) acceptExternal(bySet("KUBE-EXTERNAL-IP-LOCAL", ["dst", "dst"]));
  add("nat", "KUBE-SERVICES", { matches: [dstLocal], target: jumpTo("KUBE-NODE-PORT") });
}
