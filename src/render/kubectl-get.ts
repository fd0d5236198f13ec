// `kubectl get pods|svc|nodes|endpoints` tables as each generation of kubectl
// prints them: columns, padding (Go tabwriter, minwidth 10 until 1.11, 6
// after), AGE (short form until 1.10, HumanDuration after), EXTERNAL-IP and
// PORT(S) conventions (docs/facts/shell-tools.md §11).

import { formatIp4 } from "../model/addr.js";
import type { Cluster, Node, Pod, Service } from "../model/cluster.js";
import { tabwrite } from "./tabwriter.js";

/** The kubectl generation a cluster's version selects. */
export interface KubectlEra {
  minor: number;
}

/** Seconds since each object was created: the simulated cluster was set up two weeks before the simulated now. */
export const OBJECT_AGE_SECONDS = 14 * 24 * 3600;

export type Kind = "pods" | "services" | "nodes" | "endpoints";

export interface GetOptions {
  allNamespaces: boolean;
  wide: boolean;
  showLabels: boolean;
  noHeaders: boolean;
  /** Seconds since creation, for AGE. */
  ageSeconds: number;
  /** `pod/`, `service/`…: kubectl names rows by type when several types are listed. */
  namePrefix?: string;
}

/** ShortHumanDuration (≤1.10) or apimachinery's HumanDuration (≥1.11). */
export function age(era: KubectlEra, seconds: number): string {
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(seconds / 3600);
  if (era.minor <= 10) {
    if (seconds < 60) return `${seconds}s`;
    if (minutes < 60) return `${minutes}m`;
    if (hours < 24) return `${hours}h`;
    if (hours < 24 * 365) return `${Math.floor(hours / 24)}d`;
    return `${Math.floor(hours / 24 / 365)}y`;
  }
  if (seconds < 120) return `${seconds}s`;
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  const days = Math.floor(hours / 24) % 365;
  if (hours < 24 * 365 * 8) return days === 0 && era.minor >= 20 ? `${years}y` : `${years}y${days}d`;
  return `${years}y`;
}

export function formatLabels(labels: Record<string, string> | null): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${labels![k]}`).join(",") : "<none>";
}

function portsCell(era: KubectlEra, s: Service): string {
  if (s.ports.length === 0) return "<none>";
  return s.ports.map((p) => (era.minor >= 5 && p.nodePort !== null ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`)).join(",");
}

function externalIpCell(era: KubectlEra, s: Service): string {
  const external = s.externalIPs.map(formatIp4);
  if (s.type === "LoadBalancer") {
    const ingress = [...s.loadBalancerIPs.map(formatIp4), ...(era.minor >= 2 ? external : [])];
    if (ingress.length) return ingress.join(",");
    return era.minor >= 4 ? "<pending>" : "";
  }
  if (s.type === "NodePort" && era.minor < 8 && external.length === 0) return era.minor <= 2 ? "nodes" : "<nodes>";
  if (external.length && era.minor >= 2) return external.join(",");
  return "<none>";
}

/** The Endpoints object's addresses, sorted as the endpoints controller stores them; three shown, then "+ N more...". */
export function endpointsCell(s: Service): string {
  const entries: string[] = [];
  for (const p of s.ports) {
    const ips = [...p.endpoints].sort((a, b) => (formatIp4(a.ip) < formatIp4(b.ip) ? -1 : formatIp4(a.ip) > formatIp4(b.ip) ? 1 : 0));
    for (const e of ips) entries.push(`${formatIp4(e.ip)}:${e.port}`);
  }
  if (entries.length === 0) return "<none>";
  const shown = entries.slice(0, 3).join(",");
  return entries.length > 3 ? `${shown} + ${entries.length - 3} more...` : shown;
}

/** The nodes an apiserver runs on: the kubernetes Service's endpoints are their host-network addresses. */
function apiserverNodes(cluster: Cluster): Set<string> {
  const k = cluster.services.find((s) => s.namespace === "default" && s.name === "kubernetes");
  const ips = new Set((k?.ports[0]?.endpoints ?? []).map((e) => e.ip));
  return new Set(cluster.nodes.filter((n) => ips.has(n.ip)).map((n) => n.name));
}

function roleOf(era: KubectlEra, cluster: Cluster, node: Node): string {
  if (!apiserverNodes(cluster).has(node.name)) return "<none>";
  if (era.minor >= 24) return "control-plane";
  if (era.minor >= 20) return "control-plane,master";
  return "master";
}

export function kubeletVersion(cluster: Cluster): string {
  return `v${cluster.kubeProxy.version}.0`;
}

/** Rows, header first, for one kind. */
export function getTable(era: KubectlEra, cluster: Cluster, kind: Kind, items: readonly (Pod | Service | Node)[], o: GetOptions): string {
  const a = age(era, o.ageSeconds);
  let header: string[];
  let rows: string[][];
  switch (kind) {
    case "pods": {
      header = ["NAME", "READY", "STATUS", "RESTARTS", "AGE"];
      if (o.wide) header.push(...(era.minor <= 2 ? ["NODE"] : era.minor <= 11 ? ["IP", "NODE"] : ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]));
      rows = (items as Pod[]).map((p) => {
        const row = [p.name, `${p.containers.length}/${p.containers.length}`, "Running", "0", a];
        if (o.wide) row.push(...(era.minor <= 2 ? [p.node] : era.minor <= 11 ? [formatIp4(p.ip), p.node] : [formatIp4(p.ip), p.node, "<none>", "<none>"]));
        return row;
      });
      break;
    }
    case "services": {
      const old = era.minor <= 1;
      header = old ? ["NAME", "CLUSTER_IP", "EXTERNAL_IP", "PORT(S)", "SELECTOR", "AGE"] : era.minor <= 7 ? ["NAME", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"] : ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"];
      if (o.wide && !old) header.push("SELECTOR");
      rows = (items as Service[]).map((s) => {
        const ip = s.clusterIP === null ? "None" : formatIp4(s.clusterIP);
        const selector = formatLabels(s.selector);
        const row = old ? [s.name, ip, externalIpCell(era, s), portsCell(era, s), selector, a] : era.minor <= 7 ? [s.name, ip, externalIpCell(era, s), portsCell(era, s), a] : [s.name, s.type, ip, externalIpCell(era, s), portsCell(era, s), a];
        if (o.wide && !old) row.push(selector);
        return row;
      });
      break;
    }
    case "endpoints":
      header = ["NAME", "ENDPOINTS", "AGE"];
      rows = (items as Service[]).map((s) => [s.name, endpointsCell(s), a]);
      break;
    case "nodes": {
      header = era.minor <= 1 ? ["NAME", "LABELS", "STATUS", "AGE"] : era.minor <= 7 ? ["NAME", "STATUS", "AGE"] : ["NAME", "STATUS", "ROLES", "AGE", "VERSION"];
      if (o.wide && era.minor >= 8) header.push("INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME");
      rows = (items as Node[]).map((n) => {
        const row = era.minor <= 1 ? [n.name, formatLabels(nodeLabels(era, cluster, n)), "Ready", a] : era.minor <= 7 ? [n.name, "Ready", a] : [n.name, "Ready", roleOf(era, cluster, n), a, kubeletVersion(cluster)];
        // The OS image and kernel are not part of the description: kubectl's "<unknown>" says so.
        if (o.wide && era.minor >= 8) row.push(formatIp4(n.ip), "<none>", "<unknown>", "<unknown>", "<unknown>");
        return row;
      });
      break;
    }
  }
  if (o.namePrefix) for (const row of rows) row[0] = `${o.namePrefix}${row[0]}`;
  if (o.showLabels) {
    header.push("LABELS");
    rows.forEach((row, i) => row.push(labelsOf(era, cluster, kind, items[i]!)));
  }
  if (o.allNamespaces && kind !== "nodes") {
    header.unshift("NAMESPACE");
    rows.forEach((row, i) => row.unshift((items[i] as Pod | Service).namespace));
  }
  return tabwrite(o.noHeaders ? rows : [header, ...rows], { minwidth: era.minor <= 11 ? 10 : 6, padding: 3 });
}

function labelsOf(era: KubectlEra, cluster: Cluster, kind: Kind, item: Pod | Service | Node): string {
  if (kind === "pods") return formatLabels((item as Pod).labels);
  if (kind === "nodes") return formatLabels(nodeLabels(era, cluster, item as Node));
  const s = item as Service;
  return s.namespace === "default" && s.name === "kubernetes" ? "component=apiserver,provider=kubernetes" : "<none>";
}

/** The labels kubelet (and kubeadm, on the control plane) put on a node in each generation. */
export function nodeLabels(era: KubectlEra, cluster: Cluster, node: Node): Record<string, string> {
  const labels: Record<string, string> = { "kubernetes.io/hostname": node.name };
  if (era.minor >= 3) Object.assign(labels, { "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux" });
  if (era.minor >= 14) Object.assign(labels, { "kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux" });
  if (apiserverNodes(cluster).has(node.name) && era.minor >= 6) {
    if (era.minor >= 20) labels["node-role.kubernetes.io/control-plane"] = "";
    if (era.minor < 24) labels["node-role.kubernetes.io/master"] = "";
  }
  return labels;
}
