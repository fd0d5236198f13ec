// Micro-benchmark (not a test): builds a kube-proxy-shaped nat table in memory
// (services x endpoints, default 10k x 15 = 470,012 rules, 160k chains, the
// performance.md B1 "L" shape) and times iptablesSave on it.
//
//   node --expose-gc scripts/bench-save.mjs [services] [endpoints]
//   BUILD_DIR=.build-netfilter node --expose-gc scripts/bench-save.mjs   (isolated build)

import { performance } from "node:perf_hooks";

const dir = process.env.BUILD_DIR ?? "dist";
const { iptablesSave } = await import(new URL(`../${dir}/src/netfilter/save.js`, import.meta.url).href);
const { emptyTable, probabilityFromText } = await import(new URL(`../${dir}/src/netfilter/rule.js`, import.meta.url).href);

const services = Number(process.argv[2] ?? 10000);
const endpoints = Number(process.argv[3] ?? 15);

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
let serial = 0;
/** A 16-character base32 name, unique per call (stands in for kube-proxy's sha256 hash). */
function hashName() {
  let n = serial++ * 2654435761 + 12345;
  let s = "";
  for (let i = 0; i < 16; i++) {
    s += B32[n % 32];
    n = Math.floor(n / 32) + i * 7919;
  }
  return s;
}

const ip = (a, b, c, d) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
const tcp = { name: "tcp", neg: false };

function build() {
  const nat = emptyTable("nat");
  const chain = (name) => {
    const c = { name, rules: [] };
    nat.chains.set(name, c);
    return c;
  };
  const services_ = chain("KUBE-SERVICES");
  chain("KUBE-MARK-MASQ").rules.push({ matches: [], target: { t: "MARK", value: 0x4000, mask: 0x4000 } });
  nat.chains.get("PREROUTING").rules.push({ matches: [{ m: "comment", comment: "kubernetes service portals" }], target: { t: "jump", chain: "KUBE-SERVICES" } });
  for (let s = 0; s < services; s++) {
    const svc = `KUBE-SVC-${hashName()}`;
    const name = `ns${s % 100}/svc${s}:http`;
    const vip = { cidr: { addr: ip(10, 96, (s >> 8) & 255, s & 255), len: 32 }, neg: false };
    const dport = { m: "tcp", dport: { from: 80, to: 80, neg: false } };
    services_.rules.push({ dst: vip, proto: tcp, matches: [{ m: "comment", comment: `${name} cluster IP` }, dport], target: { t: "jump", chain: svc } });
    const svcChain = chain(svc);
    svcChain.rules.push({
      src: { cidr: { addr: ip(10, 244, 0, 0), len: 16 }, neg: true }, dst: vip, proto: tcp,
      matches: [{ m: "comment", comment: `${name} cluster IP` }, dport], target: { t: "jump", chain: "KUBE-MARK-MASQ" },
    });
    for (let e = 0; e < endpoints; e++) {
      const epIp = ip(10, 244, (s * endpoints + e) >> 8 & 255, (s * endpoints + e) & 255);
      const ep = `${epIp >>> 24}.${(epIp >>> 16) & 255}.${(epIp >>> 8) & 255}.${epIp & 255}:8080`;
      const sep = `KUBE-SEP-${hashName()}`;
      const matches = [{ m: "comment", comment: `${name} -> ${ep}` }];
      if (e < endpoints - 1) matches.push({ m: "statistic", mode: "random", probability: probabilityFromText((1 / (endpoints - e)).toFixed(10)) });
      svcChain.rules.push({ matches, target: { t: "jump", chain: sep } });
      const sepChain = chain(sep);
      sepChain.rules.push({ src: { cidr: { addr: epIp, len: 32 }, neg: false }, matches: [{ m: "comment", comment: name }], target: { t: "jump", chain: "KUBE-MARK-MASQ" } });
      sepChain.rules.push({ proto: tcp, matches: [{ m: "comment", comment: name }, { m: "tcp" }], target: { t: "DNAT", to: ep } });
    }
  }
  return new Map([["nat", nat]]);
}

const tables = build();
let rules = 0;
for (const c of tables.get("nat").chains.values()) rules += c.rules.length;
// Each run starts from a collected heap (when run with --expose-gc), so a run pays only for
// the garbage it makes itself, as a one-shot CLI dump does.
// CPU time (all threads of the process) is reported too: on a shared machine it is steadier.
const runs = [];
const cpu = [];
let text = "";
for (let i = 0; i < 5; i++) {
  text = "";
  globalThis.gc?.();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  text = iptablesSave(tables, { date: "Sat Nov 21 19:44:09 2026" });
  runs.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
}
const first = runs[0];
runs.sort((a, b) => a - b);
cpu.sort((a, b) => a - b);
let lines = 0;
for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lines++;
console.log(
  `iptablesSave: ${rules} rules, ${tables.get("nat").chains.size} chains, ${lines} lines, ` +
    `${(text.length / 1e6).toFixed(1)} MB; first ${first.toFixed(0)} ms, median ${runs[2].toFixed(0)} ms ` +
    `(min ${runs[0].toFixed(0)}, max ${runs[4].toFixed(0)}); CPU median ${cpu[2].toFixed(0)} ms` +
    `${globalThis.gc ? "" : " [run with --expose-gc for steadier numbers]"}`,
);
