// Problems are data: every stage collects Diagnostics and keeps going, so a user
// sees all of them in one run. Only the CLI decides to print and exit.

export interface Location {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
}

export type Severity = "error" | "warning";

export interface Diagnostic {
  severity: Severity;
  /** Stable kebab-case id, e.g. `unknown-field`, `overlapping-cidr`. */
  code: string;
  message: string;
  location?: Location;
  /** The text of the source line the location points into. */
  sourceLine?: string;
  hint?: string;
  notes?: string[];
}

/** A user mistake that stops the command (bad input, bad flags): exit code 2. */
export class UsageError extends Error {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[] | string, hint?: string) {
    const list: Diagnostic[] =
      typeof diagnostics === "string"
        ? [{ severity: "error", code: "usage", message: diagnostics, ...(hint ? { hint } : {}) }]
        : diagnostics;
    super(list.map((d) => d.message).join("; "));
    this.diagnostics = list;
  }
}

/** Collects diagnostics in the order they are found. */
export class Problems {
  readonly list: Diagnostic[] = [];
  add(d: Diagnostic): void {
    this.list.push(d);
  }
  error(code: string, message: string, extra: Partial<Diagnostic> = {}): void {
    this.list.push({ severity: "error", code, message, ...extra });
  }
  warning(code: string, message: string, extra: Partial<Diagnostic> = {}): void {
    this.list.push({ severity: "warning", code, message, ...extra });
  }
  get hasErrors(): boolean {
    return this.list.some((d) => d.severity === "error");
  }
}
