// `ip route [show table local]` and `ip neigh` as iproute2 6.1 prints them
// (ip/iproute.c print_route, ip/ipneigh.c print_neigh).

import type { Link, Neigh, Netns, Route } from "../model/kernel.js";
import { formatIp4, networkOf } from "../model/addr.js";
import { hasCarrier } from "./kernel-derived.js";

export interface IpRouteOptions {
  /** `ip route show table local`; default main. */
  table?: "main" | "local";
  /**
   * iproute2 before 4.15 (CentOS 7, Ubuntu 14.04–16.04) printed " proto X ",
   * " scope X ", " src X " and " metric N " with a space on both sides, hence
   * the double spaces of "dev eth0  proto kernel  scope link  src …".
   */
  legacy?: boolean;
  /** busybox's ip applet: no proto, " src X" after the scope. */
  busybox?: boolean;
}

/**
 * The order a FIB dump walks the LC-trie: by destination key (network address,
 * unsigned); routes sharing a key sit in one leaf, longest prefix first
 * (fib_insert_alias keeps fa_slen ascending); then by metric. Ties keep their
 * insertion order (NLM_F_APPEND).
 */
export function routesInFibOrder(ns: Netns, table: "main" | "local"): Route[] {
  return ns.routes
    .filter((r) => r.table === table)
    .map((r, i) => ({ r, i }))
    .sort((a, b) =>
      networkOf(a.r.dst) - networkOf(b.r.dst) ||
      b.r.dst.len - a.r.dst.len ||
      (a.r.metric ?? 0) - (b.r.metric ?? 0) ||
      a.i - b.i)
    .map((x) => x.r);
}

export function ipRoute(ns: Netns, opts: IpRouteOptions = {}): string {
  return routesInFibOrder(ns, opts.table ?? "main").map((r) => (opts.busybox ? busyboxRouteLine(r) : opts.legacy ? legacyRouteLine(ns, r) : routeLine(ns, r))).join("");
}

function dstText(r: Route): string {
  if (r.dst.len === 0) return "default";
  const net = formatIp4(networkOf(r.dst));
  return r.dst.len === 32 ? net : `${net}/${r.dst.len}`;
}

/**
 * RTNH_F_LINKDOWN: the kernel flags a nexthop whose device lost carrier
 * (fib_sync_down_dev on NETDEV_CHANGE), except host-scope ones (their nexthop
 * scope is RT_SCOPE_NOWHERE): docker0 without containers shows `linkdown` on
 * its prefix and broadcast routes, never on `local 172.17.0.1`.
 */
function isLinkdown(ns: Netns, r: Route): boolean {
  if (r.scope === "host" || !r.dev) return false;
  const link: Link | undefined = ns.links.find((l) => l.name === r.dev);
  return link !== undefined && !hasCarrier(link);
}

function routeLine(ns: Netns, r: Route): string {
  const t: string[] = [];
  if (r.type !== "unicast") t.push(r.type);
  t.push(dstText(r));
  if (r.gateway !== undefined) t.push("via", formatIp4(r.gateway));
  if (r.dev) t.push("dev", r.dev);
  // The table is never printed: `ip route` filters on main, `show table local` on local.
  if (r.proto !== undefined && r.proto !== "boot") t.push("proto", r.proto);
  if (r.scope !== "global") t.push("scope", r.scope);
  if (r.src !== undefined) t.push("src", formatIp4(r.src));
  if (r.metric) t.push("metric", String(r.metric)); // the kernel omits RTA_PRIORITY 0
  if (r.onlink) t.push("onlink");
  if (isLinkdown(ns, r)) t.push("linkdown");
  return t.join(" ") + " \n";
}

function busyboxRouteLine(r: Route): string {
  let line = r.type !== "unicast" ? `${r.type} ` : "";
  line += `${dstText(r)} `;
  if (r.gateway !== undefined) line += `via ${formatIp4(r.gateway)} `;
  if (r.dev) line += `dev ${r.dev} `;
  if (r.scope !== "global") line += `scope ${r.scope} `;
  if (r.src !== undefined) line += ` src ${formatIp4(r.src)} `;
  if (r.metric) line += `metric ${r.metric} `;
  return `${line}\n`;
}

function legacyRouteLine(ns: Netns, r: Route): string {
  let line = r.type !== "unicast" ? `${r.type} ` : "";
  line += `${dstText(r)} `;
  if (r.gateway !== undefined) line += `via ${formatIp4(r.gateway)} `;
  if (r.dev) line += `dev ${r.dev} `;
  if (r.proto !== undefined && r.proto !== "boot") line += ` proto ${r.proto} `;
  if (r.scope !== "global") line += ` scope ${r.scope} `;
  if (r.src !== undefined) line += ` src ${formatIp4(r.src)} `;
  if (r.metric) line += ` metric ${r.metric} `;
  if (r.onlink) line += "onlink ";
  if (isLinkdown(ns, r)) line += "linkdown ";
  return `${line}\n`;
}

/**
 * `ip neigh`: "%s " per token, so every line ends in a space. Entries print in
 * the model's order: the kernel walks its neighbour hash (seeded at random per
 * table), so a real node's order is not reproducible; the compiler chooses one.
 */
export function ipNeigh(ns: Netns, opts: { busybox?: boolean } = {}): string {
  return ns.neigh.map(opts.busybox ? busyboxNeighLine : neighLine).join("");
}

/** busybox adds the cache entry's reference count, usage ages and probes (not modelled: a fresh entry's values). */
function busyboxNeighLine(n: Neigh): string {
  let line = `${formatIp4(n.ip)} dev ${n.dev} `;
  if (n.lladdr !== undefined && n.state !== "FAILED") line += `lladdr ${n.lladdr} `;
  return `${line}ref 1 used 0/0/0 probes 1 ${n.state}\n`;
}

function neighLine(n: Neigh): string {
  let line = `${formatIp4(n.ip)} dev ${n.dev} `;
  if (n.lladdr !== undefined && n.state !== "FAILED") line += `lladdr ${n.lladdr} `;
  return line + `${n.state} \n`;
}
