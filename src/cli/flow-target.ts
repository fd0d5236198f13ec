// Turning what a user types into a flow: SRC names a place (pod, node,
// external host, or an address one of them owns); DST[:PORT] names a service
// (any form a pod's resolver accepts), a ClusterIP, a pod, a node, an external
// host, or any address. Service names are resolved by the source's own
// resolver when it can reach the cluster DNS; otherwise from the description,
// and the trace says so.

import { closest } from "../load/check.js";
import { type Ip4, formatIp4, parseIp4 } from "../model/addr.js";
import type { Cluster, Pod, Service, ServicePort } from "../model/cluster.js";
import { dnsServiceIp } from "../compile/files.js";
import { usage } from "./errors.js";
import { resolveTarget } from "./targets.js";
import { podByIp, podByKey, serviceByClusterIp } from "../load/cluster-index.js";

export interface FlowTarget {
  /** Namespace id the client runs in. */
  from: string;
  fromLabel: string;
  /** What the client connects to: a name for its resolver, or an address. */
  to: string;
  port: number | null;
  protocol: "tcp" | "udp" | "icmp";
  /** Human description of the destination, e.g. `service default/web (10.96.0.2:80/TCP)`. */
  toLabel: string;
  /** Set when the name was resolved here rather than by the source's resolver. */
  note?: string;
}

export function resolveSource(cluster: Cluster, text: string): { id: string; label: string } {
  const ip = parseIp4(text);
  if (ip !== undefined) {
    const pod = podByIp(cluster, ip);
    if (pod) return { id: `${pod.namespace}/${pod.name}`, label: `pod ${pod.namespace}/${pod.name}` };
    const node = cluster.nodes.find((n) => n.ip === ip);
    if (node) return { id: node.name, label: `node ${node.name}` };
    const ext = cluster.externals.find((e) => e.ip === ip);
    if (ext) return { id: ext.name, label: `external host ${ext.name}` };
    throw usage(`no pod, node or external host has the address ${text}`, "the source must be somewhere in the description (a pod, a node or an externals: entry)");
  }
  const t = resolveTarget(cluster, text);
  if (t.kind === "pod") {
    const pod = podByKey(cluster, t.id)!;
    return pod.hostNetwork ? { id: pod.node, label: `pod ${t.id} (host network of ${pod.node})` } : { id: t.id, label: `pod ${t.id}` };
  }
  return { id: t.id, label: `${t.kind === "node" ? "node" : "external host"} ${t.id}` };
}

function splitPort(text: string): { host: string; port: number | null } {
  const m = /^(.*):(\d+)$/.exec(text);
  if (!m) return { host: text, port: null };
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw usage(`port ${m[2]} is outside 1–65535`);
  return { host: m[1]!, port };
}

/** The service a resolver in `namespace` would find for `name` (short, `svc.ns`, `svc.ns.svc`, FQDN). */
function serviceFor(cluster: Cluster, namespace: string, name: string): Service | undefined {
  const domain = cluster.dns.domain;
  const fq = name.replace(/\.$/, "");
  const parts = fq.endsWith(`.svc.${domain}`) ? fq.slice(0, -`.svc.${domain}`.length).split(".") : fq.endsWith(".svc") ? fq.slice(0, -4).split(".") : fq.split(".");
  if (parts.length === 1) return cluster.services.find((s) => s.name === parts[0] && s.namespace === namespace);
  if (parts.length === 2) return cluster.services.find((s) => s.name === parts[0] && s.namespace === parts[1]);
  return undefined;
}

function pickPort(ports: ServicePort[], port: number | null, protocol: string | undefined): ServicePort | undefined {
  return ports.find((p) => (port === null || p.port === port) && (!protocol || p.protocol.toLowerCase() === protocol)) ?? ports.find((p) => port === null || p.port === port);
}

export function resolveFlow(cluster: Cluster, src: { id: string; label: string }, dstText: string, protocolFlag: "tcp" | "udp" | "icmp" | undefined): FlowTarget {
  const { host, port } = splitPort(dstText);
  const srcPod = podByKey(cluster, src.id);
  const namespace = srcPod?.namespace ?? "default";
  const base = { from: src.id, fromLabel: src.label };
  const literal = parseIp4(host);
  if (literal !== undefined) return addressTarget(cluster, base, literal, port, protocolFlag);
  const node = cluster.nodes.find((n) => n.name === host);
  if (node) return { ...base, to: formatIp4(node.ip), port: port ?? (protocolFlag === "icmp" ? null : 80), protocol: protocolFlag ?? "tcp", toLabel: `node ${node.name} (${formatIp4(node.ip)})` };
  const ext = cluster.externals.find((e) => e.name === host);
  if (ext) return { ...base, to: formatIp4(ext.ip), port: port ?? ext.ports[0]?.port ?? 80, protocol: protocolFlag ?? (ext.ports[0]?.protocol.toLowerCase() as "tcp" | "udp" | undefined) ?? "tcp", toLabel: `external host ${ext.name} (${formatIp4(ext.ip)})` };
  const svc = serviceFor(cluster, namespace, host);
  if (svc) return serviceTarget(cluster, base, srcPod, svc, host, port, protocolFlag);
  const pod = host.includes("/") ? podByKey(cluster, host) : uniquePod(cluster, host);
  if (pod) return podTarget(base, pod, port, protocolFlag);
  const names = [...cluster.services.map((s) => (s.namespace === namespace ? s.name : `${s.name}.${s.namespace}`)), ...cluster.nodes.map((n) => n.name), ...cluster.pods.map((p) => p.name)];
  const guess = closest(host, names);
  throw usage(`"${host}" is not a service (as a resolver in namespace ${namespace} sees it), pod, node or external host`, guess ? `did you mean "${guess}"?` : "services are NAME, NAME.NAMESPACE or NAME.NAMESPACE.svc.<domain>");
}

function uniquePod(cluster: Cluster, name: string): Pod | undefined {
  const pods = cluster.pods.filter((p) => p.name === name);
  if (pods.length > 1) throw usage(`pod name "${name}" is ambiguous`, `say which: ${pods.map((p) => `${p.namespace}/${p.name}`).join(", ")}`);
  return pods[0];
}

function serviceTarget(cluster: Cluster, base: { from: string; fromLabel: string }, srcPod: Pod | undefined, svc: Service, typed: string, port: number | null, protocolFlag: FlowTarget["protocol"] | undefined): FlowTarget {
  const sp = pickPort(svc.ports, port, protocolFlag);
  if (port !== null && !sp) throw usage(`service ${svc.namespace}/${svc.name} has no port ${port}`, `its ports: ${svc.ports.map((p) => `${p.port}/${p.protocol}`).join(", ")}`);
  const protocol = protocolFlag ?? ((sp?.protocol.toLowerCase() as "tcp" | "udp" | undefined) ?? "tcp");
  const chosenPort = protocol === "icmp" ? null : (sp?.port ?? port);
  const address = svc.clusterIP ?? sp?.endpoints[0]?.ip;
  const label = `service ${svc.namespace}/${svc.name} (${svc.clusterIP === null ? "headless" : formatIp4(svc.clusterIP)}${chosenPort !== null ? `:${chosenPort}/${protocol.toUpperCase()}` : ""})`;
  // Only a pod using the cluster DNS (ClusterFirst) resolves service names itself.
  const usesClusterDns = srcPod !== undefined && !srcPod.hostNetwork && dnsServiceIp(cluster) !== undefined;
  if (usesClusterDns) return { ...base, to: typed, port: chosenPort, protocol, toLabel: label };
  if (address === undefined) throw usage(`service ${svc.namespace}/${svc.name} is headless and has no endpoints to connect to`);
  const why = dnsServiceIp(cluster) === undefined ? "the cluster has no DNS service" : `${base.fromLabel} does not use the cluster DNS`;
  return { ...base, to: formatIp4(address), port: chosenPort, protocol, toLabel: label, note: `${why}; connecting to ${svc.name}'s address ${formatIp4(address)} from the description` };
}

function podTarget(base: { from: string; fromLabel: string }, pod: Pod, port: number | null, protocolFlag: FlowTarget["protocol"] | undefined): FlowTarget {
  const declared = pod.containers.flatMap((c) => c.ports);
  const cp = declared.find((p) => port === null || p.containerPort === port);
  const protocol = protocolFlag ?? ((cp?.protocol.toLowerCase() as "tcp" | "udp" | undefined) ?? "tcp");
  return { ...base, to: formatIp4(pod.ip), port: protocol === "icmp" ? null : (port ?? cp?.containerPort ?? 80), protocol, toLabel: `pod ${pod.namespace}/${pod.name} (${formatIp4(pod.ip)})` };
}

function addressTarget(cluster: Cluster, base: { from: string; fromLabel: string }, ip: Ip4, port: number | null, protocolFlag: FlowTarget["protocol"] | undefined): FlowTarget {
  const svc = serviceByClusterIp(cluster, ip);
  if (svc) {
    const sp = pickPort(svc.ports, port, protocolFlag);
    const protocol = protocolFlag ?? ((sp?.protocol.toLowerCase() as "tcp" | "udp" | undefined) ?? "tcp");
    return { ...base, to: formatIp4(ip), port: protocol === "icmp" ? null : (port ?? sp?.port ?? 80), protocol, toLabel: `ClusterIP of service ${svc.namespace}/${svc.name}` };
  }
  const pod = podByIp(cluster, ip);
  if (pod) return podTarget(base, pod, port, protocolFlag);
  const node = cluster.nodes.find((n) => n.ip === ip);
  const ext = cluster.externals.find((e) => e.ip === ip);
  const label = node ? `node ${node.name}` : ext ? `external host ${ext.name}` : formatIp4(ip);
  const protocol = protocolFlag ?? "tcp";
  return { ...base, to: formatIp4(ip), port: protocol === "icmp" ? null : (port ?? ext?.ports[0]?.port ?? 80), protocol, toLabel: label };
}
