// Linux "cooked" capture headers, what `tcpdump -i any` records instead of the
// real link header: SLL (v1, DLT 113, 16 bytes) and SLL2 (v2, DLT 276, 20
// bytes, libpcap >= 1.10 picks it for `any`). Type, encode, decode, and
// tcpdump's print-sll.c.
//
//   CookedPacket { version: 1 | 2, ifindex, direction, hatype?, address?,
//                  payload: Ipv4Packet | ArpPacket }
//
// `direction` is the kernel's PACKET_* type; `address` the frame's source MAC
// (the device's own MAC when outgoing), absent on devices without one (TUN).
// SLL2 lines show the interface name, which tcpdump resolves from the ifindex
// on the host that *reads* the file (`?` when it has no such interface).

import type { Mac } from "../model/addr.js";
import { macBytes, macFromBytes } from "../model/addr.js";
import { type ArpPacket, decodeArp, encodeArp } from "./arp.js";
import { printHexAndAscii } from "./ascii.js";
import type { Dissector } from "./dissect.js";
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, etherTypeText, macName, printEtherType } from "./ethernet.js";
import { type Ipv4Packet, decodeIp, encodeIp } from "./ipv4.js";

export type PacketDirection = "host" | "broadcast" | "multicast" | "otherhost" | "outgoing";
const DIRECTIONS: readonly PacketDirection[] = ["host", "broadcast", "multicast", "otherhost", "outgoing"];
const DIRECTION_TEXT = ["In", "B", "M", "P", "Out"];

export interface CookedPacket {
  readonly version: 1 | 2;
  /** SLL2 only. */
  readonly ifindex: number;
  readonly direction: PacketDirection;
  /** ARPHRD_* of the device: 1 Ethernet (default), 65534 none (TUN). */
  readonly hatype?: number;
  readonly address?: Mac;
  readonly payload: Ipv4Packet | ArpPacket;
}

export const SLL_HEADER_LEN = 16;
export const SLL2_HEADER_LEN = 20;

export function encodeCooked(p: CookedPacket): Uint8Array {
  const body = p.payload.kind === "arp" ? encodeArp(p.payload) : encodeIp(p.payload);
  const hlen = p.version === 2 ? SLL2_HEADER_LEN : SLL_HEADER_LEN;
  const out = new Uint8Array(hlen + body.length);
  const view = new DataView(out.buffer);
  const protocol = p.payload.kind === "arp" ? ETHERTYPE_ARP : ETHERTYPE_IPV4;
  const direction = DIRECTIONS.indexOf(p.direction);
  const addrLen = p.address ? 6 : 0;
  if (p.version === 2) {
    view.setUint16(0, protocol);
    view.setUint32(4, p.ifindex);
    view.setUint16(8, p.hatype ?? 1);
    out[10] = direction;
    out[11] = addrLen;
    if (p.address) out.set(macBytes(p.address), 12);
  } else {
    view.setUint16(0, direction);
    view.setUint16(2, p.hatype ?? 1);
    view.setUint16(4, addrLen);
    if (p.address) out.set(macBytes(p.address), 6);
    view.setUint16(14, protocol);
  }
  out.set(body, hlen);
  return out;
}

export function decodeCooked(bytes: Uint8Array, version: 1 | 2): CookedPacket | undefined {
  const hlen = version === 2 ? SLL2_HEADER_LEN : SLL_HEADER_LEN;
  if (bytes.length < hlen) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [protocol, ifindex, hatype, direction, addrLen, addrAt] = version === 2
    ? [view.getUint16(0), view.getUint32(4), view.getUint16(8), bytes[10]!, bytes[11]!, 12]
    : [view.getUint16(14), 0, view.getUint16(2), view.getUint16(0), view.getUint16(4), 6];
  if (direction >= DIRECTIONS.length || (addrLen !== 0 && addrLen !== 6)) return undefined;
  const body = bytes.subarray(hlen);
  const payload = protocol === ETHERTYPE_IPV4 ? decodeIp(body) : protocol === ETHERTYPE_ARP ? decodeArp(body) : undefined;
  if (!payload) return undefined;
  return {
    version, ifindex, direction: DIRECTIONS[direction]!, ...(hatype !== 1 ? { hatype } : {}),
    ...(addrLen ? { address: macFromBytes(bytes.subarray(addrAt, addrAt + 6)) } : {}), payload,
  };
}

// ---- printing ------------------------------------------------------------------

/** sll_if_print (v1). Returns the link-header length. */
export function printSll(nd: Dissector, length: number, caplen: number): number {
  nd.protocol = "sll";
  nd.need(0, SLL_HEADER_LEN);
  const header = () => {
    nd.print(`${(DIRECTION_TEXT[nd.u16(0)] ?? "?").padStart(3)} `);
    if (nd.u16(4) === 6) nd.print(`${macName(nd, 6)} `);
    if (!nd.opts.quiet) nd.print(`${protocolText(nd.u16(14))}, length ${length}: `);
  };
  if (nd.opts.linkHeader) header();
  return printCookedPayload(nd, nd.u16(14), SLL_HEADER_LEN, length, caplen, header);
}

/** sll2_if_print. Returns the link-header length. */
export function printSll2(nd: Dissector, length: number, caplen: number): number {
  nd.protocol = "sll2";
  nd.need(0, SLL2_HEADER_LEN);
  nd.print(`${nd.names.interfaceName(nd.u32(4)).padEnd(5)} `);
  nd.print(`${(DIRECTION_TEXT[nd.u8(10)] ?? "?").padEnd(3)} `);
  const header = () => {
    nd.print(`ifindex ${nd.u32(4)} `);
    if (nd.u8(11) === 6) nd.print(`${macName(nd, 12)} `);
    if (!nd.opts.quiet) nd.print(`${protocolText(nd.u16(0))}, length ${length}: `);
  };
  if (nd.opts.linkHeader) header();
  return printCookedPayload(nd, nd.u16(0), SLL2_HEADER_LEN, length, caplen, header);
}

function protocolText(type: number): string {
  if (type > 1500) return etherTypeText(type);
  return type === 1 ? "802.3" : type === 4 ? "802.2" : `ethertype Unknown (0x${type.toString(16).padStart(4, "0")})`;
}

/**
 * The protocol dispatch shared by both versions. 802.2/802.3/VLAN payloads,
 * which no Kubernetes node emits, fall back to a hex dump here.
 */
function printCookedPayload(
  nd: Dissector, protocol: number, hlen: number, length: number, caplen: number, header: () => void,
): number {
  if (protocol > 1500 && printEtherType(nd, protocol, hlen, length - hlen, caplen - hlen)) return hlen;
  if (!nd.opts.linkHeader && protocol > 1500) header();
  if (!nd.opts.suppressDefaultPrint) printHexAndAscii(nd, "\n\t", hlen, caplen - hlen);
  return hlen;
}
