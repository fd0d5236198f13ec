// The objects of a generated description, in description order, as plain data
// in the `k8s-nettrace/v1` schema. Addresses the loader's allocators would pick
// anyway (node subnets, pod IPs, ClusterIPs) are left to them, which keeps an
// L description near 30 MB.
//
// Layout, for pod number k (Deployments listed one after another):
//   k < services × endpoints  →  replica k % endpoints of service k / endpoints
//   otherwise                 →  a client pod that no service selects
// and pod k runs on node k % nodes, so a service's replicas sit on consecutive
// nodes, as the scheduler's spreading puts them, and every node gets exactly
// `podsPerNode` pods.

import { formatIp4 } from "../model/addr.js";
import type { Shape } from "./shape.js";
import { shapeFlags } from "./shape.js";

export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };
export type Entity = { [key: string]: Value };

/** Services per namespace: L's 10,000 services fall into 500 namespaces of 300 pods (limit 3,000). */
const SERVICES_PER_NAMESPACE = 20;
const DNS_IP = "10.96.0.10";
const CONTAINER_PORT = 8080;

export interface Description {
  /** `k8s-nettrace generate ...`: how to make the same file again. */
  command: string;
  /** apiVersion … underlay: the small top-level fields. */
  head: Entity;
  nodes(): Iterable<Entity>;
  pods(): Iterable<Entity>;
  services(): Iterable<Entity>;
}

export function describe(shape: Shape): Description {
  const { nodes, podsPerNode, services, endpoints } = shape;
  // flannel's default Network when /24 subnets fit, else a /9 (32,768 subnets).
  const podCIDR = nodes <= 256 ? "10.244.0.0/16" : "10.128.0.0/9";
  const small = nodes <= 240;
  const underlay = small ? { cidr: "192.168.56.0/24", gateway: "192.168.56.1", first: 0xc0a8380b } : { cidr: "192.168.0.0/16", gateway: "192.168.0.1", first: 0xc0a8000a };
  const nodeName = padded("node-", nodes);
  const appName = padded("app-", services);
  const nsName = padded("ns-", Math.ceil(services / SERVICES_PER_NAMESPACE));
  const head: Entity = {
    apiVersion: "k8s-nettrace/v1",
    kind: "Cluster",
    metadata: { name: `gen-${nodes}n-${podsPerNode}p-${services}s-${endpoints}e` },
    network: { podCIDR, serviceCIDR: "10.96.0.0/12", backend: "vxlan", bridge: "cni0" },
    kubeProxy: { mode: "iptables", version: "1.28" },
    dns: { domain: "cluster.local", service: "kube-system/kube-dns" },
    underlay: { cidr: underlay.cidr, gateway: underlay.gateway },
  };
  const deployment = (a: number): { name: string; namespace: string } =>
    a === 0 ? { name: "coredns", namespace: "kube-system" } : { name: appName(a), namespace: nsName(Math.floor((a - 1) / SERVICES_PER_NAMESPACE)) };

  return {
    command: `k8s-nettrace generate ${shapeFlags(shape)}`,
    head,
    *nodes(): Generator<Entity> {
      for (let i = 0; i < nodes; i++) yield { name: nodeName(i), ip: formatIp4(underlay.first + i) };
    },
    *pods(): Generator<Entity> {
      const total = nodes * podsPerNode;
      const selected = services * endpoints;
      for (let k = 0; k < total; k++) {
        const node = nodeName(k % nodes);
        if (k >= selected) {
          yield { name: podName("client", "default", k - selected), namespace: "default", node, labels: { app: "client" }, containers: [{ name: "curl", image: "curlimages/curl:8.4.0" }] };
          continue;
        }
        const a = Math.floor(k / endpoints);
        const { name, namespace } = deployment(a);
        const pod = podName(name, namespace, k % endpoints);
        if (a === 0) yield { name: pod, namespace, node, labels: { "k8s-app": "kube-dns" }, containers: [COREDNS] };
        else yield { name: pod, namespace, node, labels: { app: name }, containers: [{ name: "app", image: "nginx:1.25", ports: [{ name: "http", containerPort: CONTAINER_PORT }] }] };
      }
    },
    *services(): Generator<Entity> {
      yield {
        name: "kube-dns", namespace: "kube-system", clusterIP: DNS_IP, selector: { "k8s-app": "kube-dns" },
        ports: [{ name: "dns", port: 53, targetPort: 53, protocol: "UDP" }, { name: "dns-tcp", port: 53, targetPort: 53, protocol: "TCP" }, { name: "metrics", port: 9153, targetPort: 9153 }],
      };
      for (let a = 1; a < services; a++) {
        const { name, namespace } = deployment(a);
        yield { name, namespace, selector: { app: name }, ports: [{ name: "http", port: 80, targetPort: "http" }] };
      }
    },
  };
}

const COREDNS: Entity = {
  name: "coredns",
  image: "registry.k8s.io/coredns/coredns:v1.10.1",
  ports: [{ name: "dns", containerPort: 53, protocol: "UDP" }, { name: "dns-tcp", containerPort: 53, protocol: "TCP" }, { name: "metrics", containerPort: 9153 }],
};

/** `prefix` + index zero-padded to the width of the largest index, so names sort in order. */
function padded(prefix: string, count: number): (i: number) => string {
  const width = String(Math.max(0, count - 1)).length;
  return (i) => prefix + String(i).padStart(width, "0");
}

// Pod names as a ReplicaSet makes them: <deployment>-<pod-template-hash>-<5 random characters>.
// The hash is SafeEncodeString of the decimal FNV-32a (k8s.io/apimachinery rand.SafeEncodeString,
// controller.ComputeHash); the random suffix is replaced by a fixed walk through the same
// alphabet that never repeats within a Deployment.
const ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";
const SUFFIXES = 27 ** 5;

function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function safeEncode(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) out += ALPHANUMS[text.charCodeAt(i) % ALPHANUMS.length];
  return out;
}

function podName(deployment: string, namespace: string, replica: number): string {
  const h = fnv32a(`${namespace}/${deployment}`);
  // 7919 is prime and not 3, so it is coprime with 27^5: replicas below 27^5 get distinct suffixes.
  let s = (h + replica * 7919) % SUFFIXES;
  let suffix = "";
  for (let i = 0; i < 5; i++, s = Math.floor(s / 27)) suffix += ALPHANUMS[s % 27];
  return `${deployment}-${safeEncode(String(h))}-${suffix}`;
}
