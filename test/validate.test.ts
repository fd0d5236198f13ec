// Every broken fixture has a golden diagnostic: the exact text a user sees.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { assertGolden } from "./support/golden.js";
import { runCli, transcript } from "./support/cli.js";

for (const file of readdirSync("fixtures/broken").sort()) {
  test(`validate fixtures/broken/${file}`, async () => {
    const argv = ["validate", "-f", `fixtures/broken/${file}`];
    const r = await runCli(argv);
    assert.equal(r.code, 2, "invalid input exits 2");
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace for a user mistake");
    assertGolden(`validate/${file}.txt`, transcript(argv, r));
  });
}

test("every bundled example validates", async () => {
  for (const file of readdirSync("fixtures").filter((f) => f.endsWith(".yaml"))) {
    const r = await runCli(["validate", "-f", `fixtures/${file}`]);
    assert.equal(r.code, 0, `${file}: ${r.stderr}`);
  }
});

test("hostile input: a binary file and a file over the size limit fail fast with a clear error", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "nettrace-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const binary = join(dir, "cluster.bin");
  writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]));
  const r1 = await runCli(["validate", "-f", binary]);
  assert.equal(r1.code, 2);
  assert.match(r1.stderr, /error\[binary-file\]: this is a binary file/);
  const huge = join(dir, "huge.yaml");
  writeFileSync(huge, Buffer.alloc(65 * 1024 * 1024, 0x20));
  const started = Date.now();
  const r2 = await runCli(["validate", "-f", huge]);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /error\[file-too-large\]: 65\.0 MB is more than the 64 MB/);
  assert.ok(Date.now() - started < 2000, "rejected without parsing");
});

test("a missing file and an unknown example are usage errors", async () => {
  const r1 = await runCli(["validate", "-f", "no/such/file.yaml"]);
  assert.equal(r1.code, 2);
  assert.equal(r1.stderr, "error[usage]: cannot read no/such/file.yaml: no such file\n  hint: give the cluster description with -f FILE, or -f example:NAME for a bundled one\n");
  const r2 = await runCli(["validate", "-f", "example:nope"]);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /no bundled example called "nope"/);
});
