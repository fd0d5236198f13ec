// Where a command's cluster comes from: `-f FILE`, `-f example:NAME`, or the
// bundled example cluster when -f is not given.

import { readdirSync, readFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadCluster } from "../load/load-cluster.js";
import type { Cluster } from "../model/cluster.js";
import { formatDiagnostics } from "../render/diagnostics.js";
import type { Context } from "./context.js";
import { paintFor } from "./context.js";
import { ExitError, usage } from "./errors.js";

/** dist/src/cli → package root. */
export const PACKAGE_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const FIXTURES = join(PACKAGE_ROOT, "fixtures");
export const DEFAULT_EXAMPLE = "lab";

export interface Example {
  name: string;
  path: string;
  title: string;
}

/** Bundled examples: fixtures/*.yaml, each described by its first comment line. */
export function listExamples(): Example[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".yaml"))
    // The default first, then by name.
    .sort((a, b) => Number(b === `${DEFAULT_EXAMPLE}.yaml`) - Number(a === `${DEFAULT_EXAMPLE}.yaml`) || (a < b ? -1 : a > b ? 1 : 0))
    .map((f) => {
      const path = join(FIXTURES, f);
      const first = readFileSync(path, "utf8").split("\n").find((l) => l.startsWith("#")) ?? "";
      return { name: basename(f, ".yaml"), path, title: first.replace(/^#\s*/, "") };
    });
}

export function resolveClusterPath(ctx: Context, file: string | undefined): { path: string; display: string } {
  const spec = file ?? `example:${DEFAULT_EXAMPLE}`;
  if (spec.startsWith("example:")) {
    const name = spec.slice("example:".length);
    const ex = listExamples().find((e) => e.name === name);
    if (!ex) throw usage(`no bundled example called "${name}"`, `run \`k8s-nettrace examples\` to list them (${listExamples().map((e) => e.name).join(", ")})`);
    // Positions must point at a file the user can open.
    const rel = relative(ctx.cwd, ex.path);
    return { path: ex.path, display: rel.startsWith("..") ? ex.path : rel };
  }
  const path = resolve(ctx.cwd, spec);
  if (!ctx.exists(path)) throw usage(`cannot read ${spec}: no such file`, "give the cluster description with -f FILE, or -f example:NAME for a bundled one");
  return { path, display: spec };
}

/** Loads and validates; prints warnings to stderr; exits 2 with every problem when invalid. */
export function loadClusterOrExit(ctx: Context, file: string | undefined): Cluster {
  if (file === undefined && ctx.cluster) return ctx.cluster;
  const { path, display } = resolveClusterPath(ctx, file);
  let bytes: Uint8Array;
  try {
    bytes = ctx.readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw usage(`cannot read ${display}: ${code === "EISDIR" ? "it is a directory" : code === "EACCES" ? "permission denied" : (error as Error).message}`);
  }
  const result = loadCluster(display, bytes);
  if (!result.cluster) throw new ExitError(2, "", result.diagnostics);
  if (result.diagnostics.length > 0) ctx.stderr.write(formatDiagnostics(result.diagnostics, paintFor(ctx, ctx.stderr)));
  return result.cluster;
}
