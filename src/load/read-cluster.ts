// Reads the `k8s-nettrace/v1` Cluster document into drafts: every field typed
// and checked, defaults not yet applied where they depend on other objects
// (addresses, ports), which allocate.ts decides.

import type { Cidr, Ip4, Mac } from "../model/addr.js";
import type { Container, KubeProxyConfig, NetworkConfig, Protocol, ServiceType, SourcePath, TrafficPolicy } from "../model/cluster.js";
import type { Checker, Obj } from "./check.js";
import { PROTOCOLS, readPod } from "./read-pod.js";

export interface NodeDraft {
  name: string;
  ip: Ip4;
  interface: string;
  podSubnet?: Cidr;
  mac?: Mac;
  at: SourcePath;
}

export interface PodDraft {
  name: string;
  namespace: string;
  node: string;
  ip?: Ip4;
  hostNetwork: boolean;
  labels: Record<string, string>;
  /** Already in their final form: a Pod shares them with its draft. */
  containers: Container[];
  at: SourcePath;
}

export interface ServicePortDraft {
  name: string | null;
  port: number;
  targetPort: number | string;
  protocol: Protocol;
  nodePort?: number;
  proxyPort?: number;
  at: SourcePath;
}

export interface ServiceDraft {
  name: string;
  namespace: string;
  type: ServiceType;
  clusterIP?: Ip4 | null;
  selector: Record<string, string> | null;
  endpoints: { ip: Ip4; port: number | null; node: string | null; at: SourcePath }[] | null;
  ports: ServicePortDraft[];
  externalTrafficPolicy: TrafficPolicy;
  internalTrafficPolicy: TrafficPolicy;
  sessionAffinity: "None" | "ClientIP";
  sessionAffinityTimeout: number;
  externalIPs: Ip4[];
  loadBalancerIPs: Ip4[];
  loadBalancerSourceRanges: Cidr[];
  healthCheckNodePort?: number;
  at: SourcePath;
}

export interface ExternalDraft {
  name: string;
  ip: Ip4;
  interface: string;
  mac?: Mac;
  ports: { port: number; protocol: Protocol }[];
  at: SourcePath;
}

export interface ClusterDraft {
  name: string;
  /** The CIDRs may be missing until resolved (an error is reported where they are required). */
  network: Omit<NetworkConfig, "podCIDR" | "serviceCIDR"> & { podCIDR?: Cidr; serviceCIDR?: Cidr };
  /** clusterCIDR: undefined until it defaults to network.podCIDR; null turns detection off. */
  kubeProxy: Omit<KubeProxyConfig, "clusterCIDR"> & { clusterCIDR: Cidr | null | undefined };
  dns: { domain: string; service: { namespace: string; name: string } | null | undefined; at: SourcePath };
  underlay: { cidr?: Cidr; gateway?: Ip4 };
  nodes: NodeDraft[];
  pods: PodDraft[];
  services: ServiceDraft[];
  externals: ExternalDraft[];
}

export const LATEST_FLANNEL = "0.26";
export const LATEST_KUBE = "1.28";

export function readCluster(c: Checker, doc: unknown): ClusterDraft | undefined {
  const top = c.object(doc, [], "the cluster description", [
    "apiVersion", "kind", "metadata", "network", "kubeProxy", "dns", "underlay", "nodes", "pods", "services", "externals",
  ]);
  if (!top) {
    if (doc === undefined || doc === null) c.error("empty-file", "the file is empty", [], { hint: "start from `k8s-nettrace examples` or the README's example" });
    return undefined;
  }
  const apiVersion = c.required(top.apiVersion, c.string(top.apiVersion, ["apiVersion"], "apiVersion"), ["apiVersion"], "apiVersion", "add `apiVersion: k8s-nettrace/v1` at the top");
  if (apiVersion !== undefined && apiVersion !== "k8s-nettrace/v1") c.error("bad-api-version", `apiVersion "${apiVersion}" is not supported`, ["apiVersion"], { hint: "use `apiVersion: k8s-nettrace/v1`" });
  const kind = c.string(top.kind, ["kind"], "kind");
  if (kind !== undefined && kind !== "Cluster") c.error("bad-kind", `kind "${kind}" is not a cluster description`, ["kind"], { hint: "use `kind: Cluster`" });
  const metadata = c.object(top.metadata, ["metadata"], "metadata", ["name"]);
  return {
    name: c.string(metadata?.name, ["metadata", "name"], "metadata.name") ?? "cluster",
    network: readNetwork(c, top.network),
    kubeProxy: readKubeProxy(c, top.kubeProxy),
    dns: readDns(c, top.dns),
    underlay: readUnderlay(c, top.underlay),
    nodes: c.array(top.nodes, ["nodes"], "nodes").map((n, i) => readNode(c, n, ["nodes", i])).filter((n): n is NodeDraft => !!n),
    pods: c.array(top.pods, ["pods"], "pods").map((p, i) => readPod(c, p, ["pods", i])).filter((p): p is PodDraft => !!p),
    services: c.array(top.services, ["services"], "services").map((s, i) => readService(c, s, ["services", i])).filter((s): s is ServiceDraft => !!s),
    externals: c.array(top.externals, ["externals"], "externals").map((e, i) => readExternal(c, e, ["externals", i])).filter((e): e is ExternalDraft => !!e),
  };
}

/** "1.10" must stay "1.10" even though YAML reads it as the number 1.1. */
function version(c: Checker, value: unknown, path: SourcePath, what: string, pattern: RegExp, example: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = typeof value === "number" ? (c.source.rawScalar(path) ?? String(value)) : c.string(value, path, what);
  if (text === undefined) return undefined;
  const trimmed = text.replace(/^v/, "").replace(/^["']|["']$/g, "");
  const m = pattern.exec(trimmed);
  if (!m) {
    c.error("bad-version", `${what} "${text}" is not a version like ${example}`, path);
    return undefined;
  }
  return m[1];
}

function readNetwork(c: Checker, value: unknown): ClusterDraft["network"] {
  const p = ["network"];
  const n = c.object(value, p, "network", ["podCIDR", "serviceCIDR", "nodeSubnetSize", "backend", "vxlan", "mtu", "bridge", "ipMasq", "flannelVersion", "brNetfilter", "hairpin"]);
  if (!n) c.required(value, undefined, ["network"], "network", "add a `network:` section with podCIDR and serviceCIDR");
  const vx = c.object(n?.vxlan, [...p, "vxlan"], "network.vxlan", ["vni", "port"]);
  const podCIDR = c.cidr(n?.podCIDR, [...p, "podCIDR"], "network.podCIDR");
  const serviceCIDR = c.cidr(n?.serviceCIDR, [...p, "serviceCIDR"], "network.serviceCIDR");
  if (n) c.required(n.podCIDR, podCIDR, [...p, "podCIDR"], "network.podCIDR", "flannel's Network / kube-controller-manager --cluster-cidr, e.g. 10.244.0.0/16");
  if (n) c.required(n.serviceCIDR, serviceCIDR, [...p, "serviceCIDR"], "network.serviceCIDR", "kube-apiserver --service-cluster-ip-range, e.g. 10.96.0.0/12");
  return {
    ...(podCIDR ? { podCIDR } : {}),
    ...(serviceCIDR ? { serviceCIDR } : {}),
    nodeSubnetSize: c.int(n?.nodeSubnetSize, [...p, "nodeSubnetSize"], "network.nodeSubnetSize", 8, 30) ?? 24,
    backend: c.oneOf(n?.backend, [...p, "backend"], "network.backend", ["vxlan", "host-gw", "udp", "none"] as const) ?? "vxlan",
    vxlan: {
      vni: c.int(vx?.vni, [...p, "vxlan", "vni"], "network.vxlan.vni", 1, 16777215) ?? 1,
      port: c.int(vx?.port, [...p, "vxlan", "port"], "network.vxlan.port", 1, 65535) ?? 8472,
    },
    mtu: c.int(n?.mtu, [...p, "mtu"], "network.mtu", 576, 9216) ?? 1500,
    bridge: c.oneOf(n?.bridge, [...p, "bridge"], "network.bridge", ["cni0", "docker0"] as const) ?? "cni0",
    ipMasq: c.bool(n?.ipMasq, [...p, "ipMasq"], "network.ipMasq") ?? true,
    flannelVersion: version(c, n?.flannelVersion, [...p, "flannelVersion"], "network.flannelVersion", /^(0\.\d{1,2})(\.\d+)?$/, '"0.22"') ?? LATEST_FLANNEL,
    brNetfilter: c.bool(n?.brNetfilter, [...p, "brNetfilter"], "network.brNetfilter") ?? true,
    hairpin: c.bool(n?.hairpin, [...p, "hairpin"], "network.hairpin") ?? true,
  };
}

function readKubeProxy(c: Checker, value: unknown): ClusterDraft["kubeProxy"] {
  const p = ["kubeProxy"];
  const k = c.object(value, p, "kubeProxy", ["mode", "version", "masqueradeAll", "clusterCIDR", "randomFully"]);
  const clusterCIDR = k && "clusterCIDR" in k ? (k.clusterCIDR === null ? null : c.cidr(k.clusterCIDR, [...p, "clusterCIDR"], "kubeProxy.clusterCIDR")) : undefined;
  return {
    mode: c.oneOf(k?.mode, [...p, "mode"], "kubeProxy.mode", ["iptables", "userspace", "ipvs"] as const) ?? "iptables",
    version: version(c, k?.version, [...p, "version"], "kubeProxy.version", /^(1\.\d{1,2})(\.\d+)?$/, '"1.28"') ?? LATEST_KUBE,
    masqueradeAll: c.bool(k?.masqueradeAll, [...p, "masqueradeAll"], "kubeProxy.masqueradeAll") ?? false,
    clusterCIDR,
    randomFully: c.bool(k?.randomFully, [...p, "randomFully"], "kubeProxy.randomFully") ?? true,
  };
}

function readDns(c: Checker, value: unknown): ClusterDraft["dns"] {
  const p = ["dns"];
  const d = c.object(value, p, "dns", ["domain", "service"]);
  const serviceText = c.string(d?.service, [...p, "service"], "dns.service");
  let service: { namespace: string; name: string } | null | undefined;
  if (d && d.service === null) service = null;
  else if (serviceText !== undefined) {
    const m = /^([a-z0-9][-a-z0-9]*)\/([a-z0-9][-a-z0-9.]*)$/.exec(serviceText);
    if (m) service = { namespace: m[1]!, name: m[2]! };
    else c.error("bad-value", `dns.service "${serviceText}" must be namespace/name`, [...p, "service"], { hint: "e.g. kube-system/kube-dns" });
  }
  const domain = c.string(d?.domain, [...p, "domain"], "dns.domain") ?? "cluster.local";
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(domain)) c.error("bad-value", `dns.domain "${domain}" is not a DNS domain`, [...p, "domain"]);
  return { domain, service, at: [...p, "service"] };
}

function readUnderlay(c: Checker, value: unknown): ClusterDraft["underlay"] {
  const p = ["underlay"];
  const u = c.object(value, p, "underlay", ["cidr", "gateway"]);
  const cidr = c.cidr(u?.cidr, [...p, "cidr"], "underlay.cidr");
  const gateway = c.ip(u?.gateway, [...p, "gateway"], "underlay.gateway");
  return { ...(cidr ? { cidr } : {}), ...(gateway !== undefined ? { gateway } : {}) };
}

function readNode(c: Checker, value: unknown, at: SourcePath): NodeDraft | undefined {
  const n = c.object(value, at, "a node", ["name", "ip", "interface", "podSubnet", "mac"]);
  if (!n) return undefined;
  const name = c.required(n.name, c.name(n.name, [...at, "name"], "node name"), [...at, "name"], "node name");
  const ip = c.required(n.ip, c.ip(n.ip, [...at, "ip"], "node ip"), [...at, "ip"], `ip of node ${name ?? ""}`.trim(), "the node's address on the underlay network");
  const iface = c.string(n.interface, [...at, "interface"], "node interface") ?? "eth0";
  if (!/^[a-zA-Z0-9_.-]{1,15}$/.test(iface)) c.error("bad-value", `interface name "${iface}" is not a Linux interface name`, [...at, "interface"], { hint: "at most 15 characters: letters, digits, '.', '-', '_'" });
  const podSubnet = c.cidr(n.podSubnet, [...at, "podSubnet"], "node podSubnet");
  const mac = c.mac(n.mac, [...at, "mac"], "node mac");
  if (name === undefined || ip === undefined) return undefined;
  return { name, ip, interface: iface, ...(podSubnet ? { podSubnet } : {}), ...(mac ? { mac } : {}), at };
}

function readServicePort(c: Checker, item: unknown, path: SourcePath): ServicePortDraft | undefined {
  const o = c.object(item, path, "a service port", ["name", "port", "targetPort", "protocol", "nodePort", "proxyPort"]);
  if (!o) return undefined;
  const port = c.required(o.port, c.int(o.port, [...path, "port"], "port", 1, 65535), [...path, "port"], "port");
  const name = o.name === undefined || o.name === null ? null : (c.string(o.name, [...path, "name"], "port name") ?? null);
  let targetPort: number | string | undefined;
  if (typeof o.targetPort === "string" && !/^\d+$/.test(o.targetPort)) targetPort = o.targetPort;
  else if (o.targetPort !== undefined) targetPort = c.int(typeof o.targetPort === "string" ? Number(o.targetPort) : o.targetPort, [...path, "targetPort"], "targetPort", 1, 65535);
  const nodePort = c.int(o.nodePort, [...path, "nodePort"], "nodePort", 1, 65535);
  if (nodePort !== undefined && (nodePort < 30000 || nodePort > 32767)) {
    c.error("bad-node-port", `nodePort ${nodePort} is outside the node port range 30000–32767`, [...path, "nodePort"], { hint: "kube-apiserver --service-node-port-range defaults to 30000-32767" });
  }
  const proxyPort = c.int(o.proxyPort, [...path, "proxyPort"], "proxyPort", 1, 65535);
  if (port === undefined) return undefined;
  return {
    name,
    port,
    targetPort: targetPort ?? port,
    protocol: c.oneOf(o.protocol, [...path, "protocol"], "protocol", PROTOCOLS) ?? "TCP",
    ...(nodePort !== undefined && nodePort >= 30000 && nodePort <= 32767 ? { nodePort } : {}),
    ...(proxyPort !== undefined ? { proxyPort } : {}),
    at: path,
  };
}

const SERVICE_FIELDS = [
  "name", "namespace", "type", "clusterIP", "selector", "endpoints", "ports", "externalTrafficPolicy", "internalTrafficPolicy",
  "sessionAffinity", "sessionAffinityConfig", "externalIPs", "loadBalancerIPs", "loadBalancerSourceRanges", "healthCheckNodePort",
];

function readService(c: Checker, value: unknown, at: SourcePath): ServiceDraft | undefined {
  const o = c.object(value, at, "a service", SERVICE_FIELDS);
  if (!o) return undefined;
  const name = c.required(o.name, c.name(o.name, [...at, "name"], "service name"), [...at, "name"], "service name");
  let clusterIP: Ip4 | null | undefined;
  if (o.clusterIP === "None") clusterIP = null;
  else clusterIP = c.ip(o.clusterIP, [...at, "clusterIP"], "clusterIP");
  const ports = c.array(o.ports, [...at, "ports"], "ports").map((p, i) => readServicePort(c, p, [...at, "ports", i])).filter((p): p is ServicePortDraft => !!p);
  if (o.ports === undefined) c.error("missing-field", `service ${name ?? ""} needs at least one port`.replace("  ", " "), at, { what: "key", hint: "ports: [{port: 80, targetPort: 8080}]" });
  const affinity = c.object(o.sessionAffinityConfig, [...at, "sessionAffinityConfig"], "sessionAffinityConfig", ["clientIP"]);
  const clientIP = c.object(affinity?.clientIP, [...at, "sessionAffinityConfig", "clientIP"], "sessionAffinityConfig.clientIP", ["timeoutSeconds"]);
  const ips = (field: string): Ip4[] =>
    c.array(o[field], [...at, field], field).map((v, i) => c.ip(v, [...at, field, i], `${field} entry`)).filter((v): v is Ip4 => v !== undefined);
  const healthCheckNodePort = c.int(o.healthCheckNodePort, [...at, "healthCheckNodePort"], "healthCheckNodePort", 30000, 32767);
  if (name === undefined) return undefined;
  return {
    name,
    namespace: c.name(o.namespace, [...at, "namespace"], "namespace") ?? "default",
    type: c.oneOf(o.type, [...at, "type"], "service type", ["ClusterIP", "NodePort", "LoadBalancer"] as const) ?? "ClusterIP",
    ...(clusterIP !== undefined ? { clusterIP } : {}),
    selector: c.stringMap(o.selector, [...at, "selector"], "selector") ?? null,
    endpoints: o.endpoints === undefined ? null : readEndpoints(c, o.endpoints, [...at, "endpoints"]),
    ports,
    externalTrafficPolicy: c.oneOf(o.externalTrafficPolicy, [...at, "externalTrafficPolicy"], "externalTrafficPolicy", ["Cluster", "Local"] as const) ?? "Cluster",
    internalTrafficPolicy: c.oneOf(o.internalTrafficPolicy, [...at, "internalTrafficPolicy"], "internalTrafficPolicy", ["Cluster", "Local"] as const) ?? "Cluster",
    sessionAffinity: c.oneOf(o.sessionAffinity, [...at, "sessionAffinity"], "sessionAffinity", ["None", "ClientIP"] as const) ?? "None",
    sessionAffinityTimeout: c.int(clientIP?.timeoutSeconds, [...at, "sessionAffinityConfig", "clientIP", "timeoutSeconds"], "timeoutSeconds", 1, 86400) ?? 10800,
    externalIPs: ips("externalIPs"),
    loadBalancerIPs: ips("loadBalancerIPs"),
    loadBalancerSourceRanges: c
      .array(o.loadBalancerSourceRanges, [...at, "loadBalancerSourceRanges"], "loadBalancerSourceRanges")
      .map((v, i) => c.cidr(typeof v === "string" ? v.trim() : v, [...at, "loadBalancerSourceRanges", i], "loadBalancerSourceRanges entry"))
      .filter((v): v is Cidr => v !== undefined),
    ...(healthCheckNodePort !== undefined ? { healthCheckNodePort } : {}),
    at,
  };
}

function readEndpoints(c: Checker, value: unknown, at: SourcePath): ServiceDraft["endpoints"] {
  return c.array(value, at, "endpoints").flatMap((item, i) => {
    const path = [...at, i];
    const o: Obj | undefined = c.object(item, path, "an endpoint", ["ip", "port", "node"]);
    if (!o) return [];
    const ip = c.required(o.ip, c.ip(o.ip, [...path, "ip"], "endpoint ip"), [...path, "ip"], "endpoint ip");
    const port = c.int(o.port, [...path, "port"], "endpoint port", 1, 65535) ?? null;
    const node = c.name(o.node, [...path, "node"], "endpoint node") ?? null;
    return ip === undefined ? [] : [{ ip, port, node, at: path }];
  });
}

function readExternal(c: Checker, value: unknown, at: SourcePath): ExternalDraft | undefined {
  const o = c.object(value, at, "an external host", ["name", "ip", "interface", "mac", "ports"]);
  if (!o) return undefined;
  const name = c.required(o.name, c.name(o.name, [...at, "name"], "external host name"), [...at, "name"], "external host name");
  const ip = c.required(o.ip, c.ip(o.ip, [...at, "ip"], "external host ip"), [...at, "ip"], "external host ip");
  const mac = c.mac(o.mac, [...at, "mac"], "mac");
  const ports = c.array(o.ports, [...at, "ports"], "ports").flatMap((item, i) => {
    const path = [...at, "ports", i];
    const p = c.object(item, path, "a listening port", ["port", "protocol"]);
    const port = c.required(p?.port, c.int(p?.port, [...path, "port"], "port", 1, 65535), [...path, "port"], "port");
    return port === undefined ? [] : [{ port, protocol: c.oneOf(p?.protocol, [...path, "protocol"], "protocol", PROTOCOLS) ?? "TCP" }];
  });
  if (name === undefined || ip === undefined) return undefined;
  return { name, ip, interface: c.string(o.interface, [...at, "interface"], "interface") ?? "eth0", ...(mac ? { mac } : {}), ports, at };
}
