// Services: cluster IPs, node ports, and the endpoints the EndpointSlice
// controller would publish for each port.
//
// Cluster IPs: .1 of the service CIDR is always default/kubernetes (the
// apiserver reserves it); others are pinned in the description or handed out
// in order from .2, skipping pinned ones. The real allocator picks at random;
// in-order allocation is the deterministic stand-in. Node ports likewise go in
// order from 30000.

import { type Cidr, type Ip4, broadcastOf, contains, formatCidr, formatIp4, networkOf } from "../model/addr.js";
import type { Endpoint, Node, Pod, Service, ServicePort } from "../model/cluster.js";
import type { Checker } from "./check.js";
import type { ServiceDraft, ServicePortDraft } from "./read-cluster.js";
import type { LabelIndex } from "./resolve-pods.js";
import { nodeHint } from "./resolve-nodes.js";

const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;

interface Context {
  c: Checker;
  serviceCIDR: Cidr | undefined;
  nodes: Node[];
  pods: Pod[];
  labels: LabelIndex;
  /** Pods by address, for explicit endpoints; built once, on first use. */
  podByIp?: Map<Ip4, Pod>;
}

export function resolveServices(ctx: Context, drafts: ServiceDraft[]): Service[] {
  const { c } = ctx;
  const all = withKubernetes(ctx, drafts);
  const keys = new Set<string>();
  for (const s of all) {
    const key = `${s.namespace}/${s.name}`;
    if (keys.has(key)) c.error("duplicate-name", `service ${key} is listed twice`, [...s.at, "name"]);
    keys.add(key);
  }
  const ips = ctx.serviceCIDR ? allocateClusterIPs(ctx, all, ctx.serviceCIDR) : new Map<ServiceDraft, Ip4>();
  const nodePorts = allocateNodePorts(c, all);
  return all.map((s, index) => {
    const ports = s.ports.map((p) => resolvePort(ctx, s, p, nodePorts.get(p) ?? null));
    checkPortNames(c, s);
    if (s.externalTrafficPolicy === "Local" && s.type === "ClusterIP") {
      c.warn("ignored-field", `externalTrafficPolicy Local has no effect on ClusterIP service ${s.namespace}/${s.name}`, [...s.at, "externalTrafficPolicy"], {
        hint: "it applies to NodePort and LoadBalancer services",
      });
    }
    return {
      name: s.name,
      namespace: s.namespace,
      type: s.type,
      clusterIP: ips.get(s) ?? null,
      selector: s.selector,
      ports,
      externalTrafficPolicy: s.type === "ClusterIP" ? "Cluster" : s.externalTrafficPolicy,
      internalTrafficPolicy: s.internalTrafficPolicy,
      sessionAffinity: s.sessionAffinity,
      sessionAffinityTimeout: s.sessionAffinityTimeout,
      externalIPs: s.externalIPs,
      loadBalancerIPs: s.type === "LoadBalancer" ? s.loadBalancerIPs : [],
      loadBalancerSourceRanges: s.type === "LoadBalancer" ? s.loadBalancerSourceRanges : [],
      healthCheckNodePort: nodePorts.get(s) ?? null,
      implicit: s.at.length === 0,
      index,
      at: s.at,
    };
  });
}

/** Every cluster has default/kubernetes at .1: the apiserver on the first node, port 6443 (kubeadm's default). Its EndpointSlice, written by the apiserver, names no node. */
function withKubernetes(ctx: Context, drafts: ServiceDraft[]): ServiceDraft[] {
  if (drafts.some((s) => s.namespace === "default" && s.name === "kubernetes")) return drafts;
  const apiserver = ctx.nodes[0];
  const kubernetes: ServiceDraft = {
    name: "kubernetes",
    namespace: "default",
    type: "ClusterIP",
    clusterIP: ctx.serviceCIDR ? (networkOf(ctx.serviceCIDR) + 1) >>> 0 : undefined,
    selector: null,
    endpoints: apiserver ? [{ ip: apiserver.ip, port: 6443, node: null, at: [] }] : [],
    ports: [{ name: "https", port: 443, targetPort: 6443, protocol: "TCP", at: [] }],
    externalTrafficPolicy: "Cluster",
    internalTrafficPolicy: "Cluster",
    sessionAffinity: "None",
    sessionAffinityTimeout: 10800,
    externalIPs: [],
    loadBalancerIPs: [],
    loadBalancerSourceRanges: [],
    at: [],
  };
  return [kubernetes, ...drafts];
}

function allocateClusterIPs(ctx: Context, services: ServiceDraft[], serviceCIDR: Cidr): Map<ServiceDraft, Ip4> {
  const { c } = ctx;
  const out = new Map<ServiceDraft, Ip4>();
  const owner = new Map<Ip4, string>();
  const reservedFirst = (networkOf(serviceCIDR) + 1) >>> 0;
  for (const s of services) {
    const ip = s.clusterIP;
    if (ip === undefined || ip === null) continue;
    const key = `${s.namespace}/${s.name}`;
    const path = [...s.at, "clusterIP"];
    if (!contains(serviceCIDR, ip) || ip === networkOf(serviceCIDR) || ip === broadcastOf(serviceCIDR)) {
      c.error("ip-outside-subnet", `clusterIP ${formatIp4(ip)} of service ${key} is not a usable address of the service CIDR ${formatCidr(serviceCIDR)}`, path);
      continue;
    }
    if (ip === reservedFirst && key !== "default/kubernetes") {
      c.error("reserved-ip", `clusterIP ${formatIp4(ip)} is reserved for default/kubernetes`, path, { hint: "the apiserver always gives the service CIDR's first address to default/kubernetes" });
      continue;
    }
    const other = owner.get(ip);
    if (other) c.error("duplicate-ip", `clusterIP ${formatIp4(ip)} of service ${key} is already used by service ${other}`, path);
    owner.set(ip, key);
    out.set(s, ip);
  }
  let next = (networkOf(serviceCIDR) + 2) >>> 0;
  const last = (broadcastOf(serviceCIDR) - 1) >>> 0;
  for (const s of services) {
    if (s.clusterIP !== undefined) continue;
    while (next <= last && owner.has(next)) next++;
    if (next > last) {
      c.error("service-cidr-exhausted", `the service CIDR ${formatCidr(serviceCIDR)} has no address left for service ${s.namespace}/${s.name}`, [...s.at, "name"]);
      break;
    }
    owner.set(next, `${s.namespace}/${s.name}`);
    out.set(s, next++);
  }
  return out;
}

/** Node ports per service port (and health-check node ports per LoadBalancer+Local service). */
function allocateNodePorts(c: Checker, services: ServiceDraft[]): Map<ServicePortDraft | ServiceDraft, number> {
  const out = new Map<ServicePortDraft | ServiceDraft, number>();
  const owner = new Map<string, string>();
  const claim = (port: number, protocol: string, who: string, path: readonly (string | number)[]): void => {
    const other = owner.get(`${protocol}/${port}`);
    if (other) c.error("duplicate-node-port", `nodePort ${port}/${protocol} of ${who} is already used by ${other}`, path);
    owner.set(`${protocol}/${port}`, who);
  };
  for (const s of services) {
    for (const p of s.ports) {
      if (p.nodePort === undefined) continue;
      if (s.type === "ClusterIP") {
        c.error("bad-node-port", `service ${s.namespace}/${s.name} is of type ClusterIP and cannot have a nodePort`, [...p.at, "nodePort"], { hint: "set type: NodePort (or LoadBalancer)" });
        continue;
      }
      claim(p.nodePort, p.protocol, `service ${s.namespace}/${s.name}`, [...p.at, "nodePort"]);
      out.set(p, p.nodePort);
    }
    if (s.healthCheckNodePort !== undefined) {
      claim(s.healthCheckNodePort, "TCP", `the health check of ${s.namespace}/${s.name}`, [...s.at, "healthCheckNodePort"]);
      out.set(s, s.healthCheckNodePort);
    }
  }
  let next = NODE_PORT_MIN;
  const take = (protocol: string, who: string): number | undefined => {
    while (next <= NODE_PORT_MAX && owner.has(`${protocol}/${next}`)) next++;
    if (next > NODE_PORT_MAX) return undefined;
    owner.set(`${protocol}/${next}`, who);
    return next++;
  };
  for (const s of services) {
    if (s.type === "ClusterIP") continue;
    for (const p of s.ports) {
      if (out.has(p)) continue;
      const port = take(p.protocol, `service ${s.namespace}/${s.name}`);
      if (port === undefined) c.error("node-ports-exhausted", `no node port left for service ${s.namespace}/${s.name}`, [...p.at, "port"]);
      else out.set(p, port);
    }
    if (s.type === "LoadBalancer" && s.externalTrafficPolicy === "Local" && !out.has(s)) {
      const port = take("TCP", `the health check of ${s.namespace}/${s.name}`);
      if (port !== undefined) out.set(s, port);
    }
  }
  return out;
}

function checkPortNames(c: Checker, s: ServiceDraft): void {
  const seen = new Set<string>();
  for (const p of s.ports) {
    if (s.ports.length > 1 && p.name === null) {
      c.error("missing-field", `service ${s.namespace}/${s.name} has several ports, so each needs a name`, p.at, { what: "key", hint: "Kubernetes requires port names on multi-port services" });
    }
    const key = `${p.port}/${p.protocol}`;
    if (seen.has(key)) c.error("duplicate-port", `service ${s.namespace}/${s.name} lists port ${key} twice`, [...p.at, "port"]);
    seen.add(key);
  }
}

function resolvePort(ctx: Context, s: ServiceDraft, p: ServicePortDraft, nodePort: number | null): ServicePort {
  return {
    name: p.name,
    port: p.port,
    targetPort: p.targetPort,
    protocol: p.protocol,
    nodePort,
    proxyPort: p.proxyPort ?? null,
    endpoints: endpointsFor(ctx, s, p),
    at: p.at,
  };
}

function endpointsFor(ctx: Context, s: ServiceDraft, p: ServicePortDraft): Endpoint[] {
  const { c } = ctx;
  const key = `${s.namespace}/${s.name}`;
  if (s.selector && s.endpoints) {
    c.error("conflicting-fields", `service ${key} has both a selector and explicit endpoints`, [...s.at, "endpoints"], { what: "key", hint: "keep one: the selector picks pods, endpoints: lists addresses" });
    return [];
  }
  if (s.endpoints) return explicitEndpoints(ctx, s, p);
  if (!s.selector) return [];
  const pods = ctx.labels.select(s.namespace, s.selector);
  if (pods.length === 0) {
    if (p === s.ports[0]) {
      c.warn("selector-matches-nothing", `the selector of service ${key} matches no pod, so it has no endpoints`, [...s.at, "selector"], {
        hint: `kube-proxy will REJECT connections to it; pods in ${s.namespace} need the labels ${JSON.stringify(s.selector)}`,
      });
    }
    return [];
  }
  const out: Endpoint[] = [];
  const missing: string[] = [];
  for (const pod of pods) {
    const port = targetPortOf(pod, p);
    if (port === undefined) missing.push(pod.name);
    else out.push({ ip: pod.ip, port, node: pod.node, pod: { namespace: pod.namespace, name: pod.name } });
  }
  if (typeof p.targetPort === "string" && missing.length > 0) {
    const none = out.length === 0;
    c.report(none ? "error" : "warning", "unknown-target-port", `targetPort "${p.targetPort}" of service ${key} is not a container port name in ${none ? "any selected pod" : `pod(s) ${missing.join(", ")}`}`, [...p.at, "targetPort"], {
      hint: "name the port in the pod's containers[].ports[].name, or use a number",
    });
  }
  return out;
}

function targetPortOf(pod: Pod, p: ServicePortDraft): number | undefined {
  if (typeof p.targetPort === "number") return p.targetPort;
  for (const k of pod.containers) {
    for (const cp of k.ports) if (cp.name === p.targetPort && cp.protocol === p.protocol) return cp.containerPort;
  }
  return undefined;
}

function explicitEndpoints(ctx: Context, s: ServiceDraft, p: ServicePortDraft): Endpoint[] {
  const { c, nodes, pods } = ctx;
  const byIp = (ctx.podByIp ??= new Map<Ip4, Pod>(pods.filter((x) => !x.hostNetwork).map((x) => [x.ip, x])));
  return (s.endpoints ?? []).flatMap((e) => {
    let port = e.port;
    if (port === null) {
      if (typeof p.targetPort === "string") {
        c.error("unknown-target-port", `endpoint ${formatIp4(e.ip)} of ${s.namespace}/${s.name} needs a port: targetPort "${p.targetPort}" is a name`, e.at, { what: "key" });
        return [];
      }
      port = p.targetPort;
    }
    const pod = byIp.get(e.ip);
    // An EndpointSlice names a node only when its writer sets nodeName: given here, or a pod's (the controller's).
    let node = e.node ?? pod?.node ?? null;
    if (e.node !== null && !nodes.some((n) => n.name === e.node)) {
      if (p === s.ports[0]) c.error("unknown-node", `endpoint ${formatIp4(e.ip)} names node "${e.node}", which is not in nodes`, [...e.at, "node"], { hint: nodeHint(e.node, nodes) });
      node = null;
    }
    return [{ ip: e.ip, port, node, pod: pod ? { namespace: pod.namespace, name: pod.name } : null }];
  });
}
