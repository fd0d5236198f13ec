// The tools that need the live network (flows, captures, conntrack, sockets)
// or the cluster's objects (kubectl, docker), in the command table's form.

import { conntrackTool } from "../tools/conntrack.js";
import { curlTool } from "../tools/curl.js";
import { digTool } from "../tools/dig.js";
import { netstatTool } from "../tools/netstat.js";
import { ssTool } from "../tools/ss.js";
import { tcpdumpTool } from "../tools/tcpdump.js";
import type { Toolset } from "./places.js";
import type { ShellCommand } from "./session.js";

type Entry = { run: ShellCommand; usage: string; where: readonly Toolset[] };

export const SHELL_TOOLS: [string, Entry][] = [
  ["tcpdump", { run: tcpdumpTool, usage: "tcpdump [-i IFACE|any] [-n] [-e] [-v] [-c N] [FILTER]  (what the flows so far crossed; -c N: the next flows)", where: ["node", "image"] }],
  ["conntrack", { run: conntrackTool, usage: "conntrack -L [-p PROTO] [-s|-d ADDR] [--dport PORT] | conntrack -C", where: ["node"] }],
  ["curl", { run: curlTool, usage: "curl [-v] [-s] [-i] [-m SECS] [-H HEADER] [-o /dev/null -w FORMAT] URL", where: ["node", "image"] }],
  ["dig", { run: digTool, usage: "dig [@SERVER] NAME [TYPE] [+short] [+search] | dig -x ADDR", where: ["node", "image"] }],
  ["netstat", { run: netstatTool, usage: "netstat -nlp | -tulpn | -an | -rn", where: ["node", "busybox", "image"] }],
  ["ss", { run: ssTool, usage: "ss -lnt | -tan | -lnup", where: ["node", "image"] }],
];
