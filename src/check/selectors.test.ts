import { test } from "node:test";
import assert from "node:assert/strict";
import { parseSelector, SelectorError } from "./selectors.js";

test("selectors: kinds, globs and label selectors as kubectl -l takes them", () => {
  assert.equal(parseSelector("web-*", "pod").kind, "pod");
  assert.equal(parseSelector("svc:default/*", "pod").kind, "svc");
  assert.ok(parseSelector("default/web-?", "pod").names!.test("default/web-a"));
  assert.ok(!parseSelector("default/web-?", "pod").names!.test("default/web-ab"));
  assert.deepEqual(parseSelector("app=web,tier!=db", "pod").labels, [
    { key: "app", op: "=", values: ["web"] },
    { key: "tier", op: "!=", values: ["db"] },
  ]);
  assert.deepEqual(parseSelector("env in (a, b),!legacy", "pod").labels, [
    { key: "env", op: "in", values: ["a", "b"] },
    { key: "legacy", op: "!exists", values: [] },
  ]);
  assert.throws(() => parseSelector("node:app=web", "pod"), SelectorError);
  assert.throws(() => parseSelector("deploy:web", "pod"), SelectorError);
  assert.throws(() => parseSelector("app=(", "pod"), SelectorError);
});
