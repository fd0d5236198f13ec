// Which commands exist where. A node has the full kit of a Kubernetes node;
// a busybox or alpine container has busybox's applets; another application
// image is given the usual debugging tools. `help` prints this table.

import { awkTool } from "../tools/awk.js";
import { echoTool, grepTool, headTool, pagerTool, sortTool, tailTool, uniqTool, wcTool } from "../tools/filters.js";
import { TOOLS } from "../tools/registry.js";
import type { Tool } from "../tools/tool.js";
import { clearCommand, exitCommand, helpText, historyCommand, hostnameCommand, sshCommand } from "./builtins.js";
import type { Toolset } from "./places.js";
import type { CommandTable, ShellCommand } from "./session.js";
import { ipCommand } from "./ip-netns.js";
import { SHELL_TOOLS } from "./shell-tools.js";

interface Entry {
  run: ShellCommand;
  usage: string;
  where: readonly Toolset[];
}

const EVERYWHERE: readonly Toolset[] = ["node", "busybox", "image"];
const NODE: readonly Toolset[] = ["node"];
const NODE_AND_IMAGE: readonly Toolset[] = ["node", "image"];

const asCommand = (tool: Tool): ShellCommand => (argv, env) => tool(argv, env);

function fromRegistry(name: string, where: readonly Toolset[]): [string, Entry] {
  const t = TOOLS.get(name);
  if (!t) throw new Error(`internal: no tool ${name}`);
  return [name, { run: asCommand(t.run), usage: t.usage, where }];
}

const ENTRIES = new Map<string, Entry>([
  ...SHELL_TOOLS.map(([name, entry]) => [name, entry] as [string, Entry]),
  fromRegistry("iptables-save", NODE),
  fromRegistry("iptables", NODE),
  ["ip", { run: ipCommand, usage: "ip [-4] addr|link|route|neigh [show [dev IFACE] | table local] | ip netns [list | exec NAME CMD]", where: EVERYWHERE }],
  fromRegistry("bridge", NODE),
  fromRegistry("route", EVERYWHERE),
  fromRegistry("ifconfig", EVERYWHERE),
  fromRegistry("brctl", NODE),
  fromRegistry("ipvsadm", NODE),
  fromRegistry("ipset", NODE),
  fromRegistry("cat", EVERYWHERE),
  ["ssh", { run: sshCommand, usage: "ssh NODE  (a node or external host: a login shell there)", where: NODE }],
  ["exit", { run: exitCommand, usage: "exit  (back to where you came from; on the first host, end the session)", where: EVERYWHERE }],
  ["logout", { run: exitCommand, usage: "logout", where: NODE }],
  ["hostname", { run: hostnameCommand, usage: "hostname [-i]", where: EVERYWHERE }],
  ["history", { run: historyCommand, usage: "history", where: EVERYWHERE }],
  ["clear", { run: clearCommand, usage: "clear", where: EVERYWHERE }],
  ["grep", { run: asCommand(grepTool), usage: "grep [-v] [-i] [-E|-F] [-w] [-c] [-n] [-o] PATTERN [FILE]", where: EVERYWHERE }],
  ["head", { run: asCommand(headTool), usage: "head [-n N]", where: EVERYWHERE }],
  ["tail", { run: asCommand(tailTool), usage: "tail [-n N|+N]", where: EVERYWHERE }],
  ["wc", { run: asCommand(wcTool), usage: "wc [-l] [-w] [-c]", where: EVERYWHERE }],
  ["sort", { run: asCommand(sortTool), usage: "sort [-n] [-r] [-u]", where: EVERYWHERE }],
  ["uniq", { run: asCommand(uniqTool), usage: "uniq [-c]", where: EVERYWHERE }],
  ["less", { run: asCommand(pagerTool), usage: "less  (prints its input)", where: NODE_AND_IMAGE }],
  ["more", { run: asCommand(pagerTool), usage: "more  (prints its input)", where: EVERYWHERE }],
  ["echo", { run: asCommand(echoTool), usage: "echo [-n] TEXT", where: EVERYWHERE }],
  ["awk", { run: asCommand(awkTool), usage: "awk [-F SEP] '[/re/ | NR==N] {print $1, $NF}'", where: EVERYWHERE }],
]);

const USAGE = new Map([...ENTRIES].map(([name, e]) => [name, e.usage]));
USAGE.set("help", "help  (this list)");
USAGE.set("trace", "trace [SRC] DST[:PORT]  (k8s-nettrace trace; SRC defaults to where you are)");

ENTRIES.set("help", {
  run: (_argv, env) => ({ stdout: helpText(env.place, USAGE, env.session.commandNames()), stderr: "", code: 0 }),
  usage: "help",
  where: EVERYWHERE,
});

function namesAt(toolset: Toolset): string[] {
  return [...ENTRIES].filter(([, e]) => e.where.includes(toolset)).map(([name]) => name).sort();
}

export const SHELL_COMMANDS: CommandTable = {
  lookup(name, toolset) {
    const e = ENTRIES.get(name.replace(/^\/(usr\/)?s?bin\//, ""));
    return e && e.where.includes(toolset) ? e.run : undefined;
  },
  names: namesAt,
};

/** `name  usage` lines for a toolset (exec --help, exec's unknown-command hint). */
export function usageLines(toolset: Toolset): string {
  const shellOnly = ["exit", "logout", "ssh", "clear", "history", "help", "echo", "grep", "head", "tail", "wc", "sort", "uniq", "less", "more", "awk"];
  const names = namesAt(toolset).filter((n) => !shellOnly.includes(n));
  return names.map((n) => `  ${ENTRIES.get(n)!.usage}`).join("\n");
}
