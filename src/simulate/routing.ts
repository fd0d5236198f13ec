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
  let best: Route | undefined;
  for (const r of ns.routes) {
    if (r.table !== "main" || !contains(r.dst, dst)) continue;
    if (!best || r.dst.len > best.dst.len || (r.dst.len === best.dst.len && (r.metric ?? 0) < (best.metric ?? 0))) best = r;
  }
  if (!best || best.type !== "unicast") return { type: "unreachable" };
  const dev = ns.links.find((l) => l.name === best!.dev);
  if (!dev || !dev.flags.includes("UP")) return { type: "unreachable" };
  return { type: "unicast", route: best, dev, nexthop: best.gateway ?? dst };
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
