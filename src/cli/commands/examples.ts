// `k8s-nettrace examples`: the bundled example clusters, usable as -f example:NAME.

import { DEFAULT_EXAMPLE, listExamples } from "../cluster-input.js";
import type { Context } from "../context.js";

export function examplesCommand(ctx: Context): void {
  const list = listExamples();
  const width = Math.max(...list.map((e) => e.name.length));
  for (const e of list) ctx.stdout.write(`${e.name.padEnd(width)}  ${e.title}${e.name === DEFAULT_EXAMPLE ? " (default)" : ""}\n`);
  ctx.stdout.write(`\nUse one with -f example:NAME, e.g. k8s-nettrace exec -f example:${list[0]?.name ?? DEFAULT_EXAMPLE} ${"NODE"} -- iptables-save\n`);
}
