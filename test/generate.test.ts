// `generate`: the exact text of a tiny description (golden), descriptions that
// validate in both formats and mean the same, and usage errors (exit 2).

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { load } from "js-yaml";
import { assertGolden } from "./support/golden.js";
import { runCli, transcript } from "./support/cli.js";

const TINY = ["generate", "--nodes", "2", "--pods-per-node", "3", "--services", "2", "--endpoints", "2"];

test("a tiny description, as YAML and as JSON", async () => {
  for (const format of ["yaml", "json"]) {
    const argv = [...TINY, "--format", format];
    const r = await runCli(argv);
    assert.equal(r.code, 0, r.stderr);
    assertGolden(`generate/tiny-${format}.txt`, transcript(argv, r));
  }
});

test("generated descriptions validate without a warning, and the YAML and JSON forms mean the same", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "nettrace-gen-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, flags] of [["tiny", TINY.slice(1)], ["S", ["--size", "S"]], ["odd", ["--nodes", "7", "--pods-per-node", "5", "--services", "11", "--endpoints", "3"]]] as const) {
    const files: string[] = [];
    for (const format of ["yaml", "json"]) {
      const file = join(dir, `${name}.${format}`);
      const written = await runCli(["generate", ...flags, "-o", file]);
      assert.equal(written.code, 0, written.stderr);
      assert.match(written.stderr, new RegExp(`^wrote ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `));
      const r = await runCli(["validate", "-f", file]);
      assert.equal(r.code, 0, `${name}.${format}: ${r.stderr}`);
      assert.equal(r.stderr, "", `${name}.${format} validates without a warning`);
      files.push(file);
    }
    assert.deepEqual(load(readFileSync(files[0]!, "utf8")), JSON.parse(readFileSync(files[1]!, "utf8")), `${name}: same content`);
  }
  const s = await runCli(["validate", "-f", join(dir, "S.yaml")]);
  assert.match(s.stdout, /is valid: 100 nodes, 3000 pods, 200 services/);
});

test("the same flags give the same bytes", async () => {
  const a = await runCli(["generate", "--size", "S", "--format", "json"]);
  const b = await runCli(["generate", "--size", "S", "--format", "json"]);
  assert.equal(a.code, 0);
  assert.ok(a.stdout === b.stdout && a.stdout.length > 500_000);
});

test("bad flags exit 2 with a clear message", async () => {
  const cases = [
    ["generate"],
    ["generate", "--nodes", "10"],
    ["generate", "--nodes", "5", "--pods-per-node", "x"],
    ["generate", "--size", "XL"],
    ["generate", "--size", "S", "--nodes", "ten"],
    ["generate", "--size", "S", "--format", "xml"],
    ["generate", "--nodes", "0", "--pods-per-node", "300", "--services", "1", "--endpoints", "1"],
    ["generate", "--nodes", "2", "--pods-per-node", "3", "--services", "4", "--endpoints", "2"],
    ["generate", "--size", "S", "--bogus"],
  ];
  let out = "";
  for (const argv of cases) {
    const r = await runCli(argv);
    assert.equal(r.code, 2, argv.join(" "));
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace for a user mistake");
    out += transcript(argv, r);
  }
  assertGolden("generate/usage-errors.txt", out);
});
