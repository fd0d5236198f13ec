// The Linux tools `exec` and the shell can run inside a simulated namespace.
// Inspection tools read the namespace's state and print what the real tool
// prints; network clients (curl, dig, ping, nc) run a flow on the live
// network, which remembers it (conntrack, sockets, captures) for the tools
// that look afterwards (conntrack -L, netstat, tcpdump).

import type { CompiledCluster } from "../compile/compiled-cluster.js";
import type { Cluster } from "../model/cluster.js";
import type { Netns } from "../model/kernel.js";
import type { LiveNetwork } from "../simulate/live.js";

export interface ToolEnv {
  world: CompiledCluster;
  ns: Netns;
  cluster: Cluster;
  live: LiveNetwork;
  /** What a pipe feeds the tool; undefined when it reads the terminal. */
  stdin?: string;
  /** The program's hostname (a pod's name inside a pod). */
  hostname: string;
  /** The container image the program runs from (a pod's); undefined on a host. */
  image?: string;
  /** Which variant of the tool the place has: busybox applets print differently. */
  flavour: "gnu" | "busybox";
  /**
   * The distributions of the cluster's time: "legacy" for clusters before
   * Kubernetes 1.10 (CentOS 7 / Ubuntu 14.04–16.04 userlands, iproute2 < 4.15),
   * "current" (Debian 12) after.
   */
  era: "legacy" | "current";
  /** Output that appears later, after whatever command is running then (a background capture). */
  notify(text: string): void;
}

export interface ToolResult {
  stdout: string;
  stderr: string;
  /** The tool's own exit status, as the real one would return it. */
  code: number;
  /**
   * The same output in the order a terminal shows it, when stdout and stderr
   * interleave (curl -v: its `*` lines, the body, then "left intact").
   */
  ordered?: { stream: "stdout" | "stderr"; text: string }[];
}

export type Tool = (argv: string[], env: ToolEnv) => ToolResult;

export function ok(stdout: string): ToolResult {
  return { stdout, stderr: "", code: 0 };
}

export function fail(stderr: string, code = 1): ToolResult {
  return { stdout: "", stderr: stderr.endsWith("\n") ? stderr : stderr + "\n", code };
}
