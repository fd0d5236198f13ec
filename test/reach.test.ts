// `reach` golden cases: the reachability matrix as a table, CSV and JSON,
// selectors by name glob, kind and label, and bad selectors.

import { test } from "node:test";
import assert from "node:assert/strict";
import { assertGolden } from "./support/golden.js";
import { runCli, transcript } from "./support/cli.js";

const S = "test/fixtures/trace/small.yaml";

const CASES: [string, string[], number][] = [
  ["lab-default", ["reach"], 0],
  ["small-pods-to-services", ["reach", "-f", S], 0],
  ["small-label-selectors-csv", ["reach", "-f", S, "--from", "app=web", "--from", "ext:laptop", "--to", "svc:app in (web,local)", "-o", "csv"], 0],
  ["small-nodeports-from-laptop", ["reach", "-f", S, "--from", "ext:*", "--to", "node:node-*", "-p", "30081"], 0],
  ["small-pod-ports-json", ["reach", "-f", S, "--from", "default/client-a", "--to", "pod:web-?", "-o", "json"], 0],
  ["error-bad-selector", ["reach", "-f", S, "--to", "svc:app=(web"], 2],
  ["error-bad-kind", ["reach", "-f", S, "--from", "deploy:web"], 2],
  ["error-nothing-matches", ["reach", "-f", S, "--from", "nothing-*"], 2],
  ["error-bad-port", ["reach", "-f", S, "-p", "http"], 2],
];

for (const [name, argv, code] of CASES) {
  test(`reach ${name}`, async () => {
    const r = await runCli(argv);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.equal(r.code, code, r.stderr || r.stdout.slice(0, 800));
    assertGolden(`reach/${name}.txt`, transcript(argv, r));
  });
}
