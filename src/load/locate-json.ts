// Paths to offsets in JSON text, and the position of the first syntax error
// (Node's JSON.parse does not always say where).

import type { Locator } from "./source.js";
import type { NodeVisitor } from "./locate-yaml.js";

export class JsonScanError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

class Scanner {
  pos = 0;
  constructor(
    readonly text: string,
    readonly visit: NodeVisitor,
  ) {}

  fail(message: string): never {
    throw new JsonScanError(message, this.pos);
  }

  space(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 32 || c === 10 || c === 13 || c === 9) this.pos++;
      else break;
    }
  }

  value(path: string, keyOffset: number): void {
    this.space();
    const start = this.pos;
    this.visit(path, keyOffset, start);
    const c = this.text[this.pos];
    if (c === "{") this.object(path);
    else if (c === "[") this.array(path);
    else if (c === '"') this.string();
    else if (c !== undefined && /[-0-9]/.test(c)) this.literal(/^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/, "a number");
    else if (c !== undefined && /[tfn]/.test(c)) this.literal(/^(true|false|null)/, "true, false or null");
    else if (c === "]" || c === "}") this.fail(`a comma before '${c}' is not allowed in JSON (trailing comma)`);
    else this.fail(c === undefined ? "unexpected end of input" : `unexpected character ${JSON.stringify(c)}`);
  }

  literal(re: RegExp, what: string): void {
    const m = re.exec(this.text.slice(this.pos, this.pos + 400));
    if (!m) this.fail(`expected ${what}`);
    this.pos += m[0].length;
  }

  string(): string {
    const t = this.text;
    const start = ++this.pos;
    for (;;) {
      const i = t.indexOf('"', this.pos);
      if (i < 0) this.fail("unterminated string");
      let backslashes = 0;
      for (let j = i - 1; j >= start && t[j] === "\\"; j--) backslashes++;
      this.pos = i + 1;
      if (backslashes % 2 === 0) return JSON.parse(t.slice(start - 1, i + 1)) as string;
    }
  }

  object(path: string): void {
    this.pos++;
    this.space();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return;
    }
    for (;;) {
      this.space();
      if (this.text[this.pos] !== '"') this.fail("expected a double-quoted property name");
      const keyOffset = this.pos;
      const key = this.string();
      this.space();
      if (this.text[this.pos] !== ":") this.fail("expected ':' after the property name");
      this.pos++;
      this.value(path === "" ? key : `${path}\u0000${key}`, keyOffset);
      this.space();
      const c = this.text[this.pos++];
      if (c === "}") return;
      if (c !== ",") {
        this.pos--;
        this.fail("expected ',' or '}' after a property value");
      }
    }
  }

  array(path: string): void {
    this.pos++;
    this.space();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return;
    }
    for (let index = 0; ; index++) {
      this.space();
      this.value(path === "" ? String(index) : `${path}\u0000${index}`, this.pos);
      this.space();
      const c = this.text[this.pos++];
      if (c === "]") return;
      if (c !== ",") {
        this.pos--;
        this.fail("expected ',' or ']' after an array element");
      }
    }
  }
}

/** Visits every node; throws JsonScanError at the first syntax error. */
export function walkJson(text: string, visit: NodeVisitor): void {
  const scanner = new Scanner(text, visit);
  scanner.value("", 0);
  scanner.space();
  if (scanner.pos < text.length) scanner.fail("unexpected text after the end of the JSON value");
}

/** Where and why JSON text is invalid, or undefined if it is valid. */
export function findJsonError(text: string): JsonScanError | undefined {
  try {
    walkJson(text, () => {});
    return undefined;
  } catch (error) {
    if (error instanceof JsonScanError) return error;
    throw error;
  }
}

/**
 * Offsets of paths in valid JSON text. A lookup walks down its path, skipping
 * the values beside it without building them; every object and array it
 * passes through is indexed (member and element offsets) and kept, so the
 * first lookup into a 150,000-element array costs one scan of that array and
 * later ones are direct. Same offsets as a full walk: a member's key is its
 * opening quote, an element's key is its value; a repeated key resolves to its
 * last occurrence, as JSON.parse keeps the last value.
 */
export function locateJson(text: string): Locator {
  const containers = new Map<number, Container>();
  const container = (at: number): Container | undefined => {
    let c = containers.get(at);
    if (c === undefined) {
      const open = text.charCodeAt(at);
      if (open === OPEN_BRACE) c = indexObject(text, at);
      else if (open === OPEN_BRACKET) c = indexArray(text, at);
      else return undefined;
      containers.set(at, c);
    }
    return c;
  };
  return (path, what) => {
    let key = 0;
    let value = skipSpace(text, 0);
    for (const part of path) {
      const c = container(value);
      if (c === undefined) return undefined;
      let entry: readonly [number, number] | undefined;
      if (Array.isArray(c)) {
        const index = typeof part === "number" ? part : /^(0|[1-9][0-9]*)$/.test(part) ? Number(part) : -1;
        const at = c[index];
        entry = at === undefined ? undefined : [at, at];
      } else entry = c.get(String(part));
      if (entry === undefined) return undefined;
      [key, value] = entry;
    }
    return what === "key" ? key : value;
  };
}

/** An object's members by key ([key quote, value start]), or an array's element starts. */
type Container = Map<string, readonly [number, number]> | number[];

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const COMMA = 44;

function skipSpace(t: string, i: number): number {
  for (;;) {
    const c = t.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9) i++;
    else return i;
  }
}

/** From an opening quote to just past its closing quote. */
function skipString(t: string, i: number): number {
  for (let from = i + 1; ; ) {
    const q = t.indexOf('"', from);
    if (q < 0) return t.length;
    let backslashes = 0;
    for (let j = q - 1; t.charCodeAt(j) === BACKSLASH; j--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/** From a value's first character to just past it. */
function skipValue(t: string, i: number): number {
  const c = t.charCodeAt(i);
  if (c === QUOTE) return skipString(t, i);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    for (let j = i; j < t.length; j++) {
      const d = t.charCodeAt(j);
      if (d === QUOTE) j = skipString(t, j) - 1;
      else if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
      else if ((d === CLOSE_BRACE || d === CLOSE_BRACKET) && --depth === 0) return j + 1;
    }
    return t.length;
  }
  let j = i;
  for (; j < t.length; j++) {
    const d = t.charCodeAt(j);
    if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || d === 32 || d === 10 || d === 13 || d === 9) break;
  }
  return j;
}

function indexObject(t: string, at: number): Map<string, readonly [number, number]> {
  const members = new Map<string, readonly [number, number]>();
  let i = skipSpace(t, at + 1);
  while (t.charCodeAt(i) === QUOTE) {
    const end = skipString(t, i);
    const name = JSON.parse(t.slice(i, end)) as string;
    const value = skipSpace(t, skipSpace(t, end) + 1); // past the colon
    members.set(name, [i, value]);
    i = skipSpace(t, skipValue(t, value));
    if (t.charCodeAt(i) !== COMMA) break;
    i = skipSpace(t, i + 1);
  }
  return members;
}

function indexArray(t: string, at: number): number[] {
  const items: number[] = [];
  let i = skipSpace(t, at + 1);
  if (t.charCodeAt(i) === CLOSE_BRACKET) return items;
  for (;;) {
    items.push(i);
    i = skipSpace(t, skipValue(t, i));
    if (t.charCodeAt(i) !== COMMA) return items;
    i = skipSpace(t, i + 1);
  }
}
