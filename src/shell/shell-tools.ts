// The tools that need the live network (flows, captures, conntrack, sockets)
// or the cluster's objects (kubectl, docker), in the command table's form.

import { conntrackTool } from "../tools/conntrack.js";
import { curlTool } from "../tools/curl.js";
import { digTool } from "../tools/dig.js";
import { ncTool } from "../tools/nc.js";
import { netstatTool } from "../tools/netstat.js";
import { nslookupTool } from "../tools/nslookup.js";
import { pingTool } from "../tools/ping.js";
import { wgetTool } from "../tools/wget.js";
import { ssTool } from "../tools/ss.js";
import { tcpdumpTool } from "../tools/tcpdump.js";
import { dockerCommand } from "./docker.js";
import { kubectlCommand } from "./kubectl.js";
import type { Toolset } from "./places.js";
import type { ShellCommand } from "./session.js";

type Entry = { run: ShellCommand; usage: string; where: readonly Toolset[] };

export const SHELL_TOOLS: [string, Entry][] = [
  ["kubectl", { run: kubectlCommand, usage: "kubectl get pods|svc|nodes|endpoints [-A|-n NS] [-l SEL] [-o wide|yaml|json|name] | describe pod|svc NAME | exec [-it] POD [-c C] -- CMD", where: ["node"] }],
  ["docker", { run: dockerCommand, usage: "docker ps | docker inspect ID | docker exec [-it] ID CMD  (nodes whose runtime is docker: Kubernetes < 1.24)", where: ["node"] }],
  ["tcpdump", { run: tcpdumpTool, usage: "tcpdump [-i IFACE|any] [-n] [-e] [-v] [-c N] [FILTER]  (what the flows so far crossed; -c N: the next flows)", where: ["node", "image"] }],
  ["conntrack", { run: conntrackTool, usage: "conntrack -L [-p PROTO] [-s|-d ADDR] [--dport PORT] | conntrack -C", where: ["node"] }],
  ["curl", { run: curlTool, usage: "curl [-v] [-s] [-i] [-m SECS] [-H HEADER] [-o /dev/null -w FORMAT] URL", where: ["node", "image"] }],
  ["dig", { run: digTool, usage: "dig [@SERVER] NAME [TYPE] [+short] [+search] | dig -x ADDR", where: ["node", "image"] }],
  ["nslookup", { run: nslookupTool, usage: "nslookup NAME [SERVER]", where: ["node", "busybox", "image"] }],
  ["wget", { run: wgetTool, usage: "wget [-q] [-O FILE|-] [-T SECS] URL", where: ["node", "busybox", "image"] }],
  ["nc", { run: ncTool, usage: "nc -zv [-w SECS] HOST PORT[-PORT]", where: ["node", "busybox", "image"] }],
  ["ping", { run: pingTool, usage: "ping [-c N] [-n] HOST  (without -c: four probes, then ^C)", where: ["node", "busybox", "image"] }],
  ["netstat", { run: netstatTool, usage: "netstat -nlp | -tulpn | -an | -rn", where: ["node", "busybox", "image"] }],
  ["ss", { run: ssTool, usage: "ss -lnt | -tan | -lnup", where: ["node", "image"] }],
];
