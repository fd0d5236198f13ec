// Runtime state the kernel builds up while packets flow: per namespace the
// conntrack table, learned neighbours and bridge FDB entries, recent lists,
// IP id counters and open sockets. The compiled (static) state is never
// mutated; a simulation starts from it with cold caches, as after a reboot.

import type { Ip4, Mac } from "../model/addr.js";
import type { Listener, Neigh, Netns } from "../model/kernel.js";
import type { Ipv4Packet } from "../packet/ipv4.js";
import { type Conn, ConntrackTable, type Direction } from "./conntrack.js";
import type { Event } from "./event-queue.js";
import type { IpvsState } from "./ipvs.js";
import type { CtState } from "./match.js";
import type { ReadLog } from "./reads.js";
import { staticNeighbour } from "./kernel-index.js";

/** One packet as the kernel carries it (the skb): headers plus the metadata netfilter and devices read. */
export interface Skb {
  /** Logical packet number in the flow; kept through NAT and encapsulation. */
  id: number;
  ip: Ipv4Packet;
  mark: number;
  ct?: { conn: Conn; dir: Direction; fresh: boolean; related?: boolean };
  ctstate?: CtState;
  /** Sent by a local socket with checksum offload: TCP/UDP checksums are filled in by the NIC. */
  csumPartial: boolean;
  /**
   * A tunnel packet whose inner TCP/UDP checksum is still partial too (VXLAN with
   * local checksum offload): the NIC completes both on the way to the wire.
   */
  innerCsumPartial?: boolean;
  /** The socket's flow hash (sk_txhash): picks the VXLAN source port. */
  flowHash: number;
  /** IPVS already translated this packet (skb->ipvs_property): its hooks let it pass from now on. */
  ipvsProperty?: boolean;
  /** br_netfilter already ran PREROUTING for this packet on a bridge port. */
  bridgePrerouted?: boolean;
  physIn?: string;
}

export interface NeighbourEntry {
  mac: Mac;
  state: "PERMANENT" | "REACHABLE" | "STALE" | "NOARP";
}

/** Packets waiting for one neighbour's ARP answer: their transmit callbacks, and the timer of the next try. */
export interface PendingArp {
  waiting: ((mac: Mac) => void)[];
  retry?: Event;
}

export interface RecentEntry {
  addr: Ip4;
  last: number;
}

/** A programmed entry as the neighbour table reads it, made once per entry (every VXLAN packet asks). */
const programmedEntries = new WeakMap<Neigh, NeighbourEntry>();

function programmed(fixed: Neigh): NeighbourEntry {
  let entry = programmedEntries.get(fixed);
  if (!entry) programmedEntries.set(fixed, (entry = Object.freeze({ mac: fixed.lladdr!, state: fixed.state === "REACHABLE" ? "REACHABLE" : "PERMANENT" })));
  return entry;
}

export class NsState {
  readonly conntrack = new ConntrackTable();
  /** Neighbours learned from ARP: dev → ip → entry. */
  readonly neigh = new Map<string, Map<Ip4, NeighbourEntry>>();
  /** Bridge FDB learned from traffic: bridge → mac → port. */
  readonly fdb = new Map<string, Map<Mac, string>>();
  readonly recent = new Map<string, RecentEntry[]>();
  /** The IP id counter for packets without a socket of their own (ICMP errors, tunnel headers, servers' replies); RSTs use 0. */
  private ipIdNext = 1;
  /** Packets waiting for an ARP answer, by `dev/ip` (the kernel's arp_queue). */
  readonly pending = new Map<string, PendingArp>();
  /** IPVS connections and scheduler positions, once a packet met an IPVS hook here. */
  ipvs?: IpvsState;
  /** kube-proxy's userspace round robin (LoadBalancerRR): the next endpoint index per proxy listener. */
  private readonly proxyPicks = new Map<Listener, number>();
  /** Whether any netfilter table is loaded here (no tables: no hooks, no conntrack). */
  readonly hasNetfilter: boolean;
  /** Where the reads of this state are logged, while a continuation is watched (see reads.ts). */
  private log: ReadLog | undefined;

  constructor(readonly netns: Netns) {
    this.hasNetfilter = netns.tables().size > 0;
  }

  /** Logs every read of this state to `log` from now on (undefined: stops). */
  watch(log: ReadLog | undefined): void {
    this.log = log;
    this.conntrack.watch(log, this.netns.id);
    this.ipvs?.watch(log, this.netns.id);
  }

  /** The next IP id for a packet this namespace makes without a socket (not logged: see reads.ts). */
  nextIpId(): number {
    return this.ipIdNext++;
  }

  /** The port a bridge learned `mac` on. */
  fdbPort(bridge: string, mac: Mac): string | undefined {
    this.log?.fdb(this.netns.id, bridge, mac);
    return this.fdb.get(bridge)?.get(mac);
  }

  /** The `-m recent` list `name`, made empty on first use. */
  recentList(name: string): RecentEntry[] {
    this.log?.recent(this.netns.id, name);
    let list = this.recent.get(name);
    if (!list) this.recent.set(name, (list = []));
    return list;
  }

  /**
   * The endpoint kube-proxy's userspace proxy on `l` gives the next connection
   * (or datagram from a new client): LoadBalancerRR's round robin, per
   * namespace and so per simulated node. It shuffles a service's endpoints
   * when it learns them (OnEndpointsUpdate, slice.ShuffleStrings), so the
   * first pick is any endpoint, equally likely: a choice `decide` makes (seeded,
   * or enumerated by check); later ones rotate.
   */
  nextProxyPick(l: Listener, decide: (probability: number) => boolean): number {
    this.log?.proxyPick(this.netns.id, l);
    const n = l.proxyTo?.length ?? 0;
    if (n === 0) return 0;
    let pick = this.proxyPicks.get(l);
    if (pick === undefined) {
      pick = n - 1;
      for (let i = 0; i < n - 1; i++) {
        if (decide(1 / (n - i))) {
          pick = i;
          break;
        }
      }
    }
    this.proxyPicks.set(l, (pick + 1) % n);
    return pick;
  }

  /** Where the userspace round robin stands for `l`, undefined before its first pick (reads.ts compares it). */
  proxyPickPeek(l: Listener): number | undefined {
    return this.proxyPicks.get(l);
  }

  /** The IPVS runtime from now on (ipvs.ts makes it when a packet first meets an IPVS hook). */
  startIpvs(ipvs: IpvsState): IpvsState {
    ipvs.watch(this.log, this.netns.id);
    return (this.ipvs = ipvs);
  }

  /**
   * Learns (or confirms) a neighbour and releases the packets that waited for
   * it. An ARP reply confirms it (REACHABLE); a request only tells us the
   * asker's address (neigh_event_ns: STALE, unless already known better).
   */
  learnNeighbour(dev: string, ip: Ip4, mac: Mac, state: "REACHABLE" | "STALE" = "REACHABLE"): void {
    this.log?.neighbour(this.netns.id, dev, ip);
    let byDev = this.neigh.get(dev);
    if (!byDev) this.neigh.set(dev, (byDev = new Map()));
    const known = byDev.get(ip);
    const unchanged = known?.mac === mac && (known.state === state || (state === "STALE" && known.state === "REACHABLE"));
    if (known?.state !== "PERMANENT" && !unchanged) byDev.set(ip, { mac, state });
    // Most learning (every ARP request heard) releases nothing: no key is made then.
    if (this.pending.size === 0) return;
    const key = `${dev}/${ip}`;
    const queued = this.pending.get(key);
    if (!queued) return;
    this.pending.delete(key);
    // Learned neighbours are never forgotten here, so the next try finds nothing to ask for.
    if (queued.retry) queued.retry.inert = true;
    for (const send of queued.waiting) send(mac);
  }

  /** The static (programmed) entry first, then what ARP taught us. */
  neighbour(dev: string, ip: Ip4): NeighbourEntry | undefined {
    const fixed = staticNeighbour(this.netns.neigh, dev, ip);
    if (fixed && (fixed.state === "PERMANENT" || fixed.state === "NOARP" || fixed.state === "REACHABLE")) return programmed(fixed);
    this.log?.neighbour(this.netns.id, dev, ip);
    return this.neigh.get(dev)?.get(ip);
  }

  /**
   * A copy that changes independently (Network.fork, only while no packet
   * waits for ARP here: a waiting packet's transmit callback belongs to this
   * network). Neighbour entries are replaced, never changed in place, so the
   * copy shares them.
   */
  fork(): NsState {
    const copy = new NsState(this.netns);
    copy.conntrack.copyFrom(this.conntrack);
    for (const [dev, byIp] of this.neigh) copy.neigh.set(dev, new Map(byIp));
    for (const [bridge, table] of this.fdb) copy.fdb.set(bridge, new Map(table));
    for (const [name, list] of this.recent) copy.recent.set(name, list.map((e) => ({ ...e })));
    copy.ipIdNext = this.ipIdNext;
    for (const [l, i] of this.proxyPicks) copy.proxyPicks.set(l, i);
    if (this.ipvs) copy.startIpvs(this.ipvs.fork());
    return copy;
  }

  learnFdb(bridge: string, mac: Mac, port: string): void {
    let table = this.fdb.get(bridge);
    if (!table) this.fdb.set(bridge, (table = new Map()));
    table.set(mac, port);
  }
}
