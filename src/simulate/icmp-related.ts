// ICMP errors about a tracked connection: conntrack finds the connection from
// the packet quoted inside (icmp_error_message: the inner tuple, inverted),
// marks the error RELATED, and NAT rewrites both the quoted packet and the
// outer header so the sender sees an error about what it sent
// (nf_nat_icmp_reply_translation). A UDP query to a ClusterIP whose backend
// has nothing on the port thus comes back as "port unreachable from the
// ClusterIP", and the client's socket gets its ECONNREFUSED.

import type { Ip4 } from "../model/addr.js";
import type { Ipv4Packet } from "../packet/ipv4.js";
import { type Conn, type Direction, invert, type Tuple } from "./conntrack.js";

type IcmpError = Extract<Ipv4Packet["payload"], { kind: "icmp"; quoted: Uint8Array }>;

export function isIcmpError(ip: Ipv4Packet): ip is Ipv4Packet & { payload: IcmpError } {
  const p = ip.payload;
  return p.kind === "icmp" && (p.type === "dest-unreachable" || p.type === "time-exceeded");
}

function u32(b: Uint8Array, at: number): Ip4 {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** The tuple of the quoted packet (IPv4 header plus at least 8 bytes of TCP/UDP, or an echo's id). */
export function quotedTuple(q: Uint8Array): Tuple | undefined {
  if (q.length < 20) return undefined;
  const ihl = (q[0]! & 15) * 4;
  if (q.length < ihl + 8) return undefined;
  const proto = q[9] === 6 ? "tcp" : q[9] === 17 ? "udp" : q[9] === 1 ? "icmp" : undefined;
  if (!proto) return undefined;
  const src = u32(q, 12);
  const dst = u32(q, 16);
  if (proto === "icmp") {
    const id = (q[ihl + 4]! << 8) | q[ihl + 5]!;
    return { proto, src, sport: id, dst, dport: id };
  }
  return { proto, src, sport: (q[ihl]! << 8) | q[ihl + 1]!, dst, dport: (q[ihl + 2]! << 8) | q[ihl + 3]! };
}

/** The connection an error is about: the quoted tuple inverted is how the other end's packets are keyed. */
export function relatedKey(q: Uint8Array): Tuple | undefined {
  const t = quotedTuple(q);
  return t ? invert(t) : undefined;
}

/** RFC 1624 incremental update of a ones'-complement checksum for one changed 16-bit word. */
function updateChecksum(sum: number, before: number, after: number): number {
  let s = (~sum & 0xffff) + (~before & 0xffff) + after;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

function setU16(q: Uint8Array, at: number, value: number, checksumAt?: number): void {
  const before = (q[at]! << 8) | q[at + 1]!;
  if (before === value) return;
  q[at] = value >> 8;
  q[at + 1] = value & 255;
  if (checksumAt !== undefined) {
    const sum = (q[checksumAt]! << 8) | q[checksumAt + 1]!;
    // A UDP checksum of 0 means "none" and stays so.
    if (sum !== 0) {
      const next = updateChecksum(sum, before, value);
      q[checksumAt] = next >> 8;
      q[checksumAt + 1] = next & 255;
    }
  }
}

/** Rewrites one address of the quoted packet, with its IP checksum and (UDP) pseudo-header checksum. */
function setAddress(q: Uint8Array, at: number, ip: Ip4, l4Checksum: number | undefined): void {
  for (const half of [0, 2]) {
    const value = half === 0 ? ip >>> 16 : ip & 0xffff;
    const offset = at + half;
    const before = (q[offset]! << 8) | q[offset + 1]!;
    setU16(q, offset, value, 10);
    if (l4Checksum !== undefined && before !== value) {
      const sum = (q[l4Checksum]! << 8) | q[l4Checksum + 1]!;
      if (sum !== 0) {
        const next = updateChecksum(sum, before, value);
        q[l4Checksum] = next >> 8;
        q[l4Checksum + 1] = next & 255;
      }
    }
  }
}

/**
 * nf_nat_icmp_reply_translation at a hook doing `manip`: the quoted packet
 * gets the opposite manipulation from the connection's other direction, the
 * outer header the normal one, so after PREROUTING and POSTROUTING the error
 * looks like the reply to what the endpoint sent.
 */
export function translateRelated(ip: Ipv4Packet & { payload: IcmpError }, conn: Conn, dir: Direction, manip: "src" | "dst"): Ipv4Packet {
  const other = dir === "orig" ? conn.reply : conn.orig;
  const q = Uint8Array.from(ip.payload.quoted);
  const ihl = (q[0]! & 15) * 4;
  const proto = q[9];
  // The inner TCP checksum lies beyond the 8 quoted bytes; a quoted UDP header carries its own.
  const l4Checksum = proto === 17 && q.length >= ihl + 8 ? ihl + 6 : undefined;
  if (manip === "dst") {
    // Inner: the source becomes the other direction's source.
    setAddress(q, 12, other.src, l4Checksum);
    if (proto !== 1) setU16(q, ihl, other.sport, l4Checksum);
  } else {
    setAddress(q, 16, other.dst, l4Checksum);
    if (proto !== 1) setU16(q, ihl + 2, other.dport, l4Checksum);
  }
  const outer = invert(other);
  const payload: IcmpError = { ...ip.payload, quoted: q };
  return manip === "dst" ? { ...ip, dst: outer.dst, payload } : { ...ip, src: outer.src, payload };
}

/**
 * ip_vs_nat_icmp for a real server's error on its way out: the quoted packet
 * was sent to the virtual server. Its IP checksum is redone (ip_send_check);
 * its TCP/UDP checksum is left as it was, as IPVS leaves it.
 */
export function rewriteQuotedDestination(quoted: Uint8Array, vaddr: Ip4, vport: number): Uint8Array {
  const q = Uint8Array.from(quoted);
  const ihl = (q[0]! & 15) * 4;
  setAddress(q, 16, vaddr, undefined);
  if ((q[9] === 6 || q[9] === 17) && q.length >= ihl + 4) setU16(q, ihl + 2, vport);
  return q;
}
