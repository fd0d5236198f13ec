// Real tools (tcpdump, iptables-restore/-save) are the judges where they exist.
// Locally a missing tool skips the test with a visible reason; in CI (CI=true)
// a missing tool fails the test, so an oracle can never silently vanish.

import { spawnSync } from "node:child_process";

export function hasTool(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).status === 0;
}

/** Returns a skip reason, or undefined when the tools are usable. Throws in CI when missing. */
export function oracleSkip(...tools: string[]): string | undefined {
  const missing = tools.filter((t) => !hasTool(t));
  if (missing.length === 0) return undefined;
  const reason = `oracle tool(s) not installed: ${missing.join(", ")} (run .ci/run or apt-get install them)`;
  if (process.env.CI) throw new Error(`${reason}; CI must not skip oracle tests`);
  return reason;
}

/** Runs a shell command inside a fresh user+network namespace (no root needed). */
export function inNetns(script: string, input?: string): { stdout: string; stderr: string; status: number } {
  const result = spawnSync("unshare", ["-rn", "sh", "-c", script], {
    input,
    encoding: "utf8",
    env: { ...process.env, XTABLES_LOCKFILE: "/tmp/k8s-nettrace-xtables.lock" },
    maxBuffer: 1 << 30,
  });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status ?? -1 };
}
