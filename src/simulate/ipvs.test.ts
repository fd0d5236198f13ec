import { test } from "node:test";
import assert from "node:assert/strict";
import type { IpvsService } from "../model/kernel.js";
import { IpvsState } from "./ipvs.js";

const service = (weights: number[], persistent?: number): IpvsService => ({
  proto: "TCP", vip: 0x0a600003, port: 80, scheduler: "rr",
  ...(persistent !== undefined ? { persistent } : {}),
  dests: weights.map((weight, i) => ({ ip: 0x0af40000 + i, port: 80, weight, forward: "Masq" as const })),
});

/** A chooser that answers from a script and records the probabilities it was asked about. */
function scripted(answers: boolean[]): { decide: (p: number) => boolean; asked: number[] } {
  const asked: number[] = [];
  return { asked, decide: (p) => (asked.push(p), answers[asked.length - 1] ?? false) };
}

test("rr: the first pick is a choice among the usable destinations, each equally likely", () => {
  for (let want = 0; want < 3; want++) {
    const ipvs = new IpvsState(new Map());
    const c = scripted([...Array(want).fill(false), true]);
    assert.equal(ipvs.schedule(service([1, 1, 1]), 1, c.decide), want);
    assert.deepEqual(c.asked, [1 / 3, 1 / 2].slice(0, Math.min(want + 1, 2)));
  }
});

test("rr: later connections take the next destination, wrapping round and skipping weight 0", () => {
  const ipvs = new IpvsState(new Map());
  const svc = service([1, 0, 1, 1]);
  const picks = [ipvs.schedule(svc, 1, scripted([true]).decide)];
  for (let i = 0; i < 4; i++) picks.push(ipvs.schedule(svc, 1, () => assert.fail("no choice after the first")));
  assert.deepEqual(picks, [0, 2, 3, 0, 2]);
});

test("rr: no usable destination schedules nothing (ip_vs_leave answers)", () => {
  const ipvs = new IpvsState(new Map());
  assert.equal(ipvs.schedule(service([]), 1, () => true), undefined);
  assert.equal(ipvs.schedule(service([0, 0]), 1, () => true), undefined);
});

test("persistence (ClientIP affinity): a client returns to its template's destination, another client moves on", () => {
  const ipvs = new IpvsState(new Map());
  const svc = service([1, 1], 10800);
  assert.equal(ipvs.schedule(svc, 7, scripted([false]).decide), 1);
  assert.equal(ipvs.schedule(svc, 7, () => assert.fail("the template decides")), 1);
  assert.equal(ipvs.schedule(svc, 8, () => assert.fail("rr moves on")), 0);
  assert.equal(ipvs.schedule(svc, 7, () => assert.fail("the template decides")), 1);
});
