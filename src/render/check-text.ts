// `check -o text`: one table row per check (PASS/FAIL, check, expected, got,
// paths, time), then the story of every failure, then `N passed, N failed`.
// The time column is simulated time (how long the client waited for its
// verdict on the slowest path), so the report is the same on every run.

import Table from "./table.js";
import { countResults, type SuiteReport } from "../check/run-check.js";
import { formatSimTime, pathCount, summarize } from "../check/summary.js";
import type { Location } from "../model/diagnostics.js";
import { failureDetail } from "./check-failure.js";
import type { Paint } from "./diagnostics.js";

export interface TextReportOptions {
  paint: Paint & { pass(s: string): string };
  /** file:line:col of a path into the cluster description (rule origins). */
  locate(at: readonly (string | number)[]): string | undefined;
}

export function where(location: Location | undefined, file: string): string {
  return location && location.line > 0 ? `${location.file}:${location.line}:${location.col}` : file;
}

export function renderCheckText(suites: readonly SuiteReport[], o: TextReportOptions): string {
  const p = o.paint;
  const table = new Table({ head: ["", "check", "expected", "got", "paths", "time"].map((h) => p.bold(h)), style: { head: [], border: [] } });
  for (const suite of suites) {
    for (const { outcome } of suite.checks) {
      const lines = summarize(outcome);
      table.push([
        outcome.passed ? p.pass("PASS") : p.error("FAIL"),
        outcome.resolved.check.name,
        lines.map((l) => l.expected).join("\n"),
        lines.map((l) => (l.ok ? l.got : p.error(`✗ ${l.got}`))).join("\n"),
        pathCount(outcome),
        formatSimTime(outcome.time),
      ]);
    }
  }
  const out = [table.toString()];
  for (const suite of suites) {
    for (const { outcome, location } of suite.checks) {
      if (outcome.passed) continue;
      out.push("", `${p.error("FAIL")} ${p.bold(outcome.resolved.check.name)} (${where(location, suite.file)})`);
      out.push(failureDetail(outcome, { paint: p, locate: o.locate }));
    }
  }
  const { passed, failed } = countResults(suites);
  out.push("", `${passed} passed, ${failed} failed`);
  return out.join("\n") + "\n";
}
