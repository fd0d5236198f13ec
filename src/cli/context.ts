// Everything a command may touch of the outside world, passed in so tests can
// run the real commands in memory: output streams, files, environment, colour.

import { Chalk } from "chalk";
import type { Cluster } from "../model/cluster.js";
import type { Paint } from "../render/diagnostics.js";

export interface Output {
  write(text: string): void;
  readonly isTTY: boolean;
  /** Resolves once what was written has left the process (a pipe's reader caught up); absent: nothing is held back. */
  drained?(): Promise<void>;
}

/** Standard input: the shell reads command lines from it (a terminal, a pipe or a file). */
export interface Input {
  readonly isTTY: boolean;
  /** Everything until end of file (not on a terminal). */
  readAll(): string;
  /** The raw stream, for line editing on a terminal. */
  readonly stream?: NodeJS.ReadableStream;
  /** The terminal's output stream, for line editing (readline writes the prompt and echo there). */
  readonly terminalOutput?: NodeJS.WritableStream;
}

export interface Context {
  stdin?: Input;
  stdout: Output;
  stderr: Output;
  env: Record<string, string | undefined>;
  cwd: string;
  readFile(path: string): Uint8Array;
  writeFile(path: string, data: Uint8Array | string): void;
  mkdir(path: string): void;
  exists(path: string): boolean;
  appendFile?(path: string, data: string): void;
  /** A cluster already loaded (inside the shell): commands without -f use it. */
  cluster?: Cluster;
  /** rename(2): replaces `to` atomically (reports written whole or not at all). Optional for in-memory contexts. */
  rename?(from: string, to: string): void;
  /** How many threads a command may use (check spreads its flows over them); absent: one. */
  threads?: number;
}

/** Colour only on a terminal, never with NO_COLOR (https://no-color.org) or TERM=dumb; FORCE_COLOR wins. */
export function colorEnabled(ctx: Context, stream: Output): boolean {
  if (ctx.env.FORCE_COLOR !== undefined && ctx.env.FORCE_COLOR !== "0") return true;
  if (ctx.env.NO_COLOR !== undefined && ctx.env.NO_COLOR !== "") return false;
  if (ctx.env.TERM === "dumb") return false;
  return stream.isTTY;
}

export function paintFor(ctx: Context, stream: Output): Paint & { chalk: InstanceType<typeof Chalk> } {
  const chalk = new Chalk({ level: colorEnabled(ctx, stream) ? 1 : 0 });
  return {
    chalk,
    error: (s) => chalk.red.bold(s),
    warning: (s) => chalk.yellow.bold(s),
    hint: (s) => chalk.cyan(s),
    dim: (s) => chalk.dim(s),
    bold: (s) => chalk.bold(s),
  };
}
