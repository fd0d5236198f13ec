// Checks the kernel makes when a table is committed, which no single line can
// show: a target limited to some hooks (DNAT: PREROUTING/OUTPUT, MASQUERADE:
// POSTROUTING, ...) used in a user chain reached from another hook, and jump
// loops (ELOOP). Both make the real iptables-restore fail at COMMIT.

import { BUILTIN_CHAINS, type Rule, type Table } from "./rule.js";
import { TARGET_LIMITS } from "./parse-target.js";
import { problem, type Problem } from "./parse-values.js";

export interface CommitProblem extends Problem {
  rule: Rule;
}

/** Builtin hooks from which each chain is reachable, plus any loop found on the way. */
function reachability(table: Table): { hooks: Map<string, Set<string>>; loop?: { rule: Rule; chain: string } } {
  const hooks = new Map<string, Set<string>>();
  let loop: { rule: Rule; chain: string } | undefined;
  const visit = (chain: string, hook: string, path: Set<string>): void => {
    const seen = hooks.get(chain) ?? new Set<string>();
    hooks.set(chain, seen);
    if (seen.has(hook)) return;
    seen.add(hook);
    path.add(chain);
    for (const r of table.chains.get(chain)?.rules ?? []) {
      const t = r.target;
      if (t?.t !== "jump" && t?.t !== "goto") continue;
      if (path.has(t.chain)) {
        loop ??= { rule: r, chain: t.chain };
        continue;
      }
      visit(t.chain, hook, path);
    }
    path.delete(chain);
  };
  for (const b of BUILTIN_CHAINS[table.name]) visit(b, b, new Set());
  return loop ? { hooks, loop } : { hooks };
}

export function commitChecks(table: Table): CommitProblem[] {
  const out: CommitProblem[] = [];
  const { hooks, loop } = reachability(table);
  if (loop) {
    out.push({ ...problem("chain-loop", `jump to ${loop.chain} makes a loop (Too many levels of symbolic links)`), rule: loop.rule });
  }
  for (const chain of table.chains.values()) {
    const from = hooks.get(chain.name);
    if (!from) continue;
    for (const rule of chain.rules) {
      const limits = rule.target ? TARGET_LIMITS[rule.target.t] : undefined;
      if (!limits || limits.table !== table.name) continue;
      const bad = [...from].filter((h) => !limits.hooks.includes(h));
      if (bad.length === 0) continue;
      out.push({
        ...problem(
          "target-hook",
          `${rule.target!.t} in chain ${chain.name} is reached from ${bad.join(", ")}; it is only valid in ${limits.hooks.join(", ")}`,
          "the kernel refuses the whole table at COMMIT (EINVAL)",
        ),
        rule,
      });
    }
  }
  return out;
}
