// Go's text/tabwriter, which kubectl and docker print their tables and
// descriptions through. Text is cells terminated by '\t', lines by '\n'. A
// column is aligned within a block of consecutive lines that all have a cell
// in it; a line's last cell (not tab-terminated) is never padded. With
// padchar '\t' (kubectl 1.1's describe) cells are padded with tabs to a
// multiple of the tab width.

export interface TabwriterOptions {
  minwidth: number;
  padding: number;
  /** Tab stops for padchar "\t" [8]. */
  tabwidth?: number;
  padchar?: " " | "\t";
}

/** Formats text the way a tabwriter.Writer flushed once would. */
export function tabwriter(text: string, opts: TabwriterOptions): string {
  const lines = text.split("\n");
  const trailingNewline = lines[lines.length - 1] === "";
  if (trailingNewline) lines.pop();
  const cells = lines.map((l) => l.split("\t"));
  const widths: number[][] = cells.map(() => []);
  layout(cells, widths, 0, cells.length, 0, opts);
  const tab = opts.tabwidth ?? 8;
  const out = cells.map((row, i) =>
    row
      .map((cell, col) => {
        if (col === row.length - 1) return cell;
        const cellw = widths[i]![col]!;
        const textw = width(cell);
        if (opts.padchar === "\t") {
          const rounded = Math.ceil(cellw / tab) * tab;
          return cell + "\t".repeat(Math.ceil((rounded - textw) / tab));
        }
        return cell + " ".repeat(Math.max(0, cellw - textw));
      })
      .join(""),
  );
  return out.join("\n") + (trailingNewline ? "\n" : "");
}

/** Go's Writer.format: blocks of lines sharing column `col`, each block's width, recursively. */
function layout(cells: string[][], widths: number[][], line0: number, line1: number, col: number, opts: TabwriterOptions): void {
  let line = line0;
  while (line < line1) {
    if (col >= cells[line]!.length - 1) {
      line++;
      continue;
    }
    let w = opts.minwidth;
    let end = line;
    for (; end < line1 && col < cells[end]!.length - 1; end++) w = Math.max(w, width(cells[end]![col]!) + opts.padding);
    for (let l = line; l < end; l++) widths[l]![col] = w;
    layout(cells, widths, line, end, col + 1, opts);
    line = end;
  }
}

/** tabwriter counts UTF-8 runes. */
function width(text: string): number {
  return [...text].length;
}

/** Rows of cells as a table: every cell but each row's last is tab-terminated. */
export function tabwrite(rows: readonly (readonly string[])[], opts: TabwriterOptions): string {
  return tabwriter(rows.map((r) => r.join("\t")).join("\n") + "\n", opts);
}
