#!/usr/bin/env node
// `npm run bench`: the scale benchmark of issue 7. Generates the S, M and L
// clusters (cached in .bench/clusters, regenerated when the generator
// changes), runs each scenario several times as a whole process, as a user
// runs it, and prints min/median/max wall time and peak RSS against the
// targets; then traces after load (one process, many flows), memory per
// node, and our iptables-save next to the real iptables-legacy-save and
// iptables-nft-save of the same rules, with the round-trip check. Results are
// written as JSON to compare across commits (--compare FILE prints the change).
//
//   node scripts/bench.mjs [--sizes S,M,L] [--runs N] [--out FILE] [--no-peer] [--quick] [--compare FILE]
//
// Peak RSS is getrusage's ru_maxrss of the measured process, written at exit
// by a preload (scripts/bench-rss.mjs). BUILD_DIR selects the build (dist).

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BUILD = process.env.BUILD_DIR ?? "dist";
const CLI = join(ROOT, BUILD, "src/cli/node-main.js");
const RSS_PRELOAD = new URL("./bench-rss.mjs", import.meta.url).href;

const { values: opts } = parseArgs({
  options: {
    sizes: { type: "string", default: "S,M,L" },
    runs: { type: "string", default: "5" },
    out: { type: "string" },
    "no-peer": { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
    compare: { type: "string" },
    cache: { type: "string", default: join(ROOT, ".bench", "clusters") },
  },
});
const sizes = opts.sizes.split(",").map((s) => s.trim().toUpperCase());
const runs = opts.quick ? 1 : Number(opts.runs);
const dir = new URL(`../${BUILD}/src/`, import.meta.url).href;
const { SIZES } = await import(`${dir}generate/shape.js`);
const { describe } = await import(`${dir}generate/plan.js`);

// ---- the clusters ------------------------------------------------------------

const SHAPES = { ...SIZES, "L-half": { ...SIZES.L, nodes: SIZES.L.nodes / 2, podsPerNode: SIZES.L.podsPerNode * 2 } };

/** The generator's build, hashed: cached files are regenerated when it changes. */
function generatorStamp() {
  const h = createHash("sha256");
  const gen = join(ROOT, BUILD, "src/generate");
  for (const f of readdirSync(gen).filter((f) => f.endsWith(".js")).sort()) h.update(readFileSync(join(gen, f)));
  return h.digest("hex").slice(0, 16);
}

function cluster(name, format) {
  mkdirSync(opts.cache, { recursive: true });
  const file = join(opts.cache, `${name}.${format}`);
  const stamp = generatorStamp();
  if (existsSync(file) && existsSync(`${file}.stamp`) && readFileSync(`${file}.stamp`, "utf8") === stamp) return file;
  const s = SHAPES[name];
  const flags = ["--nodes", s.nodes, "--pods-per-node", s.podsPerNode, "--services", s.services, "--endpoints", s.endpoints].map(String);
  const r = spawnSync(process.execPath, [CLI, "generate", ...flags, "--format", format, "-o", file], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`generate ${name}: ${r.stderr}`);
  writeFileSync(`${file}.stamp`, stamp);
  process.stderr.write(`  ${r.stderr.trim()}\n`);
  return file;
}

const nodeName = (size, i) => `node-${String(i).padStart(String(SHAPES[size].nodes - 1).length, "0")}`;

/** pod → ClusterIP → remote pod: the first app pod of node 0, to the last service (its backends are on other nodes). */
function traceFlow(size) {
  const s = SHAPES[size];
  let pod;
  let k = 0;
  for (const p of describe(s).pods()) if (k++ === s.nodes) pod = p;
  const services = [...describe(s).services()];
  const last = services[services.length - 1];
  // ClusterIPs go in order from .2 (app-1 is .2); .1 is default/kubernetes and .10 is pinned to kube-dns.
  const a = services.length - 1;
  const offset = a + 1 < 10 ? a + 1 : a + 2;
  const ip = 0x0a600000 + offset;
  const address = [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join(".");
  return { src: `${pod.namespace}/${pod.name}`, dst: `${address}:80`, label: `ClusterIP of service ${last.namespace}/${last.name}` };
}

// ---- running ---------------------------------------------------------------

const work = mkdtempSync(join(tmpdir(), "k8s-nettrace-bench-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));
let serial = 0;

/** One whole CLI process: wall time (ms), CPU time of all its threads (ms) and peak RSS (KiB). */
function runCli(argv, check) {
  const rssFile = join(work, `rss-${serial++}`);
  const capture = check !== undefined;
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ["--import", RSS_PRELOAD, CLI, ...argv], {
    stdio: ["ignore", capture ? "pipe" : openSync("/dev/null", "w"), "pipe"],
    env: { ...process.env, BENCH_RSS_FILE: rssFile, NO_COLOR: "1" },
    maxBuffer: 1 << 26,
    encoding: "utf8",
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`k8s-nettrace ${argv.join(" ")} exited ${r.status}: ${r.stderr}`);
  if (check) check(r.stdout);
  const [rssKB, cpuMs] = readFileSync(rssFile, "utf8").split(" ").map(Number);
  return { ms, cpuMs, rssKB };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const GB = 1024 * 1024;

function scenarios() {
  const list = [];
  for (const size of sizes) {
    const node = nodeName(size, 1);
    for (const format of ["yaml", "json"]) {
      const target = size === "L" ? (format === "json" ? { ms: 6000, rssKB: GB } : { ms: 10000 }) : size === "M" && format === "yaml" ? { ms: 1000 } : undefined;
      list.push({ name: `exec ${size} ${format}: iptables-save`, argv: () => ["exec", "-f", cluster(size, format), node, "--", "iptables-save"], target });
    }
    const flow = traceFlow(size);
    list.push({
      name: `trace ${size} json: pod → ClusterIP → remote pod`,
      argv: () => ["trace", "-f", cluster(size, "json"), flow.src, flow.dst],
      check: (out) => {
        if (!out.includes(flow.label) || !/^verdict delivered/m.test(out)) throw new Error(`the trace did not deliver to ${flow.label}:\n${out.slice(0, 400)}`);
      },
      target: size === "L" ? { ms: 7000 } : undefined,
    });
  }
  if (sizes.includes("S")) {
    // Issue 6: a 200-check CI suite on the 100-node cluster, every load-balancing path judged.
    list.push({
      name: "check S yaml: 200-check suite (every path)",
      argv: () => {
        const suite = join(work, "s.expect.yaml");
        const r = spawnSync(process.execPath, [join(ROOT, "scripts", "bench-check-suite.mjs"), cluster("S", "yaml"), "-o", suite], { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`bench-check-suite: ${r.stderr}`);
        return ["check", suite, "-f", cluster("S", "yaml")];
      },
      check: (out) => {
        if (!/^200 passed, 0 failed$/m.test(out)) throw new Error(`the suite did not pass:\n${out.slice(-400)}`);
      },
      target: { ms: 2000 },
    });
  }
  return list;
}

function child(script, args) {
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", script), ...args], { encoding: "utf8", env: { ...process.env, BUILD_DIR: BUILD }, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${script}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

// ---- the run -----------------------------------------------------------------

const fmtMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`);
const fmtMB = (kb) => `${Math.round(kb / 1024)} MB`;
const loadBefore = loadavg()[0];
process.stderr.write(`k8s-nettrace bench (${BUILD}): ${cpus().length} CPUs, load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}\n`);

const results = [];
for (const s of scenarios()) {
  const argv = s.argv();
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(runCli(argv, s.check));
  const ms = samples.map((x) => x.ms);
  const r = { name: s.name, argv, runs: samples, minMs: Math.min(...ms), medianMs: median(ms), maxMs: Math.max(...ms), medianCpuMs: median(samples.map((x) => x.cpuMs)), peakRssKB: Math.max(...samples.map((x) => x.rssKB)), target: s.target ?? null };
  r.meets = s.target ? r.medianMs <= s.target.ms && (s.target.rssKB === undefined || r.peakRssKB <= s.target.rssKB) : null;
  results.push(r);
  process.stderr.write(`  ${s.name}: ${fmtMs(r.minMs)} / ${fmtMs(r.medianMs)} / ${fmtMs(r.maxMs)}, CPU ${fmtMs(r.medianCpuMs)}, ${fmtMB(r.peakRssKB)}\n`);
}

const extra = {};
if (sizes.includes("L") && !opts.quick) {
  process.stderr.write("  traces after load (one process, 200 flows)...\n");
  extra.traceBatch = child("bench-trace.mjs", [cluster("L", "json"), "200"]);
  process.stderr.write("  memory per node (L against the same pods on half the nodes)...\n");
  extra.memory = child("bench-memory.mjs", [cluster("L", "json"), cluster("L-half", "json"), nodeName("L", 1)]);
}
if (!opts["no-peer"] && !opts.quick) {
  const size = sizes.includes("L") ? "L" : sizes[sizes.length - 1];
  process.stderr.write(`  iptables-save side by side on ${size} (real restores take minutes at L)...\n`);
  extra.peer = child("bench-peer.mjs", [cluster(size, "json"), nodeName(size, 1), String(Math.min(runs, 3))]);
  extra.peer.size = size;
}

// ---- report ------------------------------------------------------------------

// CPU is every thread's (median): on a shared machine it varies less with the neighbours than wall time.
const rows = [["scenario", "min", "median", "max", "CPU", "peak RSS", "target", ""]];
for (const r of results) {
  const target = r.target ? `≤ ${fmtMs(r.target.ms)}${r.target.rssKB ? `, ≤ ${fmtMB(r.target.rssKB)}` : ""}` : "";
  rows.push([r.name, fmtMs(r.minMs), fmtMs(r.medianMs), fmtMs(r.maxMs), fmtMs(r.medianCpuMs), fmtMB(r.peakRssKB), target, r.meets === null ? "" : r.meets ? "meets" : "MISSES"]);
}
const b = extra.traceBatch;
if (b) {
  rows.push([`trace after load, first touch of nodes (${b.traces} flows)`, "", `p50 ${fmtMs(b.firstPass.p50)}`, `p99 ${fmtMs(b.firstPass.p99)}`, "", "", "", ""]);
  rows.push([`trace after load, nodes compiled (${b.traces} flows)`, "", `p50 ${fmtMs(b.secondPass.p50)}`, `p99 ${fmtMs(b.secondPass.p99)}`, "", "", "p99 ≤ 10 ms", b.secondPass.p99 <= 10 ? "meets" : "MISSES"]);
}
if (extra.memory) rows.push(["memory per node not touched", "", `${(extra.memory.bytesPerNode / 1024).toFixed(1)} KB`, "", "", "", "≤ 10 KB", extra.memory.bytesPerNode <= 10240 ? "meets" : "MISSES"]);
const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
const line = (row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
console.log(`\n${line(rows[0])}\n${widths.map((w) => "-".repeat(w)).join("  ")}`);
for (const row of rows.slice(1)) console.log(line(row));

const notes = [];
if (extra.peer) {
  const p = extra.peer;
  const ours = median(p.saveMs);
  console.log(`\niptables-save of ${p.size} ${nodeName(p.size, 1)} (${p.lines.toLocaleString("en-US")} lines, ${(p.bytes / 1048576).toFixed(1)} MB), side by side:`);
  console.log(`  ours (k8s-nettrace, compiled tables → text)  median ${fmtMs(ours)}  (compile ${fmtMs(p.compileMs)})`);
  for (const [backend, r] of Object.entries(p.backends)) {
    if (!r.available) {
      console.log(`  iptables-${backend}-save: skipped, ${r.note}`);
      notes.push(`iptables-${backend} not installed: side-by-side skipped`);
    } else if (r.error) console.log(`  iptables-${backend}-save: could not restore our dump (${r.error})`);
    else {
      const finished = r.saveMs.filter((_, i) => r.saveStatus[i] === 0);
      const failed = r.saveStatus.filter((x) => x !== 0).map((x) => (x === 124 ? "ran past the time limit" : x === 139 ? "crashed (SIGSEGV)" : `exit ${x}`));
      const time = finished.length ? `median ${fmtMs(median(finished))}  → ours is ${(ours / median(finished)).toFixed(2)}× its time` : `no run finished (ours: ${fmtMs(ours)})`;
      console.log(`  iptables-${backend}-save (${r.namespace}, restore ${fmtMs(r.restoreMs)})  ${time}${failed.length ? `; ${failed.length} of ${r.saveStatus.length} runs ${[...new Set(failed)].join(", ")}` : ""}; round trip: ${r.roundTrip}`);
    }
  }
} else notes.push(opts.quick || opts["no-peer"] ? "side-by-side with real iptables-save not run (--no-peer / --quick)" : "");
for (const n of notes.filter(Boolean)) console.log(`note: ${n}`);

const commit = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).stdout.trim() || "unknown";
const dirty = spawnSync("git", ["status", "--porcelain"], { cwd: ROOT, encoding: "utf8" }).stdout.trim() !== "";
const report = { version: 1, date: new Date().toISOString(), commit, dirty, node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "", loadAverage: { before: loadBefore, after: loadavg()[0] }, build: BUILD, runsPerScenario: runs, scenarios: results, ...extra };
const out = opts.out ?? join(ROOT, "bench", "results", `${report.date.slice(0, 10)}-${commit}${dirty ? "-dirty" : ""}.json`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(report, null, 2) + "\n");
console.log(`\nresults: ${out} (load average ${loadBefore.toFixed(2)} → ${loadavg()[0].toFixed(2)}; timings on a busy machine are noisy)`);

if (opts.compare) {
  const before = JSON.parse(readFileSync(opts.compare, "utf8"));
  console.log(`\nagainst ${opts.compare} (${before.commit}${before.dirty ? "-dirty" : ""}, ${before.date}):`);
  for (const r of results) {
    const old = before.scenarios.find((s) => s.name === r.name);
    if (!old) continue;
    const change = (a, b) => `${(((b - a) / a) * 100).toFixed(0)}%`;
    // Results from before CPU time was recorded have none to compare.
    const cpu = old.medianCpuMs === undefined ? "" : `, CPU ${fmtMs(old.medianCpuMs)} → ${fmtMs(r.medianCpuMs)} (${change(old.medianCpuMs, r.medianCpuMs)})`;
    console.log(`  ${r.name.padEnd(widths[0])}  ${fmtMs(old.medianMs).padStart(8)} → ${fmtMs(r.medianMs).padStart(8)}  (${change(old.medianMs, r.medianMs)})${cpu}`);
  }
}
