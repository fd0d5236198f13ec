#!/usr/bin/env node
// Memory per node beyond the nodes a command touches: the heap (and array
// buffers) a process keeps after loading a description and dumping one node's
// iptables-save, for two descriptions that differ only in how many nodes hold
// the same pods and services. (retained(A) - retained(B)) / (nodes(A) - nodes(B)).
// Each measurement runs in its own process (node --expose-gc). Prints one JSON line.
//
//   node scripts/bench-memory.mjs FILE_A FILE_B NODE      (BUILD_DIR selects the build, default dist)

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const [mode, ...args] = process.argv.slice(2);

if (mode === "--measure") {
  const [file, node] = args;
  const dir = new URL(`../${process.env.BUILD_DIR ?? "dist"}/src/`, import.meta.url).href;
  const { loadCluster } = await import(`${dir}load/load-cluster.js`);
  const { CompiledCluster } = await import(`${dir}compile/compiled-cluster.js`);
  const { iptablesSave } = await import(`${dir}netfilter/save.js`);
  const cluster = loadCluster(file, readFileSync(file)).cluster;
  const compiled = new CompiledCluster(cluster);
  // The dump is printed and dropped, as `exec NODE -- iptables-save` does; the compiled state stays.
  const dumpChars = iptablesSave(compiled.node(node).tables(), { date: "D" }).length;
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  // Keep everything alive until measured.
  console.log(JSON.stringify({ nodes: cluster.nodes.length, pods: cluster.pods.length, retained: m.heapUsed + m.arrayBuffers, dumpChars, compiled: compiled.netns(node) ? 1 : 0 }));
} else {
  const [a, b, node] = [mode, ...args];
  if (!a || !b || !node) {
    console.error("usage: bench-memory.mjs FILE_A FILE_B NODE");
    process.exit(2);
  }
  const measure = (file) => {
    const r = spawnSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), "--measure", file, node], { encoding: "utf8", maxBuffer: 1 << 20 });
    if (r.status !== 0) throw new Error(`measuring ${file}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  const big = measure(a);
  const small = measure(b);
  const perNode = (big.retained - small.retained) / (big.nodes - small.nodes);
  console.log(JSON.stringify({ a: big, b: small, bytesPerNode: Math.round(perNode) }));
}
