// A node's chains over a shared base: reads see both (own first), writes stay
// in the node's layer, and the shared chains cannot be changed through it.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { Chain } from "./rule.js";
import { LayeredChains, freezeChain } from "./layered-chains.js";

test("own chains over a shared base", () => {
  const shared = freezeChain({ name: "KUBE-SVC-A", rules: [{ matches: [] }] });
  const base = new Map<string, Chain>([["KUBE-SVC-A", shared], ["KUBE-SEP-B", freezeChain({ name: "KUBE-SEP-B", rules: [] })]]);
  const node = new LayeredChains(base, [["PREROUTING", { name: "PREROUTING", policy: "ACCEPT", rules: [] }]]);
  const other = new LayeredChains(base);
  node.set("KUBE-SERVICES", { name: "KUBE-SERVICES", rules: [] });
  assert.equal(node.get("KUBE-SVC-A"), shared);
  assert.equal(other.get("KUBE-SVC-A"), shared, "the same object on every node");
  assert.ok(node.has("KUBE-SEP-B") && node.has("KUBE-SERVICES") && !other.has("KUBE-SERVICES"));
  assert.equal(node.size, 4);
  assert.deepEqual([...node.keys()], ["PREROUTING", "KUBE-SERVICES", "KUBE-SVC-A", "KUBE-SEP-B"]);
  assert.deepEqual([...node.values()].map((c) => c.name), [...node.keys()]);
  assert.deepEqual([...node.own()].map((c) => c.name), ["PREROUTING", "KUBE-SERVICES"]);
  // A node's own chain of the same name shadows the shared one.
  node.set("KUBE-SEP-B", { name: "KUBE-SEP-B", rules: [{ matches: [] }] });
  assert.equal(node.get("KUBE-SEP-B")!.rules.length, 1);
  assert.equal(other.get("KUBE-SEP-B")!.rules.length, 0);
  assert.equal(node.size, 4);
  // Shared chains are frozen: a slip that reaches one throws instead of changing every node.
  assert.throws(() => node.get("KUBE-SVC-A")!.rules.push({ matches: [] }));
  assert.throws(() => other.delete("KUBE-SVC-A"));
});
