// The iptables rules that differ between two descriptions, in the chains a
// flow walked on its nodes (in either description): what could have changed
// its fate. Rules are compared as iptables-save prints them, in order.

import type { World } from "../model/kernel.js";
import type { TableName } from "../netfilter/rule.js";
import { saveRule } from "../netfilter/save.js";

export interface DiffLine {
  op: "+" | "-";
  text: string;
}

export interface ChainDiff {
  node: string;
  table: string;
  chain: string;
  /** The chain exists on only one side. */
  only?: "old" | "new";
  lines: DiffLine[];
}

/** Past this many cells the LCS table costs more than it is worth; the middle is then diffed as sets. */
const LCS_CELLS = 4_000_000;

/** Rules of one chain on one node, as iptables-save prints them; undefined when the chain does not exist. */
export function chainRules(world: World, node: string, table: string, chain: string): string[] | undefined {
  const c = world.netns(node)?.tables().get(table as TableName)?.chains.get(chain);
  return c?.rules.map((r) => saveRule(chain, r));
}

/** A line diff (longest common subsequence), common prefix and suffix trimmed first. */
export function diffLines(a: readonly string[], b: readonly string[]): DiffLine[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const x = a.slice(start, endA);
  const y = b.slice(start, endB);
  if (x.length * y.length > LCS_CELLS) {
    const inY = new Set(y);
    const inX = new Set(x);
    return [...x.filter((l) => !inY.has(l)).map((text) => ({ op: "-" as const, text })), ...y.filter((l) => !inX.has(l)).map((text) => ({ op: "+" as const, text }))];
  }
  const n = x.length;
  const m = y.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) {
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) out.push({ op: "-", text: x[i++]! });
    else out.push({ op: "+", text: y[j++]! });
  }
  return out;
}

/** `node\ttable\tchain` keys → the differences in each, for chains that differ. */
export function diffChains(before: World, after: World, keys: Iterable<string>): ChainDiff[] {
  const out: ChainDiff[] = [];
  for (const key of [...new Set(keys)].sort()) {
    const [node, table, chain] = key.split("\t") as [string, string, string];
    const a = chainRules(before, node, table, chain);
    const b = chainRules(after, node, table, chain);
    const lines = diffLines(a ?? [], b ?? []);
    if (lines.length === 0 && (a === undefined) === (b === undefined)) continue;
    out.push({ node, table, chain, ...(a === undefined ? { only: "new" as const } : b === undefined ? { only: "old" as const } : {}), lines });
  }
  return out;
}
