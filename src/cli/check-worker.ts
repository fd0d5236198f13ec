// A worker thread of check-pool.ts: compiles the cluster it was given (nodes
// on first use, as the main thread does) and enumerates flows from the shared
// counter until none is left.

import { parentPort, workerData } from "node:worker_threads";
import { enumerationData, enumeratePaths } from "../check/enumerate.js";
import { CompiledCluster } from "../compile/compiled-cluster.js";
import { ClusterWorld } from "../compile/world.js";
import type { Cluster } from "../model/cluster.js";
import type { PoolJob, PoolMessage } from "./check-pool.js";

const job = workerData as PoolJob;
// Positions are only looked up to print messages, and the main thread prints them all.
const cluster: Cluster = { ...job.cluster, source: { name: "", locate: () => undefined, lineText: () => undefined } };
const world = new ClusterWorld(new CompiledCluster(cluster));
const counter = new Int32Array(job.next);
for (let i = Atomics.add(counter, 0, 1); i < job.inputs.length; i = Atomics.add(counter, 0, 1)) {
  let message: PoolMessage;
  try {
    message = { index: i, data: enumerationData(enumeratePaths(world, job.inputs[i]!, job.seed, job.limit)) };
  } catch {
    // Left to the main thread, which enumerates the flow again and reports the error as a single thread would.
    continue;
  }
  parentPort!.postMessage(message);
}
