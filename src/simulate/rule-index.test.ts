// The indexed walk must be the kernel's linear walk: same verdict, same rules
// hit in the same order with the same numbers, for any chain and packet. Checked
// on random tables (seeded) and on a compiled node with 2,000 services.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { Ip4 } from "../model/addr.js";
import { emptyTable, type Rule, type Table, type Target } from "../netfilter/rule.js";
import type { Ipv4Packet } from "../packet/ipv4.js";
import { CompiledCluster } from "../compile/compiled-cluster.js";
import { describe } from "../generate/plan.js";
import { writeDescription } from "../generate/write.js";
import { loadCluster } from "../load/load-cluster.js";
import { type Outcome, type WalkContext, walkChain } from "./chain-walk.js";
import { RULE_INDEX } from "./rule-index.js";
import { SeededRandom } from "./rng.js";

/** A seeded stream in [0, 1): the random cases are the same run after run. */
function rng(seed: number): () => number {
  const random = new SeededRandom(seed);
  return () => random.fraction();
}

const ADDRS: Ip4[] = [0x0a600001, 0x0a600002, 0x0a600003, 0x0af40105, 0xc0a8010a];

function context(dst: Ip4, dport: number, proto: "tcp" | "udp", r: () => number): WalkContext {
  const ip = { kind: "ipv4", src: 0x0af40203, dst, ttl: 64, id: 1, tos: 0, df: true, payload: { kind: proto, sport: 40000, dport } } as unknown as Ipv4Packet;
  const coins = Array.from({ length: 64 }, () => r() < 0.5);
  let coin = 0;
  const c: WalkContext = {
    ip, mark: 0, ctstate: "NEW", ctSnat: false, ctDnat: false, inDev: "cni0",
    isLocal: (a) => a === 0xc0a8010a,
    isBroadcast: () => false,
    chance: () => coins[coin++ % coins.length]!,
    inSet: () => false,
    recent: () => false,
    hits: [],
    setMark: (m) => void (c.mark = m),
  };
  return c;
}

/** A walk's observable result: the verdict and every rule that acted, by position. */
function observe(table: Table, c: WalkContext, minRules: number): { outcome: Outcome; hits: string[] } {
  RULE_INDEX.minRules = minRules;
  try {
    const outcome = walkChain(table, "PREROUTING", c);
    return { outcome, hits: c.hits!.map((h) => `${h.chain}#${h.number}`) };
  } finally {
    RULE_INDEX.minRules = 64;
  }
}

function randomTable(r: () => number): Table {
  const nat = emptyTable("nat");
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  const names = ["PREROUTING", "A", "B", "C"];
  for (const name of names.slice(1)) nat.chains.set(name, { name, rules: [] });
  for (const name of names) {
    const rules: Rule[] = nat.chains.get(name)!.rules;
    for (let i = 0, n = Math.floor(r() * 40); i < n; i++) {
      const rule: Rule = { matches: [] };
      const d = r();
      if (d < 0.6) rule.dst = { cidr: { addr: pick(ADDRS), len: 32 }, neg: false };
      else if (d < 0.7) rule.dst = { cidr: { addr: pick(ADDRS), len: 32 }, neg: true };
      else if (d < 0.8) rule.dst = { cidr: { addr: 0x0a600000, len: 12 }, neg: false };
      if (r() < 0.5) {
        const proto = pick(["tcp", "udp"] as const);
        rule.proto = { name: proto, neg: false };
        rule.matches.push({ m: proto, dport: { from: pick([53, 80, 443]), to: pick([53, 80, 443, 8080]), neg: false } });
      }
      if (r() < 0.2) rule.matches.push({ m: "statistic", mode: "random", probability: 2 ** 30 });
      const later = names.slice(names.indexOf(name) + 1);
      const targets: Target[] = [{ t: "ACCEPT" }, { t: "DROP" }, { t: "RETURN" }, { t: "MARK", value: 0x4000, mask: 0x4000 }, { t: "DNAT", to: "10.244.1.5:80" }];
      if (later.length) targets.push({ t: "jump", chain: pick(later) }, { t: "goto", chain: pick(later) });
      if (r() < 0.95) rule.target = pick(targets);
      rules.push(rule);
    }
  }
  return nat;
}

test("random chains and packets: the indexed walk is the linear walk", () => {
  const r = rng(11);
  for (let t = 0; t < 400; t++) {
    const table = randomTable(r);
    for (let p = 0; p < 8; p++) {
      const dst = r() < 0.8 ? ADDRS[Math.floor(r() * ADDRS.length)]! : 0x08080808;
      const dport = [53, 80, 443, 8080][Math.floor(r() * 4)]!;
      const proto = r() < 0.5 ? "tcp" : "udp";
      const seed = Math.floor(r() * 1e9);
      const linear = observe(table, context(dst, dport, proto, rng(seed)), Infinity);
      const indexed = observe(table, context(dst, dport, proto, rng(seed)), 1);
      assert.deepEqual(indexed, linear);
    }
  }
});

test("a compiled node's KUBE-SERVICES (2,000 services): every ClusterIP and a miss walk the same", () => {
  const text = writeDescription(describe({ nodes: 20, podsPerNode: 100, services: 2000, endpoints: 1 }), "json").join("");
  const cluster = loadCluster("gen.json", new TextEncoder().encode(text)).cluster!;
  const nat = new CompiledCluster(cluster).node(cluster.nodes[3]!.name)!.tables().get("nat")!;
  assert.ok(nat.chains.get("KUBE-SERVICES")!.rules.length > 2000);
  const r = rng(3);
  const targets = [...cluster.services.filter((s) => s.clusterIP !== null).map((s) => [s.clusterIP!, s.ports[0]!.port] as const), [0x0a6fffff, 80] as const];
  for (const [dst, dport] of targets) {
    const seed = Math.floor(r() * 1e9);
    const linear = observe(nat, context(dst, dport, "tcp", rng(seed)), Infinity);
    const indexed = observe(nat, context(dst, dport, "tcp", rng(seed)), 64);
    assert.deepEqual(indexed, linear);
  }
});
