// Lookups into a loaded cluster by the names and addresses users type. Built
// on first use and kept beside the cluster, so a question about one pod does
// not scan 150,000 of them (with a `ns/name` string made for each) every time.
// Each answers exactly what the first match of a scan in description order
// would.

import type { Ip4 } from "../model/addr.js";
import type { Cluster, Pod, Service } from "../model/cluster.js";

interface Index {
  podByKey: Map<string, Pod>;
  /** Pods by node name, in description order. */
  podsByNode: Map<string, Pod[]>;
  /** Pods with their own network namespace (not hostNetwork), by address. */
  podByIp: Map<Ip4, Pod>;
  /** Services by ClusterIP (headless ones have none). */
  serviceByIp: Map<Ip4, Service>;
}

const indexes = new WeakMap<Cluster, Index>();

function index(cluster: Cluster): Index {
  let i = indexes.get(cluster);
  if (!i) {
    i = { podByKey: new Map(), podsByNode: new Map(), podByIp: new Map(), serviceByIp: new Map() };
    for (const pod of cluster.pods) {
      const key = `${pod.namespace}/${pod.name}`;
      const onNode = i.podsByNode.get(pod.node);
      if (onNode) onNode.push(pod);
      else i.podsByNode.set(pod.node, [pod]);
      if (!i.podByKey.has(key)) i.podByKey.set(key, pod);
      if (!pod.hostNetwork && !i.podByIp.has(pod.ip)) i.podByIp.set(pod.ip, pod);
    }
    for (const svc of cluster.services) if (svc.clusterIP !== null && !i.serviceByIp.has(svc.clusterIP)) i.serviceByIp.set(svc.clusterIP, svc);
    indexes.set(cluster, i);
  }
  return i;
}

/** The pod called `namespace/name`: `cluster.pods.find((p) => `${p.namespace}/${p.name}` === key)`. */
export function podByKey(cluster: Cluster, key: string): Pod | undefined {
  return index(cluster).podByKey.get(key);
}

/** The pod owning an address in its own namespace: `cluster.pods.find((p) => p.ip === ip && !p.hostNetwork)`. */
export function podByIp(cluster: Cluster, ip: Ip4): Pod | undefined {
  return index(cluster).podByIp.get(ip);
}

/** The pods scheduled on a node, in description order: `cluster.pods.filter((p) => p.node === node)`. */
export function podsOnNode(cluster: Cluster, node: string): readonly Pod[] {
  return index(cluster).podsByNode.get(node) ?? [];
}

/** The service whose ClusterIP is `ip`: `cluster.services.find((s) => s.clusterIP === ip)`. */
export function serviceByClusterIp(cluster: Cluster, ip: Ip4): Service | undefined {
  return index(cluster).serviceByIp.get(ip);
}
