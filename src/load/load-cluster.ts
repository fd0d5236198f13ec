// The load stage: bytes → Cluster, collecting every problem on the way.

import { type Ip4, formatCidr, overlaps } from "../model/addr.js";
import type { Cluster, KubeProxyConfig, Node, Service } from "../model/cluster.js";
import { type Diagnostic, Problems } from "../model/diagnostics.js";
import { Checker, closest } from "./check.js";
import { type ClusterDraft, type NodeDraft, readCluster } from "./read-cluster.js";
import { resolveExternals, resolveNodes, resolveUnderlay } from "./resolve-nodes.js";
import { LabelIndex, resolvePods } from "./resolve-pods.js";
import { resolveServices } from "./resolve-services.js";
import { parseSource } from "./source.js";

export interface LoadResult {
  cluster?: Cluster;
  diagnostics: Diagnostic[];
}

export function loadCluster(fileName: string, bytes: Uint8Array): LoadResult {
  const parsed = parseSource(fileName, bytes);
  if ("severity" in parsed) return { diagnostics: [parsed] };
  const problems = new Problems();
  const c = new Checker(problems, parsed.source);
  const draft = readCluster(c, parsed.value);
  const cluster = draft ? resolve(c, draft) : undefined;
  if (cluster) cluster.source = parsed.source;
  sortByPosition(problems.list);
  return problems.hasErrors ? { diagnostics: problems.list } : { cluster: cluster!, diagnostics: problems.list };
}

function resolve(c: Checker, draft: ClusterDraft): Cluster | undefined {
  const { podCIDR, serviceCIDR } = draft.network;
  if (podCIDR && serviceCIDR && overlaps(podCIDR, serviceCIDR)) {
    c.error("overlapping-cidr", `the service CIDR ${formatCidr(serviceCIDR)} overlaps the pod CIDR ${formatCidr(podCIDR)}`, ["network", "serviceCIDR"], {
      hint: "pods and services need separate ranges (e.g. 10.244.0.0/16 and 10.96.0.0/12)",
    });
  }
  const underlay = resolveUnderlay(c, draft);
  for (const [what, range] of [["pod", podCIDR], ["service", serviceCIDR]] as const) {
    if (range && overlaps(underlay.cidr, range)) {
      c.error("overlapping-cidr", `the underlay ${formatCidr(underlay.cidr)} overlaps the ${what} CIDR ${formatCidr(range)}`, draft.underlay.cidr ? ["underlay", "cidr"] : ["network", `${what}CIDR`], {
        hint: "node addresses must not fall inside the pod or service ranges",
      });
    }
  }
  checkVersions(c, draft);
  // Without the pod or service CIDR, the checks that need them are skipped but
  // every other check still runs, so one run shows every problem.
  const nodes = resolveNodes(c, draft, podCIDR);
  const externals = resolveExternals(c, draft.externals, draft.nodes);
  const taken = new Map<Ip4, string>([...(nodes ?? []).map((n) => [n.ip, `node ${n.name}`] as const), ...externals.map((e) => [e.ip, `external host ${e.name}`] as const)]);
  const pods = resolvePods(c, draft.pods, nodes ?? draft.nodes.map(unplacedNode), taken, nodes !== undefined);
  const labels = new LabelIndex(pods);
  const services = resolveServices({ c, serviceCIDR, nodes: nodes ?? [], pods, labels }, draft.services);
  if (!podCIDR || !serviceCIDR || !nodes) return undefined;
  const kubeProxy: KubeProxyConfig = { ...draft.kubeProxy, clusterCIDR: draft.kubeProxy.clusterCIDR === undefined ? podCIDR : draft.kubeProxy.clusterCIDR };
  return {
    name: draft.name,
    source: undefined as never,
    network: { ...draft.network, podCIDR, serviceCIDR },
    kubeProxy,
    dns: { domain: draft.dns.domain, service: dnsService(c, draft, services) },
    underlay,
    nodes,
    pods,
    services,
    externals,
  };
}

/** A node whose subnet could not be decided; pods on it are checked for everything but addresses. */
function unplacedNode(n: NodeDraft, index: number): Node {
  return { name: n.name, ip: n.ip, interface: n.interface, podSubnet: { addr: 0, len: 32 }, mac: "", index, at: n.at };
}

function dnsService(c: Checker, draft: ClusterDraft, services: Service[]): Cluster["dns"]["service"] {
  const wanted = draft.dns.service;
  if (wanted === null) return null;
  if (wanted === undefined) {
    const found = services.find((s) => s.namespace === "kube-system" && (s.name === "kube-dns" || s.name === "coredns"));
    return found ? { namespace: found.namespace, name: found.name } : null;
  }
  const svc = services.find((s) => s.namespace === wanted.namespace && s.name === wanted.name);
  if (!svc) {
    const guess = closest(`${wanted.namespace}/${wanted.name}`, services.map((s) => `${s.namespace}/${s.name}`));
    c.error("unknown-service", `dns.service ${wanted.namespace}/${wanted.name} is not in services`, draft.dns.at, {
      hint: guess ? `did you mean "${guess}"?` : "add the DNS service (e.g. kube-system/kube-dns with port 53/UDP), or set dns.service: null",
    });
    return null;
  }
  if (svc.clusterIP === null) c.error("bad-value", `dns.service ${wanted.namespace}/${wanted.name} is headless; pods need its cluster IP as nameserver`, draft.dns.at);
  return wanted;
}

/** Source order reads best; problems without a position go last. Stable for equal positions. */
function sortByPosition(list: Diagnostic[]): void {
  const key = (d: Diagnostic): number => (d.location && d.location.line > 0 ? d.location.line * 100000 + d.location.col : Number.MAX_SAFE_INTEGER);
  list.sort((a, b) => key(a) - key(b));
}

function minor(version: string): number {
  return Number(version.split(".")[1]);
}

/** Layouts this tool reproduces; a version it cannot reproduce is an error, not a guess. */
function checkVersions(c: Checker, draft: ClusterDraft): void {
  const { mode, version } = draft.kubeProxy;
  const m = minor(version);
  const path = ["kubeProxy", "version"];
  if (m > 31) c.error("unsupported-version", `kube-proxy ${version} is newer than the layouts this tool knows (up to 1.31)`, path, { hint: 'use "1.28"; the iptables rules did not change in 1.29–1.31' });
  if (mode === "userspace" && m >= 26) c.error("unsupported-version", `kube-proxy userspace mode was removed in 1.26; ${version} has no userspace proxier`, path, { hint: "use mode: iptables, or a version up to 1.25" });
  if (mode === "ipvs" && m < 11) c.error("unsupported-version", `IPVS mode became generally available in 1.11; ${version} is not modelled`, path, { hint: 'use version "1.28" with mode: ipvs' });
  if (mode === "iptables" && m < 2) c.error("unsupported-version", `kube-proxy ${version} predates the iptables proxier as default (1.2)`, path, { hint: "1.0/1.1 clusters ran mode: userspace" });
  const f = minor(draft.network.flannelVersion);
  if (f < 5) c.error("unsupported-version", `flannel ${draft.network.flannelVersion} is older than this tool models (0.5)`, ["network", "flannelVersion"]);
}

