// kube-proxy iptables mode, the layout of v1.25 and later (EXT/SVL chains,
// KUBE-PROXY-FIREWALL, its own KUBE-FIREWALL): pkg/proxy/iptables/proxier.go
// syncProxyRules, as summarised in reference kube-proxy.md §2.

import type { Cluster, Node } from "../../model/cluster.js";
import type { Rule } from "../../netfilter/rule.js";
import type { RuleSet } from "../ruleset.js";
import type { KubeProxyFeatures } from "./features.js";
import { MASQ_MARK, REJECT, comment, ctstate, dstLocal, host, jumpTo, l4, mark, net, proto, rule, srcLocal } from "./rules.js";
import { type EndpointInfo, type PortInfo, portInfos, totalEndpoints } from "./service-ports.js";
import { sharedChain } from "./shared-chains.js";
import { type SharedRules, clusterWideChains, endpointRules, internalMasqRule, sharedRulesOf, toEndpointRules, usesClusterChain } from "./modern-chains.js";

const KP = { by: "kube-proxy" as const };

export function writeModernIptables(rs: RuleSet, cluster: Cluster, node: Node, f: KubeProxyFeatures): void {
  writeJumps(rs, f);
  writeStatic(rs, f);
  const infos = portInfos(cluster, f.minor);
  const large = f.largeClusterMode && totalEndpoints(infos) > 1000;
  rs.layer("nat", clusterWideChains(cluster, infos, large));
  const shared = sharedRulesOf(infos);
  for (let i = 0; i < infos.length; i++) writeServicePort(rs, cluster, node, infos[i]!, shared[i]!, f, large);
  rs.append("nat", "KUBE-SERVICES", TO_NODEPORTS);
}

/** The last rule of KUBE-SERVICES, the same object on every node (so identical lists can be shared). */
const TO_NODEPORTS: Rule = Object.freeze(rule({ matches: [comment("kubernetes service nodeports; NOTE: this must be the last rule in this chain"), dstLocal], target: jumpTo("KUBE-NODEPORTS") }, KP));

/** Jump rules, each inserted at the top unless already present, in kube-proxy's order (§2.2). */
function writeJumps(rs: RuleSet, f: KubeProxyFeatures): void {
  const jumps: (readonly ["filter" | "nat", string, ReturnType<typeof ctstate> | null, string, string])[] = [
    ["filter", "INPUT", ctstate(["NEW"]), "kubernetes externally-visible service portals", "KUBE-EXTERNAL-SERVICES"],
    ["filter", "FORWARD", ctstate(["NEW"]), "kubernetes externally-visible service portals", "KUBE-EXTERNAL-SERVICES"],
    ...(f.healthCheckChain ? [["filter", "INPUT", null, "kubernetes health check service ports", "KUBE-NODEPORTS"] as const] : []),
    ["filter", "FORWARD", ctstate(["NEW"]), "kubernetes service portals", "KUBE-SERVICES"],
    ["filter", "OUTPUT", ctstate(["NEW"]), "kubernetes service portals", "KUBE-SERVICES"],
    ["filter", "FORWARD", null, "kubernetes forwarding rules", "KUBE-FORWARD"],
    ...(f.proxyFirewall
      ? ([
          ["filter", "INPUT", ctstate(["NEW"]), "kubernetes load balancer firewall", "KUBE-PROXY-FIREWALL"],
          ["filter", "OUTPUT", ctstate(["NEW"]), "kubernetes load balancer firewall", "KUBE-PROXY-FIREWALL"],
          ["filter", "FORWARD", ctstate(["NEW"]), "kubernetes load balancer firewall", "KUBE-PROXY-FIREWALL"],
        ] as const)
      : []),
    ["nat", "OUTPUT", null, "kubernetes service portals", "KUBE-SERVICES"],
    ["nat", "PREROUTING", null, "kubernetes service portals", "KUBE-SERVICES"],
    ["nat", "POSTROUTING", null, "kubernetes postrouting rules", "KUBE-POSTROUTING"],
  ];
  for (const [table, chain, extra, text, target] of jumps) {
    rs.chain(table, target);
    rs.ensure(table, chain, rule({ matches: extra ? [extra, comment(text)] : [comment(text)], target: jumpTo(target) }, KP), "prepend");
  }
  if (!f.ownFirewall) return;
  // The localnet firewall jumps kubelet also writes (identical rule, so not duplicated).
  rs.chain("filter", "KUBE-FIREWALL");
  rs.ensure("filter", "INPUT", rule({ target: jumpTo("KUBE-FIREWALL") }, KP), "prepend");
  rs.ensure("filter", "OUTPUT", rule({ target: jumpTo("KUBE-FIREWALL") }, KP), "prepend");
}

/** Chains kube-proxy lists in every restore (and so flushes) and their fixed rules (§2.3). */
function writeStatic(rs: RuleSet, f: KubeProxyFeatures): void {
  for (const c of ["KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD"]) rs.flush("filter", c);
  if (f.healthCheckChain) rs.flush("filter", "KUBE-NODEPORTS");
  if (f.proxyFirewall) rs.flush("filter", "KUBE-PROXY-FIREWALL");
  else rs.chain("nat", "KUBE-MARK-DROP");
  if (f.ownFirewall) rs.flush("filter", "KUBE-FIREWALL");
  for (const c of ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"]) rs.flush("nat", c);
  rs.append("filter", "KUBE-FORWARD", rule({ matches: [ctstate(["INVALID"])], target: { t: "DROP" } }, KP));
  rs.append("filter", "KUBE-FORWARD", rule({ matches: [comment("kubernetes forwarding rules"), mark(MASQ_MARK, MASQ_MARK)], target: { t: "ACCEPT" } }, KP));
  rs.append("filter", "KUBE-FORWARD", rule({ matches: [comment("kubernetes forwarding conntrack rule"), ctstate(["RELATED", "ESTABLISHED"])], target: { t: "ACCEPT" } }, KP));
  if (f.ownFirewall) rs.append("filter", "KUBE-FIREWALL", localnetRule());
  rs.append("nat", "KUBE-POSTROUTING", rule({ matches: [mark(MASQ_MARK, MASQ_MARK, true)], target: { t: "RETURN" } }, KP));
  rs.append("nat", "KUBE-POSTROUTING", rule({ target: { t: "MARK", value: MASQ_MARK, mask: 0 } }, KP));
  rs.append("nat", "KUBE-POSTROUTING", rule({ matches: [comment("kubernetes service traffic requiring SNAT")], target: { t: "MASQUERADE", randomFully: f.randomFully } }, KP));
  rs.append("nat", "KUBE-MARK-MASQ", rule({ target: { t: "MARK", value: MASQ_MARK, mask: MASQ_MARK } }, KP));
}

/** KUBE-FIREWALL: drop packets to 127/8 that did not come from loopback (route_localnet hardening). */
export function localnetRule(): Rule {
  return rule(
    {
      src: net({ addr: 0x7f000000, len: 8 }, true),
      dst: net({ addr: 0x7f000000, len: 8 }),
      matches: [comment("block incoming localnet connections"), ctstate(["RELATED", "ESTABLISHED", "DNAT"], true)],
      target: { t: "DROP" },
    },
    KP,
  );
}

function writeServicePort(rs: RuleSet, cluster: Cluster, node: Node, info: PortInfo, shared: SharedRules, f: KubeProxyFeatures, large: boolean): void {
  const { svc, port, name, proto: p } = info;
  const origin = info.origin;
  // `shared`: the chain names and the rules that do not depend on the node.
  const svcChain = info.svcChain;
  const { svlChain, extChain, fwChain } = shared;
  const all = info.endpoints;
  const hasEndpoints = all.length > 0;
  const externallyAccessible = svc.type !== "ClusterIP" || svc.externalIPs.length > 0;
  const internalLocal = svc.internalTrafficPolicy === "Local";
  const externalLocal = svc.externalTrafficPolicy === "Local" && svc.type !== "ClusterIP";
  // Only a Local policy looks at which endpoints run on this node.
  const local = internalLocal || externalLocal ? all.filter((e) => e.ep.node === node.name) : NO_ENDPOINTS;
  const hasInternalEndpoints = internalLocal ? local.length > 0 : hasEndpoints;
  const hasExternalEndpoints = externalLocal ? local.length > 0 : hasEndpoints;
  const usesCluster = usesClusterChain(info);
  const usesLocal = local.length > 0 && (internalLocal || externalLocal);
  const usesExternal = hasEndpoints && externallyAccessible;
  const usesFW = hasExternalEndpoints && svc.loadBalancerIPs.length > 0 && svc.loadBalancerSourceRanges.length > 0;
  const internalChain = internalLocal ? svlChain : svcChain;
  const externalPolicyChain = externalLocal ? svlChain : svcChain;
  const lbChain = usesFW ? fwChain : extChain;
  const dport = shared.dport;
  const cip = svc.clusterIP!;
  const filterComment = hasEndpoints ? shared.noLocalEndpoints : shared.noEndpointsComment;
  const filterTarget = hasEndpoints ? ({ t: "DROP" } as const) : REJECT;

  // The same rule on every node, built once per service port (10,000 of them per node at L).
  if (hasInternalEndpoints) {
    shared.clusterIP ??= rule({ dst: host(cip), proto: proto(p), matches: [comment(`${name} cluster IP`), dport], target: jumpTo(internalChain) }, origin);
    rs.append("nat", "KUBE-SERVICES", shared.clusterIP);
  } else {
    // With endpoints elsewhere this is internalTrafficPolicy Local with none here: DROP, else REJECT.
    shared.noEndpoints ??= rule({ dst: host(cip), proto: proto(p), matches: [comment(filterComment), dport], target: filterTarget }, origin);
    rs.append("filter", "KUBE-SERVICES", shared.noEndpoints);
  }
  for (const ip of svc.externalIPs) {
    if (hasEndpoints) rs.append("nat", "KUBE-SERVICES", rule({ dst: host(ip), proto: proto(p), matches: [comment(`${name} external IP`), dport], target: jumpTo(extChain) }, origin));
    if (!hasExternalEndpoints) rs.append("filter", "KUBE-EXTERNAL-SERVICES", rule({ dst: host(ip), proto: proto(p), matches: [comment(filterComment), dport], target: filterTarget }, origin));
  }
  for (const ip of svc.loadBalancerIPs) {
    if (hasEndpoints) rs.append("nat", "KUBE-SERVICES", rule({ dst: host(ip), proto: proto(p), matches: [comment(`${name} loadbalancer IP`), dport], target: jumpTo(lbChain) }, origin));
    if (usesFW && f.proxyFirewall) rs.append("filter", "KUBE-PROXY-FIREWALL", rule({ dst: host(ip), proto: proto(p), matches: [comment(`${name} traffic not accepted by ${fwChain}`), dport], target: { t: "DROP" } }, origin));
  }
  if (!hasExternalEndpoints) {
    for (const ip of svc.loadBalancerIPs) rs.append("filter", "KUBE-EXTERNAL-SERVICES", rule({ dst: host(ip), proto: proto(p), matches: [comment(filterComment), dport], target: filterTarget }, origin));
  }
  if (port.nodePort !== null) {
    const np = l4(p, port.nodePort);
    if (hasEndpoints) rs.append("nat", "KUBE-NODEPORTS", rule({ proto: proto(p), matches: [comment(name), np], target: jumpTo(extChain) }, origin));
    if (!hasExternalEndpoints) rs.append("filter", "KUBE-EXTERNAL-SERVICES", rule({ proto: proto(p), matches: [comment(filterComment), dstLocal, np], target: filterTarget }, origin));
  }
  if (svc.healthCheckNodePort !== null && f.healthCheckChain && port === svc.ports[0]) {
    rs.append("filter", "KUBE-NODEPORTS", rule({ proto: proto("tcp"), matches: [comment(`${name} health check node port`), l4("tcp", svc.healthCheckNodePort)], target: { t: "ACCEPT" } }, origin));
  }
  if (!hasEndpoints) return;

  if (usesExternal) writeExternalChain(rs, cluster, info, extChain, externalLocal, hasExternalEndpoints, externalPolicyChain, svcChain);
  if (usesFW) writeFirewallChain(rs, node, info, fwChain, extChain, f);
  // With usesCluster, KUBE-SVC and every endpoint's KUBE-SEP are in the cluster-wide layer.
  if (usesLocal) {
    const masq = internalMasqRule(cluster, info);
    const head = hasInternalEndpoints && internalChain === svlChain && masq ? [masq] : [];
    rs.setRules("nat", svlChain, [...head, ...toEndpointRules(info, local, large)]);
    if (!usesCluster) for (const e of local) rs.setRules("nat", e.sepChain, sharedChain(cluster, e.sepChain, () => endpointRules(info, e, large)));
  }
}

const NO_ENDPOINTS: readonly EndpointInfo[] = Object.freeze([]);

function writeExternalChain(rs: RuleSet, cluster: Cluster, info: PortInfo, ext: string, externalLocal: boolean, hasExternalEndpoints: boolean, policyChain: string, svcChain: string): void {
  const { name, origin } = info;
  const rules: Rule[] = [];
  if (!externalLocal) {
    rules.push(rule({ matches: [comment(`masquerade traffic for ${name} external destinations`)], target: jumpTo("KUBE-MARK-MASQ") }, origin));
  } else {
    const cidr = cluster.kubeProxy.clusterCIDR;
    if (cidr) rules.push(rule({ src: net(cidr), matches: [comment(`pod traffic for ${name} external destinations`)], target: jumpTo(svcChain) }, origin));
    rules.push(rule({ matches: [comment(`masquerade LOCAL traffic for ${name} external destinations`), srcLocal], target: jumpTo("KUBE-MARK-MASQ") }, origin));
    rules.push(rule({ matches: [comment(`route LOCAL traffic for ${name} external destinations`), srcLocal], target: jumpTo(svcChain) }, origin));
  }
  if (hasExternalEndpoints) rules.push(rule({ target: jumpTo(policyChain) }, origin));
  rs.setRules("nat", ext, rules);
}

function writeFirewallChain(rs: RuleSet, node: Node, info: PortInfo, fw: string, ext: string, f: KubeProxyFeatures): void {
  const { svc, name, origin } = info;
  const rules: Rule[] = [];
  let allowFromNode = false;
  for (const range of svc.loadBalancerSourceRanges) {
    rules.push(rule({ src: net(range), matches: [comment(`${name} loadbalancer IP`)], target: jumpTo(ext) }, origin));
    if (((node.ip ^ range.addr) & (range.len === 0 ? 0 : (0xffffffff << (32 - range.len)) >>> 0)) >>> 0 === 0) allowFromNode = true;
  }
  if (allowFromNode) for (const ip of svc.loadBalancerIPs) rules.push(rule({ src: host(ip), matches: [comment(`${name} loadbalancer IP`)], target: jumpTo(ext) }, origin));
  // 1.25+ leaves the drop to filter KUBE-PROXY-FIREWALL; before, the packet was marked for KUBE-FIREWALL to drop.
  if (f.proxyFirewall) rules.push(rule({ matches: [comment(`other traffic to ${name} will be dropped by KUBE-PROXY-FIREWALL`)] }, origin));
  else rules.push(rule({ matches: [comment(`${name} loadbalancer IP`)], target: jumpTo("KUBE-MARK-DROP") }, origin));
  rs.setRules("nat", fw, rules);
}
