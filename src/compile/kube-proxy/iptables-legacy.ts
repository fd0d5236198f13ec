// kube-proxy iptables mode before the EXT/SVL rewrite: the layouts of
// v1.2 through v1.23 (pkg/proxy/iptables/proxier.go of 1.2, 1.14 and 1.19,
// reproduced in docs/facts/node-iptables-eras.md §5–7; reference kube-proxy.md §3).

import type { Cluster, Node } from "../../model/cluster.js";
import type { Match, Rule } from "../../netfilter/rule.js";
import type { RuleSet } from "../ruleset.js";
import type { KubeProxyFeatures } from "./features.js";
import { MASQ_MARK, REJECT, comment, ctstate, dnat, dstLocal, host, jumpTo, l4, mark, net, probabilityText, proto, rule, srcLocal, statistic } from "./rules.js";
import { type EndpointInfo, type PortInfo, portInfos } from "./service-ports.js";
import { sharedChain } from "./shared-chains.js";

const KP = { by: "kube-proxy" as const };
const LOOPBACK = { addr: 0x7f000000, len: 8 };

export function writeLegacyIptables(rs: RuleSet, cluster: Cluster, node: Node, f: KubeProxyFeatures): void {
  writeJumps(rs, f);
  writeStatic(rs, cluster, f);
  for (const info of portInfos(cluster, f.minor)) writeServicePort(rs, cluster, node, info, f);
  rs.append("nat", "KUBE-SERVICES", rule({ matches: [comment("kubernetes service nodeports; NOTE: this must be the last rule in this chain"), dstLocal], target: jumpTo("KUBE-NODEPORTS") }, KP));
}

/** EnsureRule(Prepend) of each jump, in kube-proxy's list order: later entries end up on top. */
function writeJumps(rs: RuleSet, f: KubeProxyFeatures): void {
  const nw = [ctstate(["NEW"])];
  const jumps: ["filter" | "nat", string, Match[], string, string][] = [];
  if (f.externalServicesChain) {
    jumps.push(["filter", "INPUT", nw, "kubernetes externally-visible service portals", "KUBE-EXTERNAL-SERVICES"]);
    if (f.externalServicesFromForward) jumps.push(["filter", "FORWARD", nw, "kubernetes externally-visible service portals", "KUBE-EXTERNAL-SERVICES"]);
  }
  if (f.forwardToServices) {
    jumps.push(["filter", "FORWARD", nw, "kubernetes service portals", "KUBE-SERVICES"]);
    jumps.push(["filter", "OUTPUT", nw, "kubernetes service portals", "KUBE-SERVICES"]);
    if (f.inputToServices) jumps.push(["filter", "INPUT", nw, "kubernetes service portals", "KUBE-SERVICES"]);
  } else {
    jumps.push(["filter", "OUTPUT", [], "kubernetes service portals", "KUBE-SERVICES"]);
  }
  jumps.push(["nat", "OUTPUT", [], "kubernetes service portals", "KUBE-SERVICES"]);
  jumps.push(["nat", "PREROUTING", [], "kubernetes service portals", "KUBE-SERVICES"]);
  jumps.push(["nat", "POSTROUTING", [], "kubernetes postrouting rules", "KUBE-POSTROUTING"]);
  if (f.forwardChain) jumps.push(["filter", "FORWARD", [], "kubernetes forwarding rules", "KUBE-FORWARD"]);
  for (const [table, chain, extra, text, target] of jumps) {
    rs.chain(table, target);
    rs.ensure(table, chain, rule({ matches: [...extra, comment(text)], target: jumpTo(target) }, KP), "prepend");
  }
}

function writeStatic(rs: RuleSet, cluster: Cluster, f: KubeProxyFeatures): void {
  rs.flush("filter", "KUBE-SERVICES");
  if (f.externalServicesChain) rs.flush("filter", "KUBE-EXTERNAL-SERVICES");
  if (f.healthCheckChain) rs.flush("filter", "KUBE-NODEPORTS");
  for (const c of ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"]) rs.flush("nat", c);
  if (f.xlbChains) rs.chain("nat", "KUBE-MARK-DROP");
  if (f.forwardChain) {
    rs.flush("filter", "KUBE-FORWARD");
    if (f.forwardInvalidDrop) rs.append("filter", "KUBE-FORWARD", rule({ matches: [ctstate(["INVALID"])], target: { t: "DROP" } }, KP));
    rs.append("filter", "KUBE-FORWARD", rule({ matches: [comment("kubernetes forwarding rules"), mark(MASQ_MARK, MASQ_MARK)], target: { t: "ACCEPT" } }, KP));
    const cidr = cluster.kubeProxy.clusterCIDR;
    const established = ctstate(["RELATED", "ESTABLISHED"]);
    if (f.forwardConntrack === "single") {
      rs.append("filter", "KUBE-FORWARD", rule({ matches: [comment("kubernetes forwarding conntrack rule"), established], target: { t: "ACCEPT" } }, KP));
    } else if (f.forwardConntrack === "pod-rules" || cidr) {
      const src = f.forwardConntrack === "cidr" && cidr ? { src: net(cidr) } : {};
      const dst = f.forwardConntrack === "cidr" && cidr ? { dst: net(cidr) } : {};
      rs.append("filter", "KUBE-FORWARD", rule({ ...src, matches: [comment("kubernetes forwarding conntrack pod source rule"), established], target: { t: "ACCEPT" } }, KP));
      rs.append("filter", "KUBE-FORWARD", rule({ ...dst, matches: [comment("kubernetes forwarding conntrack pod destination rule"), established], target: { t: "ACCEPT" } }, KP));
    }
  }
  const masq = { t: "MASQUERADE" as const, randomFully: f.randomFully };
  if (f.postroutingTriple) {
    rs.append("nat", "KUBE-POSTROUTING", rule({ matches: [mark(MASQ_MARK, MASQ_MARK, true)], target: { t: "RETURN" } }, KP));
    rs.append("nat", "KUBE-POSTROUTING", rule({ target: { t: "MARK", value: MASQ_MARK, mask: 0 } }, KP));
    rs.append("nat", "KUBE-POSTROUTING", rule({ matches: [comment("kubernetes service traffic requiring SNAT")], target: masq }, KP));
  } else {
    rs.append("nat", "KUBE-POSTROUTING", rule({ matches: [comment("kubernetes service traffic requiring SNAT"), mark(MASQ_MARK, MASQ_MARK)], target: masq }, KP));
  }
  rs.append("nat", "KUBE-MARK-MASQ", rule({ target: { t: "MARK", value: MASQ_MARK, mask: MASQ_MARK } }, KP));
}

interface PortCtx {
  info: PortInfo;
  f: KubeProxyFeatures;
  svcChain: string;
  xlbChain: string;
  dport: Match;
}

function writeServicePort(rs: RuleSet, cluster: Cluster, node: Node, info: PortInfo, f: KubeProxyFeatures): void {
  const { svc, port, name, proto: p, hash, origin } = info;
  const svcChain = `KUBE-SVC-${hash}`;
  const xlbChain = `KUBE-XLB-${hash}`;
  const onlyLocal = f.xlbChains && svc.externalTrafficPolicy === "Local" && svc.type !== "ClusterIP";
  const hasEndpoints = info.endpoints.length > 0;
  const dport = l4(p, port.port);
  const ctx: PortCtx = { info, f, svcChain, xlbChain, dport };
  const noEndpoints = (dst: number | null, chain: string, extra: Match[] = [], portMatch = dport): Rule =>
    rule({ ...(dst !== null ? { dst: host(dst) } : {}), proto: proto(p), matches: [comment(`${name} has no endpoints`), ...extra, portMatch], target: REJECT }, origin);
  const cip = svc.clusterIP!;

  if (hasEndpoints) {
    const base = { dst: host(cip), proto: proto(p), matches: [comment(`${name} cluster IP`), dport] };
    if (!f.masqInServiceChain) {
      const m = masqRule(cluster, f, base);
      if (m) rs.append("nat", "KUBE-SERVICES", rule(m, origin));
    }
    rs.append("nat", "KUBE-SERVICES", rule({ ...base, target: jumpTo(svcChain) }, origin));
  } else {
    rs.append("filter", "KUBE-SERVICES", noEndpoints(cip, "KUBE-SERVICES"));
  }
  for (const ip of svc.externalIPs) {
    if (hasEndpoints) {
      const base = { dst: host(ip), proto: proto(p), matches: [comment(`${name} external IP`), dport] };
      rs.append("nat", "KUBE-SERVICES", rule({ ...base, target: jumpTo("KUBE-MARK-MASQ") }, origin));
      rs.append("nat", "KUBE-SERVICES", rule({ ...base, matches: [...base.matches, { m: "physdev", isIn: { neg: true } }, { m: "addrtype", src: { types: ["LOCAL"], neg: true } }], target: jumpTo(svcChain) }, origin));
      rs.append("nat", "KUBE-SERVICES", rule({ ...base, matches: [...base.matches, dstLocal], target: jumpTo(svcChain) }, origin));
    } else if (f.externalServicesChain) {
      rs.append("filter", "KUBE-EXTERNAL-SERVICES", noEndpoints(ip, "KUBE-EXTERNAL-SERVICES"));
    }
  }
  for (const ip of svc.loadBalancerIPs) {
    if (hasEndpoints) writeLoadBalancer(rs, node, ctx, ip, onlyLocal);
    else rs.append("filter", f.externalServicesFromForward ? "KUBE-EXTERNAL-SERVICES" : "KUBE-SERVICES", noEndpoints(ip, ""));
  }
  if (port.nodePort !== null) {
    const np = l4(p, port.nodePort);
    const base = { proto: proto(p), matches: [comment(name), np] };
    if (hasEndpoints) {
      if (!onlyLocal) {
        if (!f.masqInServiceChain) rs.append("nat", "KUBE-NODEPORTS", rule({ ...base, target: jumpTo("KUBE-MARK-MASQ") }, origin));
        rs.append("nat", "KUBE-NODEPORTS", rule({ ...base, target: jumpTo(svcChain) }, origin));
      } else {
        rs.append("nat", "KUBE-NODEPORTS", rule({ ...base, src: net(LOOPBACK), target: jumpTo("KUBE-MARK-MASQ") }, origin));
        rs.append("nat", "KUBE-NODEPORTS", rule({ ...base, target: jumpTo(xlbChain) }, origin));
      }
    } else if (f.externalServicesChain) {
      rs.append("filter", "KUBE-EXTERNAL-SERVICES", noEndpoints(null, "", [dstLocal], np));
    }
  }
  if (svc.healthCheckNodePort !== null && f.healthCheckChain && port === svc.ports[0]) {
    rs.append("filter", "KUBE-NODEPORTS", rule({ proto: proto("tcp"), matches: [comment(`${name} health check node port`), l4("tcp", svc.healthCheckNodePort)], target: { t: "ACCEPT" } }, origin));
  }
  if (!hasEndpoints) return;
  writeServiceChain(rs, cluster, ctx);
  for (const e of info.endpoints) rs.setRules("nat", e.sepChain, sharedChain(cluster, e.sepChain, () => endpointRules(ctx, e)));
  if (onlyLocal) writeXlbChain(rs, cluster, node, ctx);
}

/** The "masquerade off-cluster traffic to the VIP" rule; undefined when neither masqueradeAll nor a cluster CIDR applies. */
function masqRule(cluster: Cluster, f: KubeProxyFeatures, base: Omit<Rule, "target">): Omit<Rule, "origin"> | undefined {
  if (cluster.kubeProxy.masqueradeAll) return { ...base, target: jumpTo("KUBE-MARK-MASQ") };
  const cidr = cluster.kubeProxy.clusterCIDR;
  if (cidr && f.clusterCidrMasq) return { ...base, src: net(cidr, true), target: jumpTo("KUBE-MARK-MASQ") };
  return undefined;
}

function epComment(ctx: PortCtx, e: EndpointInfo): Match[] {
  if (!ctx.f.endpointComments) return [];
  return [comment(ctx.f.arrowComments ? `${ctx.info.name} -> ${e.text}` : ctx.info.name)];
}

function writeServiceChain(rs: RuleSet, cluster: Cluster, ctx: PortCtx): void {
  const { info, f, svcChain } = ctx;
  rs.setRules("nat", svcChain, sharedChain(cluster, svcChain, () => {
    const out: Rule[] = [];
    if (f.masqInServiceChain) {
      const m = masqRule(cluster, f, { dst: host(info.svc.clusterIP!), proto: proto(info.proto), matches: [comment(`${info.name} cluster IP`), ctx.dport] });
      if (m) out.push(rule(m, info.origin));
      if (info.port.nodePort !== null && !(info.svc.externalTrafficPolicy === "Local" && f.xlbChains)) {
        out.push(rule({ proto: proto(info.proto), matches: [comment(info.name), l4(info.proto, info.port.nodePort)], target: jumpTo("KUBE-MARK-MASQ") }, info.origin));
      }
    }
    out.push(...balance(ctx, info.endpoints, (e) => epComment(ctx, e)));
    return out;
  }));
}

/** Affinity checks first, then the random split 1/n, 1/(n-1), ... (last rule always matches). */
function balance(ctx: PortCtx, endpoints: EndpointInfo[], commentFor: (e: EndpointInfo, i: number) => Match[], affinityComment = commentFor): Rule[] {
  const { info, f } = ctx;
  const out: Rule[] = [];
  if (info.svc.sessionAffinity === "ClientIP") {
    endpoints.forEach((e, i) => {
      out.push(rule({ matches: [...affinityComment(e, i), { m: "recent", op: "rcheck", name: e.sepChain, seconds: info.svc.sessionAffinityTimeout, reap: true, mask: "255.255.255.255", side: "rsource", neg: false }], target: jumpTo(e.sepChain) }, info.origin));
    });
  }
  const n = endpoints.length;
  endpoints.forEach((e, i) => {
    const stat = i < n - 1 ? [statistic(probabilityText(n - i, f.probabilityDigits))] : [];
    out.push(rule({ matches: [...commentFor(e, i), ...stat], target: jumpTo(e.sepChain) }, info.origin));
  });
  return out;
}

function endpointRules(ctx: PortCtx, e: EndpointInfo): Rule[] {
  const { info, f } = ctx;
  const origin = { ...info.origin, object: `${info.origin.object} endpoint ${e.text}` };
  const c = f.endpointComments ? [comment(info.name)] : [];
  const affinity: Match[] = info.svc.sessionAffinity === "ClientIP" ? [{ m: "recent", op: "set", name: e.sepChain, reap: false, mask: "255.255.255.255", side: "rsource", neg: false }] : [];
  return [
    rule({ src: host(e.ep.ip), matches: [...c], target: jumpTo("KUBE-MARK-MASQ") }, origin),
    rule({ proto: proto(info.proto), matches: [...c, ...affinity, l4(info.proto)], target: dnat(e.text) }, origin),
  ];
}

function writeLoadBalancer(rs: RuleSet, node: Node, ctx: PortCtx, ip: number, onlyLocal: boolean): void {
  const { info, svcChain, xlbChain, dport } = ctx;
  const fw = `KUBE-FW-${info.hash}`;
  rs.append("nat", "KUBE-SERVICES", rule({ dst: host(ip), proto: proto(info.proto), matches: [comment(`${info.name} loadbalancer IP`), dport], target: jumpTo(fw) }, info.origin));
  const c = [comment(`${info.name} loadbalancer IP`)];
  const chosen = onlyLocal ? xlbChain : svcChain;
  const rules: Rule[] = rs.chain("nat", fw).rules;
  if (!onlyLocal) rules.push(rule({ matches: c, target: jumpTo("KUBE-MARK-MASQ") }, info.origin));
  const ranges = info.svc.loadBalancerSourceRanges;
  if (ranges.length === 0) rules.push(rule({ matches: c, target: jumpTo(chosen) }, info.origin));
  let allowFromNode = false;
  for (const r of ranges) {
    rules.push(rule({ src: net(r), matches: c, target: jumpTo(chosen) }, info.origin));
    if (r.len === 0 || ((node.ip ^ r.addr) >>> (32 - r.len)) === 0) allowFromNode = true;
  }
  if (allowFromNode) rules.push(rule({ src: host(ip), matches: c, target: jumpTo(chosen) }, info.origin));
  rules.push(rule({ matches: c, target: jumpTo("KUBE-MARK-DROP") }, info.origin));
}

/** externalTrafficPolicy Local: pods go to the cluster chain, everything else only to this node's endpoints. */
function writeXlbChain(rs: RuleSet, cluster: Cluster, node: Node, ctx: PortCtx): void {
  const { info, f, svcChain, xlbChain } = ctx;
  const rules: Rule[] = [];
  const cidr = cluster.kubeProxy.clusterCIDR;
  if (cidr) rules.push(rule({ src: net(cidr), matches: [comment("Redirect pods trying to reach external loadbalancer VIP to clusterIP")], target: jumpTo(svcChain) }, info.origin));
  if (f.xlbLocalRules) {
    rules.push(rule({ matches: [comment(`masquerade LOCAL traffic for ${info.name} LB IP`), srcLocal], target: jumpTo("KUBE-MARK-MASQ") }, info.origin));
    rules.push(rule({ matches: [comment(`route LOCAL traffic for ${info.name} LB IP to service chain`), srcLocal], target: jumpTo(svcChain) }, info.origin));
  }
  const local = info.endpoints.filter((e) => e.ep.node === node.name);
  if (local.length === 0) {
    rules.push(rule({ matches: [comment(`${info.name} has no local endpoints`)], target: jumpTo("KUBE-MARK-DROP") }, info.origin));
  } else {
    rules.push(...balance(ctx, local, (_e, i) => [comment(`Balancing rule ${i} for ${info.name}`)], () => [comment(info.name)]));
  }
  rs.setRules("nat", xlbChain, rules);
}
