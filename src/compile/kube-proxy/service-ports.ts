// What kube-proxy derives from a Service port before writing any rule: the
// svcPortName string, the endpoints in kube-proxy's order, and the hashed
// chain names. Identical on every node, so computed once per cluster and
// shared (hashing 160,000 chain names is most of the compile time at scale).

import { formatIp4 } from "../../model/addr.js";
import type { Cluster, Endpoint, Service, ServicePort } from "../../model/cluster.js";
import type { Origin } from "../../netfilter/rule.js";
import { chainName, endpointChain, hash16 } from "./chain-names.js";

export interface EndpointInfo {
  ep: Endpoint;
  /** `ip:port`, the string kube-proxy sorts by and prints in comments. */
  text: string;
  sepChain: string;
}

export interface PortInfo {
  svc: Service;
  port: ServicePort;
  /** `ns/name:port`, `ns/name` or `ns/name:` depending on version (reference kube-proxy.md §1.1). */
  name: string;
  /** Lower-case protocol as kube-proxy writes it in -p/-m and hashes it. */
  proto: string;
  /** 16-character suffix shared by KUBE-SVC/SVL/EXT/FW/XLB chains of this port. */
  hash: string;
  /** KUBE-SVC-<hash>, named once for every node. */
  svcChain: string;
  /** Sorted by `ip:port` as plain strings (byte order), as kube-proxy sorts them. */
  endpoints: EndpointInfo[];
  origin: Origin;
}

export function svcPortName(svc: Service, port: ServicePort, minor: number): string {
  const base = `${svc.namespace}/${svc.name}`;
  if (port.name !== null && port.name !== "") return `${base}:${port.name}`;
  // Before 1.19 an unnamed port still got the separator: "ns/name:".
  return minor >= 19 ? base : `${base}:`;
}

/** Cached per cluster and version, so every node (and every trace) shares one copy. */
const cache = new WeakMap<Cluster, Map<number, PortInfo[]>>();

export function portInfos(cluster: Cluster, minor: number): PortInfo[] {
  let byMinor = cache.get(cluster);
  if (!byMinor) {
    byMinor = new Map();
    cache.set(cluster, byMinor);
  }
  let infos = byMinor.get(minor);
  if (!infos) {
    infos = buildInfos(cluster, minor);
    byMinor.set(minor, infos);
  }
  return infos;
}

function buildInfos(cluster: Cluster, minor: number): PortInfo[] {
  const out: PortInfo[] = [];
  for (const svc of cluster.services) {
    if (svc.clusterIP === null) continue; // headless: kube-proxy ignores it
    for (const port of svc.ports) {
      const name = svcPortName(svc, port, minor);
      const proto = port.protocol.toLowerCase();
      const endpoints = port.endpoints
        .map((ep) => ({ ep, text: `${formatIp4(ep.ip)}:${ep.port}`, sepChain: "" }))
        .sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
      for (const e of endpoints) e.sepChain = endpointChain(name, proto, e.text);
      const portLabel = port.name ? ` port ${port.name}` : ` port ${port.port}/${port.protocol}`;
      const origin: Origin = { by: "kube-proxy", object: `Service ${svc.namespace}/${svc.name}${portLabel}`, at: port.at.length ? port.at : svc.at };
      const hash = hash16(name + proto);
      out.push({ svc, port, name, proto, hash, svcChain: chainName("KUBE-SVC-", hash), endpoints, origin });
    }
  }
  // kube-proxy walks a Go map (random order per sync); we fix the order by svcPortName,
  // as kube-proxy's own tests do when they compare rule sets.
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.proto < b.proto ? -1 : a.proto > b.proto ? 1 : 0));
}

/** Total endpoints over all service ports: above 1000 kube-proxy drops per-endpoint comments. */
export function totalEndpoints(infos: PortInfo[]): number {
  let n = 0;
  for (const i of infos) n += i.endpoints.length;
  return n;
}
