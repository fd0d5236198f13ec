// The awk people type at the end of a pipe: `[-F SEP] '[PATTERN] [{ print
// EXPR, … }]'` where PATTERN is /regex/, NR comparisons or $N ~ /regex/ and
// EXPR concatenates fields ($1, $NF), NR, NF and "strings". Other programs
// are refused with a message rather than half-run.

import { fail, ok, type Tool } from "./tool.js";

type Term = { field: number | "NF" } | { variable: "NR" | "NF" } | { text: string };
type Pattern =
  | { kind: "all" }
  | { kind: "regex"; re: RegExp; field?: number | "NF"; negate: boolean }
  | { kind: "nr"; op: string; value: number };

interface Program {
  pattern: Pattern;
  /** Expressions printed, separated by OFS; undefined = print the whole line. */
  print?: Term[][];
}

const UNSUPPORTED = "awk: k8s-nettrace's awk runs '[/re/ | NR<op>N | $N ~ /re/] {print $1, $NF, NR, \"text\"}' programs";

function parseTerms(text: string): Term[] | undefined {
  const terms: Term[] = [];
  const re = /\s*(?:\$(\d+|NF)|(NR|NF)\b|"((?:[^"\\]|\\.)*)")/y;
  let pos = 0;
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) return undefined;
    if (m[1] !== undefined) terms.push({ field: m[1] === "NF" ? "NF" : Number(m[1]) });
    else if (m[2] !== undefined) terms.push({ variable: m[2] as "NR" | "NF" });
    else terms.push({ text: m[3]!.replace(/\\t/g, "\t").replace(/\\n/g, "\n").replace(/\\(.)/g, "$1") });
    pos = re.lastIndex;
  }
  return terms;
}

export function parseAwk(source: string): Program | undefined {
  const m = /^\s*(.*?)\s*(?:\{\s*(.*?)\s*;?\s*\})?\s*$/s.exec(source);
  if (!m) return undefined;
  const [, patternText, actionText] = m;
  let pattern: Pattern = { kind: "all" };
  let p: RegExpExecArray | null;
  if (!patternText) pattern = { kind: "all" };
  else if ((p = /^(!)?\/(.*)\/$/.exec(patternText))) pattern = { kind: "regex", re: new RegExp(p[2]!), negate: !!p[1] };
  else if ((p = /^\$(\d+|NF)\s*(!?~)\s*\/(.*)\/$/.exec(patternText))) pattern = { kind: "regex", re: new RegExp(p[3]!), field: p[1] === "NF" ? "NF" : Number(p[1]), negate: p[2] === "!~" };
  else if ((p = /^NR\s*(==|!=|<=|>=|<|>)\s*(\d+)$/.exec(patternText))) pattern = { kind: "nr", op: p[1]!, value: Number(p[2]) };
  else return undefined;
  if (actionText === undefined || actionText === "print" || actionText === "print $0") return { pattern };
  const action = /^print\s+(.*)$/.exec(actionText);
  if (!action) return undefined;
  const exprs = action[1]!.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((e) => parseTerms(e.trim()));
  if (exprs.some((e) => e === undefined)) return undefined;
  return { pattern, print: exprs as Term[][] };
}

function matches(p: Pattern, line: string, fields: string[], nr: number): boolean {
  if (p.kind === "all") return true;
  if (p.kind === "nr") {
    const v = p.value;
    return p.op === "==" ? nr === v : p.op === "!=" ? nr !== v : p.op === "<" ? nr < v : p.op === ">" ? nr > v : p.op === "<=" ? nr <= v : nr >= v;
  }
  const subject = p.field === undefined ? line : (p.field === "NF" ? fields[fields.length - 1] : p.field === 0 ? line : fields[p.field - 1]) ?? "";
  return p.re.test(subject) !== p.negate;
}

export const awkTool: Tool = (argv, env) => {
  let separator: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-F") separator = argv[++i];
    else if (a.startsWith("-F")) separator = a.slice(2);
    else rest.push(a);
  }
  const [source, file] = rest;
  if (source === undefined) return fail("usage: awk [-F fs] 'program' [file ...]", 2);
  let program: Program | undefined;
  try {
    program = parseAwk(source);
  } catch {
    program = undefined;
  }
  if (!program) return fail(UNSUPPORTED, 2);
  const text = file !== undefined ? env.ns.files.get(file)?.() : env.stdin;
  if (text === undefined) return fail(file !== undefined ? `awk: cannot open "${file}" (No such file or directory)` : "awk: reading from the terminal is not simulated; pipe a command into awk", 2);
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  let out = "";
  lines.forEach((line, i) => {
    const fields = separator === undefined ? line.trim().split(/[ \t]+/).filter(Boolean) : line.split(separator);
    const nr = i + 1;
    if (!matches(program!.pattern, line, fields, nr)) return;
    if (!program!.print) {
      out += `${line}\n`;
      return;
    }
    const value = (t: Term): string => {
      if ("text" in t) return t.text;
      if ("variable" in t) return String(t.variable === "NR" ? nr : fields.length);
      if (t.field === "NF") return fields[fields.length - 1] ?? "";
      return t.field === 0 ? line : (fields[t.field - 1] ?? "");
    };
    out += program!.print.map((expr) => expr.map(value).join("")).join(" ") + "\n";
  });
  return ok(out);
};
