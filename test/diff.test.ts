// `diff` golden cases: what changes per flow between two cluster descriptions
// (verdict, backends, NAT, path, the rules of the chains the flow walked), and
// the exit codes: 0 nothing changed, 1 something did, 2 invalid input.

import { test } from "node:test";
import assert from "node:assert/strict";
import { assertGolden } from "./support/golden.js";
import { runCli, transcript } from "./support/cli.js";

const S = "test/fixtures/trace/small.yaml";
const CHANGED = "test/fixtures/check/small-changed.yaml";

const CASES: [string, string[], number][] = [
  ["all-flows-changed", ["diff", S, CHANGED], 1],
  ["no-change", ["diff", S, S], 0],
  ["flows-from-expectations", ["diff", S, CHANGED, "--flows", "test/fixtures/check/failing.expect.yaml"], 1],
  ["json", ["diff", S, CHANGED, "--flows", "test/fixtures/check/failing.expect.yaml", "-o", "json"], 1],
  ["error-flows-and-all", ["diff", S, CHANGED, "--all", "--flows", "test/fixtures/check/failing.expect.yaml"], 2],
  ["error-missing-cluster", ["diff", S, "nothing-here.yaml"], 2],
  ["error-bad-flows-file", ["diff", S, CHANGED, "--flows", "test/fixtures/check/broken.expect.yaml"], 2],
];

for (const [name, argv, code] of CASES) {
  test(`diff ${name}`, async () => {
    const r = await runCli(argv);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.equal(r.code, code, r.stderr || r.stdout.slice(0, 800));
    assertGolden(`diff/${name}.txt`, transcript(argv, r));
  });
}
