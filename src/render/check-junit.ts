// `check -o junit`: the JUnit XML that CI systems (GitLab, Jenkins, GitHub
// test-report actions) render. One <testsuite> per expectations file, one
// <testcase> per check with file and line, a <failure> carrying the same story
// as the text report. No `time` attributes: they mean wall-clock seconds to a
// CI system, and a simulated 127 s timeout would mislead; the simulated wait
// is in each test case's system-out instead.

import { type SuiteReport, countResults } from "../check/run-check.js";
import { failureMessage, formatSimTime, pathCount, summarize } from "../check/summary.js";
import { failureDetail } from "./check-failure.js";
import { NO_PAINT } from "./diagnostics.js";

/** XML 1.0 allows no control characters but tab, LF and CR; escape the five specials. */
export function xmlText(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "\ufffd")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** Attribute values: line breaks become character references so parsers keep them. */
function attr(s: string): string {
  return xmlText(s).replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
}

/** `fixtures/checks/lab.expect.yaml` → `k8s-nettrace.lab_expect` (CI systems split classnames at dots). */
function className(file: string): string {
  const stem = (file.split("/").pop() ?? file).replace(/\.(ya?ml|json)$/, "");
  return `k8s-nettrace.${stem.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

export function renderCheckJunit(suites: readonly SuiteReport[], cluster: string, locate: (at: readonly (string | number)[]) => string | undefined): string {
  const total = countResults(suites);
  const out = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="k8s-nettrace check" tests="${total.passed + total.failed}" failures="${total.failed}" errors="0" skipped="0">`,
  ];
  for (const suite of suites) {
    const counts = countResults([suite]);
    out.push(`  <testsuite name="${attr(suite.file)}" tests="${suite.checks.length}" failures="${counts.failed}" errors="0" skipped="0">`);
    out.push(`    <properties>`, `      <property name="cluster" value="${attr(cluster)}"/>`, `    </properties>`);
    for (const { outcome, location } of suite.checks) {
      const line = location && location.line > 0 ? ` line="${location.line}"` : "";
      out.push(`    <testcase name="${attr(outcome.resolved.check.name)}" classname="${attr(className(suite.file))}" file="${attr(suite.file)}"${line}>`);
      if (!outcome.passed) {
        const detail = failureDetail(outcome, { paint: NO_PAINT, locate });
        out.push(`      <failure message="${attr(failureMessage(outcome))}" type="check-failed">${xmlText(detail)}</failure>`);
      }
      const lines = summarize(outcome).map((l) => `${l.ok ? "ok  " : "FAIL"}  expected ${l.expected}, got ${l.got}`);
      const sysout = [`${outcome.labels.from} → ${outcome.labels.to}`, ...lines, `paths ${pathCount(outcome)}, simulated client wait ${formatSimTime(outcome.time)}`].join("\n");
      out.push(`      <system-out>${xmlText(sysout)}</system-out>`, `    </testcase>`);
    }
    out.push(`  </testsuite>`);
  }
  out.push(`</testsuites>`);
  return out.join("\n") + "\n";
}
