// Runs the real CLI in memory: same commands, same output, no subprocess.

import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { Context } from "../../src/cli/context.js";
import { run } from "../../src/cli/main.js";

export interface CliResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** `threads`: as many as the command may use (the real CLI: the machine's cores); one by default. */
export async function runCli(argv: string[], env: Record<string, string> = {}, threads = 1): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const ctx: Context = {
    stdout: { write: (s) => void (stdout += s), isTTY: false },
    stderr: { write: (s) => void (stderr += s), isTTY: false },
    env: { ...env },
    cwd: process.cwd(),
    readFile: (p) => readFileSync(p),
    writeFile: (p, d) => writeFileSync(p, d),
    mkdir: (p) => void mkdirSync(p, { recursive: true }),
    exists: (p) => existsSync(p),
    rename: (from, to) => renameSync(from, to),
    appendFile: (p, d) => appendFileSync(p, d),
    threads,
  };
  const code = await run(ctx, argv);
  return { stdout, stderr, code };
}

/** The golden form of a run: the command, then stdout, stderr and the exit code. */
export function transcript(argv: string[], r: CliResult): string {
  const quoted = argv.map((a) => (/^[\w./:=@,+-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ");
  let out = `$ k8s-nettrace ${quoted}\n${r.stdout}`;
  if (r.stdout && !r.stdout.endsWith("\n")) out += "\n";
  if (r.stderr) out += `--- stderr\n${r.stderr}${r.stderr.endsWith("\n") ? "" : "\n"}`;
  out += `--- exit ${r.code}\n`;
  return out;
}
