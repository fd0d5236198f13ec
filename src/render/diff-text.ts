// `diff` text: each flow that changed, with what changed (verdict, backends,
// NAT, the first packet's hops, the iptables rules of the chains it walked),
// then `N flows: N changed, N unchanged`.

import type { FlowChange } from "../check/flow-diff.js";
import type { Paint } from "./diagnostics.js";

export interface FlowReport {
  label: string;
  change?: FlowChange;
}

function setLines(label: string, s: { removed: string[]; added: string[] }, p: Paint): string[] {
  const lines = [...s.removed.map((l) => p.error(`- ${l}`)), ...s.added.map((l) => p.hint(`+ ${l}`))];
  return lines.map((l, i) => `  ${(i === 0 ? label : "").padEnd(9)} ${l}`);
}

export function renderDiffText(flows: readonly FlowReport[], header: string, p: Paint): string {
  const out = [header];
  for (const f of flows) {
    const c = f.change;
    if (!c) continue;
    out.push("", p.bold(f.label));
    if (c.error) out.push(`  ${"flow".padEnd(9)} ${c.error[0]} → ${c.error[1]}`);
    if (c.verdicts) out.push(`  ${"verdict".padEnd(9)} ${c.verdicts[0]} → ${c.verdicts[1]}`);
    if (c.backends) out.push(`  ${"backends".padEnd(9)} ${c.backends[0]} → ${c.backends[1]}`);
    if (c.nat) out.push(...setLines("NAT", c.nat, p));
    if (c.paths) out.push(...setLines("path", c.paths, p));
    c.rules.forEach((r, i) => {
      const only = r.only === "new" ? " (new chain)" : r.only === "old" ? " (chain removed)" : "";
      out.push(`  ${(i === 0 ? "rules" : "").padEnd(9)} ${r.node} ${r.table} ${r.chain}${only}`);
      for (const l of r.lines) out.push(`              ${l.op === "-" ? p.error(`- ${l.text}`) : p.hint(`+ ${l.text}`)}`);
    });
  }
  const changed = flows.filter((f) => f.change).length;
  out.push("", `${flows.length} flow${flows.length === 1 ? "" : "s"}: ${changed} changed, ${flows.length - changed} unchanged`);
  return out.join("\n") + "\n";
}
