// The fast YAML reader must agree with js-yaml on everything it accepts, and
// decline everything js-yaml rejects: checked on every fixture and on
// thousands of random documents and mutations of them (seeded, so a failure
// reproduces).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { describe } from "../generate/plan.js";
import { writeDescription } from "../generate/write.js";
import { readSimpleYaml } from "./yaml-fast.js";
import { SeededRandom } from "../simulate/rng.js";

function jsYaml(text: string): { value: unknown } | { error: string } {
  try {
    return { value: load(text, { maxAliases: 100, maxDepth: 64 }) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** Accepted means: js-yaml reads the same value. Returns whether the fast reader accepted. */
function agrees(text: string): boolean {
  const fast = readSimpleYaml(text);
  if (fast === undefined) return false;
  const reference = jsYaml(text);
  assert.ok("value" in reference, `fast reader accepted what js-yaml rejects (${"error" in reference ? reference.error : ""}):\n${text}`);
  assert.deepStrictEqual(fast, reference.value, `different value for:\n${text}`);
  return true;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? yamlFiles(join(dir, e.name)) : e.name.endsWith(".yaml") ? [join(dir, e.name)] : []));
}

test("every YAML fixture: the same value as js-yaml, or left to js-yaml", () => {
  let accepted = 0;
  for (const file of [...yamlFiles("fixtures"), ...yamlFiles("test/fixtures")]) if (agrees(readFileSync(file, "utf8"))) accepted++;
  assert.ok(accepted >= 20, `the plain fixtures take the fast path (${accepted})`);
  assert.ok(agrees(writeDescription(describe({ nodes: 3, podsPerNode: 4, services: 3, endpoints: 2 }), "yaml").join("")), "generated descriptions take the fast path");
});

// ---- random documents --------------------------------------------------------

/** A seeded stream in [0, 1): the random cases are the same run after run. */
function rng(seed: number): () => number {
  const random = new SeededRandom(seed);
  return () => random.fraction();
}

const SCALARS = [
  "a", "web", "x y", "10.0.0.1", "10.244.0.0/16", "1.28", "1.10", "80", "-1", "0x1f", "0o17", "1e3", ".inf", "-.Inf", ".nan",
  "true", "True", "FALSE", "yes", "no", "on", "null", "~", "Null", "nginx:1.25", "a#b", "a #b", "http://x", "k8s-app",
  '"quoted"', '"a: b"', "'single'", "'it''s'", '""', "''", '"tab\\there"', "a,b", "-x", "- x", "?x", ":x", "@x", "`x", "%x",
  "&anchor x", "*alias", "!!str 1", "|", ">-", "x:", "a: b", "[]", "{}", "[a, b]", "{a: 1, b: [2, 3]}", "{a: x:y}", "[a, , b]", "[a,]", "{a: 1, a: 2}",
];
const KEYS = ["name", "ip", "a b", "__proto__", "1", "true", "null", '"quoted key"', "'single key'", "k", "k", "ports", "x-y", "-", "? k", "<<"];

function randomDoc(r: () => number, depth = 0, indent = 0): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  const pad = " ".repeat(indent);
  const lines: string[] = [];
  const n = 1 + Math.floor(r() * 4);
  const seq = r() < 0.4;
  for (let i = 0; i < n; i++) {
    const head = seq ? `${pad}-` : `${pad}${pick(KEYS)}:`;
    const roll = r();
    if (roll < 0.55 || depth > 3) lines.push(`${head} ${pick(SCALARS)}${r() < 0.1 ? "  # note" : ""}`);
    else if (roll < 0.65) lines.push(head);
    else if (roll < 0.75 && seq) {
      // "- key: value" with more keys lined up under it
      const inner = randomDoc(r, depth + 1, indent + 2).split("\n");
      lines.push(`${pad}- ${inner[0]!.trimStart()}`, ...inner.slice(1));
    } else {
      const step = 1 + Math.floor(r() * 3);
      lines.push(head, randomDoc(r, depth + 1, r() < 0.15 && !seq ? indent : indent + step));
    }
    if (r() < 0.08) lines.push(r() < 0.5 ? "" : `${pad}# comment`);
  }
  return lines.join("\n");
}

const NOISE = [" ", "  ", ":", "-", "#", "{", "}", "[", "]", ",", '"', "'", "\n", "a", "1", "&", "*", "!", "|", ">", "?", "%", "@", "---", "\t", "\\", "\u0000", "\u0001", "\u0085", "\u2028", "\u00a0", "\ufeff", "é"];

function mutate(text: string, r: () => number): string {
  let out = text;
  for (let k = 0, n = 1 + Math.floor(r() * 3); k < n; k++) {
    const at = Math.floor(r() * (out.length + 1));
    const roll = r();
    if (roll < 0.4) out = out.slice(0, at) + out.slice(at + 1);
    else out = out.slice(0, at) + NOISE[Math.floor(r() * NOISE.length)] + out.slice(roll < 0.7 ? at : at + 1);
  }
  return out;
}

test("random documents and mutations: never a different value, never accepting what js-yaml rejects", () => {
  const r = rng(7);
  let accepted = 0;
  let total = 0;
  for (let i = 0; i < 2500; i++) {
    const doc = randomDoc(r) + (r() < 0.5 ? "\n" : "");
    total++;
    if (agrees(doc)) accepted++;
    for (let m = 0; m < 3; m++) {
      total++;
      if (agrees(mutate(doc, r))) accepted++;
    }
  }
  // The generator is made to hit both paths; a fast path that declined everything would pass trivially.
  assert.ok(accepted > total / 10, `accepted ${accepted} of ${total}`);
});
