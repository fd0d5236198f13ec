// Go's text/tabwriter as kubectl and docker configure it: each cell but the
// last of a row is padded to its column's width (widest cell + padding, at
// least minwidth); the last cell is printed as is, so lines carry no trailing
// blanks unless a cell is empty.

export interface TabwriterOptions {
  minwidth: number;
  padding: number;
}

export function tabwrite(rows: readonly (readonly string[])[], opts: TabwriterOptions): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      if (i === row.length - 1) return;
      widths[i] = Math.max(widths[i] ?? 0, width(cell) + opts.padding, opts.minwidth);
    });
  }
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + " ".repeat(widths[i]! - width(cell)))).join("") + "\n")
    .join("");
}

/** Display width: tabwriter counts UTF-8 runes. */
function width(text: string): number {
  return [...text].length;
}
