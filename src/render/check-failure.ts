// Why a check failed, as every report format tells it: which paths failed and
// how, the rule or route responsible with the Kubernetes object behind it, and
// the narrative of the first failing path (as `trace` prints it).

import { blame } from "../check/blame.js";
import { type CheckOutcome, failingPaths, type PathOutcome, pathTotals } from "../check/run-check.js";
import { percent } from "../check/summary.js";
import { formatIp4 } from "../model/addr.js";
import type { Step } from "../model/trace.js";
import { type NarrativeOptions, renderNarrative } from "./trace-narrative.js";

/** Failing paths listed one per line before the first one's story; the rest are counted. */
const LISTED_PATHS = 5;

/** `path 2 of 2 (50%)`; a run standing for several paths (a DNS lookup's choices factored out) says so. */
export function pathHeading(o: CheckOutcome, p: PathOutcome): string {
  const more = o.truncated ? "+" : "";
  if (o.paths.every((x) => x.paths === 1)) return `path ${p.index} of ${o.paths.length}${more} (${percent(p.probability)})`;
  const { total } = pathTotals(o);
  return `run ${p.index} of ${o.paths.length}${more}, for ${p.paths} of ${total} paths (${percent(p.probability)})`;
}

export function responsibleLine(s: Step, o: NarrativeOptions): string {
  const where = s.origin?.at?.length ? o.locate(s.origin.at) : undefined;
  const origin = s.origin ? `   ← ${s.origin.object ?? s.origin.by}${where ? ` (${where})` : ""}` : "";
  if (s.kind === "rule") return `${s.netns}: ${s.table} ${s.chain} #${s.ruleNumber}  ${s.rule}${origin}`;
  // An IPVS decision: what it did, the real server entry it used, and the Service behind the virtual server.
  return `${s.netns}: ${s.text}${s.rule ? ` (${s.rule})` : ""}${origin}`;
}

/** The detail block for a failed check (no trailing newline). */
export function failureDetail(o: CheckOutcome, narrative: NarrativeOptions): string {
  const p = narrative.paint;
  const failing = failingPaths(o);
  const lines: string[] = [];
  for (const f of failing.slice(0, LISTED_PATHS)) lines.push(`${pathHeading(o, f)}: ${f.misses.map((m) => m.text).join("; ")}`);
  if (failing.length > LISTED_PATHS) lines.push(`… and ${failing.length - LISTED_PATHS} more failing paths`);
  if (o.truncated) lines.push(`the limit of ${o.limit} simulated run${o.limit === 1 ? "" : "s"} was reached and more paths exist; raise --max-paths to check them all`);
  const first = failing[0];
  if (!first) return lines.join("\n");
  const culprits = blame(first);
  for (const s of culprits) lines.push(`${p.bold("responsible")} ${responsibleLine(s, narrative)}`);
  const r = first.result;
  const dns = r.resolved ? `${o.input.to} → ${r.resolved.name} ${r.resolved.addresses.length ? `A ${r.resolved.addresses.map(formatIp4).join(", ")}` : "(no address)"}` : undefined;
  const story = renderNarrative(first.trace, { fromLabel: o.labels.from, toLabel: o.labels.to, ...(o.labels.note ? { note: o.labels.note } : {}), ...(dns ? { dns } : {}), keyPackets: r.keyPackets }, narrative);
  lines.push("", `${p.dim(`narrative of ${pathHeading(o, first)}:`)}`, story.trimEnd());
  return lines.join("\n");
}
