// One flow in two descriptions: what every path did in each (verdicts,
// backends, address translations, the hops of the first packet, the chains
// walked), and what changed between them.

import type { World } from "../model/kernel.js";
import type { Step, Verdict } from "../model/trace.js";
import type { Enumeration, Run } from "./enumerate.js";
import { type ChainDiff, diffChains } from "./rule-diff.js";

export interface FlowSide {
  /** Why the flow cannot be made in this description (e.g. its pod is gone). */
  error?: string;
  verdicts: Map<Verdict, number>;
  backends: Map<string, number>;
  nat: Set<string>;
  paths: Set<string>;
  /** `node\ttable\tchain` of every chain a rule was walked in. */
  chains: Set<string>;
}

export interface FlowChange {
  verdicts?: [string, string];
  backends?: [string, string];
  nat?: { removed: string[]; added: string[] };
  paths?: { removed: string[]; added: string[] };
  rules: ChainDiff[];
  error?: [string, string];
}

const add = <K>(m: Map<K, number>, k: K, p: number): void => void m.set(k, (m.get(k) ?? 0) + p);

/** Source NAT picks ports at random (--random-fully); only the addresses say what changed. */
function natText(s: Step): string {
  const text = /^(MASQUERADE|SNAT)/.test(s.text) ? s.text.replace(/(\d+\.\d+\.\d+\.\d+):\d+/g, "$1") : s.text;
  return `${s.netns}: ${text}`;
}

function hops(run: Run): string {
  const request = run.result.keyPackets.request;
  const seen: string[] = [];
  for (const p of run.result.packets) {
    if (p.packet !== request) continue;
    const at = `${p.point.netns}/${p.point.dev}`;
    if (seen[seen.length - 1] !== at) seen.push(at);
  }
  return seen.join(" → ") || "(no packet left the client)";
}

export function summarizeSide(e: Enumeration, isNode: (netns: string) => boolean): FlowSide {
  const side: FlowSide = { verdicts: new Map(), backends: new Map(), nat: new Set(), paths: new Set(), chains: new Set() };
  for (const run of e.runs) {
    add(side.verdicts, run.observed.verdict, run.probability);
    add(side.backends, run.observed.server?.netns ?? "none", run.probability);
    side.paths.add(hops(run));
    const request = run.result.keyPackets.request;
    for (const s of run.result.steps) {
      if (s.kind === "nat" && s.packet === request && !/conntrack/.test(s.text)) side.nat.add(natText(s));
      if (s.kind === "rule" && s.table && s.chain && isNode(s.netns)) side.chains.add(`${s.netns}\t${s.table}\t${s.chain}`);
    }
  }
  return side;
}

export function errorSide(error: string): FlowSide {
  return { error, verdicts: new Map(), backends: new Map(), nat: new Set(), paths: new Set(), chains: new Set() };
}

/** `delivered`, or `delivered 50%, refused 50%`. */
export function shareText(m: Map<string, number>): string {
  if (m.size === 0) return "-";
  if (m.size === 1) return [...m.keys()][0]!;
  return [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, p]) => `${k} ${Math.round(p * 1000) / 10}%`).join(", ");
}

const sorted = (s: Set<string>): string[] => [...s].sort();

function setChange(a: Set<string>, b: Set<string>): { removed: string[]; added: string[] } | undefined {
  const removed = sorted(a).filter((x) => !b.has(x));
  const added = sorted(b).filter((x) => !a.has(x));
  return removed.length || added.length ? { removed, added } : undefined;
}

/** What changed; undefined when nothing did. */
export function compareSides(before: FlowSide, after: FlowSide, worlds: { before: World; after: World }): FlowChange | undefined {
  const change: FlowChange = { rules: [] };
  if (before.error || after.error) {
    if (before.error === after.error) return undefined;
    change.error = [before.error ?? "the flow can be made", after.error ?? "the flow can be made"];
  }
  const v = [shareText(before.verdicts), shareText(after.verdicts)] as [string, string];
  if (v[0] !== v[1]) change.verdicts = v;
  const b = [shareText(before.backends), shareText(after.backends)] as [string, string];
  if (b[0] !== b[1]) change.backends = b;
  const nat = setChange(before.nat, after.nat);
  if (nat) change.nat = nat;
  const paths = setChange(before.paths, after.paths);
  if (paths) change.paths = paths;
  change.rules = diffChains(worlds.before, worlds.after, [...before.chains, ...after.chains]);
  const changed = change.error || change.verdicts || change.backends || change.nat || change.paths || change.rules.length > 0;
  return changed ? change : undefined;
}
