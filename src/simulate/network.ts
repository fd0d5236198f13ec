// The simulated network: the world's namespaces plus their runtime state, a
// simulated clock, the capture log (what tcpdump would see on each interface)
// and the narrative. Kernel paths live in ip-stack.ts, l2.ts and tunnel.ts;
// this class only holds what they share.

import type { Ip4 } from "../model/addr.js";
import type { Netns, World } from "../model/kernel.js";
import type { CapturePoint, CapturedPacket, Step, StepKind } from "../model/trace.js";
import type { Origin } from "../netfilter/rule.js";
import { encodeFrame, type EthernetFrame } from "../packet/ethernet.js";
import { encodeIp, type Ipv4Packet } from "../packet/ipv4.js";
import { type Event, EventQueue } from "./event-queue.js";
import type { ReadLog } from "./reads.js";
import type { SeededRandom } from "./rng.js";
import { localAddressDev } from "./routing.js";
import { Sightings } from "./sightings.js";
import { NsState, type Skb } from "./state.js";
import type { Socket } from "./sockets.js";

/** How `-m statistic --mode random` decides: a seeded coin, or a scripted list when enumerating all paths. */
export interface Chooser {
  /** `packet`: the logical packet whose first pass through the rule makes the choice (check tells a DNS lookup's choices from its connection's). */
  decide(probability: number, where: string, packet?: number): boolean;
}

export class SeededChooser implements Chooser {
  constructor(private readonly rng: SeededRandom) {}
  decide(probability: number): boolean {
    return this.rng.u32() / 2 ** 32 < probability;
  }
}

/** Latencies of the simulated hardware, in microseconds. */
export const LATENCY = { stack: 5, veth: 10, bridge: 8, wire: 180, app: 40, tunnel: 12 } as const;

/** How much later one network's moment is than another's: in µs and packet numbers. */
export interface Shift {
  time: number;
  packets: number;
}

export class Network {
  /** What tcpdump would have seen on every interface (a narrated run's). */
  readonly captures: CapturedPacket[] = [];
  /** Instead of captures, where IP packets were seen (a run nobody narrates). */
  readonly sightings = new Sightings();
  readonly steps: Step[] = [];
  /** Microseconds since the simulated epoch. */
  now = 0;
  private readonly states = new Map<string, NsState>();
  readonly sockets = new Map<string, Socket[]>();
  /** Every connection a server accepted, in order: the last one is the backend that answered. */
  readonly accepted: { netns: string; ip: Ip4; port: number; peer?: { ip: Ip4; port: number } }[] = [];
  /** Every datagram a UDP server socket received (logical packet number, and the source its socket saw). */
  readonly datagrams: { netns: string; ip: Ip4; port: number; peer: { ip: Ip4; port: number }; packet: number }[] = [];
  private nextPacket = 1;
  /** Set while a packet moves, so steps can say which packet they are about. */
  current = 0;
  private queue = new EventQueue();
  /** Where reads of the runtime state are logged, while a run is watched (see reads.ts). */
  private log: ReadLog | undefined;

  constructor(
    readonly world: World,
    readonly rng: SeededRandom,
    readonly chooser: Chooser,
    /**
     * Whether the steps and captures tell the whole story. Without, only
     * drops and rejects are kept (a client's silence is classified from them)
     * and captures are only sightings: a check judges most runs by what was
     * observed and simulates again the few it prints. Hot paths test it
     * before formatting a step's text.
     */
    readonly narrating = true,
  ) {
    this.namespaces = namespacesOf(world);
    this.points = pointsOf(world);
  }

  private readonly namespaces: Map<string, Netns>;
  private readonly points: CapturePoints;

  // The namespace asked for last, and its state if it has one: a packet's path asks for the same one
  // many times in a row. Three fields rather than an object, which each change of namespace made anew.
  private lastId: string | undefined;
  private lastNs: Netns | undefined;
  private lastState: NsState | undefined;

  ns(id: string): Netns {
    if (this.lastId === id) return this.lastNs!;
    let ns = this.namespaces.get(id);
    if (!ns) {
      ns = this.world.netns(id);
      if (!ns) throw new Error(`internal: unknown namespace ${id}`);
      this.namespaces.set(id, ns);
    }
    this.lastId = id;
    this.lastNs = ns;
    this.lastState = this.states.get(id);
    return ns;
  }

  state(id: string): NsState {
    if (this.lastId === id && this.lastState) return this.lastState;
    let s = this.states.get(id);
    if (!s) {
      this.states.set(id, (s = new NsState(this.ns(id))));
      if (this.log) s.watch(this.log);
    }
    this.lastId = id;
    this.lastNs = s.netns;
    this.lastState = s;
    return s;
  }

  /** A namespace's runtime state if it has any yet, without making it (reads.ts). */
  statePeek(id: string): NsState | undefined {
    return this.states.get(id);
  }

  /** Logs every read of runtime state to `log` from now on (undefined: stops); see reads.ts. */
  watch(log: ReadLog | undefined): void {
    this.log = log;
    for (const st of this.states.values()) st.watch(log);
  }

  /**
   * Where this network is against `other`, in everything but the runtime
   * state ReadLog compares: how much later its clock and packet counter
   * stand (undefined when the two differ otherwise). The generator must be in
   * the same state, the schedule the same but for the shift until `other`'s
   * time `horizon` (EventQueue.runsAs; `owned`, `otherOwned`: the callers'
   * events), no packet waiting for ARP and no socket with state of its own. A
   * network that also agrees with `other` on what `other` read next
   * continues exactly as it did until the horizon, that much later.
   */
  shiftFrom(other: Network, owned: number, otherOwned: number, horizon: number | undefined): Shift | undefined {
    const shift = { time: this.now - other.now, packets: this.nextPacket - other.nextPacket };
    if (this.current - shift.packets !== other.current || this.narrating !== other.narrating || this.captures.length !== other.captures.length) return undefined;
    if (!this.rng.sameAs(other.rng) || !this.queue.runsAs(other.queue, owned, otherOwned, shift, horizon)) return undefined;
    return this.isQuiet() && other.isQuiet() ? shift : undefined;
  }

  /** No packet waits for ARP and every socket is stateless: what a fork needs, and a shifted comparison. */
  private isQuiet(): boolean {
    for (const st of this.states.values()) if (st.pending.size > 0) return false;
    for (const list of this.sockets.values()) if (!list.every((s) => s.shareable)) return false;
    return true;
  }

  /** Namespaces that saw traffic (for conntrack -L and friends). */
  touched(): string[] {
    return [...this.states.keys()];
  }

  newPacketId(): number {
    return this.nextPacket++;
  }

  advance(us: number): void {
    this.now += us;
  }

  /** Something to happen at a later simulated time (a timer, an application's reply). */
  schedule(time: number, run: () => void): Event {
    return this.queue.push(time, run, undefined);
  }

  /** Schedules `run` after `us` microseconds, keeping the current packet number. */
  later(us: number, run: () => void): Event {
    return this.queue.push(this.now + us, run, this.current);
  }

  /** The pending event scheduled `seq`-th (a fork's events keep their original's numbers). */
  pending(seq: number): Event | undefined {
    return this.queue.find(seq);
  }

  /**
   * An independent copy of this network as it is now, with its own chooser:
   * check simulates each connection choice behind one DNS lookup from the
   * lookup's end instead of from the start. Undefined when something pending
   * is a closure over this network (an event, a socket, a packet waiting for
   * ARP); `replace` gives the copy its own work for events the caller owns.
   * The copy then runs exactly as this network would have.
   */
  fork(chooser: Chooser, replace: ReadonlyMap<Event, () => void>): Network | undefined {
    const queue = this.isQuiet() ? this.queue.fork(replace) : undefined;
    if (!queue) return undefined;
    const copy = new Network(this.world, this.rng.clone(), chooser, this.narrating);
    for (const [id, list] of this.sockets) copy.sockets.set(id, [...list]);
    for (const [id, st] of this.states) copy.states.set(id, st.fork());
    copy.queue = queue;
    copy.now = this.now;
    copy.nextPacket = this.nextPacket;
    copy.current = this.current;
    // Captured packets, steps and records are never changed once made: the copy shares them.
    for (const c of this.captures) copy.captures.push(c);
    copy.sightings.addAll(this.sightings);
    for (const s of this.steps) copy.steps.push(s);
    for (const a of this.accepted) copy.accepted.push(a);
    for (const d of this.datagrams) copy.datagrams.push(d);
    return copy;
  }

  /**
   * Runs scheduled work in time order until nothing is left, `until` is
   * passed, or `keepGoing` says the next event (at its time) should wait.
   */
  runUntil(until: number, keepGoing?: (time: number) => boolean): void {
    for (;;) {
      const next = this.queue.peek();
      if (!next) return;
      if (next.time > until || (keepGoing && !keepGoing(next.time))) return;
      this.queue.pop();
      if (next.time > this.now) this.now = next.time;
      if (next.packet !== undefined) this.current = next.packet;
      next.run();
    }
  }

  step(kind: StepKind, netns: string, text: string, extra: Partial<Step> = {}): void {
    if (!this.narrating && kind !== "drop" && kind !== "reject") return;
    this.steps.push({ time: this.now, packet: this.current, netns, kind, text, ...extra });
  }

  ruleStep(netns: string, hook: string, table: string, chain: string, number: number, rule: string, origin: Origin | undefined, text: string): void {
    this.step("rule", netns, text, { hook, table, chain, ruleNumber: number, rule, ...(origin ? { origin } : {}) });
  }

  /** What tcpdump on `dev` sees of `frame`; with `skb`, the frame carries that packet with its checksums as offload leaves them. */
  captureFrame(netns: string, dev: string, direction: "in" | "out", frame: EthernetFrame, packet: number, skb?: Skb): void {
    const ip = skb ? skb.ip : frame.payload.kind === "ipv4" ? frame.payload : undefined;
    if (!this.narrating) {
      if (ip) this.sightings.add(packet, netns, dev, ip.src);
      return;
    }
    const point = this.points.of(netns, dev, "EN10MB");
    this.captures.push(new Capture(this.now, point, direction, packet, ip, frame, skb ? partialOf(skb) : 0, this.floodCopies.has(frame)));
  }

  captureRaw(netns: string, dev: string, direction: "in" | "out", ip: Ipv4Packet, packet: number, skb?: Skb): void {
    if (!this.narrating) {
      this.sightings.add(packet, netns, dev, ip.src);
      return;
    }
    this.captures.push(new Capture(this.now, this.points.of(netns, dev, "RAW"), direction, packet, ip, undefined, skb ? partialOf(skb) : 0, false));
  }

  /** A namespace's sockets, without logging the read (reads.ts). */
  socketsPeek(netns: string): readonly Socket[] {
    return this.sockets.get(netns) ?? [];
  }

  private readonly floodCopies = new WeakSet<EthernetFrame>();

  /** The frame as a bridge or switch floods it to a port (broadcast, unknown destination): its captures say so. */
  floodCopy(frame: EthernetFrame): EthernetFrame {
    if (this.floodCopies.has(frame)) return frame;
    const copy = { ...frame };
    this.floodCopies.add(copy);
    return copy;
  }

  isFloodCopy(frame: EthernetFrame): boolean {
    return this.floodCopies.has(frame);
  }

  socketsOf(netns: string): Socket[] {
    this.log?.sockets(netns);
    let list = this.sockets.get(netns);
    if (!list) this.sockets.set(netns, (list = []));
    return list;
  }

  /** The IP header as the capture would show it: checksum offload leaves TCP/UDP checksums partial until the wire. */
  withChecksums(skb: Skb): Ipv4Packet {
    return withPartial(skb.ip, partialOf(skb));
  }

  isLocal(netns: string, ip: Ip4): boolean {
    return ip >>> 24 === 127 || localAddressDev(this.ns(netns), ip) !== undefined;
  }
}

/** The world's namespaces by id, shared by every network on it (compiled state is never mutated). */
const worldNamespaces = new WeakMap<World, Map<string, Netns>>();

function namespacesOf(world: World): Map<string, Netns> {
  let known = worldNamespaces.get(world);
  if (!known) worldNamespaces.set(world, (known = new Map()));
  return known;
}

/** One CapturePoint per interface (never mutated): a flow is captured at the same few, packet after packet. */
class CapturePoints {
  private readonly byNetns = new Map<string, Map<string, CapturePoint>>();

  of(netns: string, dev: string, linkType: CapturePoint["linkType"]): CapturePoint {
    let devs = this.byNetns.get(netns);
    if (!devs) this.byNetns.set(netns, (devs = new Map()));
    let point = devs.get(dev);
    if (!point || point.linkType !== linkType) devs.set(dev, (point = { netns, dev, linkType }));
    return point;
  }
}

const worldPoints = new WeakMap<World, CapturePoints>();

function pointsOf(world: World): CapturePoints {
  let known = worldPoints.get(world);
  if (!known) worldPoints.set(world, (known = new CapturePoints()));
  return known;
}

const PARTIAL = 1;
const INNER_PARTIAL = 2;

function partialOf(skb: Skb): number {
  return skb.csumPartial ? PARTIAL | (skb.innerCsumPartial ? INNER_PARTIAL : 0) : 0;
}

function withPartial(ip: Ipv4Packet, partial: number): Ipv4Packet {
  if (!(partial & PARTIAL)) return ip;
  const marked = markPartial(ip);
  return partial & INNER_PARTIAL ? markInnerPartial(marked) : marked;
}

/**
 * One captured packet. It keeps the packet and encodes the bytes on first
 * read: a check judges thousands of paths from headers alone and prints few.
 * Packets are immutable, so encoding later gives the bytes of capture time.
 */
class Capture implements CapturedPacket {
  #bytes: Uint8Array | undefined;

  constructor(
    readonly time: number,
    readonly point: CapturePoint,
    readonly direction: "in" | "out",
    readonly packet: number,
    readonly ip: Ipv4Packet | undefined,
    private readonly ether: EthernetFrame | undefined,
    private readonly partial: number,
    readonly flooded: boolean,
  ) {}

  get frame(): Uint8Array {
    if (this.#bytes) return this.#bytes;
    const ip = this.ip && withPartial(this.ip, this.partial);
    if (!this.ether) return (this.#bytes = encodeIp(ip!));
    return (this.#bytes = encodeFrame(ip ? { ...this.ether, payload: ip } : this.ether));
  }

  /** JSON.stringify sees the bytes (a getter is not an own property) and not the capture internals. */
  toJSON(): object {
    return { time: this.time, point: this.point, direction: this.direction, frame: this.frame, packet: this.packet, flooded: this.flooded };
  }
}

/** The inner packet of a VXLAN datagram, with its TCP/UDP checksum still partial (lco_csum). */
function markInnerPartial(ip: Ipv4Packet): Ipv4Packet {
  const udp = ip.payload;
  if (udp.kind !== "udp" || typeof udp.payload !== "object" || !("kind" in udp.payload) || udp.payload.kind !== "vxlan") return ip;
  const vx = udp.payload;
  const frame = vx.frame;
  if (typeof frame.payload !== "object" || !("kind" in frame.payload) || frame.payload.kind !== "ipv4") return ip;
  return { ...ip, payload: { ...udp, payload: { ...vx, frame: { ...frame, payload: markPartial(frame.payload as Ipv4Packet) } } } };
}

function markPartial(ip: Ipv4Packet): Ipv4Packet {
  const p = ip.payload;
  if (p.kind === "tcp") return { ...ip, payload: { ...p, checksum: "partial" } };
  if (p.kind === "udp") return { ...ip, payload: { ...p, checksum: "partial" } };
  return ip;
}
