// Process entry: builds the real Context and sets the exit code. The only
// module that touches `process`.

import "./v8-tuning.js";
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { availableParallelism } from "node:os";
import type { Context } from "./context.js";
import { run } from "./main.js";

const ctx: Context = {
  stdin: { isTTY: Boolean(process.stdin.isTTY), readAll: () => readFileSync(0, "utf8"), stream: process.stdin, terminalOutput: process.stdout },
  stdout: {
    write: (s) => void process.stdout.write(s),
    isTTY: Boolean(process.stdout.isTTY),
    drained: () => (process.stdout.writableNeedDrain ? once(process.stdout, "drain").then(() => undefined) : Promise.resolve()),
  },
  stderr: { write: (s) => void process.stderr.write(s), isTTY: Boolean(process.stderr.isTTY) },
  env: process.env,
  cwd: process.cwd(),
  readFile: (p) => readFileSync(p),
  writeFile: (p, d) => writeFileSync(p, d),
  mkdir: (p) => void mkdirSync(p, { recursive: true }),
  exists: (p) => existsSync(p),
  rename: (from, to) => renameSync(from, to),
  appendFile: (p, d) => appendFileSync(p, d),
  threads: availableParallelism(),
};

// A closed pipe (`| head`) is not an error worth a stack trace.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

// Set the code and let Node drain stdout before exiting (a large dump to a pipe must not be cut).
process.exitCode = await run(ctx, process.argv.slice(2));
