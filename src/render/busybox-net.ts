// busybox 1.35's ifconfig and route, as a busybox or alpine container prints
// them (docs/facts/shell-tools.md §2.2): the net-tools 1.60 layout
// ("Link encap:", "inet addr:", upper-case HWaddr), interfaces sorted by name,
// and `route` naming the default route and an empty gateway.

import { formatIp4, formatMask } from "../model/addr.js";
import type { Link, Netns } from "../model/kernel.js";
import { DeviceNotFoundError, ifFlagWord, inet6Of, isUp, type LinkStats, statsOf } from "./kernel-derived.js";
import { procRoutes } from "./nettools.js";
import { nstrcmp, scaledBytes } from "./nettools-ifconfig.js";

const FLAG_WORDS: [number, string][] = [
  [0x1, "UP"], [0x2, "BROADCAST"], [0x4, "DEBUG"], [0x8, "LOOPBACK"], [0x10, "POINTOPOINT"], [0x20, "NOTRAILERS"],
  [0x40, "RUNNING"], [0x80, "NOARP"], [0x100, "PROMISC"], [0x200, "ALLMULTI"], [0x400, "MASTER"], [0x800, "SLAVE"],
  [0x1000, "MULTICAST"], [0x8000, "DYNAMIC"],
];

export function busyboxIfconfig(ns: Netns, dev: string | undefined, opts: { all?: boolean; counters?: (l: Link) => Partial<LinkStats> }): string {
  if (dev !== undefined) {
    const link = ns.links.find((l) => l.name === dev);
    if (!link) throw new DeviceNotFoundError(`ifconfig: ${dev}: error fetching interface information: Device not found\n`, 1);
    return block(ns, link, opts.counters);
  }
  return [...ns.links].filter((l) => opts.all || isUp(l)).sort((a, b) => nstrcmp(a.name, b.name)).map((l) => block(ns, l, opts.counters)).join("");
}

function block(ns: Netns, l: Link, counters: ((l: Link) => Partial<LinkStats>) | undefined): string {
  const name = l.name.padEnd(10);
  let out = l.kind === "loopback"
    ? `${name}Link encap:Local Loopback  \n`
    : l.mac === undefined
      ? `${name}Link encap:UNSPEC  HWaddr 00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00  \n`
      : `${name}Link encap:Ethernet  HWaddr ${l.mac.toUpperCase()}  \n`;
  const a = l.addrs[0];
  const word = ifFlagWord(l);
  if (a) {
    out += `          inet addr:${formatIp4(a.cidr.addr)}`;
    if (word & 0x2) out += `  Bcast:${formatIp4(a.broadcast ?? 0)}`;
    out += `  Mask:${formatMask(a.cidr.len)}\n`;
  }
  for (const a6 of inet6Of(l, ns)) out += `          inet6 addr: ${a6.addr}/${a6.len} Scope:${a6.scope === "host" ? "Host" : a6.scope === "link" ? "Link" : "Global"}\n`;
  const flags = FLAG_WORDS.filter(([bit]) => word & bit).map(([, n]) => n).join(" ");
  out += `          ${flags}  MTU:${l.mtu}  Metric:1\n`;
  const s = { ...statsOf(l), ...counters?.(l) };
  out += `          RX packets:${s.rxPackets} errors:${s.rxErrors} dropped:${s.rxDropped} overruns:${s.rxOverruns} frame:${s.rxFrame}\n`;
  out += `          TX packets:${s.txPackets} errors:${s.txErrors} dropped:${s.txDropped} overruns:${s.txOverruns} carrier:${s.txCarrier}\n`;
  out += `          collisions:${s.collisions} txqueuelen:${l.txqlen} \n`;
  out += `          RX bytes:${s.rxBytes} (${scaledBytes(s.rxBytes)})  TX bytes:${s.txBytes} (${scaledBytes(s.txBytes)})\n\n`;
  return out;
}

/** busybox route: "%-15s %-15s %-16s%-6s%-6d %-2d %7d %s"-like columns; without -n, "default" and "*". */
export function busyboxRoute(ns: Netns, numeric: boolean): string {
  let out = "Kernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n";
  for (const p of procRoutes(ns)) {
    const dst = !numeric && p.dst === "0.0.0.0" ? "default" : p.dst;
    const gw = !numeric && p.gw === "0.0.0.0" ? "*" : p.gw;
    out += `${dst.padEnd(15)} ${gw.padEnd(15)} ${p.mask.padEnd(15)} ${p.flags.padEnd(5)} ${String(p.metric).padEnd(6)} ${"0".padEnd(2)} ${"0".padStart(7)} ${p.iface}\n`;
  }
  return out;
}
