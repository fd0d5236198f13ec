// A suite's flows enumerated on every core. Each flow's enumeration is
// independent and deterministic, so threads can share them out: every thread
// (this one included) takes the next flow from a shared counter until none is
// left, and a worker sends back each enumeration as plain data. Which thread
// made an enumeration never shows: the report is assembled in check order from
// the same data, and a path's records are simulated again here when a report
// prints them (enumerate.ts checks that the outcome agrees).

import { Worker } from "node:worker_threads";
import { type Enumeration, enumerationFrom, enumeratePaths, type EnumerationData } from "../check/enumerate.js";
import { enumerationKey } from "../check/run-check.js";
import type { Cluster } from "../model/cluster.js";
import type { World } from "../model/kernel.js";
import type { Context } from "./context.js";
import type { FlowInput } from "../simulate/flow.js";

/**
 * A worker needs a few hundred milliseconds to load and compile before it
 * helps, more than a small suite takes: each thread, this one included,
 * should have at least this many distinct flows. Tests lower it.
 */
export const POOL = {
  /**
   * Without K8S_NETTRACE_THREADS, workers start only on this many cores or
   * more: one thread already keeps about 1.3 cores busy (V8 collects garbage
   * and compiles on helper threads), and on a 2-vCPU machine two threads took
   * as long as one, with a third more CPU time.
   */
  minCores: 4,
  minFlowsPerThread: 16,
  /** Whether this thread takes flows too (tests turn it off, so that every flow crosses threads). */
  thisThreadTakes: true,
};

/** As many threads as K8S_NETTRACE_THREADS says (1: this thread alone), else the machine's cores from POOL.minCores on. */
export function threadsFor(ctx: Context): number {
  const wanted = ctx.env.K8S_NETTRACE_THREADS;
  if (wanted !== undefined && /^[1-9]\d*$/.test(wanted)) return Number(wanted);
  const cores = ctx.threads ?? 1;
  return cores >= POOL.minCores ? cores : 1;
}

/** What a worker is given (structured-cloned): the cluster without its source file, and the flows. */
export interface PoolJob {
  cluster: Omit<Cluster, "source">;
  inputs: FlowInput[];
  seed: number;
  limit: number;
  /** One Int32: the index of the next flow nobody has taken. */
  next: SharedArrayBuffer;
}

/** A flow's enumeration, from a worker. One that threw is not sent: the main thread meets the error itself. */
export interface PoolMessage {
  index: number;
  data: EnumerationData;
}

/**
 * The suite's enumerations made ahead, keyed as runCheck's cache is (checks
 * with the same flow share one). With one thread, or few flows, it is empty
 * and runCheck enumerates each flow when its check comes.
 */
export async function enumerateSuite(cluster: Cluster, world: World, inputs: readonly FlowInput[], options: { seed: number; limit: number; threads: number }): Promise<Map<string, Enumeration>> {
  const unique = new Map<string, FlowInput>();
  for (const input of inputs) unique.set(enumerationKey(input, options.seed, options.limit), input);
  const cache = new Map<string, Enumeration>();
  if (options.threads < 2) return cache;
  const found = await enumerateInParallel(cluster, world, [...unique.values()], options.seed, options.limit, options.threads);
  let i = 0;
  for (const key of unique.keys()) {
    const enumeration = found[i++];
    if (enumeration) cache.set(key, enumeration);
  }
  return cache;
}

/**
 * Every flow's enumeration, by position in `inputs`. A flow a worker could not
 * enumerate (it threw, or the worker died) is left out: the caller enumerates
 * it itself and meets the same error the way a single thread would.
 */
async function enumerateInParallel(cluster: Cluster, world: World, inputs: FlowInput[], seed: number, limit: number, threads: number): Promise<(Enumeration | undefined)[]> {
  const found: (Enumeration | undefined)[] = new Array(inputs.length).fill(undefined);
  // This thread takes flows too: k workers help when each of the k + 1 threads gets enough.
  const workers = Math.min(threads - 1, Math.floor(inputs.length / POOL.minFlowsPerThread) - 1);
  if (workers < 1) return found;
  const next = new SharedArrayBuffer(4);
  const counter = new Int32Array(next);
  const { source: _source, ...plain } = cluster;
  const job: PoolJob = { cluster: plain, inputs, seed, limit, next };
  const pool = Array.from({ length: workers }, () => new Worker(new URL("./check-worker.js", import.meta.url), { workerData: job }));
  try {
    const received = pool.map((w) => collect(w, (m) => (found[m.index] = enumerationFrom(world, inputs[m.index]!, seed, m.data))));
    if (POOL.thisThreadTakes) {
      for (let i = Atomics.add(counter, 0, 1); i < inputs.length; i = Atomics.add(counter, 0, 1)) found[i] = enumeratePaths(world, inputs[i]!, seed, limit);
    }
    await Promise.all(received);
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return found;
}

/** Resolves when the worker has finished (or failed: its flows are then missing from the results). */
function collect(worker: Worker, onMessage: (m: PoolMessage) => void): Promise<void> {
  return new Promise((resolve) => {
    worker.on("message", onMessage);
    worker.on("error", () => resolve());
    worker.on("exit", () => resolve());
  });
}
