// Reads a description file's text into plain data, fast, and keeps what is
// needed to point at any part of it later. Positions are resolved lazily: the
// common case (a valid file) never pays for them.
//
// JSON is YAML 1.2, but JSON.parse is ~5x faster than any YAML parser here, so
// text that starts with `{` takes the JSON path. YAML in the plain subset most
// descriptions use is read by yaml-fast.ts (same values as js-yaml, ~5x
// faster); the rest goes through js-yaml 5, whose event stream carries source
// offsets (see locate-yaml.ts) and whose errors we report.

import { load as loadYaml, YAMLException } from "js-yaml";
import type { SourceFile, SourcePath } from "../model/cluster.js";
import type { Diagnostic, Location } from "../model/diagnostics.js";
import { findJsonError, locateJson } from "./locate-json.js";
import { locateYaml } from "./locate-yaml.js";
import { readSimpleYaml } from "./yaml-fast.js";

/** The largest supported cluster (5,000 nodes, 150,000 pods) is ~30 MB of YAML. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
const MAX_ALIASES = 100;
const MAX_DEPTH = 64;

export interface ParsedSource {
  value: unknown;
  source: TextSource;
}

export type Locator = (path: SourcePath, what: "key" | "value") => number | undefined;

export class TextSource implements SourceFile {
  private lineStarts: number[] | undefined;
  private locator: Locator | undefined;

  constructor(
    readonly name: string,
    readonly text: string,
    private readonly makeLocator: (text: string) => Locator,
  ) {}

  locate(path: SourcePath, what: "key" | "value" = "key"): Location | undefined {
    this.locator ??= this.makeLocator(this.text);
    const offset = this.locator(path, what) ?? (path.length > 0 ? this.locator(path.slice(0, -1), "key") : 0);
    return offset === undefined ? undefined : this.position(offset);
  }

  position(offset: number): Location {
    const starts = this.starts();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { file: this.name, line: lo + 1, col: offset - starts[lo]! + 1 };
  }

  lineText(line: number): string | undefined {
    const starts = this.starts();
    if (line < 1 || line > starts.length) return undefined;
    const end = line < starts.length ? starts[line]! - 1 : this.text.length;
    return this.text.slice(starts[line - 1], end).replace(/\r$/, "");
  }

  /** The raw text of a scalar value (e.g. `1.10` before YAML turns it into 1.1). */
  rawScalar(path: SourcePath): string | undefined {
    this.locator ??= this.makeLocator(this.text);
    const start = this.locator(path, "value");
    if (start === undefined) return undefined;
    const match = /^[^\s,#\]}]+/.exec(this.text.slice(start, start + 64));
    return match?.[0];
  }

  private starts(): number[] {
    if (!this.lineStarts) {
      const starts = [0];
      const text = this.text;
      for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
      this.lineStarts = starts;
    }
    return this.lineStarts;
  }
}

function problem(source: TextSource, code: string, message: string, offset: number, hint?: string): Diagnostic {
  const location = source.position(offset);
  return {
    severity: "error",
    code,
    message,
    location,
    sourceLine: source.lineText(location.line),
    ...(hint ? { hint } : {}),
  };
}

function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  return false;
}

/** Parses bytes into data; never throws for bad input, returns diagnostics instead. */
export function parseSource(name: string, bytes: Uint8Array): ParsedSource | Diagnostic {
  if (bytes.length > MAX_FILE_BYTES) {
    const mb = (bytes.length / 1048576).toFixed(1);
    return {
      severity: "error",
      code: "file-too-large",
      message: `${mb} MB is more than the ${MAX_FILE_BYTES / 1048576} MB a cluster description may have`,
      location: { file: name, line: 1, col: 1 },
      hint: "the largest supported cluster (5,000 nodes, 150,000 pods, 10,000 services) is about 30 MB; is this the right file?",
    };
  }
  if (looksBinary(bytes)) {
    return {
      severity: "error",
      code: "binary-file",
      message: "this is a binary file, not a YAML or JSON cluster description",
      location: { file: name, line: 1, col: 1 },
      hint: "pass the cluster description with -f FILE (see `k8s-nettrace examples`)",
    };
  }
  let text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return /^\s*[{[]/.test(text) ? parseJson(name, text) : parseYaml(name, text);
}

function parseJson(name: string, text: string): ParsedSource | Diagnostic {
  const source = new TextSource(name, text, (t) => locateJson(t));
  try {
    return { value: JSON.parse(text), source };
  } catch {
    // JSON.parse does not always say where; our scanner does.
    const error = findJsonError(text);
    const offset = error?.offset ?? text.length;
    const reason = error?.message ?? "unexpected end of input";
    return problem(source, "json-syntax", `invalid JSON: ${reason}`, offset, "JSON is accepted as well as YAML; check the brackets, quotes and commas near here");
  }
}

function parseYaml(name: string, text: string): ParsedSource | Diagnostic {
  const source = new TextSource(name, text, (t) => locateYaml(t, MAX_DEPTH));
  const simple = readSimpleYaml(text);
  if (simple !== undefined) return { value: simple, source };
  try {
    return { value: loadYaml(text, { filename: name, maxAliases: MAX_ALIASES, maxDepth: MAX_DEPTH }), source };
  } catch (error) {
    if (!(error instanceof YAMLException)) throw error;
    const reason = error.reason ?? "invalid YAML";
    const offset = error.mark?.position ?? 0;
    if (/input is empty/.test(reason)) return problem(source, "empty-file", "the file is empty", 0, "a cluster description starts with `apiVersion: k8s-nettrace/v1` and `kind: Cluster`; see `k8s-nettrace examples`");
    const hint = yamlHint(reason);
    return problem(source, "yaml-syntax", `invalid YAML: ${reason}`, offset, hint);
  }
}

function yamlHint(reason: string): string {
  if (/alias/i.test(reason)) return `a description may use at most ${MAX_ALIASES} aliases (*name); expand them`;
  if (/depth|nest/i.test(reason)) return `nesting deeper than ${MAX_DEPTH} levels is not a cluster description`;
  if (/single document/.test(reason)) return "put one Cluster per file (no `---` separators)";
  if (/duplicated mapping key/.test(reason)) return "each field may appear once in a mapping";
  if (/indentation/.test(reason)) return "indent nested fields with spaces, consistently (two per level is usual)";
  return "check the indentation and quoting near here";
}
