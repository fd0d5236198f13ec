// `k8s-nettrace validate [-f FILE]`: load and check only; print every problem.

import { loadCluster } from "../../load/load-cluster.js";
import { formatDiagnostics } from "../../render/diagnostics.js";
import { resolveClusterPath } from "../cluster-input.js";
import { type Context, paintFor } from "../context.js";
import { ExitError } from "../errors.js";

export function validateCommand(ctx: Context, options: { file?: string }): void {
  const { path, display } = resolveClusterPath(ctx, options.file);
  const result = loadCluster(display, ctx.readFile(path));
  if (!result.cluster) throw new ExitError(2, "", result.diagnostics);
  if (result.diagnostics.length) ctx.stderr.write(formatDiagnostics(result.diagnostics, paintFor(ctx, ctx.stderr)));
  const c = result.cluster;
  const svcs = c.services.filter((s) => !s.implicit).length;
  ctx.stdout.write(`${display}: cluster "${c.name}" is valid: ${c.nodes.length} node${c.nodes.length === 1 ? "" : "s"}, ${c.pods.length} pod${c.pods.length === 1 ? "" : "s"}, ${svcs} service${svcs === 1 ? "" : "s"}, ${c.externals.length} external host${c.externals.length === 1 ? "" : "s"}\n`);
}
