// Connection tracking, per network namespace (nf_conntrack). A connection has
// an original and a reply tuple; NAT is recorded by rewriting the reply tuple,
// and every later packet is translated to match the other direction, as
// nf_nat_packet() does: DNAT and un-SNAT at PREROUTING/OUTPUT (destination),
// SNAT and un-DNAT at POSTROUTING/INPUT (source).
//
// Each packet also moves the entry's protocol state and refreshes its timeout
// as nf_conntrack_proto_{tcp,udp,icmp}.c do, so `conntrack -L` can show what
// a real table would hold some seconds after a flow.

import { formatIp4, type Ip4 } from "../model/addr.js";
import type { Sysctls } from "../model/kernel.js";
import type { ReadLog } from "./reads.js";

export interface Tuple {
  proto: "tcp" | "udp" | "icmp";
  src: Ip4;
  /** Source port, or the ICMP echo id. */
  sport: number;
  dst: Ip4;
  /** Destination port, or the ICMP echo id. */
  dport: number;
}

export type TcpCtState = "NONE" | "SYN_SENT" | "SYN_RECV" | "ESTABLISHED" | "FIN_WAIT" | "CLOSE_WAIT" | "LAST_ACK" | "TIME_WAIT" | "CLOSE" | "SYN_SENT2";

export interface Conn {
  id: number;
  orig: Tuple;
  reply: Tuple;
  /** A reply has been seen: later packets are ESTABLISHED (IPS_SEEN_REPLY). */
  seenReply: boolean;
  /** IPS_ASSURED: a TCP handshake completed, or a UDP stream lasted past 2 s. */
  assured: boolean;
  /** Destination / source NAT were decided on the first packet (nat table consulted once). */
  dnatDone: boolean;
  snatDone: boolean;
  /**
   * IPS_DST_NAT / IPS_SRC_NAT: NAT changed a tuple, so nf_nat_packet rewrites
   * every later packet. IPVS alters the reply tuple without setting either: its
   * own hooks translate those packets.
   */
  dstNat: boolean;
  srcNat: boolean;
  confirmed: boolean;
  mark: number;
  /** TCP state as `conntrack -L` names it. */
  tcpState: TcpCtState;
  /** When the entry dies unless refreshed (µs of simulated time). */
  expires: number;
  /** UDP: the first packet's time plus 2 s (ct->proto.udp.stream_ts). */
  udpStreamAfter?: number;
}

export type Direction = "orig" | "reply";

/** One entry of the tuple hash: the tuple it is found by, and its connection and direction. */
interface Slot {
  t: Tuple;
  conn: Conn;
  dir: Direction;
}

function sameTuple(a: Tuple, b: Tuple): boolean {
  return a.src === b.src && a.dst === b.dst && a.sport === b.sport && a.dport === b.dport && a.proto === b.proto;
}

/** A small-integer hash of a tuple (a Map key without building a string per packet). */
function tupleHash(t: Tuple): number {
  let h = Math.imul(t.src ^ ((t.sport << 16) | t.dport), 0x9e3779b1);
  h = Math.imul(h ^ t.dst ^ (h >>> 15), 0x85ebca6b);
  return (h ^ (h >>> 13) ^ t.proto.charCodeAt(0)) & 0x3fffffff;
}

/** Connections by tuple, as nf_conntrack's hash table holds them: one bucket per hash, tuples compared within. */
class TupleHash {
  private readonly buckets = new Map<number, Slot[]>();

  get(t: Tuple): Slot | undefined {
    const bucket = this.buckets.get(tupleHash(t));
    if (!bucket) return undefined;
    for (let i = 0; i < bucket.length; i++) if (sameTuple(bucket[i]!.t, t)) return bucket[i];
    return undefined;
  }

  /** Replaces any entry for the same tuple. */
  set(t: Tuple, conn: Conn, dir: Direction): void {
    const h = tupleHash(t);
    const bucket = this.buckets.get(h);
    if (!bucket) {
      this.buckets.set(h, [{ t, conn, dir }]);
      return;
    }
    const i = bucket.findIndex((s) => sameTuple(s.t, t));
    if (i >= 0) bucket[i] = { t, conn, dir };
    else bucket.push({ t, conn, dir });
  }

  delete(t: Tuple): void {
    const h = tupleHash(t);
    const bucket = this.buckets.get(h);
    const i = bucket ? bucket.findIndex((s) => sameTuple(s.t, t)) : -1;
    if (i < 0) return;
    if (bucket!.length === 1) this.buckets.delete(h);
    else bucket!.splice(i, 1);
  }

  *slots(): Generator<Slot> {
    for (const bucket of this.buckets.values()) yield* bucket;
  }
}

export function invert(t: Tuple): Tuple {
  return { proto: t.proto, src: t.dst, sport: t.dport, dst: t.src, dport: t.sport };
}

export function formatTuple(t: Tuple): string {
  return `${t.proto} ${formatIp4(t.src)}:${t.sport} -> ${formatIp4(t.dst)}:${t.dport}`;
}

const SECOND = 1_000_000;

/** nf_conntrack_proto_tcp.c tcp_timeouts[] (seconds), before sysctls. */
const TCP_TIMEOUTS: Record<TcpCtState, number> = {
  NONE: 0, SYN_SENT: 120, SYN_RECV: 60, ESTABLISHED: 432000, FIN_WAIT: 120, CLOSE_WAIT: 60, LAST_ACK: 30, TIME_WAIT: 120, CLOSE: 10, SYN_SENT2: 120,
};
/** nf_conntrack_udp_timeout and _stream; ICMP's 30 s. */
const UDP_UNREPLIED = 30;
const UDP_STREAM = 120;
const ICMP_TIMEOUT = 30;

// tcp_conntracks[dir][flags][state] from nf_conntrack_proto_tcp.c. Columns:
// NONE SYN_SENT SYN_RECV ESTABLISHED FIN_WAIT CLOSE_WAIT LAST_ACK TIME_WAIT CLOSE SYN_SENT2.
// "IV" (invalid) and "IG" (ignored) leave the state as it is.
type Cell = TcpCtState | "IV" | "IG";
const COLUMNS: TcpCtState[] = ["NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2"];
const [, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2] = COLUMNS as [TcpCtState, TcpCtState, TcpCtState, TcpCtState, TcpCtState, TcpCtState, TcpCtState, TcpCtState, TcpCtState, TcpCtState];
const IV = "IV";
const IG = "IG";
const TABLE: Record<Direction, Record<"syn" | "synack" | "fin" | "ack" | "rst", Cell[]>> = {
  orig: {
    syn: [sSS, sSS, IG, IG, IG, IG, IG, sSS, sSS, sS2],
    synack: [IV, IV, IG, IG, IG, IG, IG, IG, IG, sSR],
    fin: [IV, IV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, IV],
    ack: [sES, IV, sES, sES, sCW, sCW, sTW, sTW, sCL, IV],
    rst: [IV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
  },
  reply: {
    syn: [IV, sS2, IV, IV, IV, IV, IV, sSS, IV, sS2],
    synack: [IV, sSR, IG, IG, IG, IG, IG, IG, IG, sSR],
    fin: [IV, IV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, IV],
    ack: [IV, IG, sSR, sES, sCW, sCW, sTW, sTW, sCL, IG],
    rst: [IV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
  },
};

export interface TcpFlagsSeen {
  syn?: boolean;
  ack?: boolean;
  fin?: boolean;
  rst?: boolean;
}

function flagIndex(f: TcpFlagsSeen): "syn" | "synack" | "fin" | "ack" | "rst" | undefined {
  if (f.rst) return "rst";
  if (f.syn) return f.ack ? "synack" : "syn";
  if (f.fin) return "fin";
  if (f.ack) return "ack";
  return undefined;
}

function tcpTimeout(state: TcpCtState, sysctl: Sysctls | undefined): number {
  if (state === "ESTABLISHED" && sysctl?.conntrackTcpTimeouts?.established) return sysctl.conntrackTcpTimeouts.established;
  if (state === "CLOSE_WAIT" && sysctl?.conntrackTcpTimeouts?.closeWait) return sysctl.conntrackTcpTimeouts.closeWait;
  return TCP_TIMEOUTS[state];
}

/** One packet of `conn` seen in direction `dir` at time `now`: state, ASSURED and timeout as the kernel moves them. */
export function trackPacket(conn: Conn, dir: Direction, tcp: TcpFlagsSeen | undefined, now: number, sysctl?: Sysctls): void {
  if (dir === "reply") conn.seenReply = true;
  if (conn.orig.proto === "tcp" && tcp) {
    const index = flagIndex(tcp);
    if (!index) return;
    const old = conn.tcpState;
    const cell = TABLE[dir][index][COLUMNS.indexOf(old)]!;
    if (cell === IV || cell === IG) return;
    conn.tcpState = cell;
    // A handshake that completes (SYN_RECV -> ESTABLISHED) makes the entry ASSURED.
    if ((old === "SYN_RECV" || old === "ESTABLISHED") && cell === "ESTABLISHED") conn.assured = true;
    conn.expires = now + tcpTimeout(cell, sysctl) * SECOND;
    return;
  }
  if (conn.orig.proto === "udp") {
    // The first packet starts the 2 s clock (ct->proto.udp.stream_ts);
    // nf_conntrack_udp_packet: replied traffic still flowing 2 s later is a stream (ASSURED, 120 s).
    conn.udpStreamAfter ??= now + 2 * SECOND;
    const stream = conn.seenReply && conn.udpStreamAfter !== undefined && now > conn.udpStreamAfter;
    if (stream) conn.assured = true;
    conn.expires = now + (stream ? UDP_STREAM : UDP_UNREPLIED) * SECOND;
    return;
  }
  conn.expires = now + ICMP_TIMEOUT * SECOND;
}

export class ConntrackTable {
  private readonly byTuple = new TupleHash();
  readonly conns: Conn[] = [];
  private nextId = 1;
  /** Where lookups are logged while a continuation is watched, and this table's namespace (see reads.ts). */
  private log: ReadLog | undefined;
  private netns = "";

  watch(log: ReadLog | undefined, netns: string): void {
    this.log = log;
    this.netns = netns;
  }

  /** The entry a tuple finds, as it is (no expiry): what reads.ts compares. */
  peek(t: Tuple): { conn: Conn; dir: Direction } | undefined {
    return this.byTuple.get(t);
  }

  /** Takes a copy of `other`'s entries (Conn objects change in place, so each is copied once). */
  copyFrom(other: ConntrackTable): void {
    const copies = new Map<Conn, Conn>();
    const copy = (c: Conn): Conn => {
      let own = copies.get(c);
      if (!own) copies.set(c, (own = { ...c }));
      return own;
    };
    for (const c of other.conns) this.conns.push(copy(c));
    for (const { t, conn, dir } of other.byTuple.slots()) this.byTuple.set(t, copy(conn), dir);
    this.nextId = other.nextId;
  }

  /** The live entry for a tuple; an expired one is removed first (the GC worker would have). */
  lookup(t: Tuple, now = 0): { conn: Conn; dir: Direction } | undefined {
    this.log?.conntrack(this.netns, t);
    const found = this.byTuple.get(t);
    if (found && found.conn.expires > 0 && found.conn.expires <= now) {
      this.remove(found.conn);
      return undefined;
    }
    return found;
  }

  /** A new, unconfirmed connection for a packet no entry matches. */
  create(t: Tuple): Conn {
    return { id: this.nextId++, orig: t, reply: invert(t), seenReply: false, assured: false, dnatDone: false, snatDone: false, dstNat: false, srcNat: false, confirmed: false, mark: 0, tcpState: "NONE", expires: 0 };
  }

  /** Inserted when the first packet leaves the hooks (nf_conntrack_confirm). */
  confirm(conn: Conn): void {
    if (conn.confirmed) return;
    conn.confirmed = true;
    this.conns.push(conn);
    this.byTuple.set(conn.orig, conn, "orig");
    this.byTuple.set(conn.reply, conn, "reply");
  }

  /** Re-index after NAT changed the reply tuple of a confirmed or pending connection. */
  rekeyReply(conn: Conn, reply: Tuple): void {
    if (conn.confirmed) this.byTuple.delete(conn.reply);
    conn.reply = reply;
    if (conn.confirmed) this.byTuple.set(reply, conn, "reply");
  }

  /** Is a tuple already used as some connection's reply (NAT must pick a unique source)? */
  replyInUse(t: Tuple): boolean {
    this.log?.conntrack(this.netns, t);
    return this.byTuple.get(t) !== undefined;
  }

  /** The entries alive at `now`, oldest first (what `conntrack -L` lists). */
  live(now: number): Conn[] {
    return this.conns.filter((c) => c.expires > now);
  }

  private remove(conn: Conn): void {
    this.byTuple.delete(conn.orig);
    this.byTuple.delete(conn.reply);
    const i = this.conns.indexOf(conn);
    if (i >= 0) this.conns.splice(i, 1);
  }
}
