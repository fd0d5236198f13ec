// How a rule's conditions are decided (match.ts ruleTests, made once per rule):
// in the kernel's order, the first that fails ending the rule, and a condition
// the simulator does not implement an error only when a packet reaches it.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { Ip4 } from "../model/addr.js";
import { emptyTable, type Match, type Rule, type Table } from "../netfilter/rule.js";
import type { Ipv4Packet } from "../packet/ipv4.js";
import { type Outcome, type WalkContext, walkChain } from "./chain-walk.js";
import { UnsupportedRule } from "./match.js";

const POD = 0x0af40203; // 10.244.2.3
const SVC = 0x0a600001; // 10.96.0.1

function packet(proto: "tcp" | "udp", dport: number): Ipv4Packet {
  return { kind: "ipv4", src: POD, dst: SVC, ttl: 64, id: 1, tos: 0, df: true, payload: { kind: proto, sport: 40000, dport } } as unknown as Ipv4Packet;
}

/** A context that counts the statistic draws it is asked for (each answered "match"). */
function context(ip: Ipv4Packet, devs: { inDev?: string; outDev?: string } = {}): WalkContext & { draws: number } {
  const c = {
    ip, mark: 0, ctstate: "NEW" as const, ctSnat: false, ctDnat: false, inDev: devs.inDev, outDev: devs.outDev,
    isLocal: () => false,
    isBroadcast: () => false,
    draws: 0,
    chance: () => (c.draws++, true),
    inSet: () => false,
    recent: () => false,
    setMark: (m: number) => void (c.mark = m),
  };
  return c;
}

function chainOf(...rules: Rule[]): Table {
  const nat = emptyTable("nat");
  nat.chains.get("PREROUTING")!.rules.push(...rules);
  return nat;
}

const net = (addr: Ip4, len: number, neg = false) => ({ cidr: { addr, len }, neg });
const statistic: Match = { m: "statistic", mode: "random", probability: 2 ** 30 };
const verdict = (o: Outcome) => o.verdict + ("policy" in o && o.policy ? " (policy)" : "");

test("the first condition that fails ends the rule: a statistic after a failing -s is never drawn", () => {
  const c = context(packet("tcp", 80));
  const table = chainOf(
    { src: net(0xc0a80000, 16), matches: [statistic], target: { t: "DROP" } },
    { src: net(0x0af40000, 16), matches: [statistic], target: { t: "ACCEPT" } },
  );
  assert.equal(verdict(walkChain(table, "PREROUTING", c)), "ACCEPT");
  assert.equal(c.draws, 1);
});

test("-s and -d by prefix, with ! negating", () => {
  const walk = (rule: Rule) => verdict(walkChain(chainOf({ ...rule, target: { t: "DROP" } }), "PREROUTING", context(packet("tcp", 80))));
  assert.equal(walk({ src: net(0x0af40000, 16), matches: [] }), "DROP");
  assert.equal(walk({ src: net(0x0af40000, 16, true), matches: [] }), "ACCEPT (policy)");
  assert.equal(walk({ dst: net(0x0a600000, 12), matches: [] }), "DROP");
  assert.equal(walk({ dst: net(0x0a600002, 32), matches: [] }), "ACCEPT (policy)");
});

test("-i with a `+` wildcard, and no interface at the hook fails the match (its negation holds)", () => {
  const walk = (name: string, neg: boolean, inDev?: string) =>
    verdict(walkChain(chainOf({ inIface: { name, neg }, matches: [], target: { t: "DROP" } }), "PREROUTING", context(packet("tcp", 80), inDev === undefined ? {} : { inDev })));
  assert.equal(walk("veth+", false, "veth1a2b3c4d"), "DROP");
  assert.equal(walk("veth+", false, "cni0"), "ACCEPT (policy)");
  assert.equal(walk("cni0", true, "cni0"), "ACCEPT (policy)");
  assert.equal(walk("cni0", false), "ACCEPT (policy)");
  assert.equal(walk("cni0", true), "DROP");
});

test("-p by name or number, and the tcp match's port ranges", () => {
  const walk = (rule: Rule, ip = packet("tcp", 80)) => verdict(walkChain(chainOf({ ...rule, target: { t: "DROP" } }), "PREROUTING", context(ip)));
  assert.equal(walk({ proto: { name: "6", neg: false }, matches: [] }), "DROP");
  assert.equal(walk({ proto: { name: "17", neg: false }, matches: [] }), "ACCEPT (policy)");
  assert.equal(walk({ proto: { name: "udp", neg: true }, matches: [] }), "DROP");
  assert.equal(walk({ proto: { name: "tcp", neg: false }, matches: [{ m: "tcp", dport: { from: 79, to: 81, neg: false } }] }), "DROP");
  assert.equal(walk({ proto: { name: "tcp", neg: false }, matches: [{ m: "tcp", dport: { from: 80, to: 80, neg: true } }] }), "ACCEPT (policy)");
  assert.equal(walk({ matches: [{ m: "tcp", dport: { from: 80, to: 80, neg: false } }] }, packet("udp", 80)), "ACCEPT (policy)");
});

test("a condition the simulator does not implement is an error when a packet reaches it, and only then", () => {
  const unknownProto: Rule = { proto: { name: "frob", neg: false }, matches: [], target: { t: "DROP" } };
  const unknownMatch: Rule = { matches: [{ m: "frob" } as unknown as Match], target: { t: "DROP" } };
  for (const [rule, what] of [[unknownProto, "protocol frob"], [unknownMatch, "the match -m frob"]] as const) {
    // Behind a -d the packet fails, the rule is never decided.
    const skipped = chainOf({ ...rule, dst: net(0xc0a80001, 32) });
    assert.equal(verdict(walkChain(skipped, "PREROUTING", context(packet("tcp", 80)))), "ACCEPT (policy)");
    assert.throws(
      () => walkChain(chainOf(rule), "PREROUTING", context(packet("tcp", 80))),
      (e: unknown) => e instanceof UnsupportedRule && e.what === what && e.rule === rule,
    );
  }
});
