// `k8s-nettrace exec TARGET -- COMMAND [ARGS...]`: run a Linux tool inside a
// node's or pod's simulated namespace and print exactly what it prints.

import { CompiledCluster } from "../../compile/compiled-cluster.js";
import { TOOLS, supportedList } from "../../tools/registry.js";
import { loadClusterOrExit } from "../cluster-input.js";
import type { Context } from "../context.js";
import { ExitError, usage } from "../errors.js";
import { resolveTarget } from "../targets.js";

export interface ExecOptions {
  file?: string;
}

export function execCommand(ctx: Context, target: string, words: string[], options: ExecOptions): void {
  const command = words[0] === "--" ? words.slice(1) : words;
  if (command.length === 0) throw usage("exec needs a command after the target", `e.g. k8s-nettrace exec ${target} -- iptables-save\nsupported commands:\n${supportedList()}`);
  const [name, ...args] = command as [string, ...string[]];
  const tool = TOOLS.get(name);
  if (!tool) throw usage(`"${name}" is not a command k8s-nettrace can run in a simulated namespace`, `supported commands:\n${supportedList()}`);
  const cluster = loadClusterOrExit(ctx, options.file);
  const where = resolveTarget(cluster, target);
  const world = new CompiledCluster(cluster);
  const ns = world.netns(where.id);
  if (!ns) throw new Error(`internal: no namespace for ${where.kind} ${where.id}`);
  const result = tool.run(args, { world, ns });
  ctx.stdout.write(result.stdout);
  if (result.stderr) ctx.stderr.write(result.stderr);
  if (result.code !== 0) throw new ExitError(result.code);
}
