// `ifconfig [-a] [DEV]` as net-tools 2.10 prints it (lib/interface.c
// ife_print_long, lib/nstrcmp.c), over one namespace's kernel state.

import type { Link, Netns } from "../model/kernel.js";
import { formatIp4, formatMask } from "../model/addr.js";
import { DeviceNotFoundError, ifFlagWord, inet6Of, isUp, statsOf, type LinkStats } from "./kernel-derived.js";

export interface IfconfigOptions {
  /** `ifconfig -a`: also the links that are down. */
  all?: boolean;
  /** The interface counters (the session's traffic); zero when absent. */
  counters?: (link: Link) => Partial<LinkStats>;
}

/**
 * `ifconfig [-a]` lists links sorted by net-tools' nstrcmp (alphabetical, with
 * trailing unit numbers compared as numbers), only UP ones without -a.
 * `ifconfig DEV` prints that link whatever its state.
 */
export function ifconfig(ns: Netns, dev?: string, opts: IfconfigOptions = {}): string {
  if (dev !== undefined) {
    const link = ns.links.find((l) => l.name === dev);
    if (!link) throw new DeviceNotFoundError(`${dev}: error fetching interface information: Device not found\n`, 1);
    return ifconfigBlock(ns, link, opts);
  }
  return [...ns.links]
    .filter((l) => opts.all || isUp(l))
    .sort((a, b) => nstrcmp(a.name, b.name))
    .map((l) => ifconfigBlock(ns, l, opts))
    .join("");
}

/** ife_print_long's flag names, in its order (SLAVE before MASTER, unlike iproute2). */
const IFCONFIG_FLAGS: [number, string][] = [
  [0x1, "UP"], [0x2, "BROADCAST"], [0x4, "DEBUG"], [0x8, "LOOPBACK"], [0x10, "POINTOPOINT"], [0x20, "NOTRAILERS"],
  [0x40, "RUNNING"], [0x80, "NOARP"], [0x100, "PROMISC"], [0x200, "ALLMULTI"], [0x800, "SLAVE"], [0x400, "MASTER"],
  [0x1000, "MULTICAST"], [0x8000, "DYNAMIC"],
];

function flagsText(word: number): string {
  let s = `flags=${word}<` + (word === 0 ? ">" : "");
  for (const [bit, name] of IFCONFIG_FLAGS) if (word & bit) s += `${name},`;
  // ife_print_long turns a trailing ',' into '>' and otherwise drops the last character.
  return s.endsWith(",") ? s.slice(0, -1) + ">" : s.slice(0, -1);
}

function ifconfigBlock(ns: Netns, l: Link, opts: IfconfigOptions): string {
  const word = ifFlagWord(l);
  let out = `${l.name}: ${flagsText(word)}  mtu ${l.mtu}\n`;
  const a = l.addrs[0]; // SIOCGIFADDR: the primary address only
  if (a) {
    out += `        inet ${formatIp4(a.cidr.addr)}  netmask ${formatMask(a.cidr.len)}`;
    if (word & 0x2) out += `  broadcast ${formatIp4(a.broadcast ?? 0)}`;
    if (word & 0x10) out += `  destination ${formatIp4(a.cidr.addr)}`;
    out += "\n";
  }
  for (const a6 of inet6Of(l, ns)) {
    const scope = a6.scope === "host" ? "0x10<host>" : a6.scope === "link" ? "0x20<link>" : "0x0<global>";
    out += `        inet6 ${a6.addr}  prefixlen ${a6.len}  scopeid ${scope}\n`;
  }
  out += hwLine(l);
  return out + statsLines({ ...statsOf(l), ...opts.counters?.(l) }) + "\n";
}

/** The "(1.9 KiB)" of ife_print_long: ×10, divided down by 1024 steps with strict '>', truncated. */
export function scaledBytes(n: number): string {
  const units: [number, string][] = [[2 ** 50, "PiB"], [2 ** 40, "TiB"], [2 ** 30, "GiB"], [2 ** 20, "MiB"], [1024, "KiB"]];
  for (const [size, unit] of units) {
    if (n > size) {
      const tenths = Math.floor((n * 10) / size);
      return `${Math.floor(tenths / 10)}.${tenths % 10} ${unit}`;
    }
  }
  return `${n}.0 B`;
}

function statsLines(s: LinkStats): string {
  return `        RX packets ${s.rxPackets}  bytes ${s.rxBytes} (${scaledBytes(s.rxBytes)})\n` +
    `        RX errors ${s.rxErrors}  dropped ${s.rxDropped}  overruns ${s.rxOverruns}  frame ${s.rxFrame}\n` +
    `        TX packets ${s.txPackets}  bytes ${s.txBytes} (${scaledBytes(s.txBytes)})\n` +
    `        TX errors ${s.txErrors}  dropped ${s.txDropped} overruns ${s.txOverruns}  carrier ${s.txCarrier}  ` +
    `collisions ${s.collisions}\n`;
}

/** The hardware line: hw->name, the address if the type prints one, txqueuelen, hw->title. */
function hwLine(l: Link): string {
  const q = `  txqueuelen ${l.txqlen}`;
  if (l.kind === "loopback") return `        loop${q}  (Local Loopback)\n`;
  // ARPHRD_NONE (TUN) falls back to the UNSPEC type, which prints 16 zero bytes.
  if (l.kind === "tun" || l.mac === undefined) return `        unspec ${Array(16).fill("00").join("-")}${q}  (UNSPEC)\n`;
  return `        ether ${l.mac}${q}  (Ethernet)\n`;
}

/** net-tools nstrcmp: strcmp, except a trailing unit number compares as a number (eth2 < eth10). */
export function nstrcmp(a: string, b: string): number {
  const split = (s: string) => {
    const colon = /:(\d+)$/.exec(s);
    const base = colon ? s.slice(0, colon.index) : s;
    const unitAt = base.search(/\d*$/);
    return { base, unitAt, unit: Number(base.slice(unitAt) || 0), alias: colon ? Number(colon[1]) : -1 };
  };
  const x = split(a), y = split(b);
  const n = Math.min(x.unitAt, y.unitAt);
  const head = strcmp(x.base.slice(0, n), y.base.slice(0, n));
  if (head !== 0) return head;
  if (x.unitAt !== y.unitAt) return x.unitAt > y.unitAt ? 1 : -1;
  if (x.unit !== y.unit) return x.unit < y.unit ? -1 : 1;
  const whole = strcmp(x.base, y.base);
  if (whole !== 0) return whole;
  return x.alias === y.alias ? 0 : x.alias < y.alias ? -1 : 1;
}

function strcmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
