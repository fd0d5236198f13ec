// cli-table3's Table, without a cost it pays for a message nobody sees.
//
// cli-table3 0.6.5's Cell#draw builds a ten-column preview of the cell's
// whole content for a debug log line, on every line it draws, whether debug
// logging is on or not (cli-table/cli-table3#362, open). For a cell of several
// lines that preview is quadratic: it drops one character at a time and
// measures the rest's width again, with string-width's regular expressions.
// A 200-check report has hundreds of two-line cells (expected, got), and the
// previews were 1.0 G of the 12.5 G instructions `check` took on the
// benchmark suite.
//
// Once the table is laid out, draw reads a cell's `content` only for that
// preview (the lines it prints were split from it in the layout), so while a
// line of a multi-line cell is drawn the preview is made of an empty content.
// The output is the same, which the golden reports hold it to. If a later
// cli-table3 moves or changes Cell, the patch is left out and only the time
// is lost.

import { createRequire } from "node:module";
import Table from "cli-table3";

interface CellInternals {
  content: unknown;
  draw(this: CellInternals, lineNum: unknown, spanningCell?: unknown): string;
}

const PATCHED = Symbol.for("k8s-nettrace.cli-table3.draw");

function skipDebugPreview(): void {
  let Cell: { prototype?: CellInternals & { [PATCHED]?: true } } | undefined;
  try {
    Cell = createRequire(import.meta.url)("cli-table3/src/cell.js");
  } catch {
    return; // moved in a later cli-table3
  }
  const proto = Cell?.prototype;
  const draw = proto?.draw;
  if (!proto || typeof draw !== "function" || proto[PATCHED]) return;
  proto.draw = function (this: CellInternals, lineNum: unknown, spanningCell?: unknown): string {
    const content = this.content;
    if (typeof lineNum !== "number" || typeof content !== "string" || !content.includes("\n")) return draw.call(this, lineNum, spanningCell);
    this.content = "";
    try {
      return draw.call(this, lineNum, spanningCell);
    } finally {
      this.content = content;
    }
  };
  proto[PATCHED] = true;
}

skipDebugPreview();

export default Table;
