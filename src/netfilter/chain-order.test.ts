// The radix sort of chain names must give the order the comparison sort gives
// (strcmp's, for the names chains have), whatever the names look like.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { Chain } from "./rule.js";
import { sortByName } from "./chain-order.js";
import { SeededRandom } from "../simulate/rng.js";

/** A seeded stream in [0, 1): the random cases are the same run after run. */
function rng(seed: number): () => number {
  const random = new SeededRandom(seed);
  return () => random.fraction();
}

test("thousands of chain names: the same order as the comparison sort", () => {
  const r = rng(3);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567-_abc";
  for (const n of [2048, 5000, 20000]) {
    const names = new Set<string>();
    while (names.size < n) {
      const prefix = ["KUBE-SEP-", "KUBE-SVC-", "KUBE-", "K", "FLANNEL-", "", "KUBE-SVC-AB"][Math.floor(r() * 7)]!;
      let name = prefix;
      for (let i = 0, len = Math.floor(r() * 17); i < len; i++) name += alphabet[Math.floor(r() * alphabet.length)];
      if (name) names.add(name);
    }
    const chains: Chain[] = [...names].map((name) => ({ name, rules: [] }));
    const expected = [...chains].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    assert.deepEqual(sortByName([...chains]).map((c) => c.name), expected.map((c) => c.name));
  }
});

test("names the radix sort does not take (non-Latin-1, very long) are still sorted", () => {
  const chains: Chain[] = Array.from({ length: 3000 }, (_, i) => ({ name: i % 1000 === 0 ? `KUBE-€-${i}` : `C-${String(i).padStart(5, "0")}${i === 7 ? "x".repeat(70) : ""}`, rules: [] }));
  const expected = [...chains].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((c) => c.name);
  assert.deepEqual(sortByName([...chains]).map((c) => c.name), expected);
});
