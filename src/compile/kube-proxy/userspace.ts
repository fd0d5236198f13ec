// kube-proxy userspace mode (the default of 1.0–1.1, removed in 1.26):
// kube-proxy listens on one port per service port and splices connections;
// iptables only steers traffic to that socket (pkg/proxy/userspace/proxier.go,
// reference kube-proxy.md §5, docs/facts/node-iptables-eras.md §4, §12 i–ii).

import { formatIp4 } from "../../model/addr.js";
import type { Cluster, Node } from "../../model/cluster.js";
import type { Listener } from "../../model/kernel.js";
import type { Match, Rule } from "../../netfilter/rule.js";
import { proxyPorts } from "../naming.js";
import type { RuleSet } from "../ruleset.js";
import type { KubeProxyFeatures } from "./features.js";
import { comment, dstLocal, host, l4, proto, rule } from "./rules.js";
import { type PortInfo, portInfos } from "./service-ports.js";

const KP = { by: "kube-proxy" as const };

export function writeUserspace(rs: RuleSet, cluster: Cluster, node: Node, f: KubeProxyFeatures): void {
  for (const c of ["KUBE-PORTALS-CONTAINER", "KUBE-PORTALS-HOST", "KUBE-NODEPORT-CONTAINER", "KUBE-NODEPORT-HOST"]) rs.flush("nat", c);
  const portal = "handle ClusterIPs; NOTE: this must be before the NodePort rules";
  const nodePorts = "handle service NodePorts; NOTE: this must be the last rule in the chain";
  rs.ensure("nat", "PREROUTING", rule({ matches: [comment(portal)], target: { t: "jump", chain: "KUBE-PORTALS-CONTAINER" } }, KP), "prepend");
  rs.ensure("nat", "PREROUTING", rule({ matches: [dstLocal, comment(nodePorts)], target: { t: "jump", chain: "KUBE-NODEPORT-CONTAINER" } }, KP), "append");
  rs.ensure("nat", "OUTPUT", rule({ matches: [comment(portal)], target: { t: "jump", chain: "KUBE-PORTALS-HOST" } }, KP), "prepend");
  rs.ensure("nat", "OUTPUT", rule({ matches: [dstLocal, comment(nodePorts)], target: { t: "jump", chain: "KUBE-NODEPORT-HOST" } }, KP), "append");
  const nonLocal = f.minor >= 2;
  if (nonLocal) {
    rs.flush("filter", "KUBE-NODEPORT-NON-LOCAL");
    rs.ensure("filter", "INPUT", rule({ matches: [comment("Ensure that non-local NodePort traffic can flow")], target: { t: "jump", chain: "KUBE-NODEPORT-NON-LOCAL" } }, KP), "prepend");
  }
  const ports = proxyPorts(cluster, node);
  for (const info of portInfos(cluster, f.minor)) writePortals(rs, node, info, ports.get(info.port)!, f, nonLocal);
}

function writePortals(rs: RuleSet, node: Node, info: PortInfo, proxyPort: number, f: KubeProxyFeatures, nonLocal: boolean): void {
  const { svc, port, name, proto: p, origin } = info;
  const c = [comment(name)];
  // --bind-address 0.0.0.0 (the default): containers are REDIRECTed, host traffic DNATed to the default-route address.
  const redirect = { t: "REDIRECT" as const, toPorts: String(proxyPort) };
  const toHost = { t: "DNAT" as const, to: `${formatIp4(node.ip)}:${proxyPort}` };
  const portal = (chain: string, dst: number, extra: Match[], target: Rule["target"]): void =>
    rs.append("nat", chain, rule({ dst: host(dst), proto: proto(p), matches: [...c, l4(p, port.port), ...extra], ...(target ? { target } : {}) }, origin));
  for (const ip of [svc.clusterIP!, ...svc.loadBalancerIPs]) {
    portal("KUBE-PORTALS-CONTAINER", ip, [], redirect);
    portal("KUBE-PORTALS-HOST", ip, [], toHost);
  }
  for (const ip of svc.externalIPs) {
    if (f.minor >= 2) {
      portal("KUBE-PORTALS-CONTAINER", ip, [{ m: "physdev", isIn: { neg: true } }], redirect);
      portal("KUBE-PORTALS-CONTAINER", ip, [dstLocal], redirect);
      portal("KUBE-PORTALS-HOST", ip, [dstLocal], toHost);
    } else {
      portal("KUBE-PORTALS-CONTAINER", ip, [], redirect);
      portal("KUBE-PORTALS-HOST", ip, [], toHost);
    }
  }
  if (port.nodePort === null) return;
  const np = [...c, l4(p, port.nodePort)];
  rs.append("nat", "KUBE-NODEPORT-CONTAINER", rule({ proto: proto(p), matches: np, target: redirect }, origin));
  rs.append("nat", "KUBE-NODEPORT-HOST", rule({ proto: proto(p), matches: np, target: toHost }, origin));
  if (nonLocal) {
    // The 1.2 code appends the comment twice; the rule matches the proxy port, not the node port.
    const twice = f.minor <= 2 ? [...c, l4(p, proxyPort), ...c] : [...c, l4(p, proxyPort)];
    rs.append("filter", "KUBE-NODEPORT-NON-LOCAL", rule({ proto: proto(p), matches: [...twice, { m: "state", states: ["NEW"], neg: false }], target: { t: "ACCEPT" } }, origin));
  }
}

/**
 * kube-proxy's sockets: one per service port on its proxy port, and one
 * holding each node port open. Go listens dual-stack, so netstat shows tcp6/udp6 ":::".
 */
export function userspaceListeners(cluster: Cluster, node: Node): Listener[] {
  const ports = proxyPorts(cluster, node);
  const out: Listener[] = [];
  const pid = 930;
  for (const svc of cluster.services) {
    if (svc.clusterIP === null) continue;
    for (const port of svc.ports) {
      const v6 = port.protocol === "UDP" ? "udp6" : "tcp6";
      // LoadBalancerRR shuffles the endpoints on every change; the sorted order is the deterministic stand-in.
      const backends = port.endpoints.map((e) => ({ ip: e.ip, port: e.port, key: `${formatIp4(e.ip)}:${e.port}` })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(({ ip, port: p }) => ({ ip, port: p }));
      out.push({ proto: v6, addr: 0, port: ports.get(port)!, pid, program: "kube-proxy", app: "proxy", proxyTo: backends });
      if (port.nodePort !== null) out.push({ proto: v6, addr: 0, port: port.nodePort, pid, program: "kube-proxy", app: "generic" });
    }
  }
  out.push({ proto: "tcp", addr: 0x7f000001, port: 10249, pid, program: "kube-proxy", app: "http" });
  return out;
}

