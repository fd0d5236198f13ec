// The JSON locator walks down one path and skips the rest; it must give the
// offsets a full walk of the text gives, for every node of a document.

import { test } from "node:test";
import assert from "node:assert/strict";
import { describe } from "../generate/plan.js";
import { writeDescription } from "../generate/write.js";
import { locateJson, walkJson } from "./locate-json.js";

/** Every node's path with its [key, value] offsets, from the full scanner (the reference). */
function fullIndex(text: string): Map<string, [number, number]> {
  const index = new Map<string, [number, number]>();
  walkJson(text, (key, k, v) => index.set(key, [k, v]));
  return index;
}

function assertSameAsFullWalk(text: string): void {
  const locate = locateJson(text);
  for (const [key, [k, v]] of fullIndex(text)) {
    const path = key === "" ? [] : key.split("\u0000").map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    assert.equal(locate(path, "key"), k, `key of ${JSON.stringify(path)}`);
    assert.equal(locate(path, "value"), v, `value of ${JSON.stringify(path)}`);
  }
}

test("every node of a tricky document is found where a full walk finds it", () => {
  const text = `  {"a": [1, -2.5e3, true, null, "x\\"y\\\\", {"b": {}} , [] ,[[ "]" ]]],
    "s p\\u0041ce" : { "k": "{[" , "n": [ {"deep": [0, {"z": "}"}]} ] },
    "empty": {}, "e2": [],
    "last": "\\\\"
  }\n`;
  assertSameAsFullWalk(text);
  const locate = locateJson(text);
  assert.equal(locate(["missing"], "key"), undefined);
  assert.equal(locate(["a", 99], "value"), undefined);
  assert.equal(locate(["a", 0, "x"], "value"), undefined, "a scalar has no children");
  assert.equal(locate(["a", "1"], "value"), text.indexOf("-2.5e3"), "an index may be given as text");
});

test("a repeated key resolves to its last occurrence, as JSON.parse keeps the last value", () => {
  const text = `{"k": 1, "k": 2}`;
  assert.equal(locateJson(text)(["k"], "value"), text.lastIndexOf("2"));
});

test("a generated description, one object per line", () => {
  assertSameAsFullWalk(writeDescription(describe({ nodes: 3, podsPerNode: 4, services: 3, endpoints: 2 }), "json").join(""));
});
