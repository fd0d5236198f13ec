// The Expectations file (`kind: Expectations`): what a team says its network
// must do, one check per flow. Read with the cluster loader's machinery, so a
// mistake is a diagnostic with file:line:col, the source line and a hint.

import { Checker } from "../load/check.js";
import { parseSource, type TextSource } from "../load/source.js";
import type { SourcePath } from "../model/cluster.js";
import { type Diagnostic, Problems } from "../model/diagnostics.js";
import type { Verdict } from "../model/trace.js";

export const VERDICTS: readonly Verdict[] = ["delivered", "refused", "rejected", "dropped", "timeout", "no-route"];
const PROTOCOLS = ["tcp", "udp", "icmp"] as const;

/** A value as written, with where it was written (for diagnostics about it later). */
export interface Written {
  text: string;
  at: SourcePath;
}

export interface Check {
  name: string;
  /** Path of the check in its file (`["checks", 3]`). */
  at: SourcePath;
  from: Written;
  to: Written;
  protocol?: "tcp" | "udp" | "icmp";
  expect: Verdict[];
  /** Allowed backends (pods, nodes, external hosts, or IP[:PORT]); absent = any. */
  backend?: Written[];
  /** `preserved`, `snat`, or an address. */
  sourceSeenByBackend?: Written;
  via: Written[];
  notVia: Written[];
}

export interface ExpectationsFile {
  /** As the user named it (positions point at it). */
  name: string;
  source: TextSource;
  checks: Check[];
}

const CHECK_FIELDS = ["name", "from", "to", "protocol", "expect", "backend", "sourceSeenByBackend", "via", "notVia"];
const DEFAULT_FIELDS = ["protocol", "expect", "sourceSeenByBackend"];

/** Parses and checks one file; never throws for bad input. */
export function readExpectations(name: string, bytes: Uint8Array): { file?: ExpectationsFile; diagnostics: Diagnostic[] } {
  const parsed = parseSource(name, bytes);
  if ("severity" in parsed) return { diagnostics: [retarget(parsed)] };
  const problems = new Problems();
  const c = new Checker(problems, parsed.source);
  const checks = readDocument(c, parsed.value);
  // Source order reads best (the checker reports a check's fields in the order it reads them).
  const key = (d: Diagnostic) => (d.location && d.location.line > 0 ? d.location.line * 100000 + d.location.col : Number.MAX_SAFE_INTEGER);
  problems.list.sort((a, b) => key(a) - key(b));
  return problems.hasErrors || !checks ? { diagnostics: problems.list } : { file: { name, source: parsed.source, checks }, diagnostics: problems.list };
}

/** The parser's hints talk about cluster descriptions; say what this file should be. */
function retarget(d: Diagnostic): Diagnostic {
  if (d.code === "empty-file" || d.code === "binary-file") return { ...d, message: d.code === "empty-file" ? d.message : "this is a binary file, not a YAML or JSON expectations file", hint: "an expectations file starts with `apiVersion: k8s-nettrace/v1` and `kind: Expectations` (see fixtures/checks/lab.expect.yaml)" };
  return d;
}

function readDocument(c: Checker, doc: unknown): Check[] | undefined {
  if (doc && typeof doc === "object" && (doc as Record<string, unknown>).kind === "Cluster") {
    // The arguments swapped: one clear error, not one per field of a cluster description.
    c.error("bad-kind", "this is a cluster description, not an expectations file", ["kind"], { hint: "give the cluster with -f CLUSTER and the expectations file (kind: Expectations) as the argument" });
    return undefined;
  }
  const top = c.object(doc, [], "the expectations file", ["apiVersion", "kind", "metadata", "defaults", "checks"]);
  if (!top) {
    if (doc === undefined || doc === null) c.error("empty-file", "the file is empty", [], { hint: "an expectations file starts with `apiVersion: k8s-nettrace/v1` and `kind: Expectations`" });
    return undefined;
  }
  const apiVersion = c.required(top.apiVersion, c.string(top.apiVersion, ["apiVersion"], "apiVersion"), ["apiVersion"], "apiVersion", "add `apiVersion: k8s-nettrace/v1` at the top");
  if (apiVersion !== undefined && apiVersion !== "k8s-nettrace/v1") c.error("bad-api-version", `apiVersion "${apiVersion}" is not supported`, ["apiVersion"], { hint: "use `apiVersion: k8s-nettrace/v1`" });
  const kind = c.required(top.kind, c.string(top.kind, ["kind"], "kind"), ["kind"], "kind", "add `kind: Expectations`");
  if (kind !== undefined && kind !== "Expectations") {
    c.error("bad-kind", `kind "${kind}" is not an expectations file`, ["kind"], { hint: "use `kind: Expectations`" });
  }
  c.object(top.metadata, ["metadata"], "metadata", ["name"]);
  const defaults = c.object(top.defaults, ["defaults"], "defaults", DEFAULT_FIELDS) ?? {};
  if (top.checks === undefined || top.checks === null) {
    c.error("missing-field", "checks is required", [], { what: "key", hint: "checks: [{name: ..., from: POD, to: SERVICE:PORT, expect: delivered}]" });
    return undefined;
  }
  const items = c.array(top.checks, ["checks"], "checks");
  if (Array.isArray(top.checks) && items.length === 0) c.error("no-checks", "checks is empty: nothing would be tested", ["checks"], { hint: "a suite that checks nothing must not pass silently in CI" });
  const checks = items.map((item, i) => readCheck(c, item, ["checks", i], defaults)).filter((x): x is Check => x !== undefined);
  rejectDuplicateNames(c, checks);
  return checks;
}

function readCheck(c: Checker, item: unknown, at: SourcePath, defaults: Record<string, unknown>): Check | undefined {
  const o = c.object(item, at, "a check", CHECK_FIELDS);
  if (!o) {
    if (item === null || item === undefined) c.error("wrong-type", "a check must be a mapping, not null", at);
    return undefined;
  }
  const from = written(c, o.from, [...at, "from"], "from", "where the client runs: a pod (namespace/name), node, external host or address");
  const to = written(c, o.to, [...at, "to"], "to", "what it connects to: SERVICE[:PORT], a pod, NODE:PORT, an external host or an address");
  const fromDefault = (field: string): [unknown, SourcePath] => (o[field] !== undefined ? [o[field], [...at, field]] : [defaults[field], ["defaults", field]]);
  const [protoValue, protoAt] = fromDefault("protocol");
  const protocol = c.oneOf(protoValue, protoAt, "protocol", PROTOCOLS);
  const [expectValue, expectAt] = fromDefault("expect");
  const expect = readVerdicts(c, expectValue, expectAt);
  if (expectValue === undefined) c.error("missing-field", "expect is required (or set defaults.expect)", at, { what: "key", hint: `one of ${VERDICTS.join(", ")}, or a list of them` });
  const [sourceValue, sourceAt] = fromDefault("sourceSeenByBackend");
  const source = sourceValue === undefined ? undefined : written(c, sourceValue, sourceAt, "sourceSeenByBackend");
  if (source && !/^(preserved|snat|\d+\.\d+\.\d+\.\d+)$/.test(source.text)) {
    c.error("bad-value", `sourceSeenByBackend "${source.text}" is not preserved, snat or an IPv4 address`, source.at, { hint: "preserved: the backend sees the client's own address; snat: it sees another (MASQUERADE/SNAT); or the address it must see" });
  }
  const name = o.name === undefined ? `${from?.text ?? "?"} → ${to?.text ?? "?"}` : c.string(o.name, [...at, "name"], "name");
  if (!from || !to || !expect || name === undefined) return undefined;
  const backend = o.backend === undefined ? undefined : list(c, o.backend, [...at, "backend"], "backend");
  return {
    name,
    at,
    from,
    to,
    ...(protocol ? { protocol } : {}),
    expect,
    ...(backend ? { backend } : {}),
    ...(source ? { sourceSeenByBackend: source } : {}),
    via: list(c, o.via, [...at, "via"], "via"),
    notVia: list(c, o.notVia, [...at, "notVia"], "notVia"),
  };
}

function written(c: Checker, value: unknown, at: SourcePath, what: string, hint?: string): Written | undefined {
  const raw = at[at.length - 1] === "from" || at[at.length - 1] === "to" ? c.required(value, c.string(value, at, what), at, what, hint) : c.string(value, at, what);
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (text === "") {
    c.error("bad-value", `${what} is empty`, at, hint ? { hint } : {});
    return undefined;
  }
  return { text, at };
}

/** A single value or a list of them (`via: node-b/flannel.1` reads as a list of one). */
function list(c: Checker, value: unknown, at: SourcePath, what: string): Written[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return [written(c, value, at, what)].filter((w): w is Written => w !== undefined);
  return value.map((v, i) => written(c, v, [...at, i], `${what} entry`)).filter((w): w is Written => w !== undefined);
}

function readVerdicts(c: Checker, value: unknown, at: SourcePath): Verdict[] | undefined {
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value.map((v, i) => [v, [...at, i]] as const) : [[value, at] as const];
  if (items.length === 0) {
    c.error("bad-value", "expect is an empty list: no outcome could pass", at, { hint: `one of ${VERDICTS.join(", ")}, or a list of them` });
    return undefined;
  }
  const verdicts = items.map(([v, path]) => c.oneOf(v, path, "expected verdict", VERDICTS));
  return verdicts.every((v): v is Verdict => v !== undefined) ? [...new Set(verdicts)] : undefined;
}

/** Names identify checks in JUnit/TAP reports; two alike would make a report ambiguous. */
function rejectDuplicateNames(c: Checker, checks: Check[]): void {
  const seen = new Map<string, Check>();
  for (const check of checks) {
    const first = seen.get(check.name);
    if (!first) {
      seen.set(check.name, check);
      continue;
    }
    const line = c.source.locate(first.at, "key")?.line;
    c.error("duplicate-check", `another check is already called "${check.name}"`, c.source.locate([...check.at, "name"], "value") ? [...check.at, "name"] : check.at, { what: "value", hint: `rename one of them${line ? ` (the first is on line ${line})` : ""}; reports name checks by their name` });
  }
}
