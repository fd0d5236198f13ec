// The real executable in a fresh process: each command's module is imported
// only when that command runs (cli/main.ts), so these hold that what needs
// a module before parsing has it. In-process tests cannot: once one of them
// has imported a module, every later one finds it loaded.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const BIN = join(process.cwd(), "bin", "k8s-nettrace.js");

function cli(args: string[], input?: string): { stdout: string; stderr: string; code: number | null } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", input, timeout: 60_000 });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
}

for (const args of [["exec", "--help"], ["help", "exec"]]) {
  test(`${args.join(" ")} lists the commands exec can run (its help text needs the exec module)`, () => {
    const r = cli(args);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Supported commands:\n {2}brctl show\n {2}bridge fdb/);
    assert.match(r.stdout, /iptables-save/);
  });
}

test("an unknown command for exec names the supported ones, with exit code 2", () => {
  const r = cli(["exec", "node-a", "--", "frobnicate"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /supported commands:\n {2}brctl show\n {2}bridge fdb/);
  assert.doesNotMatch(r.stderr, /internal error/);
});

test("the shell runs trace synchronously: its module is loaded before the shell starts", () => {
  const r = cli(["shell"], "trace client web\nexit\n");
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /internal error|before its module was imported/);
  assert.match(r.stdout, /HTTP\/1\.1 200 OK/);
});

test("every command's help prints in a fresh process", () => {
  for (const name of ["validate", "exec", "trace", "shell", "check", "reach", "diff", "examples", "generate"]) {
    const r = cli([name, "--help"]);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Usage: k8s-nettrace ${name} `), name);
  }
});
