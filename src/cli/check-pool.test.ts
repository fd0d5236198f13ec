import { test } from "node:test";
import assert from "node:assert/strict";
import type { Context } from "./context.js";
import { POOL, threadsFor } from "./check-pool.js";

const ctx = (threads: number | undefined, env: Record<string, string> = {}): Context =>
  ({ env, threads, cwd: "/", stdout: { write() {}, isTTY: false }, stderr: { write() {}, isTTY: false } }) as unknown as Context;

test("check uses the machine's cores from POOL.minCores on, and K8S_NETTRACE_THREADS when it is a whole number", () => {
  assert.equal(threadsFor(ctx(undefined)), 1);
  assert.equal(threadsFor(ctx(POOL.minCores - 1)), 1);
  assert.equal(threadsFor(ctx(POOL.minCores)), POOL.minCores);
  assert.equal(threadsFor(ctx(2, { K8S_NETTRACE_THREADS: "2" })), 2);
  assert.equal(threadsFor(ctx(16, { K8S_NETTRACE_THREADS: "1" })), 1);
  for (const junk of ["0", "-3", "two", "", "1.5"]) assert.equal(threadsFor(ctx(16, { K8S_NETTRACE_THREADS: junk })), 16, junk);
});
