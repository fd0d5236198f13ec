#!/usr/bin/env node
// Traces after load, in one process (what a shell session or a batch does):
// loads a cluster once, then traces N flows pod → ClusterIP → backend pod, each
// rendered as `trace` renders it (narrative with file:line:col provenance, and
// every interface's tcpdump lines). Prints one JSON line:
//   {"traces": N, "firstPass": {p50, p99, max, ms[]...}, "secondPass": {...}, "loadMs": ...}
// The first pass includes compiling every node a flow touches for the first
// time; the second pass repeats the same flows on the now compiled nodes.
//
//   node scripts/bench-trace.mjs FILE [COUNT] [SEED]      (BUILD_DIR selects the build, default dist)

import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

const dir = new URL(`../${process.env.BUILD_DIR ?? "dist"}/src/`, import.meta.url).href;
// V8 as the CLI sets it up (a shell session is this process); builds without it run as they did.
await import(`${dir}cli/v8-tuning.js`).catch(() => undefined);
const { loadCluster } = await import(`${dir}load/load-cluster.js`);
const { CompiledCluster } = await import(`${dir}compile/compiled-cluster.js`);
const { ClusterWorld } = await import(`${dir}compile/world.js`);
const { planFlow, toTrace } = await import(`${dir}cli/flow-plan.js`);
const { runFlow } = await import(`${dir}simulate/flow.js`);
const { renderNarrative } = await import(`${dir}render/trace-narrative.js`);
const { groupCaptures, printCapture } = await import(`${dir}render/capture-blocks.js`);
const { formatIp4 } = await import(`${dir}model/addr.js`);

const [file, countText = "200", seedText = "1"] = process.argv.slice(2);
if (!file) {
  console.error("usage: bench-trace.mjs FILE [COUNT] [SEED]");
  process.exit(2);
}

const started = performance.now();
const result = loadCluster(file, readFileSync(file));
if (!result.cluster) {
  console.error(`${file} does not load`);
  process.exit(1);
}
const cluster = result.cluster;
const loadMs = performance.now() - started;

// Deterministic choice of flows: a source pod with its own namespace, to a service with endpoints.
let state = Number(seedText) >>> 0;
const random = (n) => {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  return state % n;
};
const pods = cluster.pods.filter((p) => !p.hostNetwork);
const services = cluster.services.filter((s) => s.clusterIP !== null && s.ports.some((p) => p.protocol === "TCP" && p.endpoints.length > 0));
const flows = Array.from({ length: Number(countText) }, () => {
  const pod = pods[random(pods.length)];
  const svc = services[random(services.length)];
  const port = svc.ports.find((p) => p.protocol === "TCP" && p.endpoints.length > 0);
  return { src: `${pod.namespace}/${pod.name}`, dst: `${formatIp4(svc.clusterIP)}:${port.port}` };
});

const world = new ClusterWorld(new CompiledCluster(cluster));
const plain = (s) => s;
const paint = { chalk: undefined, error: plain, warning: plain, hint: plain, dim: plain, bold: plain };
const locate = (at) => {
  const loc = cluster.source.locate(at, "key");
  return loc ? `${loc.file}:${loc.line}:${loc.col}` : undefined;
};

/** One `trace SRC DST`, rendered as text; returns its verdict. */
function trace(flow) {
  const { target, input } = planFlow(cluster, flow.src, flow.dst, {});
  const r = runFlow(world, input, { seed: 1 });
  const t = toTrace(cluster, target, r);
  let text = renderNarrative(t, { fromLabel: target.fromLabel, toLabel: target.toLabel, keyPackets: r.keyPackets }, { paint, locate });
  for (const view of groupCaptures(t.packets)) text += printCapture(view, { tcpdump: { numeric: false, linkHeader: false, verbose: 0, timestamps: "time" }, netns: (id) => world.netns(id) }).lines;
  if (text.length === 0) throw new Error("no output");
  return t.verdict;
}

function pass() {
  const ms = [];
  const verdicts = {};
  for (const flow of flows) {
    const t0 = performance.now();
    const verdict = trace(flow);
    ms.push(performance.now() - t0);
    verdicts[verdict] = (verdicts[verdict] ?? 0) + 1;
  }
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1], totalMs: ms.reduce((a, b) => a + b, 0), verdicts };
}

const firstPass = pass();
const secondPass = pass();
const round = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === "number" ? Math.round(v * 100) / 100 : v]));
console.log(JSON.stringify({ file, traces: flows.length, loadMs: Math.round(loadMs), firstPass: round(firstPass), secondPass: round(secondPass) }));
