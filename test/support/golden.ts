// Golden files: the exact terminal text a user sees. `UPDATE_GOLDEN=1 npm test`
// rewrites them; then read the diff before committing.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import assert from "node:assert/strict";

export const GOLDEN_DIR = join(process.cwd(), "test", "golden");

export function assertGolden(name: string, actual: string): void {
  const path = join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) {
    assert.fail(`golden file ${path} is missing; run UPDATE_GOLDEN=1 npm test and review it`);
  }
  assert.equal(actual, readFileSync(path, "utf8"), `output differs from golden ${name}`);
}
