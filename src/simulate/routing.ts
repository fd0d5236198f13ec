// The FIB lookup (fib_lookup): the local table first (addresses of this
// namespace, their broadcasts), then the main table by longest prefix match
// and metric; and source address selection (inet_select_addr).

import { broadcastOf, contains, type Ip4, maskOf } from "../model/addr.js";
import { type Link, linkByName, type Netns, type Route } from "../model/kernel.js";
import { SortedIndex } from "./sorted-index.js";

export type RouteResult =
  | { type: "local"; dev: string }
  | { type: "broadcast"; dev: string }
  | { type: "unicast"; route: Route; dev: Link; nexthop: Ip4 }
  | { type: "unreachable" };

/**
 * A namespace's addresses by value, built once per link list (links and their addresses are fixed
 * once compiled): every packet at every hop asks whether an address is local or a broadcast.
 */
interface AddressIndex {
  loopback: Link | undefined;
  /** Address → the first link holding it. */
  local: Map<Ip4, Link>;
  /** Subnet broadcast → the first link with an address whose broadcast it is (any prefix length). */
  broadcastDev: Map<Ip4, Link>;
  /** Broadcasts of addresses with a prefix shorter than /31 (a /31 or /32 has none). */
  broadcasts: Set<Ip4>;
}

const addressIndexes = new WeakMap<readonly Link[], AddressIndex>();

function addressIndex(ns: Netns): AddressIndex {
  let index = addressIndexes.get(ns.links);
  if (index) return index;
  index = { loopback: undefined, local: new Map(), broadcastDev: new Map(), broadcasts: new Set() };
  for (const l of ns.links) {
    if (l.kind === "loopback" && !index.loopback) index.loopback = l;
    for (const a of l.addrs) {
      if (!index.local.has(a.cidr.addr)) index.local.set(a.cidr.addr, l);
      const b = broadcastOf(a.cidr);
      if (!index.broadcastDev.has(b)) index.broadcastDev.set(b, l);
      if (a.cidr.len < 31) index.broadcasts.add(b);
    }
  }
  addressIndexes.set(ns.links, index);
  return index;
}

export function localAddressDev(ns: Netns, ip: Ip4): Link | undefined {
  const index = addressIndex(ns);
  return ip >>> 24 === 127 ? index.loopback : index.local.get(ip);
}

export function isBroadcastAddress(ns: Netns, ip: Ip4): boolean {
  return ip === 0xffffffff || addressIndex(ns).broadcasts.has(ip);
}

/**
 * A namespace's answers so far, by destination. Its routes, links and addresses are fixed once
 * compiled (as the indexes above assume), so an answer never changes; every packet at every hop
 * asks, mostly for the same few destinations. A different number of routes means they were
 * changed (a restore being read): the answers are dropped.
 */
const answers = new WeakMap<Netns, { length: number; byDst: Map<Ip4, RouteResult> }>();

export function routeLookup(ns: Netns, dst: Ip4): RouteResult {
  let known = answers.get(ns);
  if (!known || known.length !== ns.routes.length) answers.set(ns, (known = { length: ns.routes.length, byDst: new Map() }));
  let answer = known.byDst.get(dst);
  if (!answer) known.byDst.set(dst, (answer = Object.freeze(lookUp(ns, dst))));
  return answer;
}

function lookUp(ns: Netns, dst: Ip4): RouteResult {
  const local = localAddressDev(ns, dst);
  if (local) return { type: "local", dev: local.name };
  if (isBroadcastAddress(ns, dst)) return { type: "broadcast", dev: addressIndex(ns).broadcastDev.get(dst)?.name ?? "lo" };
  const best = ns.routes.length >= FIB_INDEX_MIN ? indexedBest(ns.routes, dst) : bestRoute(ns.routes, dst);
  if (!best || best.type !== "unicast") return { type: "unreachable" };
  const dev = linkByName(ns, best.dev);
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
// packet and hop would scan them all. All routes of one prefix length and network match the
// same destinations, so the winner among them (lowest metric, first listed) is fixed: the
// index keeps it per prefix length, and the longest length with a winner is the answer.
const FIB_INDEX_MIN = 64;

interface FibIndex {
  length: number;
  /** Prefix lengths present, longest first, with their winners by network address. */
  byLength: { mask: number; winners: SortedIndex }[];
}

const fibIndexes = new WeakMap<readonly Route[], FibIndex>();

/** bestRoute through the index (exported for the test that holds the two equal). */
export function indexedBest(routes: readonly Route[], dst: Ip4): Route | undefined {
  let index = fibIndexes.get(routes);
  if (!index || index.length !== routes.length) fibIndexes.set(routes, (index = buildFibIndex(routes)));
  for (const { mask, winners } of index.byLength) {
    const position = winners.first((dst & mask) >>> 0);
    if (position >= 0) return routes[position];
  }
  return undefined;
}

function buildFibIndex(routes: readonly Route[]): FibIndex {
  // Per prefix length: network → position of the winner so far (strictly lower metric replaces).
  const lengths = new Map<number, Map<number, number>>();
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i]!;
    if (r.table !== "main") continue;
    let winners = lengths.get(r.dst.len);
    if (!winners) lengths.set(r.dst.len, (winners = new Map()));
    const network = (r.dst.addr & maskOf(r.dst.len)) >>> 0;
    const current = winners.get(network);
    if (current === undefined || (r.metric ?? 0) < (routes[current]!.metric ?? 0)) winners.set(network, i);
  }
  const byLength = [...lengths]
    .sort((a, b) => b[0] - a[0])
    .map(([len, winners]) => ({ mask: maskOf(len), winners: SortedIndex.of([...winners.keys()], [...winners.values()]) }));
  return { length: routes.length, byLength };
}

/**
 * inet_select_addr: an address of `dev` in `scope` on the nexthop's subnet, else its first one in
 * scope; a device with none gives the first global address of any device, in device order.
 */
function inetSelectAddr(ns: Netns, dev: Link, nexthop: Ip4, scope: "link" | "global"): Ip4 | undefined {
  const addrs = dev.addrs.filter((a) => a.scope === "global" || (scope === "link" && a.scope === "link"));
  const chosen = addrs.find((a) => ((a.cidr.addr ^ nexthop) & maskOf(a.cidr.len)) >>> 0 === 0) ?? addrs[0];
  if (chosen) return chosen.cidr.addr;
  for (const l of ns.links) for (const a of l.addrs) if (a.scope === "global") return a.cidr.addr;
  return undefined;
}

/** A route's source: its preferred source, else inet_select_addr on its device (link scope allowed). */
export function selectSource(ns: Netns, result: Extract<RouteResult, { type: "unicast" }>): Ip4 | undefined {
  return result.route.src ?? inetSelectAddr(ns, result.dev, result.nexthop, "link");
}

/** MASQUERADE picks the out device's address for the nexthop (masquerade_tg → inet_select_addr, RT_SCOPE_UNIVERSE). */
export function masqueradeSource(ns: Netns, outDev: string, nexthop: Ip4): Ip4 | undefined {
  const dev = linkByName(ns, outDev);
  return dev && inetSelectAddr(ns, dev, nexthop, "global");
}

/** The address the kernel binds an unbound socket to when it talks to `dst`. */
export function sourceAddress(ns: Netns, dst: Ip4): Ip4 | undefined {
  const r = routeLookup(ns, dst);
  if (r.type === "local") return dst >>> 24 === 127 ? 0x7f000001 : dst;
  return r.type === "unicast" ? selectSource(ns, r) : undefined;
}
