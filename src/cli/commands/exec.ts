// `k8s-nettrace exec TARGET -- COMMAND [ARGS...]`: run a program the way
// `nsenter --net` does on the node: the node's tools (iptables-save, ip, ss,
// conntrack, curl, tcpdump…) inside a node's or pod's network namespace, and
// print exactly what they print.

import type { Cluster } from "../../model/cluster.js";
import { SHELL_COMMANDS, usageLines } from "../../shell/commands.js";
import { interpreterFor, type Place } from "../../shell/places.js";
import { Session } from "../../shell/session.js";
import { loadClusterOrExit } from "../cluster-input.js";
import type { Context } from "../context.js";
import { ExitError, usage } from "../errors.js";
import { type Target, resolveTarget } from "../targets.js";

export interface ExecOptions {
  file?: string;
  container?: string;
  seed?: string;
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

export function execSupportedList(): string {
  return usageLines("node");
}

function placeOf(cluster: Cluster, where: Target, container: string | undefined): Place {
  if (where.kind !== "pod") return { kind: where.kind, name: where.id };
  const pod = cluster.pods.find((p) => `${p.namespace}/${p.name}` === where.id)!;
  const c = pod.containers.find((x) => x.name === container) ?? pod.containers[0]!;
  return { kind: "pod", pod, container: c, interpreter: interpreterFor(c, "sh") ?? "dash", via: "kubectl" };
}

export function execCommand(ctx: Context, target: string, words: string[], given: ExecOptions): void {
  const { command, options } = splitWords(words, given);
  if (command.length === 0) throw usage("exec needs a command after the target", `e.g. k8s-nettrace exec ${target} -- iptables-save\nsupported commands:\n${execSupportedList()}`);
  const name = command[0]!;
  if (!SHELL_COMMANDS.lookup(name, "node") || ["ssh", "exit", "logout", "help", "history", "clear"].includes(name)) {
    throw usage(`"${name}" is not a command k8s-nettrace can run in a simulated namespace`, `supported commands:\n${execSupportedList()}`);
  }
  if (options.seed !== undefined && !/^\d+$/.test(options.seed)) throw usage(`--seed ${options.seed}: the seed must be a whole number`);
  const cluster = loadClusterOrExit(ctx, options.file);
  const where = resolveTarget(cluster, target);
  if (options.container !== undefined) checkContainer(cluster, where, options.container);
  const session = new Session(cluster, SHELL_COMMANDS, { seed: Number(options.seed ?? "1"), start: placeOf(cluster, where, options.container), nsenter: true });
  const result = session.runArgv(command);
  ctx.stdout.write(result.stdout);
  if (result.stderr) ctx.stderr.write(result.stderr);
  if (result.code !== 0) throw new ExitError(result.code);
}
