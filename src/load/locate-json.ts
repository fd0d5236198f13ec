// Paths to offsets in JSON text, and the position of the first syntax error
// (Node's JSON.parse does not always say where). A single forward scan.

import type { Locator } from "./source.js";
import { pathKey, type NodeVisitor } from "./locate-yaml.js";

const FULL_INDEX_LIMIT = 2 * 1024 * 1024;

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

export function locateJson(text: string): Locator {
  const walk = (visit: NodeVisitor): void => {
    try {
      walkJson(text, visit);
    } catch (error) {
      if (!(error instanceof JsonScanError)) throw error;
    }
  };
  if (text.length <= FULL_INDEX_LIMIT) {
    const index = new Map<string, [number, number]>();
    walk((key, k, v) => index.set(key, [k, v]));
    return (path, what) => index.get(pathKey(path))?.[what === "key" ? 0 : 1];
  }
  return (path, what) => {
    const wanted = pathKey(path);
    let found: number | undefined;
    walk((key, k, v) => {
      if (found === undefined && key === wanted) found = what === "key" ? k : v;
    });
    return found;
  };
}
