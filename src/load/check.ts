// Typed reading of untyped data with positioned problems: every field is
// checked where it is read, unknown fields get a "did you mean", and one bad
// field never stops the others from being checked.

import type { SourcePath } from "../model/cluster.js";
import { type Cidr, type Ip4, type Mac, formatCidr, isHostBitsZero, networkOf, parseCidr, parseIp4, parseMac } from "../model/addr.js";
import type { Diagnostic, Problems } from "../model/diagnostics.js";
import type { TextSource } from "./source.js";

/** Past this many located problems, more are still counted but not positioned (each lookup may scan the file). */
const LOCATE_LIMIT = 200;

export type Obj = Record<string, unknown>;

export class Checker {
  private located = 0;
  /** Fields the user misspelled (`pathKey/intended`), so "X is required" is not reported on top. */
  private readonly misspelled = new Set<string>();

  constructor(
    readonly problems: Problems,
    readonly source: TextSource,
  ) {}

  report(severity: "error" | "warning", code: string, message: string, path: SourcePath, extra: { hint?: string; notes?: string[]; what?: "key" | "value" } = {}): void {
    const d: Diagnostic = { severity, code, message };
    if (this.located++ < LOCATE_LIMIT) {
      const location = this.source.locate(path, extra.what ?? "value");
      if (location) {
        d.location = location;
        const line = this.source.lineText(location.line);
        if (line !== undefined) d.sourceLine = line;
      }
    }
    if (!d.location) d.location = { file: this.source.name, line: 0, col: 0 };
    if (extra.hint) d.hint = extra.hint;
    if (extra.notes) d.notes = extra.notes;
    this.problems.add(d);
  }

  error(code: string, message: string, path: SourcePath, extra: { hint?: string; notes?: string[]; what?: "key" | "value" } = {}): void {
    this.report("error", code, message, path, extra);
  }

  warn(code: string, message: string, path: SourcePath, extra: { hint?: string; notes?: string[]; what?: "key" | "value" } = {}): void {
    this.report("warning", code, message, path, extra);
  }

  /** A mapping whose keys must all be in `fields`. Returns undefined (and reports) otherwise. */
  object(value: unknown, path: SourcePath, what: string, fields: readonly string[]): Obj | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "object" || Array.isArray(value)) {
      this.error("wrong-type", `${what} must be a mapping, not ${describe(value)}`, path);
      return undefined;
    }
    const obj = value as Obj;
    for (const key of Object.keys(obj)) {
      if (fields.includes(key)) continue;
      const guess = closest(key, fields);
      if (guess) this.misspelled.add(`${path.join(".")}/${guess}`);
      this.error("unknown-field", `unknown field "${key}" in ${what}`, [...path, key], {
        what: "key",
        hint: guess ? `did you mean "${guess}"?` : `${what} accepts: ${fields.join(", ")}`,
      });
    }
    return obj;
  }

  array(value: unknown, path: SourcePath, what: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.error("wrong-type", `${what} must be a list, not ${describe(value)}`, path, { hint: "start each item with `- `" });
      return [];
    }
    return value;
  }

  string(value: unknown, path: SourcePath, what: string): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    this.error("wrong-type", `${what} must be a string, not ${describe(value)}`, path);
    return undefined;
  }

  /** `parsed` when the field was given; reports it missing when `raw` is absent (not when it was merely invalid). */
  required<T>(raw: unknown, parsed: T | undefined, path: SourcePath, what: string, hint?: string): T | undefined {
    if (raw === undefined || raw === null) {
      const parent = path.slice(0, -1);
      const field = String(path[path.length - 1]);
      if (!this.misspelled.has(`${parent.join(".")}/${field}`)) this.error("missing-field", `${what} is required`, parent, { what: "key", ...(hint ? { hint } : {}) });
    }
    return parsed;
  }

  /** A DNS-1123 style name (node, pod, service, namespace). */
  name(value: unknown, path: SourcePath, what: string): string | undefined {
    const text = this.string(value, path, what);
    if (text === undefined) return undefined;
    if (!isName(text)) {
      this.error("bad-name", `${what} "${text}" is not a valid Kubernetes name`, path, {
        hint: "use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
      });
      return undefined;
    }
    return text;
  }

  int(value: unknown, path: SourcePath, what: string, min: number, max: number): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value)) {
      this.error("wrong-type", `${what} must be a whole number, not ${describe(value)}`, path);
      return undefined;
    }
    if (value < min || value > max) {
      this.error("out-of-range", `${what} ${value} is outside ${min}–${max}`, path);
      return undefined;
    }
    return value;
  }

  bool(value: unknown, path: SourcePath, what: string): boolean | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === "boolean") return value;
    this.error("wrong-type", `${what} must be true or false, not ${describe(value)}`, path);
    return undefined;
  }

  oneOf<T extends string>(value: unknown, path: SourcePath, what: string, choices: readonly T[]): T | undefined {
    const text = this.string(value, path, what);
    if (text === undefined) return undefined;
    if ((choices as readonly string[]).includes(text)) return text as T;
    const guess = closest(text, choices);
    this.error("bad-value", `${what} "${text}" is not one of ${choices.join(", ")}`, path, guess ? { hint: `did you mean "${guess}"?` } : {});
    return undefined;
  }

  ip(value: unknown, path: SourcePath, what: string): Ip4 | undefined {
    const text = this.string(value, path, what);
    if (text === undefined) return undefined;
    const ip = parseIp4(text);
    if (ip === undefined) {
      const hint = text.includes("/") ? "an address, without a /prefix" : "a dotted IPv4 address such as 192.168.1.10";
      this.error("bad-ip", `${what} "${text}" is not an IPv4 address`, path, { hint });
    }
    return ip;
  }

  /** A network prefix; host bits must be zero, as the Kubernetes API demands. */
  cidr(value: unknown, path: SourcePath, what: string): Cidr | undefined {
    const text = this.string(value, path, what);
    if (text === undefined) return undefined;
    const c = parseCidr(text);
    if (!c) {
      this.error("bad-cidr", `${what} "${text}" is not a CIDR`, path, { hint: "write it as address/prefix, e.g. 10.244.0.0/16" });
      return undefined;
    }
    if (!isHostBitsZero(c)) {
      const fixed = formatCidr({ addr: networkOf(c), len: c.len });
      this.error("bad-cidr", `${what} "${text}" has host bits set`, path, { hint: `did you mean ${fixed}?` });
      return undefined;
    }
    return c;
  }

  mac(value: unknown, path: SourcePath, what: string): Mac | undefined {
    const text = this.string(value, path, what);
    if (text === undefined) return undefined;
    const mac = parseMac(text);
    if (!mac) this.error("bad-mac", `${what} "${text}" is not a MAC address`, path, { hint: "six hex octets separated by colons, e.g. 52:54:00:a8:01:dd" });
    return mac;
  }

  /** string → string map (labels, selectors). */
  stringMap(value: unknown, path: SourcePath, what: string): Record<string, string> | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "object" || Array.isArray(value)) {
      this.error("wrong-type", `${what} must be a mapping of strings, not ${describe(value)}`, path);
      return undefined;
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(value as Obj)) {
      const s = this.string(v, [...path, k], `${what} "${k}"`);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }
}

/** A DNS-1123 style name, as Checker.name accepts it (exported for the loader's fast paths). */
export function isName(value: unknown): value is string {
  return typeof value === "string" && value.length <= 253 && NAME.test(value);
}

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 37) + "..." : value)}`;
  return `${typeof value} ${String(value)}`;
}

/** The closest candidate by edit distance (case-insensitive), if it is close enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = c.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  // A typo changes a few characters, never most of a short word.
  const allowed = word.length <= 3 ? 1 : word.length <= 6 ? 2 : 3;
  return bestDistance <= allowed && bestDistance < word.length ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 4) return 99;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
