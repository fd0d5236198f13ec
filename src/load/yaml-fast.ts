// A fast reader for the plain subset of YAML most cluster descriptions are
// written in: block mappings and sequences, one-line flow collections, plain
// and simply quoted scalars, comments. It builds exactly what js-yaml's load
// builds (CORE_SCHEMA; plain scalars are resolved by js-yaml's own resolver),
// about 5x faster, and returns undefined for anything outside the subset
// (anchors, tags, block or multi-line scalars, flow over several lines,
// escapes, tabs, several documents, anything js-yaml would reject), which
// js-yaml then reads and, if it is wrong, reports with its position. So the
// subset changes speed, never a result or a message.
//
// Why: js-yaml parses ~10 MB/s here; an L description is 30 MB of YAML.

import { APOSTROPHE, COLON, DASH, Decline, Flow, HASH, MAX_DEPTH, QUOTE, SPACE, decline, plainStart, quoted, resolvePlain, trimSpaces } from "./yaml-flow.js";

/** The value js-yaml's load(text) returns, or undefined when the text is outside the subset. */
export function readSimpleYaml(text: string): unknown {
  if (!resolvePlain || text.includes("\t") || text.includes("\r") || text.includes("\\")) return undefined;
  // Characters js-yaml refuses ("null byte", "non-printable characters") are its to report;
  // a byte order mark it skips where a document starts.
  if (/[^\n\x20-\x7e]/.test(text) && (NON_PRINTABLE.test(text) || text.includes("\ufeff"))) return undefined;
  try {
    const reader = new Reader(text);
    reader.skipBlank();
    if (reader.atEnd()) return undefined; // empty: js-yaml's message
    if (reader.indent !== 0) return undefined;
    const value = reader.block(0, 0);
    reader.skipBlank();
    return reader.atEnd() ? value : undefined;
  } catch (error) {
    if (error instanceof Decline) return undefined;
    throw error;
  }
}

/** js-yaml 5's PATTERN_NON_PRINTABLE (loader checkPrintable), plus NUL. */
const NON_PRINTABLE = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF]/;

class Reader {
  /** The current line: [start, end), its first non-space character and indentation. */
  private start = 0;
  private end = 0;
  content = 0;
  indent = 0;

  constructor(private readonly t: string) {
    this.load(0);
  }

  atEnd(): boolean {
    return this.start >= this.t.length;
  }

  private load(start: number): void {
    const t = this.t;
    this.start = start;
    const nl = t.indexOf("\n", start);
    this.end = nl < 0 ? t.length : nl;
    let i = start;
    while (i < this.end && t.charCodeAt(i) === SPACE) i++;
    this.content = i;
    this.indent = i - start;
  }

  private next(): void {
    this.load(this.end + 1);
  }

  /** Skips empty and comment-only lines; declines document markers and directives. */
  skipBlank(): void {
    const t = this.t;
    while (!this.atEnd()) {
      const c = t.charCodeAt(this.content);
      if (this.content < this.end && c !== HASH) {
        if (this.indent === 0 && (c === 37 || t.startsWith("---", this.content) || t.startsWith("...", this.content))) decline();
        return;
      }
      this.next();
    }
  }

  private isItem(): boolean {
    const t = this.t;
    return t.charCodeAt(this.content) === DASH && (this.content + 1 === this.end || t.charCodeAt(this.content + 1) === SPACE);
  }

  /** A block node whose first line is the current one, at `indent`. */
  block(indent: number, depth: number): unknown {
    if (depth > MAX_DEPTH) decline();
    return this.isItem() ? this.sequence(indent, depth) : this.mapping(indent, this.content, depth);
  }

  /** The value of a `key:` or `-` with nothing after it on its line. */
  private nested(parentIndent: number, depth: number, allowSameIndentSequence: boolean): unknown {
    this.next();
    this.skipBlank();
    if (this.atEnd() || this.indent < parentIndent) return null;
    if (this.indent === parentIndent) return allowSameIndentSequence && this.isItem() ? this.sequence(parentIndent, depth + 1) : null;
    return this.block(this.indent, depth + 1);
  }

  private sequence(indent: number, depth: number): unknown[] {
    const items: unknown[] = [];
    const t = this.t;
    while (!this.atEnd() && this.indent === indent && this.isItem()) {
      let at = this.content + 1;
      while (at < this.end && t.charCodeAt(at) === SPACE) at++;
      if (at >= this.end || t.charCodeAt(at) === HASH) {
        items.push(this.nested(indent, depth, false));
      } else if (t.charCodeAt(at) === DASH && (at + 1 === this.end || t.charCodeAt(at + 1) === SPACE)) {
        decline(); // "- - x": a sequence in a sequence on one line
      } else if (t.charCodeAt(at) !== 123 && t.charCodeAt(at) !== 91 && this.keyEnd(at) >= 0) {
        // "- key: value": a mapping whose entries line up with this first key
        items.push(this.mapping(at - this.start, at, depth + 1));
        continue;
      } else {
        items.push(this.inlineValue(at));
        this.next();
      }
      this.skipBlank();
    }
    this.expectDedent(indent);
    return items;
  }

  /** A block mapping whose entries start at column `indent`; its first key starts at `first`. */
  private mapping(indent: number, first: number, depth: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    const t = this.t;
    let at = first;
    for (;;) {
      const colon = this.keyEnd(at);
      if (colon < 0) decline();
      const key = this.key(at, colon);
      if (key === "__proto__" || Object.prototype.hasOwnProperty.call(map, key)) decline();
      let v = colon + 1;
      while (v < this.end && t.charCodeAt(v) === SPACE) v++;
      if (v >= this.end || t.charCodeAt(v) === HASH) map[key] = this.nested(indent, depth, true);
      else {
        map[key] = this.inlineValue(v);
        this.next();
      }
      this.skipBlank();
      if (this.atEnd() || this.indent !== indent || this.isItem()) break;
      at = this.content;
    }
    this.expectDedent(indent);
    return map;
  }

  /** After a block at `indent`, the next line must belong to an enclosing block. */
  private expectDedent(indent: number): void {
    if (!this.atEnd() && this.indent > indent) decline();
  }

  /** Position of the `:` ending a block mapping key that starts at `at` (followed by a space or the line end), or -1. */
  private keyEnd(at: number): number {
    const t = this.t;
    const c = t.charCodeAt(at);
    if (c === QUOTE || c === APOSTROPHE) {
      const close = t.indexOf(String.fromCharCode(c), at + 1);
      if (close < 0 || close >= this.end) return -1;
      const after = close + 1;
      return t.charCodeAt(after) === COLON && (after + 1 === this.end || t.charCodeAt(after + 1) === SPACE) ? after : -1;
    }
    for (let i = at; i < this.end; i++) {
      const d = t.charCodeAt(i);
      if (d === COLON && (i + 1 === this.end || t.charCodeAt(i + 1) === SPACE)) return i;
      if (d === HASH && t.charCodeAt(i - 1) === SPACE) return -1;
    }
    return -1;
  }

  private key(at: number, colon: number): string {
    const t = this.t;
    const c = t.charCodeAt(at);
    if (c === QUOTE) return quoted(t, at, colon - 1);
    if (c === APOSTROPHE) return quoted(t, at, colon - 1);
    const text = trimSpaces(t, at, colon);
    if (!plainStart(text) || typeof resolvePlain!(text) !== "string") decline();
    return text;
  }

  /** A value that starts at `at` and ends on this line (then only a comment may follow). */
  private inlineValue(at: number): unknown {
    const t = this.t;
    const c = t.charCodeAt(at);
    if (c === 123 || c === 91) {
      const flow = new Flow(t, at, this.end);
      const value = flow.value(0);
      this.restIsComment(flow.pos);
      return value;
    }
    if (c === QUOTE || c === APOSTROPHE) {
      const close = t.indexOf(String.fromCharCode(c), at + 1);
      if (close < 0 || close >= this.end) decline();
      this.restIsComment(close + 1);
      return quoted(t, at, close);
    }
    let end = this.end;
    for (let i = at; i < this.end; i++) {
      const d = t.charCodeAt(i);
      if (d === HASH && t.charCodeAt(i - 1) === SPACE) {
        end = i;
        break;
      }
      if (d === COLON && (i + 1 === this.end || t.charCodeAt(i + 1) === SPACE)) decline(); // "a: b: c"
    }
    const text = trimSpaces(t, at, end);
    if (!plainStart(text)) decline();
    return resolvePlain!(text);
  }

  private restIsComment(from: number): void {
    const t = this.t;
    let i = from;
    while (i < this.end && t.charCodeAt(i) === SPACE) i++;
    if (i < this.end && (t.charCodeAt(i) !== HASH || i === from)) decline();
  }
}
