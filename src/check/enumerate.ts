// Every path a flow can take through the `statistic` rules, enumerated without
// simulating the product of independent choices.
//
// A flow to a service by name makes two kinds of choice: the DNS lookup's
// (which CoreDNS replica KUBE-SVC picks for the resolver's UDP socket) and the
// connection's (which backend). They are made for different conntrack entries
// and cannot see each other, so 15 replicas × 15 backends is 225 paths but
// needs 29 runs: every DNS choice with the connection's first choice, and
// every connection choice behind the first DNS choice. The assumption is
// checked, not trusted: a DNS choice whose run differs from its group's
// representative in anything a check judges (verdict, server, source seen,
// capture points) gets all its connection choices simulated too.
//
// Most DNS choices' own runs repeat the first run's connection exactly: the
// replica that answered leaves state the connection never looks at. Such a
// run's connection is taken from the first run's instead of simulated, when
// that is provable: the network, where its lookup answered, agrees with the
// first run's in the generator and the schedule until the first run's
// verdict, and at every key of runtime state the first run's connection read
// (FlowSimulation.continuesAs, simulate/reads.ts). A lookup that took longer
// or sent more packets (a replica on the client's own node answers sooner)
// gives the same connection shifted: its times and packet numbers move by
// the difference.

import type { World } from "../model/kernel.js";
import { type FlowInput, type FlowResult, FlowSimulation, runFlow, seededNetwork } from "../simulate/flow.js";
import type { Chooser, Shift } from "../simulate/network.js";
import { ReadLog } from "../simulate/reads.js";
import { type Observation, observe } from "./judge.js";

interface Made {
  choice: boolean;
  probability: number;
  packet: number;
}

class RecordingChooser implements Chooser {
  readonly made: Made[];
  /** `made`: the choices a forked network's flow made before this chooser took over. */
  constructor(private readonly script: readonly boolean[], made: readonly Made[] = []) {
    this.made = [...made];
  }
  decide(probability: number, _where: string, packet = 0): boolean {
    // Outcomes that cannot happen (p = 0 or 1) are not branches.
    const choice = probability >= 1 ? true : probability <= 0 ? false : (this.script[this.made.length] ?? true);
    this.made.push({ choice, probability, packet });
    return choice;
  }
}

export interface Run {
  /** The result; its captures and steps are simulated again on first read (see withoutRecord). */
  result: FlowResult;
  /** The same without captures and steps: plain data, what another thread sends. */
  summary: FlowSummary;
  observed: Observation;
  made: Made[];
  /** How many of `made` the DNS lookup made (they come before the connection's first packet). */
  dnsChoices: number;
  /** The combined paths this run stands for, and their total probability. */
  paths: number;
  probability: number;
}

export interface Enumeration {
  runs: Run[];
  /** More runs were needed than the limit allowed. */
  truncated: boolean;
}

/** What a suite keeps of each run: no captures, steps or client view (a report that reads them simulates the run again). */
export type FlowSummary = Omit<FlowResult, "packets" | "steps" | "sightings" | "client">;

/** An enumeration as plain data (structured-clonable), for a worker thread to send back. */
export interface EnumerationData {
  runs: Omit<Run, "result">[];
  truncated: boolean;
}

export function enumerationData(e: Enumeration): EnumerationData {
  return { runs: e.runs.map(({ result: _lazy, ...plain }) => plain), truncated: e.truncated };
}

/** An enumeration another thread made: each run's records are simulated here, from its choices, when read. */
export function enumerationFrom(world: World, input: FlowInput, seed: number, data: EnumerationData): Enumeration {
  const runs = data.runs.map((r): Run => ({ ...r, result: withoutRecord(r.summary, () => rerun(world, input, seed, r.made.map((m) => m.choice), r.observed)) }));
  return { runs, truncated: data.truncated };
}

const weight = (made: readonly Made[]): number => made.reduce((p, m) => p * (m.choice ? m.probability : 1 - m.probability), 1);

/** The next unexplored branch among choices [from, to): flip the last "match" that could have gone the other way. */
function next(made: readonly Made[], from: number, to: number): boolean[] | undefined {
  for (let i = to - 1; i >= from; i--) {
    const m = made[i]!;
    if (m.choice && m.probability < 1) return [...made.slice(0, i).map((x) => x.choice), false];
  }
  return undefined;
}

/** What a check can see of a run; two runs with the same key are interchangeable for judging. */
function judgedKey(o: Observation): string {
  return JSON.stringify([o.verdict, o.server ?? null, o.sourceSeen ?? null, o.clientSource ?? null, [...o.points].sort()]);
}

export interface EnumerateOptions {
  /**
   * Take a DNS choice's connection from the first run's when it provably goes
   * the same way (see FlowSimulation.continuesAs) instead of simulating it
   * [true]; tests compare with false.
   */
  reuse?: boolean;
}

export function enumeratePaths(world: World, input: FlowInput, seed: number, limit: number, options: EnumerateOptions = {}): Enumeration {
  const runs: Run[] = [];
  let truncated = false;
  // The first run's lookup, kept where it answered: the connection choices behind it fork from there,
  // and the other DNS choices' connections may be the same as its own (`reads`: what that one read).
  let firstLookup: (LookedUp & { reads: ReadLog | undefined; decidedAt?: number }) | undefined;
  const simulate = (script: readonly boolean[], after?: LookedUp): Run | undefined => {
    if (runs.length >= limit) {
      truncated = true;
      return undefined;
    }
    // Behind a lookup, a fork of it continues with the connection's choices; otherwise the flow starts from scratch.
    const behind = after && new RecordingChooser(script, after.made);
    const forked = behind && after.flow.fork(behind);
    const chooser = forked ? behind : new RecordingChooser(script);
    const flow = forked || judgedFlow(world, input, seed, chooser);
    let reads: ReadLog | undefined;
    if (runs.length === 0 && flow.lookUp()) {
      const kept = flow.fork(new RecordingChooser([]));
      if (kept) {
        reads = options.reuse === false ? undefined : new ReadLog();
        flow.net.watch(reads);
        firstLookup = { flow: kept, made: [...chooser.made], reads };
      }
    } else if (!after && firstLookup?.reads && flow.lookUp() && script.length <= chooser.made.length) {
      const shift = flow.continuesAs(firstLookup.flow, firstLookup.reads, firstLookup.decidedAt);
      if (shift) {
        const run = repeating(runs[0]!, firstLookup.made.length, chooser.made, flow.resolved, shift);
        runs.push(run);
        return run;
      }
    }
    // Judged by its observation; the steps come back with the records when a report prints them.
    const result = flow.complete();
    if (reads) {
      flow.net.watch(undefined);
      firstLookup!.decidedAt = flow.decidedAt;
    }
    const observed = observe(result);
    const run = recorded(chooser.made, summaryOf(result), observed);
    runs.push(run);
    return run;
  };
  /** A run judged by `observed`; its record is simulated again from its choices when read. */
  const recorded = (made: Made[], summary: FlowSummary, observed: Observation): Run => {
    const request = summary.keyPackets.request ?? Infinity;
    const dns = made.findIndex((m) => m.packet >= request);
    const replay = made.map((m) => m.choice);
    return { result: withoutRecord(summary, () => rerun(world, input, seed, replay, observed)), summary, observed, made, dnsChoices: dns < 0 ? made.length : dns, paths: 0, probability: 0 };
  };
  /**
   * A DNS choice whose connection goes exactly as the first run's did, `shift` later: its own
   * lookup's choices and answer, then the first run's connection (its choices, verdict, server,
   * times and packet numbers, moved by the shift).
   */
  const repeating = (first: Run, firstLookupChoices: number, lookupMade: readonly Made[], resolved: FlowResult["resolved"], shift: Shift): Run => {
    const later = (packet: number): number => packet + shift.packets;
    const made = first.made.slice(firstLookupChoices).map((m) => (shift.packets === 0 ? m : { ...m, packet: later(m.packet) }));
    const { keyPackets, datagram } = first.summary;
    const summary: FlowSummary = {
      ...first.summary,
      ...(resolved ? { resolved } : {}),
      time: first.summary.time + shift.time,
      keyPackets: { ...(keyPackets.request !== undefined ? { request: later(keyPackets.request) } : {}), ...(keyPackets.reply !== undefined ? { reply: later(keyPackets.reply) } : {}) },
      ...(datagram ? { datagram: { ...datagram, packet: later(datagram.packet) } } : {}),
    };
    return recorded([...lookupMade, ...made], summary, first.observed);
  };
  // 1. Every DNS choice, the connection at its first choice.
  const lookups: Run[] = [];
  for (let script: boolean[] | undefined = []; script; ) {
    const run = simulate(script);
    if (!run) break;
    lookups.push(run);
    script = next(run.made, 0, run.dnsChoices);
  }
  // 2. Behind one representative per kind of lookup outcome, every connection choice.
  const groups: { rep: Run; key: string; members: Run[] }[] = [];
  for (const run of lookups) {
    const key = judgedKey(run.observed);
    const group = groups.find((g) => g.key === key && g.rep.result.resolved?.name === run.result.resolved?.name);
    if (group) group.members.push(run);
    else groups.push({ rep: run, key, members: [run] });
  }
  for (const { rep, members } of groups) {
    const connections: Run[] = [rep];
    const lookup = rep === runs[0] && firstLookup?.made.length === rep.dnsChoices ? firstLookup : lookedUp(world, input, seed, rep.made.slice(0, rep.dnsChoices));
    for (let script = next(rep.made, rep.dnsChoices, rep.made.length); script; ) {
      const run = simulate(script, lookup);
      if (!run) break;
      connections.push(run);
      script = next(run.made, rep.dnsChoices, run.made.length);
    }
    // Path (lookup d, connection c) is judged by the run that simulated c behind the representative,
    // except (d, first connection choice), which d's own run simulated.
    for (const d of members) {
      const pd = weight(d.made.slice(0, d.dnsChoices));
      for (const c of connections) {
        const judge = c === rep ? d : c;
        judge.paths++;
        judge.probability += pd * weight(c.made.slice(rep.dnsChoices));
      }
    }
  }
  // Each run's record is simulated again through a closure made here, and a closure keeps this whole scope:
  // without this, every check's result would hold on to the forked network of its first lookup.
  firstLookup = undefined;
  return { runs, truncated };
}

/** A flow from the start on a fresh network nobody narrates (see Network.narrating). */
function judgedFlow(world: World, input: FlowInput, seed: number, chooser: Chooser): FlowSimulation {
  return FlowSimulation.start(seededNetwork(world, { seed, chooser, narrate: false }), input);
}

/** A flow stopped where its DNS lookup answered, and the choices the lookup made. */
interface LookedUp {
  flow: FlowSimulation;
  made: readonly Made[];
}

/**
 * The lookup a group's connection choices share, simulated once: each choice
 * continues a fork of it (the same as simulating from the start, which a
 * test holds it to). Undefined when there is no lookup or it cannot be forked.
 */
function lookedUp(world: World, input: FlowInput, seed: number, choices: readonly Made[]): LookedUp | undefined {
  const chooser = new RecordingChooser(choices.map((m) => m.choice));
  const flow = judgedFlow(world, input, seed, chooser);
  if (!flow.lookUp() || chooser.made.length !== choices.length) return undefined;
  return { flow, made: chooser.made };
}

/**
 * The run's result without its captures, steps and client view, which come back on first
 * read by simulating the same choices again. A suite judges thousands of runs
 * from their observations and prints few of them: holding every run's packets
 * cost half a megabyte each, and the garbage collector's time with it.
 */
function withoutRecord(summary: FlowSummary, again: () => FlowResult): FlowResult {
  // The getters live on a shared prototype: defining them on each result made building it slow.
  const result = Object.assign(Object.create(RECORDED) as FlowResult, summary);
  records.set(result, { again, full: undefined });
  return result;
}

/** How each result of withoutRecord gets its record back, and the record while a report reads it. */
const records = new WeakMap<FlowResult, { again: () => FlowResult; full: FlowResult | undefined }>();

function recordOf(result: FlowResult): FlowResult {
  const r = records.get(result)!;
  return (r.full ??= r.again());
}

const RECORDED = Object.freeze(
  Object.create(Object.prototype, {
    packets: { get(this: FlowResult) { return recordOf(this).packets; } },
    steps: { get(this: FlowResult) { return recordOf(this).steps; } },
    client: { get(this: FlowResult) { return recordOf(this).client; } },
  }),
);

/**
 * Drops the captures and steps a report made a run simulate again; reading them later simulates
 * it once more. A report written piece by piece (check -o json) keeps one check's at a time.
 */
export function forgetRecord(result: FlowResult): void {
  const r = records.get(result);
  if (r) r.full = undefined;
}

function summaryOf(result: FlowResult): FlowSummary {
  const { packets: _packets, steps: _steps, sightings: _sightings, client: _client, ...rest } = result;
  return rest;
}

/** The same run again (the simulation is deterministic given the seed and the choices); a different outcome is a bug. */
function rerun(world: World, input: FlowInput, seed: number, script: readonly boolean[], expected: Observation): FlowResult {
  const result = runFlow(world, input, { seed, chooser: new RecordingChooser(script) });
  const again = observe(result);
  if (judgedKey(again) !== judgedKey(expected)) {
    throw new Error(`internal: simulating the same path twice gave different results (${judgedKey(expected)} then ${judgedKey(again)})`);
  }
  return result;
}
