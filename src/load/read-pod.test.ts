// The pod fast path must be invisible: whatever it accepts, the checked path
// accepts silently and reads to the same draft; whatever needs a word from
// the checked path (or could read differently), the fast path declines.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Problems } from "../model/diagnostics.js";
import { Checker } from "./check.js";
import { checkedPod, fastPod } from "./read-pod.js";
import { TextSource } from "./source.js";

function checked(value: unknown): { draft: unknown; problems: number } {
  const problems = new Problems();
  const c = new Checker(problems, new TextSource("t.yaml", "", () => () => undefined));
  return { draft: checkedPod(c, value, ["pods", 0]), problems: problems.list.length };
}

const nginx = { name: "web", image: "nginx:1.25", ports: [{ name: "http", containerPort: 80 }] };

const ACCEPTED: unknown[] = [
  { name: "a", node: "n1" },
  { name: "a", namespace: "ns-1", node: "n1", ip: "10.244.1.7", hostNetwork: false, labels: { app: "web", tier: "x" }, containers: [nginx] },
  { name: "a.b-c", node: "n1", hostNetwork: true, labels: {} },
  { name: "a", node: "n1", containers: [{ name: "c" }, { name: "d", image: "", ports: [] }] },
  { name: "a", node: "n1", containers: [{ name: "dns", image: "coredns", ports: [{ containerPort: 53, protocol: "UDP" }, { containerPort: 53, protocol: "TCP", name: "dns-tcp" }, { containerPort: 9, protocol: "SCTP" }] }] },
];

const DECLINED: unknown[] = [
  null,
  "pod",
  [],
  { name: "a", node: "n1", extra: 1 },
  { name: "A", node: "n1" },
  { name: "a" },
  { name: 7, node: "n1" },
  { name: "a", node: "n1", namespace: null },
  { name: "a", node: "n1", namespace: "Bad" },
  { name: "a", node: "n1", ip: "10.0.0.300" },
  { name: "a", node: "n1", ip: null },
  { name: "a", node: "n1", hostNetwork: "yes" },
  { name: "a", node: "n1", labels: { n: 1 } },
  { name: "a", node: "n1", labels: [] },
  { name: "a", node: "n1", labels: JSON.parse('{"__proto__": "x"}') },
  { name: "a", node: "n1", containers: [] },
  { name: "a", node: "n1", containers: {} },
  { name: "a", node: "n1", containers: [{ name: "c", image: 1.25 }] },
  { name: "a", node: "n1", containers: [{ name: "c", misspelled: true }] },
  { name: "a", node: "n1", containers: [{ name: "c", ports: [{ containerPort: 0 }] }] },
  { name: "a", node: "n1", containers: [{ name: "c", ports: [{ containerPort: 80.5 }] }] },
  { name: "a", node: "n1", containers: [{ name: "c", ports: [{ containerPort: 80, protocol: "tcp" }] }] },
  { name: "a", node: "n1", containers: [{ name: "c", ports: [{ containerPort: 80, name: 8080 }] }] },
  { name: "a", node: "n1", containers: [{ name: "c", ports: {} }] },
];

test("what the fast path accepts, the checked path reads silently to the same draft", () => {
  for (const pod of ACCEPTED) {
    const fast = fastPod(structuredClone(pod), ["pods", 0]);
    assert.ok(fast, `fast path accepts ${JSON.stringify(pod)}`);
    const slow = checked(structuredClone(pod));
    assert.equal(slow.problems, 0, `checked path is silent on ${JSON.stringify(pod)}`);
    assert.deepEqual(fast, slow.draft, JSON.stringify(pod));
  }
});

test("anything unusual is left to the checked path", () => {
  for (const pod of DECLINED) assert.equal(fastPod(pod, ["pods", 0]), undefined, `fast path declines ${JSON.stringify(pod)}`);
});
