// The FIB lookup (fib_lookup): the local table first (addresses of this
// namespace, their broadcasts), then the main table by longest prefix match
// and metric; and source address selection (inet_select_addr).

import { broadcastOf, contains, type Ip4, maskOf } from "../model/addr.js";
import type { Link, Netns, Route } from "../model/kernel.js";

export type RouteResult =
  | { type: "local"; dev: string }
  | { type: "broadcast"; dev: string }
  | { type: "unicast"; route: Route; dev: Link; nexthop: Ip4 }
  | { type: "unreachable" };

export function localAddressDev(ns: Netns, ip: Ip4): Link | undefined {
  if (ip >>> 24 === 127) return ns.links.find((l) => l.kind === "loopback");
  return ns.links.find((l) => l.addrs.some((a) => a.cidr.addr === ip));
}

export function isBroadcastAddress(ns: Netns, ip: Ip4): boolean {
  if (ip === 0xffffffff) return true;
  return ns.links.some((l) => l.addrs.some((a) => a.cidr.len < 31 && broadcastOf(a.cidr) === ip));
}

export function routeLookup(ns: Netns, dst: Ip4): RouteResult {
  const local = localAddressDev(ns, dst);
  if (local) return { type: "local", dev: local.name };
  if (isBroadcastAddress(ns, dst)) {
    const dev = ns.links.find((l) => l.addrs.some((a) => broadcastOf(a.cidr) === dst));
    return { type: "broadcast", dev: dev?.name ?? "lo" };
  }
  const best = ns.routes.length >= FIB_INDEX_MIN ? indexedBest(ns.routes, dst) : bestRoute(ns.routes, dst);
  if (!best || best.type !== "unicast") return { type: "unreachable" };
  const dev = ns.links.find((l) => l.name === best!.dev);
  if (!dev || !dev.flags.includes("UP")) return { type: "unreachable" };
  return { type: "unicast", route: best, dev, nexthop: best.gateway ?? dst };
}

/** Longest prefix in the main table, then lowest metric; the first listed wins a tie. */
export function bestRoute(routes: readonly Route[], dst: Ip4): Route | undefined {
  let best: Route | undefined;
  for (const r of routes) {
    if (r.table !== "main" || !contains(r.dst, dst)) continue;
    if (!best || r.dst.len > best.dst.len || (r.dst.len === best.dst.len && (r.metric ?? 0) < (best.metric ?? 0))) best = r;
  }
  return best;
}

// A node of an L cluster has a route per other node's lease (5,000 of them); a lookup per
// packet and hop would scan them all. The index groups the main table by prefix length and
// network: the longest length with a match wins, and within it bestRoute's order applies.
const FIB_INDEX_MIN = 64;

interface FibIndex {
  length: number;
  /** Prefix lengths present, longest first, each with its routes by network address (listed order kept). */
  byLength: { len: number; mask: number; routes: Map<number, Route[]> }[];
}

const fibIndexes = new WeakMap<readonly Route[], FibIndex>();

/** bestRoute through the index (exported for the test that holds the two equal). */
export function indexedBest(routes: readonly Route[], dst: Ip4): Route | undefined {
  let index = fibIndexes.get(routes);
  if (!index || index.length !== routes.length) fibIndexes.set(routes, (index = buildFibIndex(routes)));
  for (const { mask, routes: byNetwork } of index.byLength) {
    const candidates = byNetwork.get((dst & mask) >>> 0);
    if (candidates) return bestRoute(candidates, dst);
  }
  return undefined;
}

function buildFibIndex(routes: readonly Route[]): FibIndex {
  const lengths = new Map<number, Map<number, Route[]>>();
  for (const r of routes) {
    if (r.table !== "main") continue;
    let byNetwork = lengths.get(r.dst.len);
    if (!byNetwork) lengths.set(r.dst.len, (byNetwork = new Map()));
    const network = (r.dst.addr & maskOf(r.dst.len)) >>> 0;
    const list = byNetwork.get(network);
    if (list) list.push(r);
    else byNetwork.set(network, [r]);
  }
  const byLength = [...lengths].sort((a, b) => b[0] - a[0]).map(([len, byNetwork]) => ({ len, mask: maskOf(len), routes: byNetwork }));
  return { length: routes.length, byLength };
}

/** inet_select_addr: the route's preferred source, else an address of the device on the nexthop's subnet, else its first global one. */
export function selectSource(ns: Netns, result: Extract<RouteResult, { type: "unicast" }>): Ip4 | undefined {
  if (result.route.src !== undefined) return result.route.src;
  const addrs = result.dev.addrs.filter((a) => a.scope !== "host");
  const onLink = addrs.find((a) => ((a.cidr.addr ^ result.nexthop) & maskOf(a.cidr.len)) >>> 0 === 0);
  if (onLink) return onLink.cidr.addr;
  if (addrs[0]) return addrs[0].cidr.addr;
  for (const l of ns.links) for (const a of l.addrs) if (a.scope === "global") return a.cidr.addr;
  return undefined;
}

/** MASQUERADE picks the out device's address for the nexthop (masquerade_tg → inet_select_addr). */
export function masqueradeSource(ns: Netns, outDev: string, nexthop: Ip4): Ip4 | undefined {
  const dev = ns.links.find((l) => l.name === outDev);
  if (!dev) return undefined;
  const addrs = dev.addrs.filter((a) => a.scope !== "host");
  const onLink = addrs.find((a) => ((a.cidr.addr ^ nexthop) & maskOf(a.cidr.len)) >>> 0 === 0);
  return (onLink ?? addrs[0])?.cidr.addr;
}

/** The address the kernel binds an unbound socket to when it talks to `dst`. */
export function sourceAddress(ns: Netns, dst: Ip4): Ip4 | undefined {
  const r = routeLookup(ns, dst);
  if (r.type === "local") return dst >>> 24 === 127 ? 0x7f000001 : dst;
  return r.type === "unicast" ? selectSource(ns, r) : undefined;
}
