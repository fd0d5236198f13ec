import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import Table from "./table.js";

const utils = createRequire(import.meta.url)("cli-table3/src/utils.js") as { truncate: (s: string, ...rest: unknown[]) => string };

function render(): string {
  const table = new Table({ head: ["", "check", "expected"], style: { head: [], border: [] } });
  table.push(["PASS", "web reaches api", "delivered\nbackend one of 2 (default/api-1|default/api-2)"]);
  table.push(["FAIL", "名前 with wide characters", "refused"]);
  return table.toString();
}

test("table: multi-line cells print as cli-table3 lays them out", () => {
  assert.equal(
    render(),
    [
      "┌──────┬───────────────────────────┬────────────────────────────────────────────────┐",
      "│      │ check                     │ expected                                       │",
      "├──────┼───────────────────────────┼────────────────────────────────────────────────┤",
      "│ PASS │ web reaches api           │ delivered                                      │",
      "│      │                           │ backend one of 2 (default/api-1|default/api-2) │",
      "├──────┼───────────────────────────┼────────────────────────────────────────────────┤",
      "│ FAIL │ 名前 with wide characters │ refused                                        │",
      "└──────┴───────────────────────────┴────────────────────────────────────────────────┘",
    ].join("\n"),
  );
});

test("table: drawing a multi-line cell no longer truncates its whole content for a debug preview", () => {
  const seen: string[] = [];
  const truncate = utils.truncate;
  utils.truncate = (s, ...rest) => {
    seen.push(s);
    return truncate(s, ...rest);
  };
  try {
    render();
  } finally {
    utils.truncate = truncate;
  }
  assert.ok(seen.length > 0, "cli-table3 still truncates each line it draws");
  assert.deepEqual(seen.filter((s) => s.includes("\n")), []);
});
