// Ethernet II (DIX) frames: type, encode, decode, and tcpdump's print-ether.c.
//
//   EthernetFrame { src: Mac, dst: Mac, payload: Ipv4Packet | ArpPacket }
//
// The EtherType is derived from the payload kind (IPv4 0x0800, ARP 0x0806).
// Frames are not padded to the 60-byte minimum: captures on the sending host
// and on veth pairs see them unpadded, which is where this tool captures.

import type { Mac } from "../model/addr.js";
import { macBytes, macFromBytes } from "../model/addr.js";
import { type ArpPacket, decodeArp, encodeArp, printArp } from "./arp.js";
import { printHexAndAscii } from "./ascii.js";
import { type Dissector, hex } from "./dissect.js";
import { type Ipv4Packet, decodeIp, encodeIp, printIp } from "./ipv4.js";

export interface EthernetFrame {
  readonly src: Mac;
  readonly dst: Mac;
  readonly payload: Ipv4Packet | ArpPacket;
}

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHER_HEADER_LEN = 14;

export function encodeFrame(frame: EthernetFrame): Uint8Array {
  const body = frame.payload.kind === "arp" ? encodeArp(frame.payload) : encodeIp(frame.payload);
  const out = new Uint8Array(ETHER_HEADER_LEN + body.length);
  out.set(macBytes(frame.dst), 0);
  out.set(macBytes(frame.src), 6);
  const type = frame.payload.kind === "arp" ? ETHERTYPE_ARP : ETHERTYPE_IPV4;
  out[12] = type >> 8;
  out[13] = type & 0xff;
  out.set(body, ETHER_HEADER_LEN);
  return out;
}

/** Decodes a frame this module could have encoded; undefined for anything else. */
export function decodeFrame(bytes: Uint8Array): EthernetFrame | undefined {
  if (bytes.length < ETHER_HEADER_LEN) return undefined;
  const dst = macFromBytes(bytes.subarray(0, 6));
  const src = macFromBytes(bytes.subarray(6, 12));
  const type = (bytes[12]! << 8) | bytes[13]!;
  const body = bytes.subarray(ETHER_HEADER_LEN);
  const payload = type === ETHERTYPE_IPV4 ? decodeIp(body) : type === ETHERTYPE_ARP ? decodeArp(body) : undefined;
  return payload && { src, dst, payload };
}

// ---- printing ------------------------------------------------------------------

// tcpdump's oui.c table (4.99.3), in its order: tok2str() returns the first
// match, so 0x0080c2 is "Ethernet bridged", never "IEEE 802.1 Private".
const OUI_NAMES: ReadonlyArray<readonly [number, string]> = [
  [0x000000, "Ethernet"], [0x00000c, "Cisco"], [0x00005e, "IANA"], [0x000081, "Nortel Networks SONMP"],
  [0x0000f8, "Cisco bridged"], [0x0080c2, "Ethernet bridged"], [0x00a03e, "ATM Forum"],
  [0x00e02f, "DOCSIS Spanning Tree"], [0x080007, "Appletalk"], [0x009069, "Juniper"],
  [0x080009, "Hewlett-Packard"], [0x00120f, "IEEE 802.3 Private"], [0x0012bb, "ANSI/TIA"], [0x001b21, "DCBX"],
  [0x002320, "Nicira Networks"], [0x5c16c7, "Big Switch Networks"], [0xb0d2f5, "Vello Systems"],
  [0x002481, "HP"], [0x0004ea, "HP-Labs"], [0x748771, "Infoblox Inc"], [0xa42305, "Open Networking Lab"],
  [0x00049f, "Freescale"], [0x0015ad, "Netronome"], [0x001018, "Broadcom"], [0x00e004, "PMC-Sierra"],
  [0xd0f0db, "Ericsson"],
];
const OUI_BY_VALUE = new Map(OUI_NAMES.map(([oui, name]) => [oui, name] as const).reverse());

/**
 * etheraddr_string (addrtoname.c): with -n the plain address; otherwise the
 * hardwired "Broadcast" name or the address plus ` (oui <vendor>)`. There is
 * no /etc/ethers in the namespaces this tool simulates.
 */
export function macName(nd: Dissector, off: number): string {
  nd.need(off, 6);
  const text = macFromBytes(nd.bytes.subarray(off, off + 6));
  if (nd.opts.numeric) return text;
  if (text === "ff:ff:ff:ff:ff:ff") return "Broadcast";
  const oui = (nd.bytes[off]! << 16) | (nd.bytes[off + 1]! << 8) | nd.bytes[off + 2]!;
  return `${text} (oui ${OUI_BY_VALUE.get(oui) ?? "Unknown"})`;
}

// A subset of tcpdump's ethertype_values: the types a Linux node can emit.
export const ETHERTYPE_NAMES: ReadonlyMap<number, string> = new Map<number, string>([
  [0x0800, "IPv4"], [0x0806, "ARP"], [0x8035, "Reverse ARP"], [0x86dd, "IPv6"], [0x8100, "802.1Q"],
  [0x88a8, "802.1Q-QinQ"], [0x8847, "MPLS unicast"], [0x8848, "MPLS multicast"], [0x6558, "TEB"],
  [0x888e, "EAPOL"], [0x88cc, "LLDP"], [0x88f7, "PTP"], [0x9000, "Loopback"],
]);

/** ether_type_print: `ethertype IPv4 (0x0800)`; with -q just the name. */
export function etherTypeText(type: number, quiet = false): string {
  if (quiet) return ETHERTYPE_NAMES.get(type) ?? `Unknown Ethertype (0x${hex(type, 4)})`;
  return `ethertype ${ETHERTYPE_NAMES.get(type) ?? "Unknown"} (0x${hex(type, 4)})`;
}

/**
 * ether_print / ether_common_print: `length` is the wire length, `caplen` the
 * captured bytes from `off`. Returns the link-header length (for -x/-X/-A).
 */
export function printEthernet(nd: Dissector, off: number, length: number, caplen: number): number {
  nd.protocol = "ether";
  if (length < caplen) {
    nd.print(`[length ${length} < caplen ${caplen}] (invalid)`);
    return length;
  }
  if (caplen < ETHER_HEADER_LEN) {
    nd.trunc();
    return caplen;
  }
  const addresses = () => `${macName(nd, off + 6)} > ${macName(nd, off)}, `;
  if (nd.opts.linkHeader) nd.print(addresses());
  const type = nd.u16(off + 12);
  const body = off + ETHER_HEADER_LEN;
  if (nd.opts.linkHeader) nd.print(`${etherTypeText(type, nd.opts.quiet)}, length ${length}: `);
  if (!printEtherType(nd, type, body, length - ETHER_HEADER_LEN, caplen - ETHER_HEADER_LEN)) {
    // Unknown type (or 802.3 length field / VLAN tag, which this tool never
    // emits): tcpdump shows the header it skipped, then a hex dump.
    if (!nd.opts.linkHeader) nd.print(`${addresses()}${etherTypeText(type, nd.opts.quiet)}, length ${length}: `);
    if (!nd.opts.suppressDefaultPrint) printHexAndAscii(nd, "\n\t", body, caplen - ETHER_HEADER_LEN);
  }
  return ETHER_HEADER_LEN;
}

/** ethertype_print: false when the type has no printer here. */
export function printEtherType(nd: Dissector, type: number, off: number, length: number, caplen: number): boolean {
  switch (type) {
    case ETHERTYPE_IPV4:
      printIp(nd, off, length);
      return true;
    case ETHERTYPE_ARP:
    case 0x8035:
      printArp(nd, off, length, caplen);
      return true;
    default:
      return false;
  }
}
