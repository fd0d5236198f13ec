// `k8s-nettrace check EXPECTATIONS... [-f CLUSTER] [-o FORMAT] [--output-file F]`:
// network smoke tests for CI. Exit 0 when every check passes on every path,
// 1 when any fails, 2 when the input is invalid (nothing is run then).

import { basename, dirname, join, resolve } from "node:path";
import { type CheckOutcome, runCheck, type SuiteReport } from "../../check/run-check.js";
import { CompiledCluster } from "../../compile/compiled-cluster.js";
import { ClusterWorld } from "../../compile/world.js";
import type { Diagnostic } from "../../model/diagnostics.js";
import { formatDiagnostics } from "../../render/diagnostics.js";
import { renderCheckJunit } from "../../render/check-junit.js";
import { checkJsonChunks } from "../../render/check-json.js";
import { renderCheckTap } from "../../render/check-tap.js";
import { renderCheckText } from "../../render/check-text.js";
import { planChecks, readExpectationFiles } from "../check-input.js";
import { enumerateSuite, threadsFor } from "../check-pool.js";
import { loadClusterOrExit } from "../cluster-input.js";
import { type Context, paintFor } from "../context.js";
import { ExitError, usage } from "../errors.js";
import { toTrace } from "../flow-plan.js";

export interface CheckOptions {
  file?: string;
  output: string;
  outputFile?: string;
  seed: string;
  maxPaths: string;
  traces: string;
}

const FORMATS = ["text", "json", "junit", "tap"] as const;

export async function checkCommand(ctx: Context, names: string[], opts: CheckOptions): Promise<void> {
  if (!(FORMATS as readonly string[]).includes(opts.output)) throw usage(`-o ${opts.output}: the output must be ${FORMATS.join(", ")}`);
  if (!/^\d+$/.test(opts.seed)) throw usage(`--seed ${opts.seed}: the seed must be a whole number`);
  if (opts.traces !== "all" && opts.traces !== "failing") throw usage(`--traces ${opts.traces}: all or failing`);
  if (!/^\d+$/.test(opts.maxPaths) || Number(opts.maxPaths) < 1) throw usage(`--max-paths ${opts.maxPaths}: a whole number of at least 1`);
  if (opts.outputFile !== undefined && !ctx.exists(dirname(resolve(ctx.cwd, opts.outputFile)))) throw usage(`--output-file ${opts.outputFile}: its directory does not exist`);
  // Every problem in one run: the expectations files' and the cluster's.
  const read = readExpectationFiles(ctx, names);
  const cluster = loadOrCollect(ctx, opts.file, read.diagnostics);
  if (read.diagnostics.some((d) => d.severity === "error") || !cluster) throw new ExitError(2, "", read.diagnostics);
  if (read.diagnostics.length) ctx.stderr.write(formatDiagnostics(read.diagnostics, paintFor(ctx, ctx.stderr)));
  // One compiled world for every check: nodes compile on first use and are shared (the state is never mutated).
  const world = new ClusterWorld(new CompiledCluster(cluster));
  const planned = planChecks(cluster, world, read.files);
  const seed = Number(opts.seed);
  const limit = Number(opts.maxPaths);
  const suites: SuiteReport[] = read.files.map((file) => ({ file: file.name, checks: [] }));
  const cache = await enumerateSuite(cluster, world, planned.map((p) => p.plan.input), { seed, limit, threads: threadsFor(ctx) });
  for (const p of planned) {
    const outcome: CheckOutcome = runCheck(world, p.resolved, p.plan.input, { from: p.plan.target.fromLabel, to: p.plan.target.toLabel, ...(p.plan.target.note ? { note: p.plan.target.note } : {}) }, { seed, limit, cache, toTrace: (r) => toTrace(cluster, p.plan.target, r) });
    const location = p.file.source.locate(p.resolved.check.at, "key");
    suites[read.files.indexOf(p.file)]!.checks.push({ outcome, ...(location ? { location } : {}) });
  }
  const locate = (at: readonly (string | number)[]) => {
    const loc = cluster.source.locate(at, "key");
    return loc ? `${loc.file}:${loc.line}:${loc.col}` : undefined;
  };
  const clusterName = cluster.source.name;
  const traces = opts.traces === "failing" ? "failing" : "all";
  const render = (format: string, color: boolean): string | Iterable<string> => {
    // JSON is written as it is made, a check at a time: a large suite's traces do not fit in memory together.
    if (format === "json") return checkJsonChunks(suites, clusterName, traces);
    if (format === "junit") return renderCheckJunit(suites, clusterName, locate);
    if (format === "tap") return renderCheckTap(suites, locate);
    const paint = paintFor(ctx, color ? ctx.stdout : { write: () => {}, isTTY: false });
    return renderCheckText(suites, { paint: { ...paint, pass: (s) => paint.chalk.green.bold(s) }, locate });
  };
  if (opts.outputFile !== undefined) {
    writeAtomically(ctx, opts.outputFile, render(opts.output, false));
    // The CI log still gets the human report; a text report in the file needs no second copy.
    ctx.stdout.write(opts.output === "text" ? `${summaryLine(suites)} (report written to ${opts.outputFile})\n` : (render("text", true) as string));
  } else {
    const out = render(opts.output, opts.output === "text");
    for (const piece of typeof out === "string" ? [out] : out) {
      ctx.stdout.write(piece);
      // A pipe takes a large JSON report slower than it is made: wait rather than hold it all.
      await ctx.stdout.drained?.();
    }
  }
  if (suites.some((s) => s.checks.some((c) => !c.outcome.passed))) throw new ExitError(1);
}

function summaryLine(suites: SuiteReport[]): string {
  const all = suites.flatMap((s) => s.checks);
  const passed = all.filter((c) => c.outcome.passed).length;
  return `${passed} passed, ${all.length - passed} failed`;
}

function loadOrCollect(ctx: Context, file: string | undefined, into: Diagnostic[]): ReturnType<typeof loadClusterOrExit> | undefined {
  try {
    return loadClusterOrExit(ctx, file);
  } catch (error) {
    if (!(error instanceof ExitError)) throw error;
    into.push(...error.diagnostics);
    return undefined;
  }
}

/**
 * The report appears whole or not at all: written next to the target and
 * renamed over it (rename(2) is atomic within a file system), so a CI step
 * that reads the file never sees half a report, and an old report is never
 * replaced by a broken one.
 */
function writeAtomically(ctx: Context, name: string, report: string | Iterable<string>): void {
  const target = resolve(ctx.cwd, name);
  const temp = join(dirname(target), `.${basename(target)}.k8s-nettrace.tmp`);
  try {
    if (ctx.rename && ctx.appendFile && typeof report !== "string") {
      // Piece by piece into the temporary file, then renamed whole.
      ctx.writeFile(temp, "");
      for (const piece of report) ctx.appendFile(temp, piece);
      ctx.rename(temp, target);
      return;
    }
    const text = typeof report === "string" ? report : Buffer.concat([...report].map((piece) => Buffer.from(piece)));
    if (ctx.rename) {
      ctx.writeFile(temp, text);
      ctx.rename(temp, target);
    } else {
      ctx.writeFile(target, text);
    }
  } catch (error) {
    // A file system refusal is the user's to fix; anything else (a report that failed to build) is ours.
    if ((error as NodeJS.ErrnoException).code === undefined) throw error;
    throw usage(`cannot write ${name}: ${(error as NodeJS.ErrnoException).code}`);
  }
}
