// `reach` output: the matrix as a table (rows: sources, columns: destination
// ports), as CSV (RFC 4180) or as JSON with every verdict's probability.

import Table from "./table.js";
import { cellText, type Matrix } from "../check/reach.js";
import type { Paint } from "./diagnostics.js";

export function renderReachTable(m: Matrix, paint: Paint & { pass(s: string): string }): string {
  const table = new Table({ head: [paint.bold("from \\ to"), ...m.targets.map((t) => paint.bold(t.label))], style: { head: [], border: [] } });
  m.sources.forEach((s, i) => {
    table.push([s.id, ...m.cells[i]!.map((c) => {
      const text = cellText(c);
      return c.error ? paint.dim(text) : text === "delivered" ? paint.pass(text) : paint.error(text);
    })]);
  });
  const notes = m.cells.flatMap((row, i) => row.flatMap((c, j) => (c.error ? [`n/a ${m.sources[i]!.id} → ${m.targets[j]!.label}: ${c.error}`] : [])));
  const truncated = m.cells.some((row) => row.some((c) => c.truncated));
  return [table.toString(), ...notes, ...(truncated ? ["+ more paths exist than were explored (raise --max-paths)"] : [])].join("\n") + "\n";
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderReachCsv(m: Matrix): string {
  const rows = [["from", ...m.targets.map((t) => t.label)], ...m.sources.map((s, i) => [s.id, ...m.cells[i]!.map(cellText)])];
  return rows.map((r) => r.map(csvField).join(",")).join("\r\n") + "\r\n";
}

export function reachJson(m: Matrix): unknown {
  return {
    sources: m.sources,
    targets: m.targets,
    cells: m.sources.flatMap((s, i) =>
      m.targets.map((t, j) => {
        const c = m.cells[i]![j]!;
        return { from: s.id, to: t.label, dst: t.text, protocol: t.protocol, verdicts: c.verdicts, paths: c.paths, truncated: c.truncated, ...(c.error ? { error: c.error } : {}) };
      }),
    ),
  };
}
