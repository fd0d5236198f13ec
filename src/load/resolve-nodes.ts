// Nodes, their pod subnets, the underlay and external hosts.
//
// Node subnets follow kube-controller-manager's range allocator (cidrset):
// subnets already set on nodes are marked used first, then each remaining node,
// in order, gets the next free subnet counting from index 0 of the cluster CIDR.

import { createHash } from "node:crypto";
import { type Cidr, type Ip4, contains, formatCidr, formatIp4, maskOf, networkOf, overlaps, sizeOf } from "../model/addr.js";
import type { ExternalHost, Node } from "../model/cluster.js";
import type { Checker } from "./check.js";
import { closest } from "./check.js";
import type { ClusterDraft, ExternalDraft, NodeDraft } from "./read-cluster.js";

/** A stable, locally unique MAC for a name (52:54:00 is the KVM/QEMU prefix real lab VMs carry). */
export function stableMac(prefix: string, name: string): string {
  const h = createHash("sha256").update(name).digest();
  const tail = [h[0]!, h[1]!, h[2]!].map((b) => b.toString(16).padStart(2, "0")).join(":");
  return `${prefix}:${tail}`;
}

export function resolveNodes(c: Checker, draft: ClusterDraft, podCIDR: Cidr | undefined): Node[] | undefined {
  const size = draft.network.nodeSubnetSize;
  checkNodeIdentities(c, draft.nodes);
  if (!podCIDR) return undefined;
  if (size < podCIDR.len) {
    c.error("bad-subnet-size", `network.nodeSubnetSize /${size} is larger than the pod CIDR ${formatCidr(podCIDR)}`, ["network", "nodeSubnetSize"], {
      hint: `use a prefix length of at least ${podCIDR.len}`,
    });
    return undefined;
  }
  const subnets = allocateSubnets(c, draft.nodes, podCIDR, size);
  if (!subnets) return undefined;
  return draft.nodes.map((n, index) => ({
    name: n.name,
    ip: n.ip,
    interface: n.interface,
    podSubnet: subnets[index]!,
    mac: n.mac ?? stableMac("52:54:00", `node/${n.name}`),
    index,
    at: n.at,
  }));
}

function checkNodeIdentities(c: Checker, nodes: NodeDraft[]): void {
  const names = new Map<string, NodeDraft>();
  const ips = new Map<Ip4, NodeDraft>();
  for (const n of nodes) {
    const dup = names.get(n.name);
    if (dup) c.error("duplicate-name", `node "${n.name}" is listed twice`, [...n.at, "name"], { notes: [`first listed at ${where(c, dup.at)}`] });
    names.set(n.name, n);
    const sameIp = ips.get(n.ip);
    if (sameIp) c.error("duplicate-ip", `node ${n.name} has the same ip ${formatIp4(n.ip)} as node ${sameIp.name}`, [...n.at, "ip"]);
    ips.set(n.ip, n);
  }
}

function allocateSubnets(c: Checker, nodes: NodeDraft[], podCIDR: Cidr, size: number): Cidr[] | undefined {
  const count = 2 ** (size - podCIDR.len);
  const base = networkOf(podCIDR);
  const step = sizeOf({ addr: 0, len: size });
  const used = new Set<number>();
  const explicit: { node: NodeDraft; subnet: Cidr }[] = [];
  let ok = true;
  for (const n of nodes) {
    const s = n.podSubnet;
    if (!s) continue;
    if (!contains(podCIDR, s.addr) || s.len < podCIDR.len) {
      c.error("subnet-outside-cidr", `podSubnet ${formatCidr(s)} of node ${n.name} is not inside the pod CIDR ${formatCidr(podCIDR)}`, [...n.at, "podSubnet"]);
      ok = false;
      continue;
    }
    const clash = explicit.find((e) => overlaps(e.subnet, s));
    if (clash) {
      c.error("overlapping-cidr", `podSubnet ${formatCidr(s)} of node ${n.name} overlaps ${formatCidr(clash.subnet)} of node ${clash.node.name}`, [...n.at, "podSubnet"]);
      ok = false;
    }
    explicit.push({ node: n, subnet: s });
    // Mark every allocator slot the explicit subnet touches as used.
    const first = Math.floor((networkOf(s) - base) / step);
    const slots = Math.max(1, sizeOf(s) / step);
    for (let i = 0; i < slots; i++) used.add(first + i);
  }
  let next = 0;
  const out: Cidr[] = [];
  for (const n of nodes) {
    if (n.podSubnet) {
      out.push(n.podSubnet);
      continue;
    }
    let slot = -1;
    for (let tries = 0; tries < count; tries++) {
      const candidate = (next + tries) % count;
      if (!used.has(candidate)) {
        slot = candidate;
        break;
      }
    }
    if (slot < 0) {
      c.error("pod-cidr-exhausted", `the pod CIDR ${formatCidr(podCIDR)} has no /${size} subnet left for node ${n.name}`, [...n.at, "name"], {
        hint: `${count} nodes fit in ${formatCidr(podCIDR)} with /${size} subnets; widen network.podCIDR or lengthen network.nodeSubnetSize`,
      });
      return undefined;
    }
    used.add(slot);
    next = slot + 1;
    out.push({ addr: (base + slot * step) >>> 0, len: size });
  }
  return ok ? out : undefined;
}

/** The underlay is given, or the smallest prefix (at most /24 wide... at least /8) holding every host. */
export function resolveUnderlay(c: Checker, draft: ClusterDraft): { cidr: Cidr; gateway: Ip4 | null } {
  const hosts = [...draft.nodes.map((n) => n.ip), ...draft.externals.map((e) => e.ip)];
  let cidr = draft.underlay.cidr;
  if (!cidr) {
    let len = 24;
    while (len > 8 && hosts.some((ip) => ((ip ^ hosts[0]!) & maskOf(len)) !== 0)) len--;
    cidr = { addr: hosts.length ? networkOf({ addr: hosts[0]!, len }) : 0xc0a80100, len };
  }
  for (const n of draft.nodes) {
    if (!contains(cidr, n.ip)) c.error("ip-outside-subnet", `node ${n.name} ip ${formatIp4(n.ip)} is outside the underlay ${formatCidr(cidr)}`, [...n.at, "ip"]);
  }
  for (const e of draft.externals) {
    if (!contains(cidr, e.ip)) c.error("ip-outside-subnet", `external host ${e.name} ip ${formatIp4(e.ip)} is outside the underlay ${formatCidr(cidr)}`, [...e.at, "ip"], {
      hint: "external hosts sit on the nodes' network; set underlay.cidr to a prefix that holds both",
    });
  }
  let gateway: Ip4 | null = draft.underlay.gateway ?? null;
  if (gateway === null) {
    const first = (networkOf(cidr) + 1) >>> 0;
    gateway = hosts.includes(first) ? null : first;
  } else if (!contains(cidr, gateway)) {
    c.error("ip-outside-subnet", `underlay.gateway ${formatIp4(gateway)} is outside the underlay ${formatCidr(cidr)}`, ["underlay", "gateway"]);
  }
  return { cidr, gateway };
}

export function resolveExternals(c: Checker, drafts: ExternalDraft[], nodes: readonly NodeDraft[]): ExternalHost[] {
  const seen = new Map<string, ExternalDraft>();
  const nodeNames = new Set(nodes.map((n) => n.name));
  const taken = new Map(nodes.map((n) => [n.ip, `node ${n.name}`]));
  return drafts.map((e, index) => {
    if (seen.has(e.name) || nodeNames.has(e.name)) c.error("duplicate-name", `"${e.name}" is already the name of a ${seen.has(e.name) ? "external host" : "node"}`, [...e.at, "name"]);
    seen.set(e.name, e);
    const owner = taken.get(e.ip);
    if (owner) c.error("duplicate-ip", `external host ${e.name} has the same ip ${formatIp4(e.ip)} as ${owner}`, [...e.at, "ip"]);
    taken.set(e.ip, `external host ${e.name}`);
    return { name: e.name, ip: e.ip, interface: e.interface, mac: e.mac ?? stableMac("52:54:00", `external/${e.name}`), ports: e.ports, index, at: e.at };
  });
}

export function where(c: Checker, at: readonly (string | number)[]): string {
  const loc = c.source.locate(at, "key");
  return loc ? `${loc.file}:${loc.line}:${loc.col}` : at.join(".");
}

export function nodeHint(name: string, nodes: readonly { name: string }[]): string {
  const guess = closest(name, nodes.map((n) => n.name));
  if (guess) return `did you mean "${guess}"?`;
  const listed = nodes.slice(0, 6).map((n) => n.name).join(", ");
  return nodes.length ? `nodes are: ${listed}${nodes.length > 6 ? ", ..." : ""}` : "the description lists no nodes";
}
