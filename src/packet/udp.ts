// UDP datagrams (RFC 768): type, encode, decode, and tcpdump's print-udp.c.
//
//   UdpDatagram { kind: "udp", sport, dport,
//                 payload: Uint8Array | VxlanPacket | DnsMessage,
//                 checksum?: "full" | "partial" | "none" }
//
// Length and checksum are derived. "none" sends a zero checksum (legal for
// IPv4, what VXLAN senders without udpcsum do); "partial" is the sender-side
// offload view (see checksum.ts).

import type { Ip4 } from "../model/addr.js";
import { checksumShouldBe, internetChecksum, partialChecksum, pseudoHeaderSum } from "./checksum.js";
import type { Dissector } from "./dissect.js";
import { hex } from "./dissect.js";
import { type DnsMessage, decodeDns, encodeDns } from "./dns.js";
import { printDns } from "./dns-print.js";
import { OTV_PORT, VXLAN_PORT, type VxlanPacket, decodeVxlan, encodeVxlan, printOtv, printVxlan } from "./vxlan.js";

export interface UdpDatagram {
  readonly kind: "udp";
  readonly sport: number;
  readonly dport: number;
  readonly payload: Uint8Array | VxlanPacket | DnsMessage;
  readonly checksum?: "full" | "partial" | "none";
}

const HEADER_LEN = 8;
export const DNS_PORT = 53;

function payloadBytes(payload: UdpDatagram["payload"]): Uint8Array {
  if (payload instanceof Uint8Array) return payload;
  return payload.kind === "vxlan" ? encodeVxlan(payload) : encodeDns(payload);
}

export function encodeUdp(dgram: UdpDatagram, src: Ip4, dst: Ip4): Uint8Array {
  const out = withHeader(dgram, payloadBytes(dgram.payload));
  const view = new DataView(out.buffer);
  const sum = (bytes: Uint8Array) => internetChecksum(bytes, 0, bytes.length, pseudoHeaderSum(src, dst, 17, bytes.length));
  if (dgram.checksum === "partial") {
    // Linux offloads one checksum per packet. A tunnel whose inner segment
    // still waits for its checksum gets the outer one in software instead,
    // computed as it will be once the inner one is filled in (local checksum
    // offload), so -vv on the sending host flags the outer UDP checksum too.
    const inner = innerCompleted(dgram.payload);
    view.setUint16(6, inner ? sum(withHeader(dgram, inner)) || 0xffff : partialChecksum(src, dst, 17, out.length));
  } else if (dgram.checksum !== "none") {
    // A computed 0 goes out as 0xffff: 0 means "no checksum" (RFC 768).
    view.setUint16(6, sum(out) || 0xffff);
  }
  return out;
}

function withHeader(dgram: UdpDatagram, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_LEN + body.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, dgram.sport);
  view.setUint16(2, dgram.dport);
  view.setUint16(4, out.length);
  out.set(body, HEADER_LEN);
  return out;
}

/** A VXLAN payload's bytes with its inner partial checksum completed; undefined if none is pending. */
function innerCompleted(payload: UdpDatagram["payload"]): Uint8Array | undefined {
  if (payload instanceof Uint8Array || payload.kind !== "vxlan" || payload.frame.payload.kind !== "ipv4") return undefined;
  const ip = payload.frame.payload;
  const l4 = ip.payload;
  if ((l4.kind !== "tcp" && l4.kind !== "udp") || l4.checksum !== "partial") return undefined;
  const completed = { ...l4, checksum: "full" as const };
  return encodeVxlan({ ...payload, frame: { ...payload.frame, payload: { ...ip, payload: completed } } });
}

const CHECKSUM_MODES = ["full", "partial", "none"] as const;

/**
 * Decodes a datagram. The payload becomes a DnsMessage (port 53) or a
 * VxlanPacket (ports 8472/4789) when re-encoding gives back the very same
 * bytes, else it stays bytes; the checksum mode is whichever reproduces the
 * field. Undefined when no mode does (a checksum this encoder cannot write).
 */
export function decodeUdp(bytes: Uint8Array, src: Ip4, dst: Ip4): UdpDatagram | undefined {
  if (bytes.length < HEADER_LEN) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(4) !== bytes.length) return undefined;
  const sport = view.getUint16(0);
  const dport = view.getUint16(2);
  const raw = bytes.slice(HEADER_LEN);
  const structured =
    sport === DNS_PORT || dport === DNS_PORT ? decodeDns(raw)
    : [sport, dport].some((p) => p === OTV_PORT || p === VXLAN_PORT) ? decodeVxlan(raw)
    : undefined;
  for (const payload of structured ? [structured, raw] : [raw]) {
    for (const checksum of CHECKSUM_MODES) {
      const candidate: UdpDatagram = { kind: "udp", sport, dport, payload, ...(checksum !== "full" ? { checksum } : {}) };
      if (sameBytes(encodeUdp(candidate, src, dst), bytes)) return candidate;
    }
  }
  return undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// ---- printing ------------------------------------------------------------------

/** udp_print. `length` is the UDP length from the IP header. */
export function printUdp(nd: Dissector, off: number, length: number, ipOff: number, fragmented: boolean): void {
  nd.protocol = "udp";
  const isUdp = nd.u8(ipOff + 9) === 17;
  const addresses = (sport?: number, dport?: number) => {
    const src = nd.ipName(ipOff + 12);
    const dst = nd.ipName(ipOff + 16);
    if (sport === undefined || dport === undefined) nd.print(isUdp ? `${src} > ${dst}: ` : "");
    else if (isUdp) nd.print(`${src}.${nd.names.udpPort(sport)} > ${dst}.${nd.names.udpPort(dport)}: `);
    else nd.print(`${nd.names.udpPort(sport)} > ${nd.names.udpPort(dport)}: `);
  };
  if (!nd.has(off + 2, 2)) {
    addresses();
    return nd.trunc();
  }
  const sport = nd.u16(off);
  const dport = nd.u16(off + 2);
  if (length < HEADER_LEN) {
    addresses(sport, dport);
    return nd.print(`truncated-udp ${length}`);
  }
  if (!nd.has(off + 4, 2)) {
    addresses(sport, dport);
    return nd.trunc();
  }
  let ulen = nd.u16(off + 4);
  if (ulen < HEADER_LEN) {
    addresses(sport, dport);
    return nd.print(`truncated-udplength ${ulen}`);
  }
  ulen -= HEADER_LEN;
  length -= HEADER_LEN;
  if (ulen < length) length = ulen;
  const data = off + HEADER_LEN;
  addresses(sport, dport);
  if (data > nd.snapend) return nd.trunc();
  if (nd.opts.verbose > 1 && !fragmented) printChecksum(nd, off, length, ipOff);
  printPayload(nd, data, length, ulen, sport, dport, fragmented);
}

/** -vv only for IPv4: `[udp sum ok] `, `[no cksum] ` or `[bad udp cksum 0x.. -> 0x..!] `. */
function printChecksum(nd: Dissector, off: number, length: number, ipOff: number): void {
  const field = nd.u16(off + 6);
  if (field === 0) return nd.print("[no cksum] ");
  if (!nd.has(off + HEADER_LEN, length)) return;
  const total = length + HEADER_LEN;
  const sum = internetChecksum(nd.bytes, off, off + total, pseudoHeaderSum(nd.u32(ipOff + 12), nd.u32(ipOff + 16), 17, total));
  if (sum !== 0) nd.print(`[bad udp cksum 0x${hex(field, 4)} -> 0x${hex(checksumShouldBe(field, sum), 4)}!] `);
  else nd.print("[udp sum ok] ");
}

/**
 * The port dispatch of udp_print for what a cluster carries: DNS (53), OTV
 * (8472, where Linux VXLAN lives by default) and VXLAN (4789). tcpdump checks
 * many more ports first; among the ephemeral ports Linux picks (32768-60999)
 * only source port 49152 (Broadcom LI) would be claimed by another decoder.
 */
function printPayload(
  nd: Dissector, off: number, length: number, ulen: number, sport: number, dport: number, fragmented: boolean,
): void {
  const either = (port: number) => sport === port || dport === port;
  if (nd.opts.quiet) {
    nd.print(ulen > length && !fragmented ? `UDP, bad length ${ulen} > ${length}` : `UDP, length ${ulen}`);
  } else if (either(DNS_PORT)) printDns(nd, off, length, false);
  else if (either(OTV_PORT)) printOtv(nd, off, length);
  else if (either(VXLAN_PORT)) printVxlan(nd, off, length);
  else if (ulen > length && !fragmented) nd.print(`UDP, bad length ${ulen} > ${length}`);
  else nd.print(`UDP, length ${ulen}`);
}
