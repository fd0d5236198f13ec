// The per-service chains of kube-proxy's 1.25+ layout (KUBE-SVC/SVL → KUBE-SEP,
// pkg/proxy/iptables/proxier.go) and what of them is the same on every node:
// the KUBE-SVC and KUBE-SEP chains of Cluster-policy ports, the KUBE-SERVICES
// rules, chain names and matches. Those are built once per cluster and shared
// by reference (never mutated afterwards); a node then costs only its own
// chains and a list of 10,000 references (see ARCHITECTURE.md, "Scale").

import type { Cluster } from "../../model/cluster.js";
import type { Chain, Match, Rule } from "../../netfilter/rule.js";
import { freezeChain } from "../../netfilter/layered-chains.js";
import { NO_MATCHES, comment, dnat, host, jumpTo, l4, net, probabilityText, proto, rule, statistic } from "./rules.js";
import type { EndpointInfo, PortInfo } from "./service-ports.js";
import { sharedChain } from "./shared-chains.js";
import { chainName } from "./chain-names.js";

/** The port's KUBE-SVC chain is written (internal policy Cluster, or external Cluster on an externally reachable service). */
export function usesClusterChain(info: PortInfo): boolean {
  const svc = info.svc;
  const externallyAccessible = svc.type !== "ClusterIP" || svc.externalIPs.length > 0;
  const externalLocal = svc.externalTrafficPolicy === "Local" && svc.type !== "ClusterIP";
  return info.endpoints.length > 0 && (svc.internalTrafficPolicy !== "Local" || (externallyAccessible && !externalLocal));
}

const clusterWide = new WeakMap<readonly PortInfo[], Map<string, Chain>>();

/**
 * The KUBE-SVC and KUBE-SEP chains of every port that uses its KUBE-SVC chain: the same on
 * every node (their content depends on the endpoints, not on where they run), so built once
 * per cluster and layered under each node's own nat chains.
 */
export function clusterWideChains(cluster: Cluster, infos: readonly PortInfo[], large: boolean): Map<string, Chain> {
  let chains = clusterWide.get(infos);
  if (chains) return chains;
  chains = new Map();
  for (const info of infos) {
    if (!usesClusterChain(info)) continue;
    // The masquerade rule heads KUBE-SVC when it is the internal chain (internalTrafficPolicy Cluster).
    const masq = info.svc.internalTrafficPolicy !== "Local" ? internalMasqRule(cluster, info) : undefined;
    const svcRules = sharedChain(cluster, info.svcChain, () => [...(masq ? [masq] : []), ...toEndpointRules(info, info.endpoints, large)]);
    chains.set(info.svcChain, freezeChain({ name: info.svcChain, rules: svcRules }));
    for (const e of info.endpoints) chains.set(e.sepChain, freezeChain({ name: e.sepChain, rules: sharedChain(cluster, e.sepChain, () => endpointRules(info, e, large)) }));
  }
  clusterWide.set(infos, chains);
  return chains;
}

/** What a service port's rules share on every node: chain names, matches, and the rules that do not depend on the node. */
export interface SharedRules {
  svlChain: string;
  extChain: string;
  fwChain: string;
  dport: Match;
  noLocalEndpoints: string;
  noEndpointsComment: string;
  clusterIP?: Rule;
  noEndpoints?: Rule;
}

const sharedByCluster = new WeakMap<readonly PortInfo[], SharedRules[]>();

/** The shared part of every port, in the order of `infos` (built by the first node compiled). */
export function sharedRulesOf(infos: readonly PortInfo[]): SharedRules[] {
  let list = sharedByCluster.get(infos);
  if (!list) {
    list = infos.map((info) => ({
      svlChain: chainName("KUBE-SVL-", info.hash),
      extChain: chainName("KUBE-EXT-", info.hash),
      fwChain: chainName("KUBE-FW-", info.hash),
      dport: l4(info.proto, info.port.port),
      noLocalEndpoints: `${info.name} has no local endpoints`,
      noEndpointsComment: `${info.name} has no endpoints`,
    }));
    sharedByCluster.set(infos, list);
  }
  return list;
}

/** First rule of the internal chain: masquerade what does not come from a pod (or everything with masqueradeAll). */
export function internalMasqRule(cluster: Cluster, info: PortInfo): Rule | undefined {
  const { masqueradeAll, clusterCIDR } = cluster.kubeProxy;
  const base = { dst: host(info.svc.clusterIP!), proto: proto(info.proto), matches: [comment(`${info.name} cluster IP`), l4(info.proto, info.port.port)], target: jumpTo("KUBE-MARK-MASQ") };
  if (masqueradeAll) return rule(base, info.origin);
  if (clusterCIDR) return rule({ ...base, src: net(clusterCIDR, true) }, info.origin);
  return undefined;
}

/** KUBE-SVC/SVL → KUBE-SEP: affinity checks first, then the random split (1/n, 1/(n-1), ..., last always). */
export function toEndpointRules(info: PortInfo, endpoints: readonly EndpointInfo[], large: boolean): Rule[] {
  const out: Rule[] = [];
  const { svc, name, origin } = info;
  const epComment = (e: EndpointInfo) => (large ? [] : [comment(`${name} -> ${e.text}`)]);
  if (svc.sessionAffinity === "ClientIP") {
    for (const e of endpoints) {
      out.push(rule({ matches: [...epComment(e), { m: "recent", op: "rcheck", name: e.sepChain, seconds: svc.sessionAffinityTimeout, reap: true, mask: "255.255.255.255", side: "rsource", neg: false }], target: jumpTo(e.sepChain) }, origin));
    }
  }
  const n = endpoints.length;
  endpoints.forEach((e, i) => {
    const stat = i < n - 1 ? [statistic(probabilityText(n - i, 10))] : NO_MATCHES;
    out.push(rule({ matches: large ? stat : [...epComment(e), ...stat], target: jumpTo(e.sepChain) }, origin));
  });
  return out;
}

/** KUBE-SEP: mark hairpin traffic (the pod reaching itself) for SNAT, then DNAT to the endpoint. */
export function endpointRules(info: PortInfo, e: EndpointInfo, large: boolean): Rule[] {
  const { svc, name, proto: p } = info;
  const origin = { ...info.origin, object: `${info.origin.object} endpoint ${e.text}` };
  const c = large ? NO_MATCHES : [comment(name)];
  const affinity = svc.sessionAffinity === "ClientIP" ? [{ m: "recent" as const, op: "set" as const, name: e.sepChain, reap: false, mask: "255.255.255.255", side: "rsource" as const, neg: false }] : NO_MATCHES;
  return [
    rule({ src: host(e.ep.ip), matches: c, target: jumpTo("KUBE-MARK-MASQ") }, origin),
    rule({ proto: proto(p), matches: c.length === 0 && affinity.length === 0 ? onlyL4(p) : [...c, ...affinity, l4(p)], target: dnat(e.text) }, origin),
  ];
}

const onlyL4Lists = new Map<string, Match[]>();

/** `-m tcp` alone, the match list of every KUBE-SEP DNAT rule in large-cluster mode. */
function onlyL4(p: string): Match[] {
  let list = onlyL4Lists.get(p);
  if (!list) {
    list = Object.freeze([l4(p)]) as unknown as Match[];
    onlyL4Lists.set(p, list);
  }
  return list;
}
