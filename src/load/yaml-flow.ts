// The pieces of yaml-fast.ts that scalars and one-line flow collections
// need: js-yaml's own plain-scalar resolution, quoted scalars without
// escapes, and `{...}` / `[...]` that close on the line they open. Anything
// else declines (throws Decline), and the caller leaves the text to js-yaml.

import { CORE_SCHEMA } from "js-yaml";

type Resolver = (source: string) => { value: unknown };
const schema = CORE_SCHEMA as unknown as { resolveImplicitScalarTag?: Resolver };
/** js-yaml's resolution of a plain scalar (null, booleans, numbers, else the string); an internal method, so checked. */
export const resolvePlain: ((text: string) => unknown) | undefined =
  typeof schema.resolveImplicitScalarTag === "function" ? (text) => schema.resolveImplicitScalarTag!(text).value : undefined;

/** Nesting deeper than this is left to js-yaml (and its maxDepth check). */
export const MAX_DEPTH = 32;

export class Decline extends Error {}
export const decline = (): never => {
  throw new Decline();
};

export const SPACE = 32;
export const HASH = 35;
export const DASH = 45;
export const COLON = 58;
export const QUOTE = 34;
export const APOSTROPHE = 39;

/** t[from, to) without trailing spaces: YAML's white space is space and tab only (String#trimEnd also takes U+2028, U+00A0…). */
export function trimSpaces(t: string, from: number, to: number): string {
  while (to > from && t.charCodeAt(to - 1) === SPACE) to--;
  return t.slice(from, to);
}

/** A quoted scalar from its opening quote to its closing one (same line, no escapes but `''`). */
export function quoted(t: string, open: number, close: number): string {
  const inner = t.slice(open + 1, close);
  if (t.charCodeAt(open) === QUOTE) return inner;
  // In single quotes, '' is one quote; a lone ' would have ended the scalar, so it is not ours.
  if (inner.includes("'")) decline();
  return inner;
}

/** Plain scalars may not start with an indicator; those that may in some contexts are left to js-yaml. */
export function plainStart(text: string): boolean {
  if (text === "") return false;
  const c = text.charCodeAt(0);
  if ("-?:,[]{}#&*!|>'\"%@`".includes(text[0]!)) return c === DASH && text.length > 1 && text.charCodeAt(1) !== SPACE;
  return true;
}

/** `,` `[` `]` `{` `}` */
function isFlowIndicator(c: number): boolean {
  return c === 44 || c === 91 || c === 93 || c === 123 || c === 125;
}

/** A flow collection that closes on the line it opens. */
export class Flow {
  constructor(
    private readonly t: string,
    public pos: number,
    private readonly end: number,
  ) {}

  private space(): void {
    while (this.pos < this.end && this.t.charCodeAt(this.pos) === SPACE) this.pos++;
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) decline();
    this.space();
    const c = this.t.charCodeAt(this.pos);
    if (c === 123) return this.collection(125, depth, true);
    if (c === 91) return this.collection(93, depth, false);
    return this.scalar();
  }

  private collection(closer: number, depth: number, isMap: boolean): unknown {
    const t = this.t;
    this.pos++;
    const map: Record<string, unknown> = {};
    const list: unknown[] = [];
    this.space();
    if (t.charCodeAt(this.pos) === closer) {
      this.pos++;
      return isMap ? map : list;
    }
    for (;;) {
      if (isMap) {
        this.space();
        const k = this.scalar();
        if (typeof k !== "string" || k === "__proto__" || Object.prototype.hasOwnProperty.call(map, k)) decline();
        this.space();
        if (t.charCodeAt(this.pos) !== COLON) decline();
        this.pos++;
        map[k as string] = this.value(depth + 1);
      } else list.push(this.value(depth + 1));
      this.space();
      const c = t.charCodeAt(this.pos++);
      if (c === closer) return isMap ? map : list;
      if (c !== 44) decline();
      this.space();
      if (t.charCodeAt(this.pos) === closer) decline(); // a trailing comma
    }
  }

  /** A quoted or plain scalar inside a flow collection. */
  private scalar(): unknown {
    const t = this.t;
    const c = t.charCodeAt(this.pos);
    if (c === QUOTE || c === APOSTROPHE) {
      const close = t.indexOf(String.fromCharCode(c), this.pos + 1);
      if (close < 0 || close >= this.end) decline();
      const value = quoted(t, this.pos, close);
      this.pos = close + 1;
      return value;
    }
    const start = this.pos;
    // A flow indicator ends a plain scalar, so does ": " (or ':' before an indicator) and " #";
    // a ':' or '#' inside one (curlimages/curl:8.4.0) is part of it (YAML 1.2 ns-plain-char).
    while (this.pos < this.end) {
      const d = t.charCodeAt(this.pos);
      if (isFlowIndicator(d)) break;
      if (d === COLON) {
        const after = t.charCodeAt(this.pos + 1);
        if (this.pos + 1 >= this.end || after === SPACE || isFlowIndicator(after)) break;
      }
      if (d === HASH && t.charCodeAt(this.pos - 1) === SPACE) decline(); // a comment inside a one-line flow collection
      this.pos++;
    }
    const text = trimSpaces(t, start, this.pos);
    if (!plainStart(text)) decline();
    return resolvePlain!(text);
  }
}
