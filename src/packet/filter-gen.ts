// Code generation for pcap-filter primitives, one function per gencode.c
// routine (named after it) so each can be checked against libpcap 1.10: the
// same tests, in the same order, with the same error texts. Three link types:
// EN10MB (Ethernet, network header at 14), RAW (bare IP, as on a TUN device;
// libpcap checks the IP version nibble instead of an ethertype) and LINUX_SLL2
// (what `tcpdump -i any` captures: a 20-byte cooked header, protocol at 0).

import { and, cmp, FALSE, not, or, type Prog } from "./filter-prog.js";
import { invalid, unsupported } from "./filter-error.js";

export type LinkType = "EN10MB" | "RAW" | "LINUX_SLL2";

export const ETHERTYPE_IP = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_REVARP = 0x8035;
export const ETHERTYPE_IPV6 = 0x86dd;
const ETHERMTU = 1500;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_SCTP = 132;
const IPPROTO_FRAGMENT = 44;

export interface GenCtx {
  link: LinkType;
  /** Netmask for `ip broadcast`; `tcpdump -r` compiles with 0. */
  netmask: number;
}

/** Offset of the network-layer header (libpcap's OR_LINKPL). */
export const linkpl = (c: GenCtx): number => ({ EN10MB: 14, RAW: 0, LINUX_SLL2: 20 })[c.link];

/** gen_snap(): an 802.2 LLC + SNAP header with the given OUI and type. */
function genSnap(c: GenCtx, oui: number, type: number): Prog {
  const at = linkpl(c);
  // gen_bcmp() compares the 8 bytes aa aa 03 <oui> <type> as two words, last word first.
  const tail = ((((oui >>> 8) & 0xff) << 24) | ((oui & 0xff) << 16) | type) >>> 0;
  return and(cmp(at + 4, 4, tail), cmp(at, 4, (0xaaaa0300 | ((oui >>> 16) & 0xff)) >>> 0));
}

/** gen_linktype(): "is the next header ll_proto?" for this link type. */
export function genLinktype(c: GenCtx, proto: number): Prog {
  if (c.link === "RAW") {
    // DLT_RAW has no type field; IPv4/IPv6 are told apart by the version nibble.
    if (proto === ETHERTYPE_IP) return cmp(0, 1, 0x40, 0xf0);
    if (proto === ETHERTYPE_IPV6) return cmp(0, 1, 0x60, 0xf0);
    return FALSE;
  }
  // libpcap 1.10 has no SLL2 case in gen_linktype(): every value, even an LLC
  // SAP such as `stp`, is compared with the 16-bit protocol field.
  if (c.link === "LINUX_SLL2") return cmp(0, 2, proto);
  const isLength = not(cmp(12, 2, ETHERMTU, undefined, "gt")); // 802.3 length, not an ethertype
  switch (proto) {
    case 0xfe: // LLCSAP_ISONS
    case 0x06: // LLCSAP_IP
    case 0xf0: // LLCSAP_NETBEUI: OSI and NetBEUI check DSAP and SSAP
      return and(isLength, cmp(14, 2, (proto << 8) | proto));
    case 0xe0: { // LLCSAP_IPX: Ethernet_II, 802.3 raw, 802.2 and SNAP framings
      const llc = or(genSnap(c, 0, 0x8137), or(cmp(14, 1, 0xe0), cmp(14, 2, 0xffff)));
      return or(cmp(12, 2, 0x8137), and(isLength, llc));
    }
    case 0x809b: // ETHERTYPE_ATALK and AARP may be SNAP-encapsulated
    case 0x80f3: {
      const snap = proto === 0x809b ? genSnap(c, 0x080007, proto) : genSnap(c, 0, proto);
      return or(cmp(12, 2, proto), and(isLength, snap));
    }
    default:
      return proto <= ETHERMTU ? and(isLength, cmp(14, 1, proto)) : cmp(12, 2, proto);
  }
}

export type Dir = "default" | "src" | "dst" | "or" | "and" | "addr1" | "addr2" | "addr3" | "addr4" | "ra" | "ta" | "undef";

/** The 802.11-only direction qualifiers, with the text libpcap uses to name them. */
function wlanDirError(dir: Dir, what: string): Error | undefined {
  if (dir.startsWith("addr")) return invalid(`'${dir}' and 'address${dir.slice(4)}' are not valid qualifiers for ${what}`);
  if (dir === "ra" || dir === "ta") return invalid(`'${dir}' is not a valid qualifier for ${what}`);
  return undefined;
}

/** Expands src/dst/`src or dst`/`src and dst` over a per-direction generator, as gencode does. */
function byDir(dir: Dir, what: string, one: (src: boolean) => Prog): Prog {
  const bad = wlanDirError(dir, what);
  if (bad) throw bad;
  if (dir === "src") return one(true);
  if (dir === "dst") return one(false);
  if (dir === "and") return and(one(true), one(false));
  return or(one(true), one(false));
}

/** gen_hostop(): ethertype check, then the masked 32-bit address at the header offset. */
function genHostop(c: GenCtx, addr: number, mask: number, dir: Dir, llProto: number, srcOff: number, dstOff: number): Prog {
  return byDir(dir, "addresses other than 802.11 MAC addresses", (src) =>
    and(genLinktype(c, llProto), cmp(linkpl(c) + (src ? srcOff : dstOff), 4, addr, mask)),
  );
}

/** gen_host(): `host`/`net` for one protocol qualifier. Default = IPv4, ARP and RARP. */
export function genHost(c: GenCtx, addr: number, mask: number, proto: string, dir: Dir, type: string): Prog {
  const what = type === "net" ? "net" : "host";
  switch (proto) {
    case "default": {
      // ARP/RARP sender and target protocol addresses match too (offsets 14 and 24).
      const ip = genHost(c, addr, mask, "ip", dir, type);
      const arp = genHost(c, addr, mask, "arp", dir, type);
      return or(or(ip, arp), genHost(c, addr, mask, "rarp", dir, type));
    }
    case "ip": return genHostop(c, addr, mask, dir, ETHERTYPE_IP, 12, 16);
    case "arp": return genHostop(c, addr, mask, dir, ETHERTYPE_ARP, 14, 24);
    case "rarp": return genHostop(c, addr, mask, dir, ETHERTYPE_REVARP, 14, 24);
    case "link": throw invalid(`link-layer modifier applied to ${what}`);
    case "ip6": throw invalid("'ip6' modifier applied to ip host");
    default: throw invalid(`'${proto}' modifier applied to ${what}`);
  }
}

/** gen_ehostop(): a 6-byte MAC compared as a 32-bit word at +2 and a 16-bit word at +0. */
export function genEhostop(c: GenCtx, mac: Uint8Array, dir: Dir): Prog {
  if (c.link !== "EN10MB") {
    throw invalid("ethernet addresses supported only on ethernet/FDDI/token ring/802.11/ATM LANE/Fibre Channel");
  }
  const bad = dir.startsWith("addr") ? `'${dir}' and 'address${dir.slice(4)}' are` : dir === "ra" || dir === "ta" ? `'${dir}' is` : "";
  if (bad) throw invalid(`${bad} only supported on 802.11 with 802.11 headers`);
  const at = (off: number) =>
    and(cmp(off + 2, 4, ((mac[2]! << 24) | (mac[3]! << 16) | (mac[4]! << 8) | mac[5]!) >>> 0), cmp(off, 2, (mac[0]! << 8) | mac[1]!));
  if (dir === "src") return at(6);
  if (dir === "dst") return at(0);
  return dir === "and" ? and(at(6), at(0)) : or(at(6), at(0));
}

/** gen_ipfrag(): not a fragment other than the first (offset bits clear; MF may be set). */
const genIpfrag = (c: GenCtx): Prog => not(cmp(linkpl(c) + 6, 2, 0x1fff, undefined, "set"));

/** The transport header after an IPv4 header of any length (BPF's `ldxb 4*([14]&0xf)`). */
function tran4(c: GenCtx, off: number, k: number, op: "eq" | "gt" | "ge" = "eq"): Prog {
  return { t: "cmp", ld: { off: linkpl(c) + off, size: 2, ihlAt: linkpl(c) }, mask: 0xffffffff, op, k };
}
const tran6 = (c: GenCtx, off: number, k: number, op: "eq" | "gt" | "ge" = "eq"): Prog =>
  cmp(linkpl(c) + 40 + off, 2, k, undefined, op);

export type PortProto = number | "undef"; // an IPPROTO value, or PROTO_UNDEF = TCP, UDP and SCTP

/** One port test (lo === hi) or range test, per gen_portatom / gen_portrangeatom. */
function portAtom(v6: boolean, c: GenCtx, off: number, lo: number, hi: number | undefined): Prog {
  const at = v6 ? tran6 : tran4;
  if (hi === undefined) return at(c, off, lo);
  const [a, b] = lo <= hi ? [lo, hi] : [hi, lo];
  return and(at(c, off, a, "ge"), not(at(c, off, b, "gt")));
}

function portOp(c: GenCtx, v6: boolean, ipProto: number, dir: Dir, lo: number, hi?: number): Prog {
  const what = hi === undefined ? "ports" : "port ranges";
  const ports = byDir(dir, what, (src) => portAtom(v6, c, src ? 0 : 2, lo, hi));
  // IPv4: protocol field and first-fragment check; IPv6: next header only (no extension headers).
  const head = v6 ? cmp(linkpl(c) + 6, 1, ipProto) : and(cmp(linkpl(c) + 9, 1, ipProto), genIpfrag(c));
  return and(head, ports);
}

/** gen_port()/gen_port6() and the portrange twins, OR'd IPv6-first as gen_ncode does. */
export function genPort(c: GenCtx, proto: PortProto, dir: Dir, lo: number, hi?: number): Prog {
  const family = (v6: boolean) => {
    const one = (p: number) => portOp(c, v6, p, dir, lo, hi);
    const body = proto === "undef" ? or(one(IPPROTO_SCTP), or(one(IPPROTO_TCP), one(IPPROTO_UDP))) : one(proto);
    return and(genLinktype(c, v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IP), body);
  };
  return or(family(true), family(false));
}

/** gen_proto(): `ip proto N`, `ip6 proto N` (one fragment header allowed), `ether proto N`. */
export function genProto(c: GenCtx, v: number, proto: string, dir: Dir): Prog {
  if (dir !== "default") throw invalid("direction applied to 'proto'");
  switch (proto) {
    case "default": return or(genProto(c, v, "ip", dir), genProto(c, v, "ip6", dir));
    case "link": return genLinktype(c, v);
    case "ip": return and(genLinktype(c, ETHERTYPE_IP), cmp(linkpl(c) + 9, 1, v));
    case "ip6": {
      const viaFrag = and(cmp(linkpl(c) + 6, 1, IPPROTO_FRAGMENT), cmp(linkpl(c) + 40, 1, v));
      return and(genLinktype(c, ETHERTYPE_IPV6), or(cmp(linkpl(c) + 6, 1, v), viaFrag));
    }
    case "arp": case "rarp": throw invalid(`${proto} does not encapsulate another protocol`);
    // The parser only lets the IP-family keywords qualify `proto`; the rest are bogus to libpcap.
    default: throw invalid(`'${proto} proto' is bogus`);
  }
}

const PROTO_ABBREV_IP: Record<string, [number, string]> = {
  sctp: [IPPROTO_SCTP, "default"], tcp: [IPPROTO_TCP, "default"], udp: [IPPROTO_UDP, "default"],
  icmp: [1, "ip"], igmp: [2, "ip"], igrp: [9, "ip"], pim: [103, "default"], vrrp: [112, "ip"],
  carp: [112, "ip"], icmp6: [58, "ip6"], ah: [51, "default"], esp: [50, "default"],
};
const PROTO_ABBREV_LINK: Record<string, number> = {
  ip: ETHERTYPE_IP, arp: ETHERTYPE_ARP, rarp: ETHERTYPE_REVARP, ip6: ETHERTYPE_IPV6, atalk: 0x809b,
  aarp: 0x80f3, decnet: 0x6003, sca: 0x6007, lat: 0x6004, mopdl: 0x6001, moprc: 0x6002, iso: 0xfe,
  stp: 0x42, ipx: 0xe0, netbeui: 0xf0,
};

/** gen_proto_abbrev(): a protocol keyword on its own (`tcp`, `arp`, `icmp6`...). */
export function genProtoAbbrev(c: GenCtx, proto: string): Prog {
  const ip = PROTO_ABBREV_IP[proto];
  if (ip) return genProto(c, ip[0], ip[1], "default");
  const ll = PROTO_ABBREV_LINK[proto];
  if (ll !== undefined) return genLinktype(c, ll);
  if (proto === "link") throw invalid("link layer applied in wrong context");
  if (proto === "radio") throw invalid("'radio' is not a valid protocol type");
  throw unsupported(proto);
}

/** gen_broadcast(): Ethernet ff:ff:ff:ff:ff:ff, or an all-zeros/all-ones host part for `ip`. */
export function genBroadcast(c: GenCtx, proto: string): Prog {
  if (proto === "default" || proto === "link") {
    if (c.link !== "EN10MB") throw invalid("not a broadcast link");
    return genEhostop(c, new Uint8Array(6).fill(0xff), "dst");
  }
  if (proto === "ip") {
    if (c.netmask >>> 0 === 0xffffffff) throw invalid("netmask not known, so 'ip broadcast' not supported");
    const host = ~c.netmask >>> 0;
    const dst = (k: number) => cmp(linkpl(c) + 16, 4, k, host);
    return and(genLinktype(c, ETHERTYPE_IP), or(dst(0), dst(host)));
  }
  throw invalid("only link-layer/IP broadcast filters supported");
}

/** gen_multicast(): the Ethernet group bit, IPv4 224/4 and above, IPv6 ff00::/8. */
export function genMulticast(c: GenCtx, proto: string): Prog {
  if ((proto === "default" || proto === "link") && c.link === "EN10MB") return cmp(0, 1, 1, undefined, "set");
  if (proto === "ip") return and(genLinktype(c, ETHERTYPE_IP), cmp(linkpl(c) + 16, 1, 224, undefined, "ge"));
  if (proto === "ip6") return and(genLinktype(c, ETHERTYPE_IPV6), cmp(linkpl(c) + 24, 1, 255));
  throw invalid("link-layer multicast filters supported only on ethernet/FDDI/token ring/ARCNET/802.11/ATM LANE/Fibre Channel");
}

/** gen_inbound(): SLL2 records the packet type (4 = outgoing) at byte 10. */
export function genInbound(c: GenCtx, outbound: boolean): Prog {
  // Elsewhere a live capture asks the kernel for the direction (SKF_AD_PKTTYPE),
  // which a frame's bytes do not carry.
  if (c.link !== "LINUX_SLL2") throw unsupported(`${outbound ? "outbound" : "inbound"} on ${c.link} links`);
  const out = cmp(10, 1, 4);
  return outbound ? out : not(out);
}

/** gen_ifindex(): SLL2 records the interface index at byte 4. */
export function genIfindex(c: GenCtx, ifindex: number): Prog {
  if (c.link !== "LINUX_SLL2") throw unsupported(`ifindex on ${c.link} links`);
  return cmp(4, 4, ifindex);
}

/** `less N` is "length <= N" (gen_less negates `len > N`); `greater N` is "length >= N". */
export const genLess = (n: number): Prog => not({ t: "len", op: "gt", k: n >>> 0 });
export const genGreater = (n: number): Prog => ({ t: "len", op: "ge", k: n >>> 0 });
