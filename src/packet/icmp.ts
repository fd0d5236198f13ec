// ICMP for IPv4 (RFC 792): type, encode, decode, and tcpdump's print-icmp.c.
//
//   IcmpMessage =
//     { kind: "icmp", type: "echo-request" | "echo-reply", id, seq, data }
//   | { kind: "icmp", type: "dest-unreachable", code, mtu?, quoted }
//   | { kind: "icmp", type: "time-exceeded", code, quoted }
//
// `quoted` is the start of the offending IP packet (its header included); use
// linuxQuote() for the amount Linux puts there. The checksum is derived.

import { printHex } from "./ascii.js";
import { checksumShouldBe, internetChecksum } from "./checksum.js";
import { type Dissector, hex } from "./dissect.js";
import { printIp } from "./ipv4.js";

export type IcmpMessage =
  | { readonly kind: "icmp"; readonly type: "echo-request" | "echo-reply"; readonly id: number; readonly seq: number; readonly data: Uint8Array }
  | { readonly kind: "icmp"; readonly type: "dest-unreachable"; readonly code: number; readonly mtu?: number; readonly quoted: Uint8Array }
  | { readonly kind: "icmp"; readonly type: "time-exceeded"; readonly code: number; readonly quoted: Uint8Array };

/** Destination-unreachable codes (RFC 792 / RFC 1812). */
export const UNREACH = {
  net: 0, host: 1, protocol: 2, port: 3, needFrag: 4, sourceRouteFailed: 5,
  netUnknown: 6, hostUnknown: 7, netProhibited: 9, hostProhibited: 10, adminProhibited: 13,
} as const;

const TYPE_CODES = { "echo-reply": 0, "dest-unreachable": 3, "echo-request": 8, "time-exceeded": 11 } as const;

/**
 * How much of the offending packet Linux quotes in an ICMP error: as much as
 * keeps the error within 576 bytes (icmp_send: 576 - 20 - 8 = 548).
 */
export function linuxQuote(original: Uint8Array): Uint8Array {
  return original.slice(0, 548);
}

export function encodeIcmp(msg: IcmpMessage): Uint8Array {
  const rest = "data" in msg ? msg.data : msg.quoted;
  const out = new Uint8Array(8 + rest.length);
  const view = new DataView(out.buffer);
  out[0] = TYPE_CODES[msg.type];
  if ("data" in msg) {
    view.setUint16(4, msg.id);
    view.setUint16(6, msg.seq);
  } else {
    out[1] = msg.code;
    if (msg.type === "dest-unreachable" && msg.mtu !== undefined) view.setUint16(6, msg.mtu);
  }
  out.set(rest, 8);
  view.setUint16(2, internetChecksum(out));
  return out;
}

export function decodeIcmp(bytes: Uint8Array): IcmpMessage | undefined {
  if (bytes.length < 8 || internetChecksum(bytes) !== 0) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [type, code] = [bytes[0]!, bytes[1]!];
  const rest = bytes.slice(8);
  if ((type === 0 || type === 8) && code === 0) {
    return { kind: "icmp", type: type === 8 ? "echo-request" : "echo-reply", id: view.getUint16(4), seq: view.getUint16(6), data: rest };
  }
  if (type === 3 && view.getUint16(4) === 0) {
    const mtu = view.getUint16(6);
    if (mtu && code !== UNREACH.needFrag) return undefined;
    return { kind: "icmp", type: "dest-unreachable", code, ...(mtu ? { mtu } : {}), quoted: rest };
  }
  if (type === 11 && view.getUint32(4) === 0) return { kind: "icmp", type: "time-exceeded", code, quoted: rest };
  return undefined;
}

// ---- printing ------------------------------------------------------------------

const OTHER_TYPES = new Map([
  [0, "echo reply"], [4, "source quench"], [8, "echo request"], [10, "router solicitation"],
  [13, "time stamp request"], [14, "time stamp reply"], [15, "information request"],
  [16, "information reply"], [17, "address mask request"],
]);
const ERROR_TYPES = new Set([3, 4, 5, 11, 12]);
const MULTIPART_TYPES = new Set([3, 11, 12]);
const EXTENSION_MIN_LEN = 136; // ICMP_EXTD_MINLEN: 8-byte header + 128 bytes of quote
const EXTENSION_HEADER_SIZE = 141; // sizeof(struct icmp_ext_t), checked before reading it

/** icmp_print. `plen` is the ICMP length from the IP header. */
export function printIcmp(nd: Dissector, off: number, plen: number, _ipOff: number, fragmented: boolean): void {
  nd.protocol = "icmp";
  const type = nd.u8(off);
  // print-icmp.c's ND_TCHECKs jump to a local label: ` [|icmp]`, then the packet ends normally.
  const text = describe(nd, off, type, nd.u8(off + 1));
  if (text === undefined) return nd.trunc();
  nd.print(`ICMP ${text}, length ${plen}`);
  if (nd.opts.verbose > 0 && !fragmented && nd.has(off, plen)) {
    const sum = internetChecksum(nd.bytes, off, off + plen);
    if (sum !== 0) {
      const field = nd.u16(off + 2);
      nd.print(` (wrong icmp cksum ${hex(field, 1)} (->${hex(checksumShouldBe(field, sum), 1)})!)`);
    }
  }
  if (nd.opts.verbose > 0 && ERROR_TYPES.has(type)) printQuotedPacket(nd, off + 8);
  nd.protocol = "icmp";
  if (nd.opts.verbose > 0 && plen > EXTENSION_MIN_LEN && MULTIPART_TYPES.has(type)) {
    if (!nd.has(off, EXTENSION_HEADER_SIZE)) return nd.trunc();
    printExtension(nd, off, plen);
  }
}

/** The quoted packet of an error, on its own lines: "\n\t" then ip_print. */
function printQuotedPacket(nd: Dissector, off: number): void {
  nd.print("\n\t");
  const len = nd.u16(off + 2);
  nd.withSnapend(off, len, () => printIp(nd, off, len));
}

/**
 * RFC 4884 multi-part extensions: tcpdump looks for one behind the first 128
 * quoted bytes. Linux never adds one; with a zero length field tcpdump checks
 * the trailing bytes' checksum and stays silent unless it is 0 -- or unless
 * those bytes were not captured, which is why a short snapshot of a big ICMP
 * error prints `ICMP Multi-Part extension v4 packet not supported`.
 */
function printExtension(nd: Dissector, off: number, plen: number): void {
  const ext = off + EXTENSION_MIN_LEN;
  let hlen = plen - EXTENSION_MIN_LEN;
  if (nd.u8(off + 5) === 0 && nd.has(ext, hlen) && internetChecksum(nd.bytes, ext, ext + hlen) !== 0) return;
  const version = nd.u8(ext) >> 4;
  nd.print(`\n\tICMP Multi-Part extension v${version}`);
  if (version !== 2) return nd.print(" packet not supported");
  if (nd.has(ext, hlen)) {
    const correct = internetChecksum(nd.bytes, ext, ext + hlen) === 0;
    nd.print(`, checksum 0x${hex(nd.u16(ext + 2), 4)} (${correct ? "" : "in"}correct), length ${hlen}`);
  }
  hlen -= 4;
  for (let obj = ext + 4; hlen > 4; ) {
    if (!nd.has(obj, 4)) return nd.trunc();
    let length = nd.u16(obj);
    const cls = nd.u8(obj + 2);
    const ctype = nd.u8(obj + 3);
    nd.print(`\n\t  ${EXTENSION_OBJECTS.get(cls) ?? "unknown"} Object (${cls}), Class-Type: ${ctype}, length ${length}`);
    hlen -= 4;
    if (cls === 0 || length < 4) return;
    length -= 4;
    obj += 4;
    if (cls === 1 && ctype === 1) {
      const entry = nd.u32(obj);
      nd.print(`\n\t    label ${entry >>> 12}, tc ${(entry >> 9) & 7}${entry & 0x100 ? ", [S]" : ""}, ttl ${entry & 0xff}`);
    } else {
      printHex(nd, "\n\t    ", obj, Math.min(length, nd.available(obj)));
    }
    if (hlen < length) break;
    hlen -= length;
    obj += length;
  }
}

const EXTENSION_OBJECTS = new Map([[1, "MPLS Stack Entry"], [2, "Interface Identification"]]);

/** The text after `ICMP `; undefined when a checked field was not captured. */
function describe(nd: Dissector, off: number, type: number, code: number): string | undefined {
  const quotedDst = () => nd.ipName(off + 8 + 16);
  switch (type) {
    case 0:
    case 8:
      return `echo ${type === 8 ? "request" : "reply"}, id ${nd.u16(off + 4)}, seq ${nd.u16(off + 6)}`;
    case 3:
      return unreachable(nd, off, code, quotedDst);
    case 5: {
      const [dst, gateway] = [quotedDst(), nd.ipName(off + 4)];
      if (code > 3) return `redirect-#${code} ${dst} to ${gateway}`;
      return `redirect${code >= 2 ? "-tos" : ""} ${dst} to ${code % 2 ? "host" : "net"} ${gateway}`;
    }
    case 11:
      if (!nd.has(off + 8 + 16, 4)) return undefined;
      return code === 0 ? "time exceeded in-transit" : code === 1 ? "ip reassembly time exceeded" : `time exceeded-#${code}`;
    case 12:
      return code ? `parameter problem - code ${code}` : `parameter problem - octet ${nd.u8(off + 4)}`;
    case 18:
      return `address mask is 0x${hex(nd.u32(off + 8), 8)}`;
    case 13:
      return `time stamp query id ${nd.u16(off + 4)} seq ${nd.u16(off + 6)}`;
    case 14: {
      if (!nd.has(off + 16, 4)) return undefined;
      const [org, recv, xmit] = [8, 12, 16].map((at) => millisOfDay(nd.u32(off + at)));
      return `time stamp reply id ${nd.u16(off + 4)} seq ${nd.u16(off + 6)}: org ${org}, recv ${recv}, xmit ${xmit}`;
    }
    case 9:
      return routerAdvertisement(nd, off);
    default:
      return OTHER_TYPES.get(type) ?? `type-#${type}`;
  }
}

/** icmp_tstamp_print: milliseconds since midnight as HH:MM:SS.mmm. */
function millisOfDay(ms: number): string {
  const two = (n: number) => String(n).padStart(2, "0");
  const secs = Math.floor(ms / 1000);
  return `${two(Math.floor(secs / 3600))}:${two(Math.floor(secs / 60) % 60)}:${two(secs % 60)}.${String(ms % 1000).padStart(3, "0")}`;
}

/** RFC 1256 router advertisement: lifetime and {address preference} pairs. */
function routerAdvertisement(nd: Dissector, off: number): string | undefined {
  if (!nd.has(off + 4, 4)) return undefined;
  const [count, size, lifetime] = [nd.u8(off + 4), nd.u8(off + 5), nd.u16(off + 6)];
  const two = (n: number) => String(n).padStart(2, "0");
  const life = lifetime < 60 ? `${lifetime}`
    : lifetime < 3600 ? `${Math.floor(lifetime / 60)}:${two(lifetime % 60)}`
    : `${Math.floor(lifetime / 3600)}:${two(Math.floor(lifetime / 60) % 60)}:${two(lifetime % 60)}`;
  let text = `router advertisement lifetime ${life} ${count}:`;
  if (size !== 2) return `${text} [size ${size}]`;
  for (let i = 0, at = off + 8; i < count; i++, at += 8) {
    if (!nd.has(at, 8)) return undefined;
    text += ` {${nd.ipName(at)} ${nd.u32(at + 4)}}`;
  }
  return text;
}

function unreachable(nd: Dissector, off: number, code: number, quotedDst: () => string): string | undefined {
  switch (code) {
    case UNREACH.net: return `net ${quotedDst()} unreachable`;
    case UNREACH.host: return `host ${quotedDst()} unreachable`;
    case UNREACH.protocol: return `${quotedDst()} protocol ${nd.u8(off + 8 + 9)} unreachable`;
    case UNREACH.port: {
      if (!nd.has(off + 8 + 9, 1)) return undefined;
      const hlen = (nd.u8(off + 8) & 0x0f) * 4;
      const dport = nd.u16(off + 8 + hlen + 2);
      const proto = nd.u8(off + 8 + 9);
      if (proto === 6) return `${quotedDst()} tcp port ${nd.names.tcpPort(dport)} unreachable`;
      if (proto === 17) return `${quotedDst()} udp port ${nd.names.udpPort(dport)} unreachable`;
      return `${quotedDst()} protocol ${proto} port ${dport} unreachable`;
    }
    case UNREACH.needFrag: {
      const mtu = nd.u16(off + 6);
      return mtu ? `${quotedDst()} unreachable - need to frag (mtu ${mtu})` : `${quotedDst()} unreachable - need to frag`;
    }
    case 5: return `${quotedDst()} unreachable - source route failed`;
    case 6: return `net ${quotedDst()} unreachable - unknown`;
    case 7: return `host ${quotedDst()} unreachable - unknown`;
    case 8: return `${quotedDst()} unreachable - source host isolated`;
    case 9: return `net ${quotedDst()} unreachable - admin prohibited`;
    case 10: return `host ${quotedDst()} unreachable - admin prohibited`;
    case 11: return `net ${quotedDst()} unreachable - tos prohibited`;
    case 12: return `host ${quotedDst()} unreachable - tos prohibited`;
    case 13: return `host ${quotedDst()} unreachable - admin prohibited filter`;
    case 14: return `host ${quotedDst()} unreachable - host precedence violation`;
    case 15: return `host ${quotedDst()} unreachable - precedence cutoff`;
    default: return `${quotedDst()} unreachable - #${code}`;
  }
}
