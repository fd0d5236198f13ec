// The one error type of the filter compiler. `message` is the exact line real
// tcpdump prints to stderr for the same expression (it then exits 1), so a
// caller that prints `err.message` shows what a user of tcpdump would see.

import type { Diagnostic } from "../model/diagnostics.js";

export type FilterErrorCode =
  /** The expression does not parse: `can't parse filter expression: syntax error` and friends. */
  | "filter-syntax"
  /** Parses, but libpcap's code generator refuses it (unknown host, bad port, wrong qualifier...). */
  | "filter-invalid"
  /** libpcap's optimizer proved that nothing can match: `expression rejects all packets`. */
  | "filter-rejects-all"
  /** Valid for real tcpdump, but this simulator does not implement it; never guessed at. */
  | "filter-unsupported";

export class FilterError extends Error {
  override readonly name = "FilterError";
  readonly code: FilterErrorCode;
  /** libpcap's own text (pcap_geterr), without the `tcpdump: ` prefix. */
  readonly detail: string;
  /** 0-based offset of the offending token when known (unsupported constructs). */
  readonly pos: number | undefined;

  constructor(code: FilterErrorCode, detail: string, pos?: number) {
    super(code === "filter-unsupported" ? `k8s-nettrace: ${detail}` : `tcpdump: ${detail}`);
    this.code = code;
    this.detail = detail;
    this.pos = pos;
  }

  /** The same problem in the project's diagnostic shape (the CLI decides how to print it). */
  diagnostic(expression: string): Diagnostic {
    const notes = this.pos === undefined ? [] : [`in: ${expression}`, `    ${" ".repeat(this.pos)}^`];
    return {
      severity: "error",
      code: this.code,
      message: this.message,
      ...(notes.length ? { notes } : {}),
      ...(this.code === "filter-unsupported" ? { hint: "rewrite the filter without it, or filter the output instead" } : {}),
    };
  }
}

/** libpcap's grammar.y yyerror(): every bison syntax error reads the same. */
export function syntaxError(): FilterError {
  return new FilterError("filter-syntax", "can't parse filter expression: syntax error");
}

/** gencode.c syntax(): a qualifier-less id where the grammar allowed it but the code generator did not. */
export function qualifierSyntaxError(): FilterError {
  return new FilterError("filter-syntax", "syntax error in filter expression");
}

export function invalid(detail: string): FilterError {
  return new FilterError("filter-invalid", detail);
}

export function unsupported(construct: string, pos?: number): FilterError {
  return new FilterError(
    "filter-unsupported",
    `pcap-filter construct '${construct}' is valid for tcpdump but not supported by the simulator's filter compiler`,
    pos,
  );
}
