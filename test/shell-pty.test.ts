// The interactive shell on a real pseudo-terminal (python3's pty module plays
// the keyboard): prompt, tab completion, history recall and persistence,
// Ctrl-C abandoning a line, Ctrl-D leaving.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { oracleSkip } from "./support/oracle.js";

const BIN = join(process.cwd(), "bin", "k8s-nettrace.js");
const DRIVER = join(process.cwd(), "test", "support", "pty-drive.py");

type Step = { send: string } | { expect: string };

function drive(steps: Step[], env: Record<string, string>, args: string[] = []): { ok: boolean; failed: number | null; output: string; status: number | null } {
  const r = spawnSync("python3", [DRIVER, JSON.stringify(steps), "--", process.execPath, BIN, "shell", ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", TERM: "xterm", ...env },
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** Output as the screen shows it: cursor-movement escapes removed, CR LF as LF. */
function screen(output: string): string {
  return output.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "").replace(/\r+\n/g, "\n");
}

const PROMPT = "\\[root@node-a ~\\]\\$ ";

test("interactive: prompt, tab completion, Ctrl-C, history recall, Ctrl-D", { skip: oracleSkip("python3") }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), "nettrace-pty-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const history = join(dir, "history");
  const r = drive([
    { expect: PROMPT },
    // Tab completes a unique command name…
    { send: "hostn" }, { send: "\t" }, { expect: "hostname" }, { send: "\r" }, { expect: "\nnode-a\r?\n" },
    // …and lists the candidates of an ambiguous one on the second Tab.
    { send: "ipt" }, { send: "\t" }, { send: "\t" }, { expect: "iptables +iptables-save" }, { send: "\u0015" },
    // Ctrl-C drops the line being typed; the session goes on.
    { expect: PROMPT }, { send: "ip route show tab" }, { send: "\u0003" }, { expect: "\\^C" },
    // Up arrow recalls the previous command.
    { expect: PROMPT }, { send: "\u001b[A" }, { expect: "hostname" }, { send: "\r" }, { expect: "node-a" },
    // Completion of node names after ssh; exit comes back.
    { expect: PROMPT }, { send: "ssh node-" }, { send: "\t" }, { send: "\t" }, { expect: "node-a +node-b +node-c" },
    { send: "b\r" }, { expect: "\\[root@node-b ~\\]\\$ " }, { send: "exit\r" }, { expect: "Connection to node-b closed" },
    { expect: PROMPT }, { send: "\u0004" }, { expect: "logout" },
  ], { K8S_NETTRACE_HISTORY: history });
  const shown = screen(r.output);
  assert.ok(r.ok, `step ${r.failed} did not happen; the screen was:\n${shown}`);
  assert.equal(r.status, 0);
  assert.doesNotMatch(shown, /ip route show tab\n/, "Ctrl-C must not run the abandoned line");
  assert.equal(readFileSync(history, "utf8"), "hostname\nhostname\nssh node-b\nexit\n");
});

test("interactive: history persists to the next session", { skip: oracleSkip("python3") }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), "nettrace-pty-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const history = join(dir, "history");
  drive([{ expect: PROMPT }, { send: "ip -4 addr show dev cni0\r" }, { expect: "inet 10.244.0.1/24" }, { send: "exit\r" }, { expect: "logout" }], { K8S_NETTRACE_HISTORY: history });
  // The newest entry is the `exit` that ended the last session; one more Up reaches the command before it.
  const r = drive([{ expect: PROMPT }, { send: "\u001b[A" }, { expect: "exit" }, { send: "\u001b[A" }, { expect: "ip -4 addr show dev cni0" }, { send: "\r" }, { expect: "inet 10.244.0.1/24" }, { send: "exit\r" }, { expect: "logout" }], { K8S_NETTRACE_HISTORY: history });
  assert.ok(r.ok, `step ${r.failed} did not happen; the screen was:\n${screen(r.output)}`);
});

test("interactive: a bad command never ends the session; colour only when allowed", { skip: oracleSkip("python3") }, () => {
  const r = drive([
    { expect: "\\$ " }, { send: "nosuchtool --x\r" }, { expect: "bash: nosuchtool: command not found" },
    { send: "ip route | grep 'unclosed\r" }, { expect: "not closed" },
    { expect: "\\$ " }, { send: "exit\r" }, { expect: "logout" },
  ], { K8S_NETTRACE_HISTORY: "", FORCE_COLOR: "1" });
  assert.ok(r.ok, `step ${r.failed} did not happen; the screen was:\n${screen(r.output)}`);
  // FORCE_COLOR paints the prompt; NO_COLOR (set by drive) loses to FORCE_COLOR as chalk does.
  assert.match(r.output, /\u001b\[36mroot@node-a\u001b\[39m/);
});
