// What every report format says about a check: one line per expectation, what
// was expected and what all paths together showed, with the share of paths
// when they disagree. Text, JUnit, TAP and JSON all print these same lines.

import { formatIp4 } from "../model/addr.js";
import { type CheckOutcome, type PathOutcome, pathTotals } from "./run-check.js";
import { type MissKind, type PointSpec, sourceKind } from "./judge.js";

export interface SummaryLine {
  kind: MissKind | "paths";
  expected: string;
  got: string;
  ok: boolean;
}

/** `0.5` → `50%`, `1/3` → `33.3%`. */
export function percent(p: number): string {
  return `${(Math.round(p * 1000) / 10).toString()}%`;
}

/** Groups paths by a label and prints `a 50%, b 50%` (just `a` when every path agrees). */
function shares(paths: readonly PathOutcome[], label: (p: PathOutcome) => string): string {
  const by = new Map<string, number>();
  for (const p of paths) by.set(label(p), (by.get(label(p)) ?? 0) + p.probability);
  if (by.size === 1) return [...by.keys()][0]!;
  return [...by].map(([k, v]) => `${k} ${percent(v)}`).join(", ");
}

/** More entries than a table cell can hold are counted, with the first named. */
const LISTED = 3;

function listed(items: readonly string[]): string {
  return items.length <= LISTED ? items.join("|") : `one of ${items.length} (${items[0]}|…)`;
}

/** `shares`, or for many distinct values a count, naming the offending ones. */
function many(paths: readonly PathOutcome[], label: (p: PathOutcome) => string, bad: readonly PathOutcome[]): string {
  const distinct = new Set(paths.map(label));
  if (distinct.size <= LISTED) return shares(paths, label);
  const by = new Map<string, number>();
  for (const p of paths) by.set(label(p), (by.get(label(p)) ?? 0) + p.probability);
  const share = [...by.values()][0]!;
  const even = [...by.values()].every((v) => Math.abs(v - share) < 1e-9);
  const head = `${distinct.size} different${even ? `, ${percent(share)} each` : ""}`;
  return bad.length === 0 ? head : `${head}; not allowed: ${shares(bad, label)}`;
}

export function summarize(o: CheckOutcome): SummaryLine[] {
  const rc = o.resolved;
  const paths = o.paths;
  const clean = (kind: MissKind, point?: PointSpec) => paths.every((p) => !p.misses.some((m) => m.kind === kind && (!point || m.point === point)));
  const lines: SummaryLine[] = [{ kind: "expect", expected: rc.check.expect.join("|"), got: shares(paths, (p) => p.observed.verdict), ok: clean("expect") }];
  if (rc.backends) {
    const withAddress = rc.backends.some((b) => b.ip !== undefined);
    const label = (p: PathOutcome) => {
      const s = p.observed.server;
      if (!s) return "none";
      return withAddress ? `${s.netns} ${formatIp4(s.ip)}:${s.port}` : s.netns;
    };
    const ok = clean("backend");
    lines.push({ kind: "backend", expected: `backend ${listed(rc.backends.map((b) => b.text))}`, got: `backend ${many(paths, label, ok ? [] : paths.filter((p) => p.misses.some((m) => m.kind === "backend")))}`, ok });
  }
  if (rc.source) {
    const want = rc.source.kind === "ip" ? formatIp4(rc.source.ip) : rc.source.kind;
    const label = (p: PathOutcome) => (p.observed.sourceSeen === undefined ? "unknown" : `${formatIp4(p.observed.sourceSeen)} (${sourceKind(p.observed)})`);
    lines.push({ kind: "source", expected: `source ${want}`, got: `source ${shares(paths, label)}`, ok: clean("source") });
  }
  const { total } = pathTotals(o);
  const on = (point: PointSpec) => paths.filter((p) => p.misses.some((m) => m.point === point)).reduce((n, p) => n + p.paths, 0);
  const of = (n: number) => `${n} of ${total} path${total === 1 ? "" : "s"}`;
  for (const point of rc.via) {
    const missing = on(point);
    lines.push({ kind: "via", expected: `via ${point.text}`, got: missing === 0 ? "seen on every path" : `missing on ${of(missing)}`, ok: missing === 0 });
  }
  for (const point of rc.notVia) {
    const seen = on(point);
    lines.push({ kind: "notVia", expected: `not via ${point.text}`, got: seen === 0 ? "not seen" : `seen on ${of(seen)}`, ok: seen === 0 });
  }
  if (o.truncated) lines.push({ kind: "paths", expected: "every path checked", got: `more than ${o.limit} run${o.limit === 1 ? "" : "s"} needed: the rest were not checked`, ok: false });
  return lines;
}

/** `2/2`: paths that pass of those explored; `+` when there were more. */
export function pathCount(o: CheckOutcome): string {
  const { total, failing } = pathTotals(o);
  return `${total - failing}/${total}${o.truncated ? "+" : ""}`;
}

/** Simulated time as a person reads it: `2.4 ms`, `127 s`. */
export function formatSimTime(us: number): string {
  if (us < 1000) return `${us} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(1)} ms`;
  const s = us / 1_000_000;
  return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
}

/** One sentence for a failed check (JUnit message, TAP message, the text report's heading). */
export function failureMessage(o: CheckOutcome): string {
  const bad = summarize(o).filter((l) => !l.ok);
  return bad.map((l) => `expected ${l.expected}, got ${l.got}`).join("; ");
}
