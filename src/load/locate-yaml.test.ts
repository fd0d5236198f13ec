// Large YAML files are located through a two-level index and by parsing one
// element's lines; the offsets must be those of the full index, for every node.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe } from "../generate/plan.js";
import { writeDescription } from "../generate/write.js";
import { locateYaml, walkYaml } from "./locate-yaml.js";

function assertLargeStrategyAgrees(name: string, text: string): number {
  const full = new Map<string, [number, number]>();
  walkYaml(text, 64, (key, k, v) => full.set(key, [k, v]));
  const large = locateYaml(text, 64, 0);
  for (const [key, [k, v]] of full) {
    const path = key === "" ? [] : key.split("\u0000").map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    assert.equal(large(path, "key"), k, `${name}: key of ${JSON.stringify(path)}`);
    assert.equal(large(path, "value"), v, `${name}: value of ${JSON.stringify(path)}`);
  }
  assert.equal(large(["no", "such", "path"], "key"), undefined);
  return full.size;
}

test("block, flow and mixed styles, anchors, block scalars, comments", () => {
  const text = `# comment
top: {a: 1, b: [x, y], c: {d: e}}
list:
  - name: one
    ports: [{port: 1}, {port: 2}]
  -
    name: two     # the value starts on the next line
    note: |
      - not an item
      still the scalar
  - {name: three,
     multi: line}
  - &anchor {name: four, deep: {deeper: [1, [2, 3]]}}
  - *anchor
  - - nested
    - sequence
flowlist: [{a: 1},
  {b: 2}]
"quoted key": {"x y": 'z'}
last:
- zero-indent item
- {k: v}
`;
  assert.ok(assertLargeStrategyAgrees("tricky", text) > 30);
});

test("every fixture and a generated description", () => {
  const files = [...readdirSync("fixtures").filter((f) => f.endsWith(".yaml")).map((f) => `fixtures/${f}`), ...readdirSync("fixtures/broken").filter((f) => f.endsWith(".yaml")).map((f) => `fixtures/broken/${f}`)];
  for (const file of files) assertLargeStrategyAgrees(file, readFileSync(file, "utf8"));
  assertLargeStrategyAgrees("generated", writeDescription(describe({ nodes: 3, podsPerNode: 4, services: 3, endpoints: 2 }), "yaml").join(""));
});
