// What the kernel derives from a link's state without anyone asking: the IPv6
// link-local address, the multicast list `bridge fdb` prints as `self
// permanent`, the 16-bit flag word ifconfig shows, carrier and RUNNING.
// Also the few fields src/model/kernel.ts does not carry yet (LinkExtras):
// the printers read them when present and derive a default otherwise.
// Every rule here was observed in the lab (docs/kernel-facts.md).

import type { Link, Netns } from "../model/kernel.js";
import { macBytes, type Mac } from "../model/addr.js";
import { formatIp6, parseIp6 } from "../packet/ipv6-text.js";

/** /proc/net/dev counters (what ifconfig and `ip -s link` print). */
export interface LinkStats {
  rxPackets: number; rxBytes: number; rxErrors: number; rxDropped: number; rxOverruns: number; rxFrame: number;
  txPackets: number; txBytes: number; txErrors: number; txDropped: number; txOverruns: number; txCarrier: number;
  collisions: number;
}

export interface Inet6Addr {
  /** Compressed text as inet_ntop prints it, e.g. fe80::c15:9ff:fe0d:8234. */
  addr: string;
  len: number;
  scope: "host" | "link" | "global";
  /** IFA flags in iproute2's order, e.g. ["stable-privacy"]. */
  flags?: string[];
}

/** Proposed additions to `Link` (see the report); optional so today's values still type-check. */
export interface LinkExtras {
  /** When absent: ::1 on lo, fe80::EUI-64 on Ethernet-type links with carrier. */
  inet6?: Inet6Addr[];
  stats?: Partial<LinkStats>;
  /** `altname enp0s3` lines of a real NIC. */
  altnames?: string[];
  /** Named netns (containerd's /run/netns/cni-…): prints `link-netns NAME` instead of the id. */
  peerNetnsName?: string;
}

/** Proposed addition to `Sysctls`: net.ipv6.conf.all.disable_ipv6. */
export interface SysctlExtras {
  disableIpv6?: boolean;
}

export function extrasOf(link: Link): LinkExtras {
  return link as Link & LinkExtras;
}

export function ipv6Enabled(ns: Netns): boolean {
  return !(ns.sysctl as Netns["sysctl"] & SysctlExtras).disableIpv6;
}

export function isUp(link: Link): boolean {
  return link.flags.includes("UP");
}

/** netif_carrier_ok: iproute2 shows it as LOWER_UP. */
export function hasCarrier(link: Link): boolean {
  return link.flags.includes("LOWER_UP");
}

/** dev_get_flags: IFF_RUNNING = running and operstate UP or UNKNOWN (netif_oper_up). */
export function isRunning(link: Link): boolean {
  return isUp(link) && (link.operState === "UP" || link.operState === "UNKNOWN");
}

/** iproute2 print_link_flags order; NO-CARRIER comes first, M-DOWN last. */
const LINK_FLAG_ORDER = [
  "NO-CARRIER", "LOOPBACK", "BROADCAST", "POINTOPOINT", "MULTICAST", "NOARP", "ALLMULTI", "PROMISC", "MASTER",
  "SLAVE", "DEBUG", "DYNAMIC", "AUTOMEDIA", "PORTSEL", "NOTRAILERS", "UP", "LOWER_UP", "DORMANT", "ECHO",
];

export function linkFlagsInKernelOrder(link: Link): string[] {
  const rank = (f: string) => {
    const i = LINK_FLAG_ORDER.indexOf(f);
    return i < 0 ? LINK_FLAG_ORDER.length : i;
  };
  return [...link.flags].sort((a, b) => rank(a) - rank(b));
}

/** The short ifr_flags word of SIOCGIFFLAGS (include/uapi/linux/if.h); LOWER_UP does not fit in it. */
const IFF_BITS: Record<string, number> = {
  UP: 0x1, BROADCAST: 0x2, DEBUG: 0x4, LOOPBACK: 0x8, POINTOPOINT: 0x10, NOTRAILERS: 0x20, NOARP: 0x80,
  PROMISC: 0x100, ALLMULTI: 0x200, MASTER: 0x400, SLAVE: 0x800, MULTICAST: 0x1000, PORTSEL: 0x2000,
  AUTOMEDIA: 0x4000, DYNAMIC: 0x8000,
};
export const IFF_RUNNING = 0x40;

export function ifFlagWord(link: Link): number {
  let word = isRunning(link) ? IFF_RUNNING : 0;
  for (const f of link.flags) word |= IFF_BITS[f] ?? 0;
  return word;
}

/** Kinds whose dev->type is ARPHRD_ETHER: they get an EUI-64 link-local and a multicast list. */
function isEthernetType(link: Link): boolean {
  return link.kind !== "loopback" && link.kind !== "tun" && link.mac !== undefined;
}

/** RFC 4291 appendix A as addrconf_ifid_eui48 does it: flip the U/L bit, insert ff:fe. */
export function eui64LinkLocal(mac: Mac): string {
  const m = macBytes(mac);
  const bytes = new Uint8Array(16);
  bytes.set([0xfe, 0x80]);
  bytes.set([m[0]! ^ 0x02, m[1]!, m[2]!, 0xff, 0xfe, m[3]!, m[4]!, m[5]!], 8);
  return formatIp6(bytes);
}

/**
 * A TUN device (ARPHRD_NONE) has no MAC, so addrconf uses a random interface
 * id and flags it stable-privacy. We cannot know the kernel's random value;
 * this stands in for it deterministically (same namespace and name, same address).
 */
function pseudoRandomLinkLocal(seed: string): string {
  let h = 0x811c9dc5;
  const bytes = new Uint8Array(16);
  bytes.set([0xfe, 0x80]);
  for (let i = 8; i < 16; i++) {
    for (const c of `${seed}#${i}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
    bytes[i] = h & 0xff;
  }
  return formatIp6(bytes);
}

/**
 * IPv6 addresses the link holds. Derived rule (observed): lo gets ::1/128 when up;
 * an Ethernet-type link gets fe80::EUI-64/64 once it is up with carrier. The
 * EUI-64 comes from the MAC the link had *at that moment*: a bridge that later
 * took a port's MAC keeps the old one, so cni0 needs an explicit `inet6`.
 */
export function inet6Of(link: Link, ns: Netns): Inet6Addr[] {
  const explicit = extrasOf(link).inet6;
  if (explicit) return explicit;
  if (!ipv6Enabled(ns) || !isUp(link)) return [];
  if (link.kind === "loopback") return [{ addr: "::1", len: 128, scope: "host" }];
  if (!hasCarrier(link)) return [];
  if (link.kind === "tun") {
    return [{ addr: pseudoRandomLinkLocal(`${ns.id}/${link.name}`), len: 64, scope: "link", flags: ["stable-privacy"] }];
  }
  if (!isEthernetType(link)) return [];
  return [{ addr: eui64LinkLocal(link.mac!), len: 64, scope: "link" }];
}

/** 33:33:ff + the address's last 24 bits (RFC 4291 2.7.1 solicited-node group, RFC 2464 7). */
function solicitedNodeMac(addr: string): Mac | undefined {
  const b = parseIp6(addr);
  if (!b) return undefined;
  const hex = (n: number) => n.toString(16).padStart(2, "0");
  return `33:33:ff:${hex(b[13]!)}:${hex(b[14]!)}:${hex(b[15]!)}`;
}

/**
 * dev->mc list in join order, as ndo_dflt_fdb_dump prints it (`self permanent`):
 * ff02::1 at registration (even on a down device), the bridge's snooper groups
 * 224.0.0.106 / ff02::6a at open, 224.0.0.1 at NETDEV_UP, then one
 * solicited-node group per IPv6 address. Loopback and TUN are not dumped;
 * vxlan dumps its own FDB instead.
 */
export function multicastListOf(link: Link, ns: Netns): Mac[] {
  if (!isEthernetType(link) || link.kind === "vxlan") return [];
  const v6 = ipv6Enabled(ns);
  const out: Mac[] = [];
  if (v6) out.push("33:33:00:00:00:01");
  if (isUp(link) && link.kind === "bridge") {
    out.push("01:00:5e:00:00:6a");
    if (v6) out.push("33:33:00:00:00:6a");
  }
  if (isUp(link)) out.push("01:00:5e:00:00:01");
  for (const a of inet6Of(link, ns)) {
    const mac = solicitedNodeMac(a.addr);
    if (mac && !out.includes(mac)) out.push(mac);
  }
  return out;
}

const ZERO_STATS: LinkStats = {
  rxPackets: 0, rxBytes: 0, rxErrors: 0, rxDropped: 0, rxOverruns: 0, rxFrame: 0,
  txPackets: 0, txBytes: 0, txErrors: 0, txDropped: 0, txOverruns: 0, txCarrier: 0, collisions: 0,
};

export function statsOf(link: Link): LinkStats {
  return { ...ZERO_STATS, ...extrasOf(link).stats };
}

/** A named device the namespace does not have; carries the real tool's message and status. */
export class DeviceNotFoundError extends Error {
  constructor(readonly stderr: string, readonly code: number) {
    super(stderr.trimEnd());
    this.name = "DeviceNotFoundError";
  }
}
