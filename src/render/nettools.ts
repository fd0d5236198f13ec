// net-tools 2.10 (`route -n`, `netstat -rn`, `ifconfig`) and bridge-utils 1.7
// (`brctl show`) over one namespace's kernel state. Formats follow
// net-tools lib/inet_gr.c, lib/interface.c (ife_print_long) and brctl_cmd.c;
// reference transcripts in test/fixtures/iproute2/.

import type { Netns, Route } from "../model/kernel.js";
import { formatIp4, formatMask, networkOf } from "../model/addr.js";
import { routesInFibOrder } from "./iproute2-route.js";

export { ifconfig, scaledBytes, nstrcmp, type IfconfigOptions } from "./nettools-ifconfig.js";

const ROUTE_HEAD = "Kernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n";
const NETSTAT_HEAD = "Kernel IP routing table\nDestination     Gateway         Genmask         Flags   MSS Window  irtt Iface\n";

/** One /proc/net/route row in the fields net-tools prints. */
export interface ProcRoute { dst: string; gw: string; mask: string; flags: string; metric: number; iface: string; reject: boolean }

/** /proc/net/route walks the main table in the same trie order as `ip route`. */
export function procRoutes(ns: Netns): ProcRoute[] {
  return routesInFibOrder(ns, "main").map((r: Route) => {
    const reject = r.type === "unreachable";
    let flags = reject ? "!" : "U";
    if (!reject && r.gateway !== undefined) flags += "G";
    if (!reject && r.dst.len === 32) flags += "H";
    return {
      dst: formatIp4(networkOf(r.dst)), gw: reject ? "-" : formatIp4(r.gateway ?? 0), mask: formatMask(r.dst.len),
      flags, metric: r.metric ?? 0, iface: reject ? "-" : r.dev || "*", reject,
    };
  });
}

const col = (s: string, w: number) => s.padEnd(w);
const rcol = (s: string | number, w: number) => String(s).padStart(w);

/** `route -n`: "%-15s %-15s %-15s %-5s %-6d %-2d %7d %s" (Ref and Use are always 0 on Linux ≥ 2.6). */
export function routeN(ns: Netns): string {
  return ROUTE_HEAD + procRoutes(ns).map((p) =>
    `${col(p.dst, 15)} ${col(p.gw, 15)} ${col(p.mask, 15)} ${col(p.flags, 5)} ${col(String(p.metric), 6)} ` +
    `${col(p.reject ? "-" : "0", 2)} ${rcol(0, 7)} ${p.iface}\n`).join("");
}

/** `netstat -rn`: "%-15s %-15s %-15s %-5s %5d %-6d %5d %s" (MSS, Window, irtt). */
export function netstatRn(ns: Netns): string {
  return NETSTAT_HEAD + procRoutes(ns).map((p) => {
    const z = p.reject ? "-" : "0";
    return `${col(p.dst, 15)} ${col(p.gw, 15)} ${col(p.mask, 15)} ${col(p.flags, 5)} ${rcol(z, 5)} ` +
      `${col(z, 6)} ${rcol(z, 5)} ${p.iface}\n`;
  }).join("");
}

/**
 * `brctl show`: bridges and their ports sorted by name (scandir alphasort of
 * /sys/class/net), the header only when there is a bridge, the name always
 * followed by two tabs, bridge id = priority 8000 + MAC, STP off by default.
 */
export function brctlShow(ns: Netns): string {
  const bridges = ns.links.filter((l) => l.kind === "bridge").sort((a, b) => cmp(a.name, b.name));
  if (bridges.length === 0) return "";
  let out = "bridge name\tbridge id\t\tSTP enabled\tinterfaces\n";
  for (const br of bridges) {
    const ports = ns.links.filter((l) => l.master === br.name).map((l) => l.name).sort(cmp);
    out += `${br.name}\t\t8000.${(br.mac ?? "00:00:00:00:00:00").replaceAll(":", "")}\tno\t\t${ports[0] ?? ""}\n`;
    for (const p of ports.slice(1)) out += `\t\t\t\t\t\t\t${p}\n`;
  }
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
