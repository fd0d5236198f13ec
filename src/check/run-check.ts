// A check runs over every path the `statistic` rules allow (DNS replica and
// backend choices alike, see enumerate.ts), never just the seeded one: it
// passes only when every path passes, and a path set cut short by the limit
// cannot pass.

import type { Location } from "../model/diagnostics.js";
import type { World } from "../model/kernel.js";
import type { Trace } from "../model/trace.js";
import type { FlowInput, FlowResult } from "../simulate/flow.js";
import { type Enumeration, enumeratePaths, forgetRecord } from "./enumerate.js";
import { judge, type Miss, type Observation, type ResolvedCheck } from "./judge.js";

/** One simulated run and the paths it stands for (more than one when a DNS lookup's choices were factored out). */
export interface PathOutcome {
  /** 1-based, in enumeration order. */
  index: number;
  /** Total probability of the paths this run stands for. */
  probability: number;
  paths: number;
  result: FlowResult;
  trace: Trace;
  observed: Observation;
  misses: Miss[];
  /** Drops the trace (and the captures and steps behind it) a report built; reading it again simulates the path again. */
  forget(): void;
}

/** Labels for the narrative, as `trace` prints them. */
export interface FlowLabels {
  from: string;
  to: string;
  note?: string;
}

export interface CheckOutcome {
  resolved: ResolvedCheck;
  labels: FlowLabels;
  input: FlowInput;
  paths: PathOutcome[];
  /** More paths exist than `limit` allowed to explore. */
  truncated: boolean;
  limit: number;
  passed: boolean;
  /** Longest simulated wait of the client over all paths (µs). */
  time: number;
}

export interface RunOptions {
  seed: number;
  limit: number;
  toTrace(result: FlowResult): Trace;
  cache?: Map<string, Enumeration>;
}

export function runCheck(world: World, resolved: ResolvedCheck, input: FlowInput, labels: FlowLabels, options: RunOptions): CheckOutcome {
  // Checks that differ only in what they expect share one enumeration (the simulation is deterministic).
  const key = enumerationKey(input, options.seed, options.limit);
  const all = options.cache?.get(key) ?? enumeratePaths(world, input, options.seed, options.limit);
  options.cache?.set(key, all);
  const paths = all.runs.map((r, i): PathOutcome => {
    let trace: Trace | undefined;
    // Built only when a report prints it: most passing runs are never shown.
    return {
      index: i + 1,
      probability: r.probability,
      paths: r.paths,
      result: r.result,
      get trace() {
        return (trace ??= options.toTrace(r.result));
      },
      forget() {
        trace = undefined;
        forgetRecord(r.result);
      },
      observed: r.observed,
      misses: judge(resolved, r.observed),
    };
  });
  const passed = !all.truncated && paths.every((p) => p.misses.length === 0);
  const time = paths.reduce((t, p) => Math.max(t, p.result.time), 0);
  return { resolved, labels, input, paths, truncated: all.truncated, limit: options.limit, passed, time };
}

export function enumerationKey(input: FlowInput, seed: number, limit: number): string {
  return JSON.stringify([input, seed, limit]);
}

export function failingPaths(o: CheckOutcome): PathOutcome[] {
  return o.paths.filter((p) => p.misses.length > 0);
}

/** Paths (not runs) in total, and how many of them fail. */
export function pathTotals(o: CheckOutcome): { total: number; failing: number } {
  const total = o.paths.reduce((n, p) => n + p.paths, 0);
  return { total, failing: failingPaths(o).reduce((n, p) => n + p.paths, 0) };
}

/** One expectations file's checks, in file order, with where each check is written. */
export interface SuiteReport {
  file: string;
  checks: { outcome: CheckOutcome; location?: Location }[];
}

export function countResults(suites: readonly SuiteReport[]): { passed: number; failed: number } {
  const all = suites.flatMap((s) => s.checks);
  const passed = all.filter((c) => c.outcome.passed).length;
  return { passed, failed: all.length - passed };
}
