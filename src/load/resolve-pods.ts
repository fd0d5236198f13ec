// Pods: placement, addresses (host-local IPAM) and containers.
//
// host-local hands out addresses from the node subnet's .2 upwards (the .1 is
// the bridge gateway, network and broadcast are never used), round-robin from
// the last reserved address: on a fresh node that is simply .2, .3, ... in the
// order pods were created. Addresses pinned in the description are reserved
// first and skipped.

import { type Ip4, broadcastOf, contains, formatCidr, formatIp4, networkOf } from "../model/addr.js";
import type { Node, Pod } from "../model/cluster.js";
import type { Checker } from "./check.js";
import type { PodDraft } from "./read-cluster.js";
import { nodeHint } from "./resolve-nodes.js";

export function resolvePods(c: Checker, drafts: PodDraft[], nodes: Node[], takenIps: Map<Ip4, string>, addressed = true): Pod[] {
  const nodeByName = new Map(nodes.map((n) => [n.name, n]));
  const keys = new Set<string>();
  const placed: { draft: PodDraft; node: Node }[] = [];
  for (const p of drafts) {
    const key = `${p.namespace}/${p.name}`;
    if (keys.has(key)) c.error("duplicate-name", `pod ${key} is listed twice`, [...p.at, "name"]);
    keys.add(key);
    const node = nodeByName.get(p.node);
    if (!node) {
      c.error("unknown-node", `pod ${key} is on node "${p.node}", which is not in nodes`, [...p.at, "node"], { hint: nodeHint(p.node, nodes) });
      continue;
    }
    placed.push({ draft: p, node });
  }
  if (!addressed) return [];
  const reserved = reservePinned(c, placed, takenIps);
  const next = new Map<string, Ip4>();
  const pods: Pod[] = [];
  for (const { draft: p, node } of placed) {
    let ip: Ip4 | undefined;
    if (p.hostNetwork) ip = node.ip;
    else if (p.ip !== undefined) ip = p.ip;
    else ip = allocate(c, p, node, reserved, next);
    if (ip === undefined) continue;
    pods.push({
      name: p.name,
      namespace: p.namespace,
      node: node.name,
      ip,
      hostNetwork: p.hostNetwork,
      labels: p.labels,
      containers: p.containers,
      index: pods.length,
      at: p.at,
    });
  }
  return pods;
}

/** Checks pinned pod addresses and marks them used; returns the used set per node. */
function reservePinned(c: Checker, placed: { draft: PodDraft; node: Node }[], takenIps: Map<Ip4, string>): Set<Ip4> {
  const used = new Set<Ip4>();
  for (const { draft: p, node } of placed) {
    if (p.ip === undefined) continue;
    const path = [...p.at, "ip"];
    if (p.hostNetwork) {
      if (p.ip !== node.ip) c.error("ip-outside-subnet", `pod ${p.namespace}/${p.name} uses the host network, so its ip is its node's ${formatIp4(node.ip)}, not ${formatIp4(p.ip)}`, path, { hint: "remove ip:, or hostNetwork:" });
      continue;
    }
    const subnet = node.podSubnet;
    const gateway = (networkOf(subnet) + 1) >>> 0;
    if (!contains(subnet, p.ip)) {
      c.error("ip-outside-subnet", `pod ${p.namespace}/${p.name} ip ${formatIp4(p.ip)} is outside node ${node.name}'s pod subnet ${formatCidr(subnet)}`, path, {
        hint: "pods get addresses from their node's subnet (host-local IPAM); fix the ip or the node",
      });
    } else if (p.ip === networkOf(subnet) || p.ip === broadcastOf(subnet) || p.ip === gateway) {
      const what = p.ip === gateway ? "the bridge gateway" : p.ip === networkOf(subnet) ? "the network address (flannel.1 uses it)" : "the broadcast address";
      c.error("reserved-ip", `pod ${p.namespace}/${p.name} ip ${formatIp4(p.ip)} is ${what} of ${formatCidr(subnet)}`, path);
    } else if (takenIps.has(p.ip)) {
      c.error("duplicate-ip", `pod ${p.namespace}/${p.name} ip ${formatIp4(p.ip)} is already used by ${takenIps.get(p.ip)}`, path);
    }
    takenIps.set(p.ip, `pod ${p.namespace}/${p.name}`);
    used.add(p.ip);
  }
  return used;
}

function allocate(c: Checker, p: PodDraft, node: Node, used: Set<Ip4>, next: Map<string, Ip4>): Ip4 | undefined {
  const subnet = node.podSubnet;
  const first = (networkOf(subnet) + 2) >>> 0;
  const last = (broadcastOf(subnet) - 1) >>> 0;
  let candidate = next.get(node.name) ?? first;
  while (candidate <= last && used.has(candidate)) candidate++;
  if (candidate > last) {
    c.error("node-subnet-exhausted", `node ${node.name}'s pod subnet ${formatCidr(subnet)} has no address left for pod ${p.namespace}/${p.name}`, [...p.at, "node"], {
      hint: `host-local hands out .2–.${last & 255} of each node subnet; spread pods over more nodes or widen network.nodeSubnetSize`,
    });
    return undefined;
  }
  used.add(candidate);
  next.set(node.name, (candidate + 1) >>> 0);
  return candidate;
}

/** Label index: `namespace\0key\0value` → pods, so 10,000 selectors do not scan 150,000 pods each. */
export class LabelIndex {
  private readonly byLabel = new Map<string, Pod[]>();
  private readonly byNamespace = new Map<string, Pod[]>();

  constructor(pods: readonly Pod[]) {
    for (const pod of pods) {
      push(this.byNamespace, pod.namespace, pod);
      for (const [k, v] of Object.entries(pod.labels)) push(this.byLabel, `${pod.namespace}\0${k}\0${v}`, pod);
    }
  }

  /** Pods of a namespace matching every label of the selector, in description order. An empty selector selects nothing (as for Services). */
  select(namespace: string, selector: Record<string, string>): Pod[] {
    const entries = Object.entries(selector);
    if (entries.length === 0) return [];
    let smallest: Pod[] | undefined;
    for (const [k, v] of entries) {
      const list = this.byLabel.get(`${namespace}\0${k}\0${v}`);
      if (!list) return [];
      if (!smallest || list.length < smallest.length) smallest = list;
    }
    return smallest!.filter((pod) => entries.every(([k, v]) => pod.labels[k] === v));
  }

  namespace(ns: string): Pod[] {
    return this.byNamespace.get(ns) ?? [];
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
