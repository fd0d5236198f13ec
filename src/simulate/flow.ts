// One flow, end to end: an optional DNS lookup by the source's resolver, then
// a TCP conversation (curl- or wget-like HTTP request, or nc's bare connect),
// a UDP datagram (or dig's query) and its reply, or ICMP echoes. The verdict
// comes from what the client program saw.
//
// `runFlow` simulates on a fresh network (the `trace` command); `runFlowOn`
// continues an existing one, so a shell session keeps its clock, conntrack
// entries, neighbour caches and TIME_WAIT sockets from one command to the next.

import { type Ip4, formatIp4, parseIp4 } from "../model/addr.js";
import type { World } from "../model/kernel.js";
import type { CapturedPacket, Step, Verdict } from "../model/trace.js";
import type { DnsMessage, DnsTypeName } from "../packet/dns.js";
import { resolverConfig, resolve } from "./apps/dns.js";
import type { HttpClientKind } from "./apps/http.js";
import { serverFor } from "./apps/servers.js";
import { classifySilence, type FlowRun, startPing, startTcp, startUdp } from "./clients.js";
import type { Event } from "./event-queue.js";
import { type Chooser, Network, SeededChooser, type Shift } from "./network.js";
import type { ReadLog } from "./reads.js";
import { SeededRandom } from "./rng.js";
import { sourceAddress } from "./routing.js";
import type { Sightings } from "./sightings.js";
import { setServerFactory } from "./sockets.js";

setServerFactory(serverFor);

export interface FlowInput {
  /** Namespace the client runs in. */
  from: string;
  /** A name (resolved by the source's resolver) or a dotted address. */
  to: string;
  port: number | null;
  protocol: "tcp" | "udp" | "icmp";
  client: HttpClientKind;
  /** Raw request bytes instead of the client's HTTP GET. */
  request?: string;
  /** The HTTP request path [/]. */
  path?: string;
  /** curl's User-Agent (the version of the curl in the image) [curl/7.88.1]. */
  userAgent?: string;
  /** Extra request headers (curl -H), and the method [GET]. */
  headers?: string[];
  method?: string;
  /** TCP: connect and close without sending anything (nc -z). */
  connectOnly?: boolean;
  /** UDP to port 53: one question, as dig asks it (no search list). */
  dnsQuestion?: { name: string; type: DnsTypeName; edns: { size: number; cookie: boolean } | null };
  /** ICMP: how many echo requests, one second apart [1], and the first sequence number [1] (busybox counts from 0). */
  pings?: number;
  firstSeq?: number;
  /** ICMP: look the first reply's source up in DNS (PTR), as iputils ping does when given a name. */
  reverseLookup?: boolean;
  /** The client gives up after this long (µs): curl -m, nc -w, wget -T. */
  clientTimeout?: number;
}

export interface FlowOptions {
  seed: number;
  chooser?: Chooser;
  /** Give up after this much simulated time (µs); TCP's SYN retries end at ~127 s. */
  limit?: number;
  /** false: the result's steps are only its drops and rejects (see Network.narrating). */
  narrate?: boolean;
}

/** What the client program saw, so a shell can print what curl, dig or ping print. */
export interface ClientView {
  /** When the program started and when it had its answer (µs since the epoch). */
  started: number;
  finished?: number;
  local?: { ip: Ip4; port: number };
  remote?: { ip: Ip4; port: number };
  connectedAt?: number;
  /** TCP: what the client wrote (the request). */
  sent?: Uint8Array[];
  /** TCP: the bytes the peer sent, in order. */
  received: Uint8Array[];
  /** Why connect() or a later read failed, as the program's errno. */
  error?: "ECONNREFUSED" | "EHOSTUNREACH" | "ENETUNREACH" | "ETIMEDOUT" | "ECONNRESET";
  /** UDP: the reply datagram's payload, with its source and size. */
  reply?: { from: Ip4; port: number; size: number; dns?: DnsMessage; data?: Uint8Array };
  /** ICMP: each echo sent, and the replies or errors that came back. */
  echoesSent: number;
  echoReplies: { seq: number; ttl: number; from: Ip4; bytes: number; rtt: number }[];
  echoErrors: { seq: number; from: Ip4; type: "dest-unreachable" | "time-exceeded"; code: number }[];
  /** The PTR name of the first reply's source (undefined: none; null: the lookup failed). */
  ptr?: string | null;
}

export interface FlowResult {
  verdict: Verdict;
  reason: string;
  resolved?: { name: string; addresses: Ip4[] };
  /** The TCP server that accepted the connection last (behind any proxy), and the peer its socket saw. */
  server?: { netns: string; ip: Ip4; port: number; peer?: { ip: Ip4; port: number } };
  /** UDP: the server socket that received the flow's datagram, and the source it saw. */
  datagram?: { netns: string; ip: Ip4; port: number; peer: { ip: Ip4; port: number }; packet: number };
  /** Simulated time from the client's start to its verdict (µs). */
  time: number;
  /** The flow's first packet and the first packet that came back (the narrative follows these). */
  keyPackets: { request?: number; reply?: number };
  packets: CapturedPacket[];
  /** A run nobody narrated has no packets, only where its IP packets were seen (until the client had its answer). */
  sightings?: Sightings;
  /** How many of `packets` had been captured when the client had its answer (a check judges these). */
  answered: number;
  steps: Step[];
  client: ClientView;
}

export function runFlow(world: World, input: FlowInput, options: FlowOptions): FlowResult {
  return runFlowOn(seededNetwork(world, options), input, options.limit === undefined ? {} : { limit: options.limit });
}

/** The fresh network `runFlow` simulates on: the seed gives the kernel's draws and, without a chooser, the statistic rules' coins. */
export function seededNetwork(world: World, options: FlowOptions): Network {
  const rng = new SeededRandom(options.seed);
  return new Network(world, rng.fork("kernel"), options.chooser ?? new SeededChooser(rng.fork("statistic")), options.narrate ?? true);
}

export interface SessionFlowOptions {
  limit?: number;
  /**
   * Stop once the client has its answer and the connection has wound down,
   * leaving later timers queued (a session runs them as its clock moves on).
   */
  settle?: boolean;
}

/** How long after the verdict a settling flow keeps running (the FIN exchange, last ACKs). */
const SETTLE = 2_000_000;

export function runFlowOn(net: Network, input: FlowInput, options: SessionFlowOptions = {}): FlowResult {
  return FlowSimulation.start(net, input, options).complete();
}

interface Outcome {
  verdict?: Verdict;
  reason?: string;
  resolved?: FlowResult["resolved"];
  at?: number;
  /** How many captures and sightings the network held when the verdict came. */
  seen?: { captures: number; sightings: number };
  /** No event gave the verdict: the run ended and the client's silence was classified. */
  classified?: boolean;
}

/** Where this flow's records begin in its network (a session's network holds earlier flows too). */
interface Start {
  captures: number;
  sightings: number;
  steps: number;
  accepted: number;
  datagrams: number;
  time: number;
}

/**
 * One flow being simulated. Most callers run it to the end (`complete`). A
 * check can stop it when its DNS lookup has answered (`lookUp`) and continue
 * copies of it from there with other choices (`fork`), instead of simulating
 * the same lookup again for every connection choice.
 */
export class FlowSimulation {
  private readonly run: FlowRun;
  /** The event that opens the connection once the lookup answered, and the address it will use. */
  private connect?: { event: Event; dst: Ip4 };
  private begun = false;

  private constructor(
    readonly net: Network,
    private readonly input: FlowInput,
    private readonly options: SessionFlowOptions,
    private readonly startAt: Start,
    private readonly outcome: Outcome,
    private readonly client: ClientView,
    keys: FlowResult["keyPackets"],
  ) {
    this.run = {
      net,
      input,
      keys,
      client,
      steps: () => net.steps.slice(startAt.steps),
      finish: (verdict, reason) => {
        if (outcome.verdict) return;
        outcome.verdict = verdict;
        outcome.reason = reason;
        outcome.at = net.now;
        outcome.seen = { captures: net.captures.length, sightings: net.sightings.length };
        client.finished = net.now;
      },
    };
  }

  static start(net: Network, input: FlowInput, options: SessionFlowOptions = {}): FlowSimulation {
    const start = { captures: net.captures.length, sightings: net.sightings.length, steps: net.steps.length, accepted: net.accepted.length, datagrams: net.datagrams.length, time: net.now };
    const client: ClientView = { started: net.now, received: [], echoesSent: 0, echoReplies: [], echoErrors: [] };
    const flow = new FlowSimulation(net, input, options, start, {}, client, {});
    const literal = parseIp4(input.to);
    if (literal !== undefined) flow.begin(literal);
    else flow.lookup();
    return flow;
  }

  private lookup(): void {
    const { net, input, outcome, run } = this;
    const conf = resolverConfig(net.ns(input.from));
    if (!conf) {
      run.finish("no-route", `${input.from} has no nameserver to resolve ${input.to}`);
      return;
    }
    const src = sourceAddress(net.ns(input.from), conf.nameserver) ?? 0;
    resolve(net, input.from, src, input.to, conf, (addresses, name) => {
      outcome.resolved = { name: name ?? input.to, addresses };
      const dst = addresses[0];
      if (dst === undefined) run.finish("no-route", `could not resolve ${input.to}`);
      else this.connect = { event: net.later(200, () => this.begin(dst)), dst };
    });
  }

  private begin(dst: Ip4): void {
    const { net, input, client, run } = this;
    this.begun = true;
    const src = sourceAddress(net.ns(input.from), dst);
    if (src === undefined) {
      net.step("drop", input.from, `no route to ${formatIp4(dst)} from ${input.from}`);
      client.error = "ENETUNREACH";
      client.remote = { ip: dst, port: input.port ?? 0 };
      run.finish("no-route", `${input.from} has no route to ${formatIp4(dst)}`);
      return;
    }
    if (input.protocol === "tcp") startTcp(run, src, dst);
    else if (input.protocol === "udp") startUdp(run, src, dst);
    else startPing(run, src, dst);
  }

  private get until(): number {
    return this.startAt.time + (this.options.limit ?? 150_000_000);
  }

  /** Runs until the DNS lookup has answered and the connection is about to open (or the flow ended); whether it can be forked now. */
  lookUp(): boolean {
    if (!this.begun) this.net.runUntil(this.until, () => this.connect === undefined && this.outcome.verdict === undefined);
    return this.connect !== undefined && !this.begun && this.outcome.verdict === undefined;
  }

  /**
   * A copy that continues from here on a forked network with `chooser`
   * deciding from now on; undefined when the network cannot be forked (see
   * Network.fork). Only a flow stopped by `lookUp` can be forked.
   */
  fork(chooser: Chooser): FlowSimulation | undefined {
    const connect = this.connect;
    if (!connect || this.begun || this.outcome.verdict !== undefined) return undefined;
    let copy: FlowSimulation | undefined;
    const net = this.net.fork(chooser, new Map([[connect.event, () => copy!.begin(connect.dst)]]));
    if (!net) return undefined;
    const c = this.client;
    const client: ClientView = { ...c, received: [...c.received], echoReplies: [...c.echoReplies], echoErrors: [...c.echoErrors], ...(c.sent ? { sent: [...c.sent] } : {}) };
    copy = new FlowSimulation(net, this.input, this.options, this.startAt, { ...this.outcome }, client, { ...this.run.keys });
    // The copy can be forked in turn: its own event opens its connection.
    copy.connect = { event: net.pending(connect.event.seq)!, dst: connect.dst };
    return copy;
  }

  /** What the lookup answered (a flow stopped by `lookUp` has it). */
  get resolved(): FlowResult["resolved"] {
    return this.outcome.resolved;
  }

  /**
   * When an event decided the verdict of a completed flow (undefined when
   * nothing did before the run ended, and the silence was classified).
   */
  get decidedAt(): number | undefined {
    return this.outcome.classified ? undefined : this.outcome.at;
  }

  /**
   * Whether this flow, stopped by `lookUp`, would go on exactly as `other`
   * (stopped there too, then completed while `reads` logged its reads, its
   * verdict decided at `otherDecidedAt`) went on, and how much later: the same
   * connection to open, the same client and records so far, the same moment
   * but for a shift (Network.shiftFrom) and the same runtime state wherever
   * `other` looked. Then the rest of this flow need not be simulated: it is
   * `other`'s, shifted. Undefined when that cannot be shown.
   */
  continuesAs(other: FlowSimulation, reads: ReadLog, otherDecidedAt: number | undefined): Shift | undefined {
    const mine = this.connect;
    const theirs = other.connect;
    if (!mine || !theirs || this.begun || this.outcome.verdict !== undefined) return undefined;
    if (mine.dst !== theirs.dst || this.input !== other.input) return undefined;
    const same = (x: unknown, y: unknown): boolean => JSON.stringify(x) === JSON.stringify(y);
    if (!same(this.options, other.options) || !same(this.startAt, other.startAt) || !same(this.client, other.client) || !same(this.run.keys, other.run.keys)) return undefined;
    if (!same(this.net.accepted.slice(this.startAt.accepted), other.net.accepted.slice(other.startAt.accepted))) return undefined;
    // What runs after `other`'s verdict does not matter: a run nobody narrates stops there.
    const horizon = other.net.narrating ? undefined : otherDecidedAt;
    const shift = this.net.shiftFrom(other.net, mine.event.seq, theirs.event.seq, horizon);
    if (!shift) return undefined;
    const moved = shift.time !== 0 || shift.packets !== 0;
    // Steps carry times and packet numbers; a shifted flow must have none so far (a lookup that dropped nothing).
    const steps = this.run.steps();
    if (moved ? steps.length > 0 || other.run.steps().length > 0 : !same(steps, other.run.steps())) return undefined;
    // The run stops at a fixed time: a later copy must still reach `other`'s verdict before it.
    if (shift.time !== 0 && (otherDecidedAt === undefined || otherDecidedAt + shift.time > this.until)) return undefined;
    return reads.agrees(this.net, other.net, shift.time) ? shift : undefined;
  }

  /**
   * Runs the flow to its end and says what happened. A run nobody narrates
   * stops when the client has its answer: what a check judges is decided by
   * then (the teardown after it is not judged, about a fifth of a check's
   * packets).
   */
  complete(): FlowResult {
    const { net, outcome, client, run, startAt: start } = this;
    if (this.options.settle) net.runUntil(this.until, (time) => outcome.at === undefined || time <= outcome.at + SETTLE);
    else if (!net.narrating) net.runUntil(this.until, () => outcome.verdict === undefined);
    else net.runUntil(this.until);
    if (!outcome.verdict) {
      run.finish(classifySilence(run.steps()), "no answer before the client gave up");
      outcome.classified = true;
    }
    const reply = run.tcp?.firstReceived;
    if (reply !== undefined) run.keys.reply ??= reply;
    const server = net.accepted.length > start.accepted ? net.accepted[net.accepted.length - 1] : undefined;
    const datagram = net.datagrams.slice(start.datagrams).reverse().find((d) => d.packet === run.keys.request);
    return {
      verdict: outcome.verdict!,
      reason: outcome.reason!,
      ...(outcome.resolved ? { resolved: outcome.resolved } : {}),
      ...(server ? { server } : {}),
      ...(datagram ? { datagram } : {}),
      time: (client.finished ?? net.now) - start.time,
      keyPackets: run.keys,
      packets: net.captures.slice(start.captures),
      answered: outcome.seen!.captures - start.captures,
      ...(net.narrating ? {} : { sightings: net.sightings.between(start.sightings, outcome.seen!.sightings) }),
      steps: run.steps(),
      client,
    };
  }
}
