// `k8s-nettrace shell [-f FILE] [--script FILE] [--on TARGET]`: log into the
// simulated cluster. On a terminal: an interactive shell; with --script, or
// with commands piped in, a transcript of each command after its prompt.

import { dirname, join, resolve } from "node:path";
import type { Cluster } from "../../model/cluster.js";
import { SHELL_COMMANDS } from "../../shell/commands.js";
import { interpreterFor, netnsOf, type Place, type Toolset } from "../../shell/places.js";
import { interactive } from "../../shell/repl.js";
import { runScript } from "../../shell/script.js";
import { type CommandTable, Session, type ShellCommand } from "../../shell/session.js";
import { loadClusterOrExit } from "../cluster-input.js";
import { type Context, paintFor } from "../context.js";
import { ExitError, usage } from "../errors.js";
import { resolveTarget } from "../targets.js";

export interface ShellOptions {
  file?: string;
  script?: string;
  on?: string;
  seed: string;
}

/** Runs a k8s-nettrace command line in memory (the CLI's own router), returning its exit code. */
export type CliRunner = (ctx: Context, argv: string[]) => number;

export async function shellCommand(ctx: Context, opts: ShellOptions, runCli: CliRunner): Promise<void> {
  if (!/^\d+$/.test(opts.seed)) throw usage(`--seed ${opts.seed}: the seed must be a whole number`);
  let script: string | undefined;
  if (opts.script !== undefined) {
    const path = resolve(ctx.cwd, opts.script);
    if (!ctx.exists(path)) throw usage(`--script ${opts.script}: no such file`, "the script is a text file of command lines, one per line, as you would type them");
    script = new TextDecoder().decode(ctx.readFile(path));
  }
  const cluster = loadClusterOrExit(ctx, opts.file);
  const start = opts.on === undefined ? undefined : startPlace(cluster, opts.on);
  const session = new Session(cluster, withTrace(SHELL_COMMANDS, traceIn(ctx, cluster, opts.seed, runCli)), { seed: Number(opts.seed), ...(start ? { start } : {}) });
  const terminal = ctx.stdin?.isTTY && ctx.stdin.stream && ctx.stdin.terminalOutput && script === undefined;
  let status: number;
  if (terminal) {
    const historyFile = historyPath(ctx);
    status = await interactive(session, {
      input: ctx.stdin!.stream!,
      output: ctx.stdin!.terminalOutput!,
      writeErr: (text) => ctx.stderr.write(text),
      history: readHistory(ctx, historyFile),
      remember: (line) => appendHistory(ctx, historyFile, line),
      paint: paintFor(ctx, ctx.stdout),
    }, banner(cluster));
  } else {
    status = runScript(session, script ?? ctx.stdin?.readAll() ?? "", (text) => ctx.stdout.write(text));
  }
  if (status !== 0) throw new ExitError(status);
}

/**
 * `trace` inside the shell is k8s-nettrace's own trace on the session's
 * cluster; `trace DST` starts from where the user is.
 */
function traceIn(ctx: Context, cluster: Cluster, seed: string, runCli: CliRunner): ShellCommand {
  return (argv, env) => {
    let stdout = "";
    let stderr = "";
    const ordered: { stream: "stdout" | "stderr"; text: string }[] = [];
    const sub: Context = {
      ...ctx,
      cluster,
      stdout: { write: (s) => void ((stdout += s), ordered.push({ stream: "stdout", text: s })), isTTY: false },
      stderr: { write: (s) => void ((stderr += s), ordered.push({ stream: "stderr", text: s.replace(/^error\[usage\]: /gm, "trace: ") })), isTTY: false },
    };
    delete sub.stdin;
    const args = positionalCount(argv) === 1 ? [netnsOf(env.place), ...argv] : argv;
    const hasSeed = argv.some((a) => a === "--seed" || a.startsWith("--seed="));
    const code = runCli(sub, ["trace", ...args, ...(hasSeed ? [] : ["--seed", seed])]);
    return { stdout, stderr: stderr.replace(/^error\[usage\]: /gm, "trace: "), code, ordered };
  };
}

const TRACE_OPTIONS_WITH_VALUE = new Set(["-p", "--protocol", "--on", "-i", "--interface", "--pcap", "-o", "--output", "--seed", "--request", "--client", "-f", "--file"]);

function positionalCount(argv: string[]): number {
  let n = 0;
  for (let i = 0; i < argv.length; i++) {
    if (TRACE_OPTIONS_WITH_VALUE.has(argv[i]!)) i++;
    else if (!argv[i]!.startsWith("-")) n++;
  }
  return n;
}

function withTrace(table: CommandTable, trace: ShellCommand): CommandTable {
  const everywhere = (toolset: Toolset) => [...table.names(toolset), "trace"].sort();
  return {
    lookup: (name, toolset) => (name === "trace" ? trace : table.lookup(name, toolset)),
    names: everywhere,
  };
}

function startPlace(cluster: Cluster, text: string): Place {
  const t = resolveTarget(cluster, text);
  if (t.kind === "node") return { kind: "node", name: t.id };
  if (t.kind === "external") return { kind: "external", name: t.id };
  const pod = cluster.pods.find((p) => `${p.namespace}/${p.name}` === t.id)!;
  const container = pod.containers[0]!;
  return { kind: "pod", pod, container, interpreter: interpreterFor(container, "sh")!, via: "kubectl" };
}

function banner(cluster: Cluster): string {
  const n = (count: number, what: string) => `${count} ${what}${count === 1 ? "" : "s"}`;
  return `k8s-nettrace shell: cluster ${cluster.name} (${n(cluster.nodes.length, "node")}, ${n(cluster.pods.length, "pod")}, ${n(cluster.services.length, "service")}), simulated.\nType help for the commands here; ssh NODE and kubectl exec -it POD -- sh move you; exit or Ctrl-D leaves.\n\n`;
}

/** $K8S_NETTRACE_HISTORY, else $XDG_CACHE_HOME/k8s-nettrace/shell_history, else ~/.cache/…; none without a home. */
function historyPath(ctx: Context): string | undefined {
  if (ctx.env.K8S_NETTRACE_HISTORY !== undefined) return ctx.env.K8S_NETTRACE_HISTORY || undefined;
  const cache = ctx.env.XDG_CACHE_HOME || (ctx.env.HOME ? join(ctx.env.HOME, ".cache") : undefined);
  return cache ? join(cache, "k8s-nettrace", "shell_history") : undefined;
}

function readHistory(ctx: Context, file: string | undefined): string[] {
  if (!file || !ctx.exists(file)) return [];
  return new TextDecoder().decode(ctx.readFile(file)).split("\n").filter((l) => l.trim() !== "");
}

function appendHistory(ctx: Context, file: string | undefined, line: string): void {
  if (!file || !ctx.appendFile) return;
  try {
    ctx.mkdir(dirname(file));
    ctx.appendFile(file, line + "\n");
  } catch {
    // A read-only home must not end the session; the line is still in this session's history.
  }
}
