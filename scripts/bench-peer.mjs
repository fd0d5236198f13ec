#!/usr/bin/env node
// Our iptables-save next to the real one, on the same rules, in one run:
// 1. load FILE, compile NODE's tables, time our iptablesSave RUNS times;
// 2. for each backend (legacy, nft) whose tools are installed: in a fresh
//    rootless namespace (unshare -rn), restore our dump with the real
//    iptables-<backend>-restore, then time the real iptables-<backend>-save
//    RUNS times;
// 3. the round trip: what the real save prints equals our dump, table by
//    table, comment lines aside (performance.md B1: banners differ, legacy
//    lists tables newest first; everything else must be byte-identical).
// Prints one JSON line.
//
//   node scripts/bench-peer.mjs FILE NODE [RUNS] [BACKENDS]   (BUILD_DIR selects the build, default dist)

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const dir = new URL(`../${process.env.BUILD_DIR ?? "dist"}/src/`, import.meta.url).href;
const { loadCluster } = await import(`${dir}load/load-cluster.js`);
const { CompiledCluster } = await import(`${dir}compile/compiled-cluster.js`);
const { iptablesSave } = await import(`${dir}netfilter/save.js`);

const [file, node, runsText = "3", backendsText = "legacy,nft"] = process.argv.slice(2);
if (!file || !node) {
  console.error("usage: bench-peer.mjs FILE NODE [RUNS] [BACKENDS]");
  process.exit(2);
}
const runs = Number(runsText);
/** Seconds one real save may take before it counts as not finishing. */
const SAVE_LIMIT = Number(process.env.BENCH_SAVE_LIMIT ?? 120);

const cluster = loadCluster(file, readFileSync(file)).cluster;
if (!cluster) throw new Error(`${file} does not load`);
let t0 = performance.now();
const tables = new CompiledCluster(cluster).node(node).tables();
const compileMs = performance.now() - t0;
const saveMs = [];
let dump = "";
for (let i = 0; i < runs; i++) {
  t0 = performance.now();
  dump = iptablesSave(tables, { date: "D", backend: "legacy" });
  saveMs.push(performance.now() - t0);
}

/** `*table` … `COMMIT` blocks without comment lines, by table name. */
function tableBlocks(text) {
  const blocks = new Map();
  for (const block of text.split(/^(?=\*)/m)) {
    const name = /^\*(\S+)/.exec(block)?.[1];
    if (name) blocks.set(name, block.split("\n").filter((l) => !l.startsWith("#")).join("\n"));
  }
  return blocks;
}

function firstDifference(a, b) {
  const x = a.split("\n");
  const y = b.split("\n");
  for (let i = 0; i < Math.max(x.length, y.length); i++) if (x[i] !== y[i]) return `line ${i + 1}: ours ${JSON.stringify(x[i])}, real ${JSON.stringify(y[i])}`;
  return "";
}

/**
 * The dump as restore files of at most `size` lines each, to apply in order with --noflush:
 * first every table's chain declarations, then its rules. iptables-nft-restore sends a
 * table as one netlink batch, which at L exceeds what an unprivileged namespace lets a
 * socket send (EMSGSIZE); the chunks give the same tables.
 */
export function restoreChunks(text, size) {
  const chunks = [];
  for (const block of text.split(/^(?=\*)/m)) {
    const name = /^\*(\S+)/.exec(block)?.[1];
    if (!name) continue;
    const lines = block.split("\n");
    for (const kind of [":", "-A "]) {
      const wanted = lines.filter((l) => l.startsWith(kind));
      for (let i = 0; i < wanted.length; i += size) chunks.push(`*${name}\n${wanted.slice(i, i + size).join("\n")}\nCOMMIT\n`);
    }
  }
  return chunks;
}

const has = (tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
/** Root gets a plain network namespace (unshare -n); anyone else a user namespace too (unshare -rn). */
const root = process.getuid?.() === 0;
const work = mkdtempSync(join(tmpdir(), "k8s-nettrace-peer-"));
const backends = {};
try {
  const dumpFile = join(work, "ours.rules");
  writeFileSync(dumpFile, dump);
  for (const backend of backendsText.split(",").filter(Boolean)) {
    const tools = [`iptables-${backend}-restore`, `iptables-${backend}-save`, "unshare"];
    const missing = tools.filter((t) => !has(t));
    if (missing.length) {
      backends[backend] = { available: false, note: `not installed: ${missing.join(", ")}` };
      continue;
    }
    const out = join(work, `real-${backend}`);
    // nft in one batch fails beyond ~1,000 lines in a user namespace (see restoreChunks); legacy
    // takes the dump whole, and so does nft for root (a plain network namespace).
    let restore = `iptables-${backend}-restore < ${dumpFile}`;
    if (backend === "nft" && !root) {
      const chunks = restoreChunks(dump, 1000).map((chunk, i) => {
        const f = join(work, `chunk-${i}.rules`);
        writeFileSync(f, chunk);
        return `iptables-nft-restore --noflush < ${f}`;
      });
      restore = chunks.join(" && ");
    }
    const script = [
      "set -e",
      `s=$(date +%s%N); ${restore}; e=$(date +%s%N); echo "restore $((e - s))"`,
      // The real save may crash or take minutes at L (iptables-nft-save 1.8.9 did both here); each run
      // is limited to SAVE_LIMIT seconds and its exit status recorded (124: the limit, 139: SIGSEGV);
      // after a run that did not finish, no more are tried.
      `for i in $(seq 1 ${runs}); do s=$(date +%s%N); status=0; timeout ${SAVE_LIMIT} iptables-${backend}-save > ${out}.$i || status=$?; e=$(date +%s%N); echo "save $((e - s)) $status"; [ $status -eq 0 ] || break; done`,
    ].join("\n");
    const r = spawnSync("unshare", [root ? "-n" : "-rn", "sh", "-c", script], { encoding: "utf8", env: { ...process.env, XTABLES_LOCKFILE: join(work, "xtables.lock") } });
    if (r.status !== 0) {
      backends[backend] = { available: true, error: `exit ${r.status}: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}` };
      continue;
    }
    const restoreMs = Number(/^restore (\d+)$/m.exec(r.stdout)?.[1]) / 1e6;
    const saves = [...r.stdout.matchAll(/^save (\d+) (\d+)$/gm)].map((m) => ({ ms: Number(m[1]) / 1e6, status: Number(m[2]) }));
    const good = saves.findIndex((x) => x.status === 0);
    let roundTrip = "no save finished";
    if (good >= 0) {
      const ours = tableBlocks(dump);
      const real = tableBlocks(readFileSync(`${out}.${good + 1}`, "utf8"));
      const differences = [...new Set([...ours.keys(), ...real.keys()])].flatMap((t) => (ours.get(t) === real.get(t) ? [] : [`table ${t}: ${firstDifference(ours.get(t) ?? "", real.get(t) ?? "")}`]));
      roundTrip = differences.length === 0 ? "identical" : differences.join("; ");
    }
    backends[backend] = { available: true, namespace: root ? "unshare -n" : "unshare -rn", restoreMs, saveMs: saves.map((x) => x.ms), saveStatus: saves.map((x) => x.status), roundTrip };
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const round = (x) => Math.round(x * 10) / 10;
console.log(JSON.stringify({ file, node, lines: dump.split("\n").length - 1, bytes: dump.length, compileMs: round(compileMs), saveMs: saveMs.map(round), backends }));
