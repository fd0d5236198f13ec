// `check -o tap`: TAP version 14 (testanything.org). The version line, the
// plan, one test point per check (`ok N - name` / `not ok N - name`, with `\`
// and `#` escaped in the description as TAP 14 requires), and for each failure
// a YAML diagnostic block indented two spaces between `---` and `...`.
// A comment line names each expectations file before its checks.

import { dump } from "js-yaml";
import { type SuiteReport } from "../check/run-check.js";
import { failureMessage, formatSimTime, pathCount, summarize } from "../check/summary.js";
import { failureDetail } from "./check-failure.js";
import { NO_PAINT } from "./diagnostics.js";

/** TAP 14: a description may hold any text but `#` (starts a directive) and line breaks; `\` escapes. */
export function tapDescription(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/#/g, "\\#").replace(/[\r\n]+/g, " ");
}

function yamlBlock(data: unknown): string[] {
  const body = dump(data, { lineWidth: -1, noRefs: true }).trimEnd().split("\n");
  return ["  ---", ...body.map((l) => `  ${l}`), "  ..."];
}

export function renderCheckTap(suites: readonly SuiteReport[], locate: (at: readonly (string | number)[]) => string | undefined): string {
  const total = suites.reduce((n, s) => n + s.checks.length, 0);
  const out = ["TAP version 14", `1..${total}`];
  let n = 0;
  for (const suite of suites) {
    out.push(`# ${suite.file.replace(/[\r\n]+/g, " ")}`);
    for (const { outcome, location } of suite.checks) {
      n++;
      out.push(`${outcome.passed ? "ok" : "not ok"} ${n} - ${tapDescription(outcome.resolved.check.name)}`);
      if (outcome.passed) continue;
      out.push(
        ...yamlBlock({
          message: failureMessage(outcome),
          severity: "fail",
          ...(location && location.line > 0 ? { at: { file: location.file, line: location.line, column: location.col } } : {}),
          data: {
            flow: `${outcome.labels.from} → ${outcome.labels.to}`,
            expected: summarize(outcome).map((l) => l.expected),
            got: summarize(outcome).map((l) => l.got),
            paths: pathCount(outcome),
            time: `${formatSimTime(outcome.time)} (simulated)`,
            detail: failureDetail(outcome, { paint: NO_PAINT, locate }),
          },
        }),
      );
    }
  }
  return out.join("\n") + "\n";
}
