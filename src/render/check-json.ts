// `check -o json`: every check with its expectations, the summary lines every
// format prints, and for every path its probability, what failed, and the
// full Trace serialised as `trace -o json` serialises it. Written one check at
// a time: a large suite's traces exceed what one JavaScript string can hold.

import { countResults, type SuiteReport } from "../check/run-check.js";
import { pathCount, summarize } from "../check/summary.js";
import { formatIp4 } from "../model/addr.js";
import { groupCaptures } from "./capture-blocks.js";
import { traceJson } from "./trace-json.js";

/** The document as `JSON.stringify(doc, null, 2)` would print it, in pieces. */
export function* checkJsonChunks(suites: readonly SuiteReport[], cluster: string, traces: "all" | "failing"): Generator<string> {
  const { passed, failed } = countResults(suites);
  yield `{\n  "cluster": ${JSON.stringify(cluster)},\n  "passed": ${passed},\n  "failed": ${failed},\n  "suites": [`;
  for (const [i, suite] of suites.entries()) {
    yield `${i ? "," : ""}\n    {\n      "file": ${JSON.stringify(suite.file)},\n      "checks": [`;
    for (const [j, c] of suite.checks.entries()) {
      const text = JSON.stringify(checkJson(c, traces), null, 2).replace(/\n/g, "\n        ");
      // Written: its traces need not stay (a 200-check suite's would not fit in memory together).
      for (const p of c.outcome.paths) p.forget();
      yield `${j ? "," : ""}\n        ${text}`;
    }
    yield suite.checks.length ? "\n      ]\n    }" : "]\n    }";
  }
  yield `${suites.length ? "\n  " : ""}]\n}\n`;
}

function checkJson({ outcome, location }: SuiteReport["checks"][number], traces: "all" | "failing"): unknown {
  const rc = outcome.resolved;
  const check = rc.check;
  return {
    name: check.name,
    location: location ?? null,
    from: check.from.text,
    to: check.to.text,
    flow: outcome.paths[0]?.trace.flow ?? null,
    expect: check.expect,
    backend: rc.backends?.map((b) => b.text) ?? null,
    sourceSeenByBackend: check.sourceSeenByBackend?.text ?? null,
    via: rc.via.map((p) => p.text),
    notVia: rc.notVia.map((p) => p.text),
    passed: outcome.passed,
    summary: summarize(outcome),
    paths: pathCount(outcome),
    truncated: outcome.truncated,
    simulatedTime: outcome.time,
    results: outcome.paths.map((p) => ({
      path: p.index,
      probability: p.probability,
      stands: p.paths,
      misses: p.misses.map((m) => ({ kind: m.kind, text: m.text })),
      server: p.observed.server ? { netns: p.observed.server.netns, ip: formatIp4(p.observed.server.ip), port: p.observed.server.port } : null,
      sourceSeenByBackend: p.observed.sourceSeen === undefined ? null : formatIp4(p.observed.sourceSeen),
      trace: traces === "all" || p.misses.length > 0 ? traceJson(p.trace, groupCaptures(p.trace.packets), p.result.keyPackets) : null,
    })),
  };
}
