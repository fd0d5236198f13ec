// `k8s-nettrace exec TARGET -- COMMAND [ARGS...]`: run a Linux tool inside a
// node's or pod's simulated namespace and print exactly what it prints.

import { CompiledCluster } from "../../compile/compiled-cluster.js";
import { TOOLS, supportedList } from "../../tools/registry.js";
import { loadClusterOrExit } from "../cluster-input.js";
import type { Context } from "../context.js";
import { ExitError, usage } from "../errors.js";
import { type Target, resolveTarget } from "../targets.js";
import type { Cluster } from "../../model/cluster.js";

export interface ExecOptions {
  file?: string;
  container?: string;
}

/** Containers of a pod share its network namespace (the pause model): any of them shows the same state. */
function checkContainer(cluster: Cluster, where: Target, name: string): void {
  if (where.kind !== "pod") throw usage(`-c ${name}: only pods have containers (${where.id} is a ${where.kind})`);
  const pod = cluster.pods.find((p) => `${p.namespace}/${p.name}` === where.id)!;
  if (!pod.containers.some((c) => c.name === name)) {
    throw usage(`container ${name} is not valid for pod ${pod.name}`, `its containers: ${pod.containers.map((c) => c.name).join(", ")}`);
  }
}

/** Options may also come after the target, as with kubectl: `exec POD -c CONTAINER -- CMD`. */
function splitWords(words: string[], options: ExecOptions): { command: string[]; options: ExecOptions } {
  const dash = words.indexOf("--");
  if (dash < 0) return { command: words, options };
  const opts = { ...options };
  const before = words.slice(0, dash);
  for (let i = 0; i < before.length; i++) {
    const w = before[i]!;
    const value = before[i + 1];
    if ((w === "-c" || w === "--container") && value !== undefined) (opts.container = value), i++;
    else if ((w === "-f" || w === "--file") && value !== undefined) (opts.file = value), i++;
    else throw usage(`unexpected "${w}" before --`, "usage: k8s-nettrace exec TARGET [-c CONTAINER] -- COMMAND [ARGS...]");
  }
  return { command: words.slice(dash + 1), options: opts };
}

export function execCommand(ctx: Context, target: string, words: string[], given: ExecOptions): void {
  const { command, options } = splitWords(words, given);
  if (command.length === 0) throw usage("exec needs a command after the target", `e.g. k8s-nettrace exec ${target} -- iptables-save\nsupported commands:\n${supportedList()}`);
  const [name, ...args] = command as [string, ...string[]];
  const tool = TOOLS.get(name);
  if (!tool) throw usage(`"${name}" is not a command k8s-nettrace can run in a simulated namespace`, `supported commands:\n${supportedList()}`);
  const cluster = loadClusterOrExit(ctx, options.file);
  const where = resolveTarget(cluster, target);
  if (options.container !== undefined) checkContainer(cluster, where, options.container);
  const world = new CompiledCluster(cluster);
  const ns = world.netns(where.id);
  if (!ns) throw new Error(`internal: no namespace for ${where.kind} ${where.id}`);
  const result = tool.run(args, { world, ns });
  ctx.stdout.write(result.stdout);
  if (result.stderr) ctx.stderr.write(result.stderr);
  if (result.code !== 0) throw new ExitError(result.code);
}
