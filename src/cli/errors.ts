// The two ways a command ends early. ExitError is expected (bad input, a
// failed check); InternalError is our bug and is printed with its stack.

import type { Diagnostic } from "../model/diagnostics.js";

export class ExitError extends Error {
  constructor(
    readonly code: number,
    message = "",
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(message);
  }
}

/** Exit code 2 with one message and a hint: bad flags, unknown names, unreadable files. */
export function usage(message: string, hint?: string): ExitError {
  return new ExitError(2, "", [{ severity: "error", code: "usage", message, ...(hint ? { hint } : {}) }]);
}
