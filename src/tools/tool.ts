// The Linux tools `exec` (and later the shell) can run inside a simulated
// namespace. Each reads the namespace's state and prints what the real tool
// prints; none of them changes state.

import type { CompiledCluster } from "../compile/compiled-cluster.js";
import type { Netns } from "../model/kernel.js";

export interface ToolEnv {
  world: CompiledCluster;
  ns: Netns;
}

export interface ToolResult {
  stdout: string;
  stderr: string;
  /** The tool's own exit status, as the real one would return it. */
  code: number;
}

export type Tool = (argv: string[], env: ToolEnv) => ToolResult;

export function ok(stdout: string): ToolResult {
  return { stdout, stderr: "", code: 0 };
}

export function fail(stderr: string, code = 1): ToolResult {
  return { stdout: "", stderr: stderr.endsWith("\n") ? stderr : stderr + "\n", code };
}
