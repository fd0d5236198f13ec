// Diagnostics as compilers print them:
//
//   lab.yaml:7:3: error[unknown-field]: unknown field "podCidr" in network
//       7 |   podCidr: 172.30.0.0/16
//         |   ^~~~~~~
//     hint: did you mean "podCIDR"?

import type { Diagnostic } from "../model/diagnostics.js";

export interface Paint {
  error(s: string): string;
  warning(s: string): string;
  hint(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export const NO_PAINT: Paint = { error: (s) => s, warning: (s) => s, hint: (s) => s, dim: (s) => s, bold: (s) => s };

/** At most this many are printed; the rest are counted. */
export const SHOW_LIMIT = 50;

export function formatDiagnostic(d: Diagnostic, paint: Paint = NO_PAINT): string {
  const loc = d.location;
  const where = loc ? (loc.line > 0 ? `${loc.file}:${loc.line}:${loc.col}: ` : `${loc.file}: `) : "";
  const label = d.severity === "error" ? paint.error(`error[${d.code}]`) : paint.warning(`warning[${d.code}]`);
  const lines = [`${paint.bold(where)}${label}: ${paint.bold(d.message)}`];
  if (loc && loc.line > 0 && d.sourceLine !== undefined) {
    const { text, col } = window(d.sourceLine.replace(/\t/g, " "), loc.col);
    const number = String(loc.line);
    const gutter = " ".repeat(number.length);
    const token = /^[^\s,\]}]+/.exec(text.slice(col - 1))?.[0] ?? "";
    const marker = "^" + "~".repeat(Math.max(0, Math.min(token.length, 40) - 1));
    lines.push(`  ${paint.dim(`${number} |`)} ${text}`);
    lines.push(`  ${paint.dim(`${gutter} |`)} ${" ".repeat(Math.max(0, col - 1))}${paint.error(marker)}`);
  }
  for (const note of d.notes ?? []) lines.push(`  note: ${note}`);
  if (d.hint) lines.push(`  ${paint.hint("hint:")} ${d.hint}`);
  return lines.join("\n");
}

/** Long lines (minified JSON, generated files) are cut to a window around the column. */
function window(text: string, col: number): { text: string; col: number } {
  const WIDTH = 100;
  if (text.length <= WIDTH) return { text, col };
  const start = Math.max(0, Math.min(col - 1 - 40, text.length - WIDTH));
  const cut = text.slice(start, start + WIDTH);
  const prefix = start > 0 ? "..." : "";
  const suffix = start + WIDTH < text.length ? "..." : "";
  return { text: prefix + cut + suffix, col: col - start + prefix.length };
}

export function formatDiagnostics(list: Diagnostic[], paint: Paint = NO_PAINT): string {
  const shown = list.slice(0, SHOW_LIMIT).map((d) => formatDiagnostic(d, paint));
  const errors = list.filter((d) => d.severity === "error").length;
  const warnings = list.length - errors;
  if (list.length > SHOW_LIMIT) shown.push(`... and ${list.length - SHOW_LIMIT} more`);
  const parts = [];
  if (errors) parts.push(`${errors} error${errors === 1 ? "" : "s"}`);
  if (warnings) parts.push(`${warnings} warning${warnings === 1 ? "" : "s"}`);
  // A count helps when a file had problems; a lone usage error needs none.
  if (parts.length && list.some((d) => d.location)) shown.push(parts.join(", "));
  return shown.join("\n") + "\n";
}
