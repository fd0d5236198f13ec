import { test } from "node:test";
import assert from "node:assert/strict";
import { diffLines } from "./rule-diff.js";

test("rule diff: rules in order, removed before added where they replace each other", () => {
  assert.deepEqual(diffLines(["a", "b", "c"], ["a", "b", "c"]), []);
  assert.deepEqual(diffLines(["a", "b", "c"], ["a", "x", "c"]), [{ op: "-", text: "b" }, { op: "+", text: "x" }]);
  assert.deepEqual(diffLines(["a"], ["a", "b"]), [{ op: "+", text: "b" }]);
  assert.deepEqual(diffLines(["a", "b"], []), [{ op: "-", text: "a" }, { op: "-", text: "b" }]);
  // A moved rule matters to iptables (first match wins): it shows as removed and added.
  assert.deepEqual(diffLines(["a", "b"], ["b", "a"]).length, 2);
});
