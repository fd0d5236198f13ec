// Which tools exist, by the name a user types.

import { cat } from "./cat.js";
import { iptablesSaveTool } from "./iptables-save.js";
import type { Tool } from "./tool.js";

export const TOOLS: ReadonlyMap<string, { run: Tool; usage: string }> = new Map([
  ["iptables-save", { run: iptablesSaveTool, usage: "iptables-save [-t TABLE] [-c]" }],
  ["cat", { run: cat, usage: "cat FILE  (e.g. /run/flannel/subnet.env, /etc/resolv.conf, /etc/cni/net.d/10-flannel.conflist)" }],
]);

export function supportedList(): string {
  return [...TOOLS.values()].map((t) => `  ${t.usage}`).join("\n");
}
