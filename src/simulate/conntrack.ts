// Connection tracking, per network namespace (nf_conntrack). A connection has
// an original and a reply tuple; NAT is recorded by rewriting the reply tuple,
// and every later packet is translated to match the other direction, as
// nf_nat_packet() does: DNAT and un-SNAT at PREROUTING/OUTPUT (destination),
// SNAT and un-DNAT at POSTROUTING/INPUT (source).

import { formatIp4, type Ip4 } from "../model/addr.js";

export interface Tuple {
  proto: "tcp" | "udp" | "icmp";
  src: Ip4;
  /** Source port, or the ICMP echo id. */
  sport: number;
  dst: Ip4;
  /** Destination port, or the ICMP echo id. */
  dport: number;
}

export interface Conn {
  id: number;
  orig: Tuple;
  reply: Tuple;
  /** A reply has been seen: later packets are ESTABLISHED. */
  seenReply: boolean;
  /** Destination / source NAT were decided on the first packet (nat table consulted once). */
  dnatDone: boolean;
  snatDone: boolean;
  confirmed: boolean;
  mark: number;
  /** TCP state for `conntrack -L`. */
  tcpState: string;
}

export type Direction = "orig" | "reply";

export function tupleKey(t: Tuple): string {
  return `${t.proto}/${t.src}:${t.sport}>${t.dst}:${t.dport}`;
}

export function invert(t: Tuple): Tuple {
  return { proto: t.proto, src: t.dst, sport: t.dport, dst: t.src, dport: t.sport };
}

export function formatTuple(t: Tuple): string {
  return `${t.proto} ${formatIp4(t.src)}:${t.sport} -> ${formatIp4(t.dst)}:${t.dport}`;
}

export class ConntrackTable {
  private readonly byTuple = new Map<string, { conn: Conn; dir: Direction }>();
  readonly conns: Conn[] = [];
  private nextId = 1;

  lookup(t: Tuple): { conn: Conn; dir: Direction } | undefined {
    return this.byTuple.get(tupleKey(t));
  }

  /** A new, unconfirmed connection for a packet no entry matches. */
  create(t: Tuple): Conn {
    return { id: this.nextId++, orig: t, reply: invert(t), seenReply: false, dnatDone: false, snatDone: false, confirmed: false, mark: 0, tcpState: "SYN_SENT" };
  }

  /** Inserted when the first packet leaves the hooks (nf_conntrack_confirm). */
  confirm(conn: Conn): void {
    if (conn.confirmed) return;
    conn.confirmed = true;
    this.conns.push(conn);
    this.byTuple.set(tupleKey(conn.orig), { conn, dir: "orig" });
    this.byTuple.set(tupleKey(conn.reply), { conn, dir: "reply" });
  }

  /** Re-index after NAT changed the reply tuple of a confirmed or pending connection. */
  rekeyReply(conn: Conn, reply: Tuple): void {
    if (conn.confirmed) this.byTuple.delete(tupleKey(conn.reply));
    conn.reply = reply;
    if (conn.confirmed) this.byTuple.set(tupleKey(reply), { conn, dir: "reply" });
  }

  /** Is a tuple already used as some connection's reply (NAT must pick a unique source)? */
  replyInUse(t: Tuple): boolean {
    return this.byTuple.has(tupleKey(t));
  }
}
