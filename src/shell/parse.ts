// The part of a POSIX shell command line people actually type while
// investigating: words with '…', "…" and backslash quoting, pipelines (|),
// lists (; && ||), comments, `for VAR in WORDS; do …; done`, $VAR, and the
// redirections that only throw output away (>/dev/null, 2>/dev/null, 2>&1).
// Anything else is a ParseError that says plainly what is not supported.

export interface SimpleCommand {
  /** Unexpanded: variables are expanded when the command runs (a loop sets them). */
  words: Word[];
  /** 2>/dev/null, >/dev/null, 2>&1 on this command. */
  discardStdout: boolean;
  discardStderr: boolean;
  stderrToStdout: boolean;
}

export type Pipeline = { kind: "pipeline"; commands: SimpleCommand[] };
export type ForLoop = { kind: "for"; variable: string; values: Word[]; body: CommandList };
export type Item = Pipeline | ForLoop;
export interface CommandList {
  items: { item: Item; /** How this item joins the previous one. */ after: ";" | "&&" | "||" }[];
}

export class ParseError extends Error {}

/** A word before variable expansion: literal text and `$NAME` references, each marked quoted or not. */
export type Word = { parts: { text: string; variable?: boolean; command?: boolean; quoted: boolean }[] };

type Token = { kind: "word"; word: Word; raw: string } | { kind: "op"; op: string };

const OPERATORS = ["&&", "||", "2>&1", "2>", ">>", ">", "<", "|", ";", "&"];

function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (c === "#") break;
    const op = OPERATORS.find((o) => line.startsWith(o, i) && (o !== "2>" && o !== "2>&1" ? true : i === 0 || /\s/.test(line[i - 1]!)));
    if (op) {
      tokens.push({ kind: "op", op });
      i += op.length;
      continue;
    }
    const start = i;
    const word: Word = { parts: [] };
    const add = (text: string, quoted: boolean, variable = false, command = false): void => void word.parts.push({ text, quoted, ...(variable ? { variable } : {}), ...(command ? { command } : {}) });
    while (i < line.length && !/[\s|;&<>]/.test(line[i]!)) {
      const ch = line[i]!;
      if (ch === "'") {
        const end = line.indexOf("'", i + 1);
        if (end < 0) throw new ParseError("unexpected end of line: a ' is not closed");
        add(line.slice(i + 1, end), true);
        i = end + 1;
      } else if (ch === '"') {
        i = readDoubleQuoted(line, i + 1, add);
      } else if (ch === "\\") {
        if (i + 1 < line.length) add(line[i + 1]!, true);
        i += 2;
      } else if (ch === "$") {
        i = readVariable(line, i, (name) => add(name, false, true), (t) => add(t, false), (cmd) => add(cmd, false, false, true));
      } else if (ch === "`") {
        const end = line.indexOf("`", i + 1);
        if (end < 0) throw new ParseError("unexpected EOF while looking for matching ``'");
        add(line.slice(i + 1, end), false, false, true);
        i = end + 1;
      } else {
        add(ch, false);
        i++;
      }
    }
    tokens.push({ kind: "word", word, raw: line.slice(start, i) });
  }
  return tokens;
}

function readDoubleQuoted(line: string, from: number, add: (text: string, quoted: boolean, variable?: boolean, command?: boolean) => void): number {
  let i = from;
  while (i < line.length && line[i] !== '"') {
    const ch = line[i]!;
    if (ch === "\\" && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) {
      add(line[i + 1]!, true);
      i += 2;
    } else if (ch === "$") {
      i = readVariable(line, i, (name) => add(name, true, true), (t) => add(t, true), (cmd) => add(cmd, true, false, true));
    } else if (ch === "`") {
      const end = line.indexOf("`", i + 1);
      if (end < 0) throw new ParseError("unexpected EOF while looking for matching ``'");
      add(line.slice(i + 1, end), true, false, true);
      i = end + 1;
    } else {
      add(ch, true);
      i++;
    }
  }
  if (i >= line.length) throw new ParseError('unexpected end of line: a " is not closed');
  return i + 1;
}

function readVariable(line: string, at: number, variable: (name: string) => void, literal: (text: string) => void, command: (text: string) => void): number {
  const rest = line.slice(at + 1);
  if (rest.startsWith("(")) {
    // $(…): up to the matching parenthesis, skipping quoted text.
    let depth = 0;
    for (let j = at + 1; j < line.length; j++) {
      const c = line[j]!;
      if (c === "'" || c === '"') {
        const close = line.indexOf(c, j + 1);
        if (close < 0) break;
        j = close;
      } else if (c === "(") depth++;
      else if (c === ")" && --depth === 0) {
        command(line.slice(at + 2, j));
        return j + 1;
      }
    }
    throw new ParseError("unexpected EOF while looking for matching `)'");
  }
  const braced = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(rest);
  if (braced) {
    variable(braced[1]!);
    return at + 1 + braced[0].length;
  }
  const plain = /^([A-Za-z_][A-Za-z0-9_]*|\?)/.exec(rest);
  if (plain) {
    variable(plain[1]!);
    return at + 1 + plain[0].length;
  }
  literal("$");
  return at + 1;
}

/** The literal text of a word without expansion (keywords, variable names). */
function literalOf(word: Word): string | undefined {
  return word.parts.every((p) => !p.variable && !p.quoted) ? word.parts.map((p) => p.text).join("") : undefined;
}

export function parseLine(line: string): CommandList {
  const tokens = tokenize(line);
  const parser = new Parser(tokens);
  const list = parser.list([]);
  if (!parser.done()) throw new ParseError(`syntax error near unexpected token \`${parser.peekText()}'`);
  return list;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  done(): boolean {
    return this.i >= this.tokens.length;
  }

  peekText(): string {
    const t = this.tokens[this.i];
    return !t ? "newline" : t.kind === "op" ? t.op : t.raw;
  }

  private keyword(): string | undefined {
    const t = this.tokens[this.i];
    return t?.kind === "word" ? literalOf(t.word) : undefined;
  }

  /** Items until the end or one of `stop` keywords (`done`). */
  list(stop: string[]): CommandList {
    const items: CommandList["items"] = [];
    let after: ";" | "&&" | "||" = ";";
    while (!this.done()) {
      const kw = this.keyword();
      if (kw !== undefined && stop.includes(kw)) break;
      items.push({ item: this.item(), after });
      const t = this.tokens[this.i];
      if (!t) break;
      if (t.kind !== "op" || (t.op !== ";" && t.op !== "&&" && t.op !== "||")) {
        if (t.kind === "op" && t.op === "&") throw new ParseError("background jobs (&) are not supported here");
        break;
      }
      after = t.op;
      this.i++;
    }
    return { items };
  }

  private item(): Item {
    if (this.keyword() === "for") return this.forLoop();
    for (const kw of ["while", "until", "if", "case", "function"]) {
      if (this.keyword() === kw) throw new ParseError(`'${kw}' is not supported here (for VAR in …; do …; done is)`);
    }
    const commands = [this.simple()];
    while (this.tokens[this.i]?.kind === "op" && (this.tokens[this.i] as { op: string }).op === "|") {
      this.i++;
      commands.push(this.simple());
    }
    return { kind: "pipeline", commands };
  }

  private forLoop(): ForLoop {
    this.i++;
    const name = this.keyword();
    if (!name || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ParseError("syntax error: for needs a variable name");
    this.i++;
    if (this.keyword() !== "in") throw new ParseError(`syntax error: expected 'in' after 'for ${name}'`);
    this.i++;
    const values: Word[] = [];
    while (this.tokens[this.i]?.kind === "word") values.push((this.tokens[this.i++] as { word: Word }).word);
    this.expectOp(";");
    if (this.keyword() !== "do") throw new ParseError("syntax error: expected 'do'");
    this.i++;
    const body = this.list(["done"]);
    if (this.keyword() !== "done") throw new ParseError("syntax error: unexpected end of line (expected 'done')");
    this.i++;
    return { kind: "for", variable: name, values, body };
  }

  private expectOp(op: string): void {
    const t = this.tokens[this.i];
    if (t?.kind !== "op" || t.op !== op) throw new ParseError(`syntax error near unexpected token \`${this.peekText()}'`);
    this.i++;
  }

  private simple(): SimpleCommand {
    const cmd: SimpleCommand = { words: [], discardStdout: false, discardStderr: false, stderrToStdout: false };
    for (;;) {
      const t = this.tokens[this.i];
      if (!t) break;
      if (t.kind === "word") {
        cmd.words.push(t.word);
        this.i++;
        continue;
      }
      if (t.op === "2>&1") {
        cmd.stderrToStdout = true;
        this.i++;
        continue;
      }
      if (t.op === ">" || t.op === "2>" || t.op === ">>") {
        const target = this.tokens[this.i + 1];
        const path = target?.kind === "word" ? literalOf(target.word) : undefined;
        if (path !== "/dev/null") throw new ParseError("redirection to files is not supported here (only to /dev/null)");
        if (t.op === "2>") cmd.discardStderr = true;
        else cmd.discardStdout = true;
        this.i += 2;
        continue;
      }
      if (t.op === "<") throw new ParseError("input redirection (<) is not supported here");
      break;
    }
    if (cmd.words.length === 0) throw new ParseError(`syntax error near unexpected token \`${this.peekText()}'`);
    return cmd;
  }
}

/** Expands `$NAME`, `$?` and `$(…)` (through `substitute`); unquoted expansions split on whitespace as the shell does. */
export function expandWords(raw: Word[], vars: ReadonlyMap<string, string>, substitute: (command: string) => string = () => ""): string[] {
  const out: string[] = [];
  for (const word of raw) {
    let current = "";
    let started = false;
    for (const part of word.parts) {
      if (!part.variable && !part.command) {
        current += part.text;
        started = true;
        continue;
      }
      const value = part.command ? substitute(part.text).replace(/\n+$/, "") : (vars.get(part.text) ?? "");
      if (part.quoted) {
        current += value;
        started = true;
        continue;
      }
      const fields = value.split(/\s+/);
      fields.forEach((f, k) => {
        if (k > 0 && (started || current)) {
          out.push(current);
          current = "";
        }
        current += f;
        if (f) started = true;
      });
    }
    if (started || current) out.push(current);
  }
  return out;
}
