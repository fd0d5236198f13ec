// TCP segments (RFC 793): type, encode, decode, and tcpdump's print-tcp.c.
//
//   TcpSegment { kind: "tcp", sport, dport, seq, ack, flags: TcpFlags, window,
//                urgent?, options?: TcpOption[], payload?: Uint8Array,
//                checksum?: "full" | "partial" }
//
// Data offset and checksum are derived. `checksum: "partial"` reproduces what a
// capture on the *sending* host shows under checksum offload (see checksum.ts).

import type { Ip4 } from "../model/addr.js";
import { checksumShouldBe, internetChecksum, partialChecksum, pseudoHeaderSum } from "./checksum.js";
import { type Dissector, Truncated, hex, printableChar } from "./dissect.js";
import { printDns } from "./dns-print.js";
import { printHttp } from "./http.js";
import { printSsh } from "./ssh.js";
import { type TcpOption, decodeTcpOptions, encodeTcpOptions, printTcpOptions } from "./tcp-options.js";

export type { TcpOption } from "./tcp-options.js";
export { linuxOptions } from "./tcp-options.js";

export interface TcpFlags {
  readonly fin?: boolean;
  readonly syn?: boolean;
  readonly rst?: boolean;
  readonly psh?: boolean;
  readonly ack?: boolean;
  readonly urg?: boolean;
  readonly ece?: boolean;
  readonly cwr?: boolean;
}

export interface TcpSegment {
  readonly kind: "tcp";
  readonly sport: number;
  readonly dport: number;
  readonly seq: number;
  readonly ack: number;
  readonly flags: TcpFlags;
  readonly window: number;
  readonly urgent?: number;
  readonly options?: readonly TcpOption[];
  readonly payload?: Uint8Array;
  readonly checksum?: "full" | "partial";
}

// Bit order of the flags byte; also tcpdump's print order (F S R P . U E W).
const FLAG_BITS = [
  ["fin", 0x01, "F"], ["syn", 0x02, "S"], ["rst", 0x04, "R"], ["psh", 0x08, "P"],
  ["ack", 0x10, "."], ["urg", 0x20, "U"], ["ece", 0x40, "E"], ["cwr", 0x80, "W"],
] as const;
const TH_FIN = 0x01, TH_SYN = 0x02, TH_RST = 0x04, TH_ACK = 0x10, TH_URG = 0x20;

export function encodeTcp(seg: TcpSegment, src: Ip4, dst: Ip4): Uint8Array {
  const options = encodeTcpOptions(seg.options ?? []);
  const payload = seg.payload ?? new Uint8Array(0);
  const hlen = 20 + options.length;
  const out = new Uint8Array(hlen + payload.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, seg.sport);
  view.setUint16(2, seg.dport);
  view.setUint32(4, seg.seq >>> 0);
  view.setUint32(8, seg.ack >>> 0);
  out[12] = (hlen / 4) << 4;
  out[13] = FLAG_BITS.reduce((bits, [name, bit]) => (seg.flags[name] ? bits | bit : bits), 0);
  view.setUint16(14, seg.window);
  view.setUint16(18, seg.urgent ?? 0);
  out.set(options, 20);
  out.set(payload, hlen);
  const sum = seg.checksum === "partial"
    ? partialChecksum(src, dst, 6, out.length)
    : internetChecksum(out, 0, out.length, pseudoHeaderSum(src, dst, 6, out.length));
  view.setUint16(16, sum);
  return out;
}

export function decodeTcp(bytes: Uint8Array, src: Ip4, dst: Ip4): TcpSegment | undefined {
  if (bytes.length < 20) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = (bytes[12]! >> 4) * 4;
  if (hlen < 20 || hlen > bytes.length || (bytes[12]! & 0x0f) !== 0) return undefined;
  const options = decodeTcpOptions(bytes.subarray(20, hlen));
  if (!options) return undefined;
  const flagByte = bytes[13]!;
  const flags: Record<string, boolean> = {};
  for (const [name, bit] of FLAG_BITS) if (flagByte & bit) flags[name] = true;
  const urgent = view.getUint16(18);
  const seg: TcpSegment = {
    kind: "tcp", sport: view.getUint16(0), dport: view.getUint16(2), seq: view.getUint32(4), ack: view.getUint32(8),
    flags, window: view.getUint16(14), ...(urgent ? { urgent } : {}),
    ...(options.length ? { options } : {}),
    ...(bytes.length > hlen ? { payload: bytes.slice(hlen) } : {}),
  };
  // Whichever checksum mode reproduces the field; anything else is not ours to re-encode.
  const field = view.getUint16(16);
  if (field === new DataView(encodeTcp(seg, src, dst).buffer).getUint16(16)) return seg;
  if (field === partialChecksum(src, dst, 6, bytes.length)) return { ...seg, checksum: "partial" };
  return undefined;
}

// ---- printing ------------------------------------------------------------------

/** tcp_print. `length` is the TCP length from the IP header; ipOff locates that header. */
export function printTcp(nd: Dissector, off: number, length: number, ipOff: number, fragmented: boolean): void {
  nd.protocol = "tcp";
  if (!nd.has(off + 2, 2)) {
    nd.print(`${nd.ipName(ipOff + 12)} > ${nd.ipName(ipOff + 16)}:`);
    return nd.trunc();
  }
  const sport = nd.u16(off);
  const dport = nd.u16(off + 2);
  if (nd.u8(ipOff + 9) === 6) {
    nd.print(`${nd.ipName(ipOff + 12)}.${nd.names.tcpPort(sport)} > ${nd.ipName(ipOff + 16)}.${nd.names.tcpPort(dport)}: `);
  } else {
    nd.print(`${nd.names.tcpPort(sport)} > ${nd.names.tcpPort(dport)}: `);
  }
  if (!nd.has(off, 20)) return nd.trunc(); // ND_TCHECK_SIZE: a local "goto trunc"
  const hlen = (nd.u8(off + 12) >> 4) * 4;
  if (hlen < 20) return nd.print(` tcp ${length - hlen} [bad hdr length ${hlen} - too short, < 20]`);
  if (nd.opts.quiet) {
    nd.print(`tcp ${length - hlen}`);
    if (hlen > length) nd.print(` [bad hdr length ${hlen} - too long, > ${length}]`);
    return;
  }
  const flags = nd.u8(off + 13);
  nd.print(`Flags [${FLAG_BITS.filter(([, bit]) => flags & bit).map(([, , c]) => c).join("") || "none"}]`);
  const numbers = nd.opts.absoluteSeq || !(flags & TH_ACK)
    ? { seq: nd.u32(off + 4), ack: nd.u32(off + 8), rev: false, baseSeq: 0, baseAck: 0 }
    : relativeNumbers(nd, off, ipOff, flags);
  if (hlen > length) return nd.print(` [bad hdr length ${hlen} - too long, > ${length}]`);
  if (nd.opts.verbose > 0 && !fragmented && nd.has(off, length)) printChecksum(nd, off, length, ipOff);
  const payload = length - hlen;
  if (nd.opts.verbose > 1 || payload > 0 || flags & (TH_SYN | TH_FIN | TH_RST)) {
    nd.print(`, seq ${numbers.seq}${payload > 0 ? `:${(numbers.seq + payload) >>> 0}` : ""}`);
  }
  if (flags & TH_ACK) nd.print(`, ack ${numbers.ack}`);
  nd.print(`, win ${nd.u16(off + 14)}`);
  if (flags & TH_URG) nd.print(`, urg ${nd.u16(off + 18)}`);
  const context = { rev: numbers.rev, seq: numbers.baseSeq, ack: numbers.baseAck, segmentEnd: off + length };
  if (hlen > 20 && !printTcpOptions(nd, off + 20, hlen - 20, context)) return;
  nd.print(`, length ${payload}`);
  if (payload > 0) printPayload(nd, off, hlen, payload, flags);
}

/** `, cksum 0x1234 (correct)` or `(incorrect -> 0x5678)`, over the whole segment. */
function printChecksum(nd: Dissector, off: number, length: number, ipOff: number): void {
  const sum = internetChecksum(nd.bytes, off, off + length, pseudoHeaderSum(nd.u32(ipOff + 12), nd.u32(ipOff + 16), 6, length));
  const field = nd.u16(off + 16);
  nd.print(`, cksum 0x${hex(field, 4)}`);
  nd.print(sum !== 0 ? ` (incorrect -> 0x${hex(checksumShouldBe(field, sum), 4)})` : " (correct)");
}

function printPayload(nd: Dissector, off: number, hlen: number, length: number, flags: number): void {
  if (!nd.has(off, hlen)) {
    nd.print(` [remaining caplen(${nd.available(off)}) < header length(${hlen})]`);
    throw new Truncated();
  }
  if (flags & TH_RST && nd.opts.verbose > 0) return printRstData(nd, off + hlen, length);
  printApplication(nd, off + hlen, length, nd.u16(off), nd.u16(off + 2));
}

/**
 * tcpdump's relative numbering (tcp_seq_hash4): one record per address/port
 * pair, keyed in a fixed collating order so both directions share it. A packet
 * that finds no record, or any SYN, (re)builds it from its own numbers and
 * prints them absolute. When NAT makes the two directions look like different
 * pairs, each direction gets its own record: that is the `ack 938218248` /
 * `seq 0:81` anomaly seen on cni0 after DNAT.
 */
function relativeNumbers(nd: Dissector, off: number, ipOff: number, flags: number) {
  let seq = nd.u32(off + 4);
  let ack = nd.u32(off + 8);
  const [sport, dport] = [nd.u16(off), nd.u16(off + 2)];
  const src = nd.u32(ipOff + 12);
  const dst = nd.u32(ipOff + 16);
  const rev = sport > dport || (sport === dport && src > dst);
  const key = rev ? `${dst}>${src}:${dport}:${sport}` : `${src}>${dst}:${sport}:${dport}`;
  let record = nd.tcpSeq.get(key);
  if (!record || flags & TH_SYN) {
    record = rev ? { ack: seq, seq: (ack - 1) >>> 0 } : { seq, ack: (ack - 1) >>> 0 };
    nd.tcpSeq.set(key, record);
  } else if (rev) {
    seq = (seq - record.ack) >>> 0;
    ack = (ack - record.seq) >>> 0;
  } else {
    seq = (seq - record.seq) >>> 0;
    ack = (ack - record.ack) >>> 0;
  }
  return { seq, ack, rev, baseSeq: record.seq, baseAck: record.ack };
}

/** print_tcp_rst_data (-v): the text some stacks put in a RST, up to 30 bytes. */
function printRstData(nd: Dissector, off: number, length: number): void {
  nd.print(nd.has(off, length) ? " [RST" : " [!RST");
  if (length > 30) {
    length = 30;
    nd.print("+");
  }
  nd.print(" ");
  for (let i = 0; i < length && off + i < nd.snapend; i++) nd.print(printableChar(nd.u8(off + i)));
  nd.print("]");
}

const HTTP_PORTS = [80, 8080];

/**
 * The port dispatch of tcp_print for the application protocols a cluster
 * carries: HTTP on 80/8080, DNS on 53, the SSH banner on 22. tcpdump also
 * decodes telnet, SMTP, BGP, FTP, RTSP, Redis, NFS, ... on their ports; those
 * print nothing extra here.
 */
function printApplication(nd: Dissector, off: number, length: number, sport: number, dport: number): void {
  const either = (port: number) => sport === port || dport === port;
  if (either(22)) printSsh(nd, off, length);
  else if (HTTP_PORTS.some(either)) {
    nd.print(": ");
    printHttp(nd, off, length);
  } else if (either(53)) printDns(nd, off, length, true);
}
