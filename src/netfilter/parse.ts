// iptables-restore input -> canonical Tables, with positioned diagnostics.
//
// Accepts what programs write (kube-proxy's `-A X -m comment --comment "..."
// -m tcp -p tcp -d 10.96.0.50 --dport 80 -j Y`, `--or-mark`, bare host
// addresses, `-I`, `-N`, `-X`, `:CHAIN - [0:0]`, `[pkts:bytes]` prefixes) as
// well as iptables-save output. The line loop follows xtables-restore.c:
// `#` comments, `*table` (flushes the table unless noflush), `:CHAIN POLICY
// [counters]` (creates or flushes a user chain, sets a builtin's policy), rule
// commands, `COMMIT`. Unlike iptables-restore, which stops at the first error,
// every bad line is reported and skipped, so a user sees all problems at once.

import type { Diagnostic } from "../model/diagnostics.js";
import { emptyTable, isBuiltin, type Rule, type Table, type TableName, type Tables } from "./rule.js";
import { tokenize } from "./parse-tokens.js";
import { chainNameProblem, runCommand } from "./parse-command.js";
import { commitChecks } from "./parse-check.js";
import type { Problem } from "./parse-values.js";

export interface ParseOptions {
  /** Name used in diagnostics and rule origins (default `<stdin>`). */
  file?: string;
  /** Tables already in the kernel; the input is applied to a copy of them. */
  base?: Tables;
  /** `iptables-restore --noflush`: `*table` keeps what the table already holds. */
  noflush?: boolean;
}

export interface ParseResult {
  tables: Tables;
  diagnostics: Diagnostic[];
}

const TABLE_NAMES: readonly TableName[] = ["raw", "mangle", "nat", "filter"];

export function parseRestore(text: string, options: ParseOptions = {}): ParseResult {
  const file = options.file ?? "<stdin>";
  const p = new Restore(file, cloneTables(options.base), options.noflush ?? false);
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  lines.forEach((line, i) => p.line(line.endsWith("\r") ? line.slice(0, -1) : line, i + 1));
  p.end(lines.length + 1);
  return { tables: p.tables, diagnostics: p.diagnostics };
}

function cloneTables(base: Tables | undefined): Tables {
  const out: Tables = new Map();
  for (const [name, t] of base ?? []) {
    const chains = new Map([...t.chains].map(([n, c]) => [n, { ...c, rules: c.rules.slice() }]));
    out.set(name, { name: t.name, chains });
  }
  return out;
}

class Restore {
  readonly diagnostics: Diagnostic[] = [];
  /** The table between `*name` and COMMIT; null after a bad `*name` (its lines are skipped). */
  private current: Table | null | undefined;
  private ruleLines = new Map<Rule, { line: number; col: number; source: string }>();

  constructor(
    private readonly file: string,
    readonly tables: Tables,
    private readonly noflush: boolean,
  ) {}

  line(text: string, n: number): void {
    const trimmed = text.trim();
    if (trimmed === "" || text.startsWith("#")) return;
    if (this.current !== undefined && text === "COMMIT") return this.commit();
    if (text.startsWith("*")) return this.startTable(text, n);
    if (this.current === undefined) {
      return this.error(n, 1, text, { code: "outside-table", message: `line ${n} failed: no table started`, hint: "start a table with *filter, *nat, *mangle or *raw" });
    }
    if (this.current === null) return;
    if (text.startsWith(":")) return this.chainLine(this.current, text, n);
    this.ruleLine(this.current, text, n);
  }

  end(n: number): void {
    if (this.current !== undefined) this.error(n, 1, "", { code: "commit-expected", message: `COMMIT expected at line ${n}` });
  }

  private startTable(text: string, n: number): void {
    if (this.current !== undefined) {
      this.error(n, 1, text, { code: "commit-expected", message: `COMMIT expected before line ${n}`, hint: "every *table section ends with COMMIT" });
    }
    const name = text.slice(1).split(/[ \t]/)[0]!;
    if (!TABLE_NAMES.includes(name as TableName)) {
      const supported = name === "security" ? "the security table is not modelled" : undefined;
      this.error(n, 2, text, { code: "unknown-table", message: `table name '${name}' invalid`, ...(supported ? { hint: supported } : {}) });
      this.current = null;
      return;
    }
    const tname = name as TableName;
    const existing = this.tables.get(tname);
    if (existing && !this.noflush) {
      const fresh = emptyTable(tname);
      existing.chains = fresh.chains; // keeps the table's place in creation order
    }
    if (!existing) this.tables.set(tname, emptyTable(tname));
    this.current = this.tables.get(tname)!;
  }

  /** `:NAME POLICY [pkts:bytes]`: builtin -> policy; user chain -> create or flush. */
  private chainLine(table: Table, text: string, n: number): void {
    const parts = text.slice(1).split(/[ \t]+/).filter(Boolean);
    const name = parts[0];
    if (!name) return this.error(n, 2, text, { code: "invalid-chain-name", message: `line ${n} chain name invalid` });
    const bad = chainNameProblem(name);
    if (bad) return this.error(n, 2, text, bad);
    const policy = parts[1];
    if (!policy) return this.error(n, 2, text, { code: "invalid-policy", message: `line ${n} policy invalid` });
    if (parts[2] !== undefined && !/^\[[0-9]+:[0-9]+\]$/.test(parts[2])) {
      return this.error(n, text.indexOf(parts[2]) + 1, text, { code: "bad-counters", message: `invalid policy counters for chain '${name}'` });
    }
    if (isBuiltin(table.name, name)) {
      if (policy !== "ACCEPT" && policy !== "DROP") {
        return this.error(n, text.indexOf(policy) + 1, text, { code: "invalid-policy", message: `Can't set policy \`${policy}' on \`${name}' line ${n}: Bad built-in chain name` });
      }
      table.chains.get(name)!.policy = policy;
      return;
    }
    const chain = table.chains.get(name);
    if (chain) chain.rules = [];
    else table.chains.set(name, { name, rules: [] });
  }

  private ruleLine(table: Table, text: string, n: number): void {
    let startCol = 1;
    let body = text;
    if (text.startsWith("[")) {
      const close = text.indexOf("]");
      if (close < 0 || !/^\[[0-9]+:[0-9]+\]$/.test(text.slice(0, close + 1))) {
        return this.error(n, 1, text, { code: "bad-counters", message: `Bad line ${n}: need ]` });
      }
      body = text.slice(close + 1);
      startCol = close + 2;
    }
    const { tokens, unterminatedQuote } = tokenize(body, startCol);
    if (unterminatedQuote !== undefined) {
      return this.error(n, unterminatedQuote, text, {
        code: "unterminated-quote",
        message: "quote is never closed",
        hint: "iptables-restore would take the rest of the line, newline included, as this argument",
      });
    }
    if (tokens.length === 0) return;
    const problem = runCommand(tokens, {
      table,
      warn: (p, col) => this.report("warning", n, col, text, p),
      added: (rule, col) => this.ruleLines.set(rule, { line: n, col, source: text }),
    });
    if (problem) this.error(n, problem.col, text, problem);
  }

  private commit(): void {
    const table = this.current;
    this.current = undefined;
    if (!table) return;
    for (const p of commitChecks(table)) {
      const at = this.ruleLines.get(p.rule);
      this.report("error", at?.line ?? 0, at?.col ?? 1, at?.source ?? "", p);
    }
    if (this.file !== "<stdin>") this.setOrigins(table);
  }

  /** Rules read from a file remember file:line, so a trace can point back at the dump. */
  private setOrigins(table: Table): void {
    for (const c of table.chains.values()) {
      for (const r of c.rules) {
        const at = this.ruleLines.get(r);
        if (at && !r.origin) r.origin = { by: "user", object: `${this.file}:${at.line}` };
      }
    }
  }

  private error(line: number, col: number, source: string, p: Problem): void {
    this.report("error", line, col, source, p);
  }

  private report(severity: "error" | "warning", line: number, col: number, source: string, p: Problem): void {
    const d: Diagnostic = { severity, code: p.code, message: p.message, location: { file: this.file, line, col }, sourceLine: source };
    if (p.hint) d.hint = p.hint;
    this.diagnostics.push(d);
  }
}
