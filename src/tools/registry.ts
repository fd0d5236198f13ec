// Which tools exist, by the name a user types.

import { cat } from "./cat.js";
import { ipTool } from "./ip.js";
import { iptablesTool } from "./iptables.js";
import { iptablesSaveTool } from "./iptables-save.js";
import { bridgeTool, brctlTool, ifconfigTool, ipsetTool, ipvsadmTool, routeTool } from "./small-tools.js";
import type { Tool } from "./tool.js";

export const TOOLS: ReadonlyMap<string, { run: Tool; usage: string }> = new Map([
  ["iptables-save", { run: iptablesSaveTool, usage: "iptables-save [-t TABLE] [-c]" }],
  ["iptables", { run: iptablesTool, usage: "iptables [-t TABLE] -S [CHAIN] | -L [CHAIN] -n [-v] [--line-numbers]" }],
  ["ip", { run: ipTool, usage: "ip [-4] addr|link|route|neigh [show [dev IFACE] | table local]" }],
  ["bridge", { run: bridgeTool, usage: "bridge fdb | bridge link" }],
  ["route", { run: routeTool, usage: "route -n" }],
  ["ifconfig", { run: ifconfigTool, usage: "ifconfig [-a] [IFACE]" }],
  ["brctl", { run: brctlTool, usage: "brctl show" }],
  ["ipvsadm", { run: ipvsadmTool, usage: "ipvsadm -Ln" }],
  ["ipset", { run: ipsetTool, usage: "ipset list [NAME]" }],
  ["cat", { run: cat, usage: "cat FILE  (/run/flannel/subnet.env, /etc/resolv.conf, /etc/hosts, /etc/cni/net.d/10-flannel.conflist, ...)" }],
]);

export function supportedList(): string {
  return [...TOOLS.values()].map((t) => `  ${t.usage}`).join("\n");
}
