// `k8s-nettrace reach [-f CLUSTER] [--from SEL]... [--to SEL]... [-p PORT] [-o FORMAT]`:
// the reachability matrix between pods, services, nodes and external hosts,
// each cell the verdict of every path (as `check` enumerates them).

import { type Enumeration, enumeratePaths } from "../../check/enumerate.js";
import { type Cell, cellOf, type Matrix, targetsFor } from "../../check/reach.js";
import { parseSelector, type PlaceKind, type Selector, SelectorError, selectPlaces } from "../../check/selectors.js";
import { CompiledCluster } from "../../compile/compiled-cluster.js";
import { ClusterWorld } from "../../compile/world.js";
import type { Cluster } from "../../model/cluster.js";
import { reachJson, renderReachCsv, renderReachTable } from "../../render/reach-matrix.js";
import { loadClusterOrExit } from "../cluster-input.js";
import { type Context, paintFor } from "../context.js";
import { ExitError, usage } from "../errors.js";
import { planFlow } from "../flow-plan.js";

export interface ReachOptions {
  file?: string;
  from: string[];
  to: string[];
  port?: string;
  output: string;
  seed: string;
  maxPaths: string;
}

function selectors(flag: string, texts: string[], kind: PlaceKind, fallback: string): Selector[] {
  return (texts.length ? texts : [fallback]).map((t) => {
    try {
      return parseSelector(t, kind);
    } catch (error) {
      if (error instanceof SelectorError) throw usage(`${flag} ${t}: ${error.message}`, error.hint);
      throw error;
    }
  });
}

export function reachCommand(ctx: Context, opts: ReachOptions): void {
  if (!["table", "json", "csv"].includes(opts.output)) throw usage(`-o ${opts.output}: the output must be table, json or csv`);
  if (opts.port !== undefined && !(/^\d+$/.test(opts.port) && Number(opts.port) >= 1 && Number(opts.port) <= 65535)) throw usage(`-p ${opts.port}: a port is a number from 1 to 65535`);
  if (!/^\d+$/.test(opts.seed)) throw usage(`--seed ${opts.seed}: the seed must be a whole number`);
  if (!/^\d+$/.test(opts.maxPaths) || Number(opts.maxPaths) < 1) throw usage(`--max-paths ${opts.maxPaths}: a whole number of at least 1`);
  const from = selectors("--from", opts.from, "pod", "pod:*");
  const to = selectors("--to", opts.to, "svc", "svc:*");
  const cluster = loadClusterOrExit(ctx, opts.file);
  const sources = selectPlaces(cluster, from).filter((p) => p.kind !== "svc");
  const targets = targetsFor(cluster, selectPlaces(cluster, to), opts.port === undefined ? undefined : Number(opts.port));
  if (sources.length === 0) throw usage(`no source matches ${opts.from.join(", ") || "(every pod)"}`, "services are destinations only; see --help for the selector syntax");
  if (targets.length === 0) throw usage(`no destination port matches ${opts.to.join(", ") || "(every service)"}${opts.port ? ` with port ${opts.port}` : ""}`, "see --help for the selector syntax");
  const matrix = buildMatrix(cluster, sources, targets, Number(opts.seed), Number(opts.maxPaths));
  if (opts.output === "json") ctx.stdout.write(JSON.stringify(reachJson(matrix), null, 2) + "\n");
  else if (opts.output === "csv") ctx.stdout.write(renderReachCsv(matrix));
  else {
    const paint = paintFor(ctx, ctx.stdout);
    ctx.stdout.write(renderReachTable(matrix, { ...paint, pass: (s) => paint.chalk.green(s) }));
  }
}

function buildMatrix(cluster: Cluster, sources: Matrix["sources"], targets: Matrix["targets"], seed: number, limit: number): Matrix {
  const world = new ClusterWorld(new CompiledCluster(cluster));
  const cache = new Map<string, Enumeration>();
  const cells = sources.map((s) =>
    targets.map((t): Cell => {
      let input;
      try {
        input = planFlow(cluster, s.id, t.text, { protocol: t.protocol }).input;
      } catch (error) {
        if (!(error instanceof ExitError)) throw error;
        return { verdicts: {}, paths: 0, truncated: false, error: error.diagnostics[0]?.message ?? error.message };
      }
      const key = JSON.stringify(input);
      const e = cache.get(key) ?? enumeratePaths(world, input, seed, limit);
      cache.set(key, e);
      return cellOf(e);
    }),
  );
  return { sources, targets, cells };
}
