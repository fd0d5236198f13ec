// `check` golden cases: passing and failing suites in every output format,
// the exit-code contract (0 all passed, 1 a check failed, 2 invalid input),
// and every kind of bad input with its file:line:col diagnostic.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertGolden } from "./support/golden.js";
import { runCli, transcript } from "./support/cli.js";
import { POOL } from "../src/cli/check-pool.js";

const S = "test/fixtures/trace/small.yaml";
const LAB = "fixtures/checks/lab.expect.yaml";
const FAILING = "test/fixtures/check/failing.expect.yaml";

const CASES: [string, string[], number][] = [
  ["lab-passes", ["check", LAB], 0],
  ["lab-passes-junit", ["check", LAB, "-o", "junit"], 0],
  ["lab-passes-tap", ["check", LAB, "-o", "tap"], 0],
  ["failing", ["check", FAILING, "-f", S], 1],
  ["failing-junit", ["check", FAILING, "-f", S, "-o", "junit"], 1],
  ["failing-tap", ["check", FAILING, "-f", S, "-o", "tap"], 1],
  ["two-files", ["check", LAB, "test/fixtures/check/lab-udp.expect.yaml", "-o", "tap"], 1],
  // IPVS mode: the same checks pass; failures name the IPVS decision and the Service behind the virtual server.
  ["ipvs-lab-passes", ["check", LAB, "-f", "example:lab-ipvs"], 0],
  ["ipvs-failing", ["check", FAILING, "-f", "test/fixtures/trace/ipvs.yaml"], 1],
  ["truncated-paths", ["check", LAB, "--max-paths", "1"], 1],
  ["error-broken-file", ["check", "test/fixtures/check/broken.expect.yaml", "-f", S], 2],
  ["error-unknown-names", ["check", "test/fixtures/check/unknown-names.expect.yaml", "-f", S], 2],
  ["error-yaml-syntax", ["check", "test/fixtures/check/bad-yaml.expect.yaml", "-f", S], 2],
  ["error-cluster-as-expectations", ["check", "fixtures/lab.yaml"], 2],
  ["error-missing-files", ["check", "nothing-here.yaml", "-f", "no-cluster.yaml"], 2],
  ["error-broken-cluster", ["check", LAB, "-f", "fixtures/broken/duplicates.yaml"], 2],
  ["error-bad-format", ["check", LAB, "-o", "xml"], 2],
  ["error-no-argument", ["check"], 2],
];

for (const [name, argv, code] of CASES) {
  test(`check ${name}`, async () => {
    const r = await runCli(argv);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.equal(r.code, code, r.stderr || r.stdout.slice(0, 800));
    assertGolden(`check/${name}.txt`, transcript(argv, r));
  });
}

/** JSON is the Trace serialised per path: the golden holds everything but the traces (they are megabytes). */
function withoutTraces(json: string): unknown {
  const doc = JSON.parse(json);
  for (const suite of doc.suites) for (const check of suite.checks) for (const r of check.results) if (r.trace) r.trace = `(${r.trace.captures.length} capture points, ${r.trace.steps.length} steps)`;
  return doc;
}

for (const [name, argv, code] of [["lab-passes-json", ["check", LAB, "-o", "json"], 0], ["failing-json", ["check", FAILING, "-f", S, "-o", "json"], 1]] as const) {
  test(`check ${name}`, async () => {
    const r = await runCli([...argv]);
    assert.equal(r.code, code, r.stderr);
    assertGolden(`check/${name}.json`, JSON.stringify(withoutTraces(r.stdout), null, 2) + "\n");
  });
}

test("check -o json, written a check at a time, is exactly what JSON.stringify prints; --traces failing keeps only failing paths' traces", async () => {
  const r = await runCli(["check", FAILING, "-f", S, "-o", "json"]);
  assert.equal(r.stdout, JSON.stringify(JSON.parse(r.stdout), null, 2) + "\n");
  const slim = JSON.parse((await runCli(["check", FAILING, "-f", S, "-o", "json", "--traces", "failing"])).stdout);
  for (const check of slim.suites[0].checks) for (const p of check.results) assert.equal(p.trace === null, p.misses.length === 0);
});

test("check -o json carries each path's Trace exactly as `trace -o json` serialises it", async () => {
  const c = await runCli(["check", FAILING, "-f", S, "-o", "json"]);
  const doc = JSON.parse(c.stdout);
  const podToPod = doc.suites[0].checks.find((x: { name: string }) => x.name === "pod to pod on the same node");
  assert.equal(podToPod.results.length, 1);
  const t = await runCli(["trace", "-f", S, "client-a", "web-a", "-o", "json"]);
  assert.deepEqual(podToPod.results[0].trace, JSON.parse(t.stdout));
});

test("check output is byte-identical run to run (the time column is simulated time)", async () => {
  const a = await runCli(["check", FAILING, "-f", S]);
  const b = await runCli(["check", FAILING, "-f", S]);
  assert.equal(a.stdout, b.stdout);
});

test("check on several threads prints exactly what one thread prints, failing paths' traces included", async () => {
  // Every flow is enumerated by a worker and its records simulated again here for the report.
  Object.assign(POOL, { minFlowsPerThread: 1, thisThreadTakes: false });
  try {
    for (const argv of [["check", FAILING, "-f", S, "-o", "json"], ["check", FAILING, "-f", S], ["check", LAB, "test/fixtures/check/lab-udp.expect.yaml", "-o", "tap"]]) {
      const one = await runCli(argv);
      const many = await runCli(argv, {}, POOL.minCores);
      assert.deepEqual(many, one, argv.join(" "));
    }
  } finally {
    Object.assign(POOL, { minFlowsPerThread: 16, thisThreadTakes: true });
  }
});

test("check --output-file writes the report whole, and the text report still goes to stdout", () => withTemp(async (dir) => {
  const out = join(dir, "report.xml");
  const r = await runCli(["check", FAILING, "-f", S, "-o", "junit", "--output-file", out]);
  assert.equal(r.code, 1);
  assert.match(readFileSync(out, "utf8"), /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
  assert.match(r.stdout, /^┌/);
  assert.match(r.stdout, /\n1 passed, 5 failed\n$/);
  assert.deepEqual(readdirSync(dir), ["report.xml"], "no temporary file is left behind");
}));

test("check -o json --output-file is written piece by piece and renamed: the same bytes as on stdout", () => withTemp(async (dir) => {
  const out = join(dir, "report.json");
  const toFile = await runCli(["check", FAILING, "-f", S, "-o", "json", "--output-file", out]);
  const toStdout = await runCli(["check", FAILING, "-f", S, "-o", "json"]);
  assert.equal(toFile.code, 1);
  assert.equal(readFileSync(out, "utf8"), toStdout.stdout);
  assert.deepEqual(readdirSync(dir), ["report.json"], "no temporary file is left behind");
}));

test("check --output-file leaves an existing report alone when the input is invalid", () => withTemp(async (dir) => {
  const out = join(dir, "report.xml");
  writeFileSync(out, "previous report\n");
  const r = await runCli(["check", "test/fixtures/check/broken.expect.yaml", "-f", S, "-o", "junit", "--output-file", out]);
  assert.equal(r.code, 2);
  assert.equal(readFileSync(out, "utf8"), "previous report\n");
  assert.deepEqual(readdirSync(dir), ["report.xml"]);
}));

test("check --output-file into a directory that does not exist is bad input", () => withTemp(async (dir) => {
  const r = await runCli(["check", LAB, "--output-file", join(dir, "missing", "report.xml")]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /its directory does not exist/);
  assert.equal(existsSync(join(dir, "missing")), false);
}));

test("check paints PASS/FAIL only when asked (FORCE_COLOR), never with NO_COLOR or off a terminal", async () => {
  const plain = await runCli(["check", FAILING, "-f", S]);
  assert.doesNotMatch(plain.stdout, /\x1b\[/);
  const forced = await runCli(["check", FAILING, "-f", S], { FORCE_COLOR: "1" });
  assert.match(forced.stdout, /\x1b\[[0-9;]*mFAIL/);
  assert.match(forced.stdout, /\x1b\[[0-9;]*mPASS/);
  const none = await runCli(["check", FAILING, "-f", S], { NO_COLOR: "1" });
  assert.equal(none.stdout, plain.stdout);
});

test("the bundled example expectations pass against the bundled lab cluster", async () => {
  const r = await runCli(["check", LAB]);
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, /\n4 passed, 0 failed\n$/);
});

async function withTemp(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "k8s-nettrace-check-"));
  try {
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
