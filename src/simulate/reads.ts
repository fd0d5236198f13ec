// What one continuation of a flow read of the network's runtime state, so
// check can tell when another network would continue exactly the same way.
//
// The simulation is deterministic: from the same state it does the same
// thing. It need not be the same state everywhere, only in what the run
// reads: a connection that never asks about the client node's ARP entry for
// the node a DNS replica sits on cannot behave differently because that
// entry differs. So while a watched network runs, every read of its mutable
// state (neighbours, bridge FDBs, conntrack tuples, recent lists, IPVS, the
// userspace proxy's round robin, socket lists) is logged by key, and `agrees`
// compares two networks at those keys. Static (compiled) state is the same
// for all networks on one world; the clock, packet counter, generator and
// schedule are compared by the caller (Network.shiftFrom), which may find one
// network a fixed time later than the other: times kept in the state then
// compare shifted. Runtime state kept anywhere else would escape the
// comparison: none is (test/reuse.test.ts).
//
// The log keeps keys, not values: a key the run wrote before reading it is
// compared too, which can only refuse a network that would have agreed.
//
// IP id counters and conntrack ids are neither logged nor compared: they
// number packets and entries, and nothing decides on them. What they change
// is only bytes and listings (tcpdump, conntrack -L), and a reused run's are
// never taken from the first run: a report that prints a run simulates it
// again (check/enumerate.ts).

import type { Ip4, Mac } from "../model/addr.js";
import type { IpvsService, Listener } from "../model/kernel.js";
import type { Tuple } from "./conntrack.js";
import type { IpvsTable } from "./ipvs.js";
import type { Network } from "./network.js";
import { listenerOf, type Socket } from "./sockets.js";
import type { NsState } from "./state.js";

type Read =
  | { kind: "neighbour"; ns: string; dev: string; ip: Ip4 }
  | { kind: "fdb"; ns: string; bridge: string; mac: Mac }
  | { kind: "conntrack"; ns: string; tuple: Tuple }
  | { kind: "sockets"; ns: string }
  | { kind: "ipvs"; ns: string; table: IpvsTable; key: string }
  | { kind: "ipvs-scheduler"; ns: string; service: IpvsService }
  | { kind: "recent"; ns: string; name: string }
  | { kind: "proxy-pick"; ns: string; listener: Listener };

export class ReadLog {
  private readonly reads = new Map<string, Read>();
  /** A number per IPVS service and per proxy listener, for their keys. */
  private readonly objects = new Map<IpvsService | Listener, number>();

  neighbour(ns: string, dev: string, ip: Ip4): void {
    this.add(`n ${ns} ${dev} ${ip}`, () => ({ kind: "neighbour", ns, dev, ip }));
  }

  fdb(ns: string, bridge: string, mac: Mac): void {
    this.add(`f ${ns} ${bridge} ${mac}`, () => ({ kind: "fdb", ns, bridge, mac }));
  }

  conntrack(ns: string, t: Tuple): void {
    this.add(`c ${ns} ${t.proto} ${t.src}:${t.sport} ${t.dst}:${t.dport}`, () => ({ kind: "conntrack", ns, tuple: { ...t } }));
  }

  recent(ns: string, name: string): void {
    this.add(`r ${ns} ${name}`, () => ({ kind: "recent", ns, name }));
  }

  ipvs(ns: string, table: IpvsTable, key: string): void {
    this.add(`v ${ns} ${table} ${key}`, () => ({ kind: "ipvs", ns, table, key }));
  }

  /** Where rr stands for `service` (services are compiled once per namespace: the same object in every network). */
  ipvsScheduler(ns: string, service: IpvsService): void {
    this.add(`vs ${ns} ${this.idOf(service)}`, () => ({ kind: "ipvs-scheduler", ns, service }));
  }

  /** kube-proxy's userspace round robin for a listener (compiled once: the same object in every network). */
  proxyPick(ns: string, listener: Listener): void {
    this.add(`p ${ns} ${this.idOf(listener)}`, () => ({ kind: "proxy-pick", ns, listener }));
  }

  sockets(ns: string): void {
    this.add(`s ${ns}`, () => ({ kind: "sockets", ns }));
  }

  private idOf(o: IpvsService | Listener): number {
    let id = this.objects.get(o);
    if (id === undefined) this.objects.set(o, (id = this.objects.size));
    return id;
  }

  private add(key: string, read: () => Read): void {
    if (!this.reads.has(key)) this.reads.set(key, read());
  }

  get size(): number {
    return this.reads.size;
  }

  /**
   * Whether `a` and `b` hold the same at every key logged (a namespace with no
   * state yet holds the empty state), `a`'s times `later` µs after `b`'s.
   */
  agrees(a: Network, b: Network, later = 0): boolean {
    for (const read of this.reads.values()) if (!sameAt(read, a, b, later)) return false;
    return true;
  }
}

/** The fields of a conntrack or IPVS connection that hold a time (µs): shifted networks hold them shifted. */
const TIMES = ["expires", "udpStreamAfter"];
/** A conntrack entry's id only names it (see above). */
const NAMES = ["id"];

function sameAt(read: Read, a: Network, b: Network, later: number): boolean {
  if (read.kind === "sockets") return sameSockets(a.socketsPeek(read.ns), b.socketsPeek(read.ns));
  const sa = a.statePeek(read.ns);
  const sb = b.statePeek(read.ns);
  if (!sa && !sb) return true;
  switch (read.kind) {
    case "neighbour": {
      const x = learned(sa, read.dev, read.ip);
      const y = learned(sb, read.dev, read.ip);
      return x === y || (x !== undefined && y !== undefined && x.mac === y.mac && x.state === y.state);
    }
    case "fdb":
      return sa?.fdb.get(read.bridge)?.get(read.mac) === sb?.fdb.get(read.bridge)?.get(read.mac);
    case "conntrack": {
      const x = sa?.conntrack.peek(read.tuple);
      const y = sb?.conntrack.peek(read.tuple);
      return x === y || (x !== undefined && y !== undefined && x.dir === y.dir && sameRecord(x.conn, y.conn, later));
    }
    case "recent": {
      // xt_recent keeps seconds as fractions: a shift could round differently, so a shifted network is not taken for this one.
      if (later !== 0) return false;
      const x = sa?.recent.get(read.name) ?? [];
      const y = sb?.recent.get(read.name) ?? [];
      return x.length === y.length && x.every((e, i) => e.addr === y[i]!.addr && e.last === y[i]!.last);
    }
    case "ipvs": {
      const x = sa?.ipvs?.peek(read.table, read.key);
      const y = sb?.ipvs?.peek(read.table, read.key);
      return x === y || (typeof x === "object" && typeof y === "object" && sameRecord(x, y, later));
    }
    case "proxy-pick":
      return sa?.proxyPickPeek(read.listener) === sb?.proxyPickPeek(read.listener);
    case "ipvs-scheduler":
      return sa?.ipvs?.lastPickedPeek(read.service) === sb?.ipvs?.lastPickedPeek(read.service);
  }
}

function learned(st: NsState | undefined, dev: string, ip: Ip4) {
  return st?.neigh.get(dev)?.get(ip);
}

/**
 * Two records with the same fields and values, nested records (tuples)
 * compared the same way, other objects by identity; the times among them
 * (TIMES) `later` µs apart, ids (NAMES) not compared.
 */
function sameRecord(a: object, b: object, later = 0): boolean {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  for (const k of keys) {
    if (NAMES.includes(k)) continue;
    const v = x[k];
    const w = y[k];
    if (later !== 0 && typeof v === "number" && typeof w === "number" && TIMES.includes(k)) {
      if (v !== w + later) return false;
      continue;
    }
    if (v === w) continue;
    if (!isPlain(v) || !isPlain(w) || !sameRecord(v, w)) return false;
  }
  return true;
}

function isPlain(v: unknown): v is object {
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * The same sockets in the same order (lookups take the first match): the same
 * object (a fork shares stateless ones), or the stateless server each network
 * started for the same listener.
 */
function sameSockets(a: readonly Socket[], b: readonly Socket[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    const from = listenerOf(x);
    if (from === undefined || from !== listenerOf(y) || !x.shareable || !y.shareable) return false;
  }
  return true;
}
