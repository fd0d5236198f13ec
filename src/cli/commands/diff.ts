// `k8s-nettrace diff OLD NEW [--flows FILE | --all]`: what changes for each
// flow between two cluster descriptions. Exit 0 nothing changed, 1 something
// did, 2 invalid input (like diff(1)).

import { resolve } from "node:path";
import { type Enumeration, enumeratePaths } from "../../check/enumerate.js";
import { compareSides, errorSide, type FlowSide, summarizeSide } from "../../check/flow-diff.js";
import { CompiledCluster } from "../../compile/compiled-cluster.js";
import { ClusterWorld } from "../../compile/world.js";
import type { Cluster } from "../../model/cluster.js";
import type { FlowReport } from "../../render/diff-text.js";
import { renderDiffText } from "../../render/diff-text.js";
import { readExpectationFiles } from "../check-input.js";
import { loadClusterOrExit } from "../cluster-input.js";
import { type Context, paintFor } from "../context.js";
import { ExitError, usage } from "../errors.js";
import { planFlow } from "../flow-plan.js";

export interface DiffOptions {
  flows?: string;
  all?: boolean;
  output: string;
  seed: string;
  maxPaths: string;
}

interface FlowSpec {
  label: string;
  from: string;
  to: string;
  protocol?: "tcp" | "udp" | "icmp";
}

export function diffCommand(ctx: Context, oldFile: string, newFile: string, opts: DiffOptions): void {
  if (opts.flows !== undefined && opts.all) throw usage("--flows and --all both say which flows to compare; give one");
  if (!["text", "json"].includes(opts.output)) throw usage(`-o ${opts.output}: the output must be text or json`);
  if (!/^\d+$/.test(opts.seed)) throw usage(`--seed ${opts.seed}: the seed must be a whole number`);
  if (!/^\d+$/.test(opts.maxPaths) || Number(opts.maxPaths) < 1) throw usage(`--max-paths ${opts.maxPaths}: a whole number of at least 1`);
  for (const f of [oldFile, newFile]) {
    if (!f.startsWith("example:") && !ctx.exists(resolve(ctx.cwd, f))) throw usage(`cannot read ${f}: no such file`, "diff OLD NEW takes two cluster descriptions (files, or example:NAME)");
  }
  const before = loadClusterOrExit(ctx, oldFile);
  const after = loadClusterOrExit(ctx, newFile);
  const flows = opts.flows !== undefined ? flowsOfFile(ctx, opts.flows) : allFlows(before, after);
  const worlds = { before: new ClusterWorld(new CompiledCluster(before)), after: new ClusterWorld(new CompiledCluster(after)) };
  const run = { seed: Number(opts.seed), limit: Number(opts.maxPaths) };
  const reports: (FlowReport & { before: FlowSide; after: FlowSide })[] = flows.map((f) => {
    const a = side(before, worlds.before, f, run);
    const b = side(after, worlds.after, f, run);
    const change = compareSides(a, b, worlds);
    return { label: f.label, ...(change ? { change } : {}), before: a, after: b };
  });
  if (opts.output === "json") ctx.stdout.write(JSON.stringify({ old: before.source.name, new: after.source.name, flows: reports.map(jsonReport) }, null, 2) + "\n");
  else ctx.stdout.write(renderDiffText(reports, `diff ${before.source.name} → ${after.source.name}`, paintFor(ctx, ctx.stdout)));
  if (reports.some((r) => r.change)) throw new ExitError(1);
}

function side(cluster: Cluster, world: ClusterWorld, f: FlowSpec, run: { seed: number; limit: number }): FlowSide {
  let e: Enumeration;
  try {
    const { input } = planFlow(cluster, f.from, f.to, f.protocol ? { protocol: f.protocol } : {});
    e = enumeratePaths(world, input, run.seed, run.limit);
  } catch (error) {
    if (!(error instanceof ExitError)) throw error;
    return errorSide(error.diagnostics[0]?.message ?? error.message);
  }
  return summarizeSide(e, (netns) => cluster.nodes.some((n) => n.name === netns));
}

function flowsOfFile(ctx: Context, name: string): FlowSpec[] {
  const read = readExpectationFiles(ctx, [name]);
  if (read.diagnostics.some((d) => d.severity === "error")) throw new ExitError(2, "", read.diagnostics);
  return read.files[0]!.checks.map((c) => ({ label: `${c.name} (${c.from.text} → ${c.to.text}${c.protocol ? `/${c.protocol}` : ""})`, from: c.from.text, to: c.to.text, ...(c.protocol ? { protocol: c.protocol } : {}) }));
}

/** Every pod to every service port, every external host to every NodePort, over both descriptions, each once. */
function allFlows(...clusters: Cluster[]): FlowSpec[] {
  const out = new Map<string, FlowSpec>();
  const add = (from: string, to: string, protocol: "tcp" | "udp") => {
    const label = `${from} → ${to}/${protocol}`;
    if (!out.has(label)) out.set(label, { label, from, to, protocol });
  };
  for (const c of clusters) {
    for (const pod of c.pods) {
      for (const s of c.services.filter((s) => !s.implicit)) for (const p of s.ports) if (p.protocol !== "SCTP") add(`${pod.namespace}/${pod.name}`, `${s.name}.${s.namespace}:${p.port}`, p.protocol === "UDP" ? "udp" : "tcp");
    }
    for (const e of c.externals) {
      for (const n of c.nodes) for (const s of c.services) for (const p of s.ports) if (p.nodePort !== null && p.protocol !== "SCTP") add(e.name, `${n.name}:${p.nodePort}`, p.protocol === "UDP" ? "udp" : "tcp");
    }
  }
  return [...out.values()];
}

function jsonReport(r: FlowReport & { before: FlowSide; after: FlowSide }): unknown {
  const side = (s: FlowSide) => ({ error: s.error ?? null, verdicts: Object.fromEntries(s.verdicts), backends: Object.fromEntries(s.backends), nat: [...s.nat].sort(), paths: [...s.paths].sort() });
  return { flow: r.label, changed: r.change !== undefined, before: side(r.before), after: side(r.after), change: r.change ?? null };
}
