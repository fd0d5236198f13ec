// IPv4 (RFC 791): type, encode, decode, and tcpdump's print-ip.c + the
// IPv4 half of print-ip-demux.c.
//
//   Ipv4Packet { kind: "ipv4", src, dst, ttl, id, tos?, df,
//                payload: TcpSegment | UdpDatagram | IcmpMessage | Ipv4Packet }
//
// Header length, total length, protocol and header checksum are derived. No
// options and no fragments: a Linux pod or node never sets options, and this
// tool's flows stay below the path MTU. An Ipv4Packet payload is IP-in-IP
// (protocol 4), as the flannel ipip backend and Calico emit it.

import type { Ip4 } from "../model/addr.js";
import { checksumShouldBe, internetChecksum } from "./checksum.js";
import { type Dissector, Truncated, hex } from "./dissect.js";
import { type IcmpMessage, decodeIcmp, encodeIcmp, printIcmp } from "./icmp.js";
import { printIpOptions } from "./ipv4-options.js";
import { IPPROTO_TEXT, netdbProtocolName } from "./ipv4-protocols.js";
import { type TcpSegment, decodeTcp, encodeTcp, printTcp } from "./tcp.js";
import { type UdpDatagram, decodeUdp, encodeUdp, printUdp } from "./udp.js";

export interface Ipv4Packet {
  readonly kind: "ipv4";
  readonly src: Ip4;
  readonly dst: Ip4;
  readonly ttl: number;
  readonly id: number;
  /** The whole TOS byte (DSCP + ECN); 0 when absent. */
  readonly tos?: number;
  /** Don't Fragment. Linux sets it on TCP, UDP and echo requests, not on echo replies. */
  readonly df: boolean;
  readonly payload: TcpSegment | UdpDatagram | IcmpMessage | Ipv4Packet;
}

/**
 * A copy of `ip` with its addresses, TTL and payload as given, built field by
 * field: forwarding and NAT copy a header at every hop, and a spread of
 * packets made in many places was among the slowest lines of a check.
 */
export function rebuildIp(ip: Ipv4Packet, src: Ip4, dst: Ip4, ttl: number, payload: Ipv4Packet["payload"]): Ipv4Packet {
  return ip.tos === undefined
    ? { kind: "ipv4", src, dst, ttl, id: ip.id, df: ip.df, payload }
    : { kind: "ipv4", src, dst, ttl, id: ip.id, tos: ip.tos, df: ip.df, payload };
}

export const IPPROTO_ICMP = 1;
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
const HEADER_LEN = 20;
const IP_DF = 0x4000;
const IP_MF = 0x2000;
const IP_RES = 0x8000;

const PROTOCOL_OF = { tcp: IPPROTO_TCP, udp: IPPROTO_UDP, icmp: IPPROTO_ICMP, ipv4: IPPROTO_IPIP } as const;

/** Encodes an IPv4 packet, inside out: payload first, then lengths and checksums. */
export function encodeIp(packet: Ipv4Packet): Uint8Array {
  const p = packet.payload;
  const body =
    p.kind === "tcp" ? encodeTcp(p, packet.src, packet.dst)
    : p.kind === "udp" ? encodeUdp(p, packet.src, packet.dst)
    : p.kind === "icmp" ? encodeIcmp(p)
    : encodeIp(p);
  const out = new Uint8Array(HEADER_LEN + body.length);
  const view = new DataView(out.buffer);
  out[0] = 0x45;
  out[1] = packet.tos ?? 0;
  view.setUint16(2, out.length);
  view.setUint16(4, packet.id & 0xffff);
  view.setUint16(6, packet.df ? IP_DF : 0);
  out[8] = packet.ttl;
  out[9] = PROTOCOL_OF[p.kind];
  view.setUint32(12, packet.src);
  view.setUint32(16, packet.dst);
  view.setUint16(10, internetChecksum(out, 0, HEADER_LEN));
  out.set(body, HEADER_LEN);
  return out;
}

/** Decodes what encodeIp produces; undefined for options, fragments or unknown protocols. */
export function decodeIp(bytes: Uint8Array): Ipv4Packet | undefined {
  if (bytes.length < HEADER_LEN || bytes[0] !== 0x45) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const total = view.getUint16(2);
  const frag = view.getUint16(6);
  if (total < HEADER_LEN || total > bytes.length || (frag & ~IP_DF) !== 0) return undefined;
  const src = view.getUint32(12);
  const dst = view.getUint32(16);
  const body = bytes.subarray(HEADER_LEN, total);
  const proto = bytes[9];
  const payload =
    proto === IPPROTO_TCP ? decodeTcp(body, src, dst)
    : proto === IPPROTO_UDP ? decodeUdp(body, src, dst)
    : proto === IPPROTO_ICMP ? decodeIcmp(body)
    : proto === IPPROTO_IPIP ? decodeIp(body)
    : undefined;
  if (!payload) return undefined;
  const tos = bytes[1]!;
  return {
    kind: "ipv4", src, dst, ttl: bytes[8]!, id: view.getUint16(4), df: (frag & IP_DF) !== 0,
    ...(tos ? { tos } : {}), payload,
  };
}

// ---- printing ------------------------------------------------------------------

const ECN_TEXT = ["", ",ECT(1)", ",ECT(0)", ",CE"];

/** ip_print: `length` is the length the link layer delivered. */
export function printIp(nd: Dissector, off: number, length: number): void {
  nd.protocol = "ip";
  const version = nd.u8(off) >> 4;
  if (version !== 4) {
    nd.print(version === 6 ? "IP6, wrong link-layer encapsulation" : `IP${version}`);
    nd.print(" (invalid)");
    return;
  }
  if (!nd.opts.linkHeader) nd.print("IP ");
  // ND_TCHECK in print-ip.c ends this printer only (goto trunc), not the packet.
  if (!nd.has(off, HEADER_LEN)) return nd.trunc();
  if (length < HEADER_LEN) return nd.print(`truncated-ip ${length}`);
  const hlen = (nd.u8(off) & 0x0f) * 4;
  if (hlen < HEADER_LEN) return nd.print(`bad-hlen ${hlen}`);
  const total = nd.u16(off + 2);
  if (length < total) nd.print(`truncated-ip - ${total - length} bytes missing! `);
  if (total < hlen) return nd.print(`bad-len ${total}`);
  nd.withSnapend(off, total, () => printIpBody(nd, off, hlen, total - hlen));
}

function printIpBody(nd: Dissector, off: number, hlen: number, len: number): void {
  const frag = nd.u16(off + 6);
  const proto = nd.u8(off + 9);
  const src = () => nd.ipName(off + 12);
  const dst = () => nd.ipName(off + 16);
  if (nd.opts.verbose > 0 && !printVerboseHeader(nd, off, hlen, frag, proto)) {
    nd.print(`${src()} > ${dst()}: `);
    return nd.trunc();
  }
  if ((frag & 0x1fff) !== 0) {
    // A later fragment: no transport header to show.
    nd.print(`${src()} > ${dst()}: ${protocolName(nd, proto)}`);
    return;
  }
  // TCP and UDP print addresses themselves, joined with their ports.
  if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP && proto !== 132 && proto !== 33) {
    nd.print(`${src()} > ${dst()}: `);
  }
  if (!nd.has(off, hlen)) {
    nd.print(` [remaining caplen(${nd.available(off)}) < header length(${hlen})]`);
    throw new Truncated();
  }
  demux(nd, off + hlen, len, (frag & IP_MF) !== 0, proto, off);
}

/** `(tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto TCP (6), length 60)\n    `; false if options were cut. */
function printVerboseHeader(nd: Dissector, off: number, hlen: number, frag: number, proto: number): boolean {
  const tos = nd.u8(off + 1);
  const ttl = nd.u8(off + 8);
  const flagNames = [[IP_MF, "+"], [IP_DF, "DF"], [IP_RES, "rsvd"]] as const;
  const flags = flagNames.filter(([bit]) => frag & bit).map(([, name]) => name).join(", ") || "none";
  nd.print(`(tos 0x${tos.toString(16)}${ECN_TEXT[tos & 3]}`);
  if (ttl >= 1) nd.print(`, ttl ${ttl}`);
  nd.print(`, id ${nd.u16(off + 4)}, offset ${(frag & 0x1fff) * 8}, flags [${flags}]`);
  nd.print(`, proto ${IPPROTO_TEXT.get(proto) ?? "unknown"} (${proto}), length ${nd.u16(off + 2)}`);
  let complete = true;
  if (hlen > HEADER_LEN) {
    nd.print(", options (");
    complete = printIpOptions(nd, off + HEADER_LEN, hlen - HEADER_LEN);
    if (!complete) nd.print(" [truncated-option]");
    nd.print(")");
  }
  if (nd.has(off, hlen)) {
    const sum = internetChecksum(nd.bytes, off, off + hlen);
    if (sum !== 0) {
      const field = nd.u16(off + 10);
      nd.print(`, bad cksum ${hex(field, 1)} (->${hex(checksumShouldBe(field, sum), 1)})!`);
    }
  }
  nd.print(")\n    ");
  return complete;
}

/** ip_demux_print for the protocols this tool carries. */
function demux(nd: Dissector, off: number, length: number, fragmented: boolean, proto: number, ipOff: number): void {
  switch (proto) {
    case IPPROTO_TCP:
      return printTcp(nd, off, length, ipOff, fragmented);
    case IPPROTO_UDP:
      return printUdp(nd, off, length, ipOff, fragmented);
    case IPPROTO_ICMP:
      return printIcmp(nd, off, length, ipOff, fragmented);
    case IPPROTO_IPIP:
      return printIp(nd, off, length);
    case 50:
      return printEsp(nd, off, length);
    default:
      // GRE, SCTP, IGMP, OSPF, ... have their own printers in tcpdump; this
      // tool carries none of them, so they get the generic form.
      nd.print(` ${protocolName(nd, proto)} ${length}`);
  }
}

/** esp_print without keys (tcpdump has no -E secret here): SPI, sequence, length. */
function printEsp(nd: Dissector, off: number, length: number): void {
  nd.protocol = "esp";
  if (off + 8 >= nd.snapend) return nd.trunc();
  nd.print(`ESP(spi=0x${hex(nd.u32(off), 8)},seq=0x${nd.u32(off + 4).toString(16)}), length ${length}`);
}

/** netdb_protoname without -n, `ip-proto-N` otherwise. */
function protocolName(nd: Dissector, proto: number): string {
  return (!nd.opts.numeric && netdbProtocolName(proto)) || `ip-proto-${proto}`;
}
