#!/usr/bin/env node
// Runs every compiled test file (unit tests beside modules, golden and oracle
// tests under test/) with Node's own runner. `npm test -- PATTERN` narrows the set.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) find(path, out);
    else if (name.endsWith(".test.js")) out.push(path);
  }
  return out;
}

const filter = process.argv[2];
// BUILD_DIR lets parallel work compile into its own directory (tsc --outDir).
const files = find(process.env.BUILD_DIR ?? "dist").filter((f) => !filter || f.includes(filter)).sort();
if (files.length === 0) {
  console.error(`no test files match ${filter ?? "(all)"}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...files], { stdio: "inherit" });
process.exit(result.status ?? 1);
