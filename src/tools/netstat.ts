// `netstat` as net-tools 2.10 prints it on nodes and application images, and
// as busybox prints it in busybox images (docs/facts/shell-tools.md §2.3, §3.1);
// `-r` is the routing table (render/nettools.ts).

import { formatIp4, type Ip4 } from "../model/addr.js";
import { netstatRn } from "../render/nettools.js";
import { rhel7ServiceName } from "../render/tcpdump-services.js";
import { type SocketRow, socketRows } from "./socket-table.js";
import { fail, ok, type Tool, type ToolEnv } from "./tool.js";

interface Flags {
  numeric: boolean;
  listening: boolean;
  all: boolean;
  tcp: boolean;
  udp: boolean;
  programs: boolean;
  unix: boolean;
}

const KNOWN = "nlatupxrWeAc";

function parseFlags(argv: string[]): Flags | string {
  const letters = new Set<string>();
  for (const a of argv) {
    if (a === "--numeric") letters.add("n");
    else if (a === "--listening") letters.add("l");
    else if (a === "--all") letters.add("a");
    else if (a === "--tcp") letters.add("t");
    else if (a === "--udp") letters.add("u");
    else if (a === "--programs") letters.add("p");
    else if (a === "--route") letters.add("r");
    else if (/^-[A-Za-z]+$/.test(a)) for (const c of a.slice(1)) letters.add(c);
    else return a;
  }
  for (const c of letters) if (!KNOWN.includes(c)) return `-${c}`;
  if (letters.has("r")) return "route";
  return {
    numeric: letters.has("n"),
    listening: letters.has("l"),
    all: letters.has("a"),
    tcp: letters.has("t"),
    udp: letters.has("u"),
    programs: letters.has("p"),
    unix: letters.has("x") || (!letters.has("t") && !letters.has("u")),
  };
}

function selected(rows: SocketRow[], f: Flags): SocketRow[] {
  const anyProto = !f.tcp && !f.udp;
  return rows.filter((r) => {
    const tcp = r.family === "tcp" || r.family === "tcp6";
    if (!anyProto && !(tcp ? f.tcp : f.udp)) return false;
    if (f.all) return true;
    const listening = r.state === "LISTEN" || r.state === "UNCONN";
    return f.listening ? listening : !listening;
  });
}

const STATE: Record<string, string> = { LISTEN: "LISTEN", UNCONN: "", SYN_SENT: "SYN_SENT", SYN_RECV: "SYN_RECV", ESTABLISHED: "ESTABLISHED", FIN_WAIT1: "FIN_WAIT1", FIN_WAIT2: "FIN_WAIT2", TIME_WAIT: "TIME_WAIT", CLOSE_WAIT: "CLOSE_WAIT", LAST_ACK: "LAST_ACK" };

/** An endpoint as net-tools prints it: v4-mapped peers plainly, `:::` for the v6 wildcard; names without -n. */
function endpoint(ip: Ip4 | undefined, port: number | undefined, v6: boolean, numeric: boolean, proto: "tcp" | "udp", busybox: boolean): string {
  const wildcardIp = v6 ? "::" : "0.0.0.0";
  let host = ip === undefined || ip === 0 ? wildcardIp : formatIp4(ip);
  if (v6 && busybox && ip) host = `::ffff:${host}`;
  if (!numeric && ip === 0x7f000001) host = "localhost";
  const p = port === undefined ? "*" : numeric ? String(port) : (rhel7ServiceName(port, proto) ?? String(port));
  return `${host}:${p}`;
}

function title(f: Flags, kind: "Internet" | "UNIX domain"): string {
  const which = f.all ? "servers and established" : f.listening ? "only servers" : "w/o servers";
  return `Active ${kind} ${kind === "Internet" ? "connections" : "sockets"} (${which})`;
}

export const netstatTool: Tool = (argv, env) => {
  const f = parseFlags(argv);
  if (f === "route") return ok(netstatRn(env.ns));
  if (typeof f === "string") {
    if (f.startsWith("-")) return fail(`netstat: invalid option -- '${f.slice(1)}'\nusage: netstat [-vWeenNcCF] [<Af>] -r         netstat {-V|--version|-h|--help}`);
    return fail(`netstat: ${f}: unknown or unsupported argument`);
  }
  return env.flavour === "busybox" ? busybox(env, f) : netTools(env, f);
};

function netTools(env: ToolEnv, f: Flags): ReturnType<Tool> {
  const rows = selected(socketRows(env.ns, env.live), f);
  const lines: string[] = [title(f, "Internet")];
  lines.push(`Proto Recv-Q Send-Q Local Address           Foreign Address         State      ${f.programs ? " PID/Program name    " : ""}`);
  for (const r of rows) {
    const proto = r.family.startsWith("tcp") ? "tcp" : "udp";
    const v6 = r.family.endsWith("6");
    const local = endpoint(r.localIp, r.localPort, v6 && r.localIp === 0, f.numeric, proto, false);
    const remote = endpoint(r.remote?.ip ?? 0, r.remote?.port, v6 && !r.remote, f.numeric, proto, false);
    let line = `${r.family.padEnd(5)} ${String(r.recvQ).padStart(6)} ${"0".padStart(6)} ${local.padEnd(23)} ${remote.padEnd(23)} ${STATE[r.state]!.padEnd(11)}`;
    if (f.programs) line += ` ${(r.owner ? `${r.owner.pid}/${r.owner.program}` : "-").slice(0, 20).padEnd(20)}`;
    lines.push(line);
  }
  if (f.unix) {
    lines.push(title(f, "UNIX domain"));
    lines.push(`Proto RefCnt Flags       Type       State         I-Node   ${f.programs ? "PID/Program name     " : ""}Path`);
  }
  return ok(lines.join("\n") + "\n");
}

/** busybox netstat: v6 sockets say tcp/udp, State padded to 12, -p unpadded, the 1.60-style UNIX header. */
function busybox(env: ToolEnv, f: Flags): ReturnType<Tool> {
  const rows = selected(socketRows(env.ns, env.live), f);
  const lines: string[] = [title(f, "Internet")];
  lines.push(`Proto Recv-Q Send-Q Local Address           Foreign Address         State       ${f.programs ? "PID/Program name    " : ""}`);
  for (const r of rows) {
    const proto = r.family.startsWith("tcp") ? "tcp" : "udp";
    const v6 = r.family.endsWith("6");
    const local = endpoint(r.localIp, r.localPort, v6, true, proto, true);
    const remote = endpoint(r.remote?.ip ?? 0, r.remote?.port, v6, true, proto, true);
    let line = `${proto.padEnd(5)} ${String(r.recvQ).padStart(6)} ${"0".padStart(6)} ${local.padEnd(23)} ${remote.padEnd(23)} ${STATE[r.state]!.padEnd(12)}`;
    if (f.programs) line += r.owner ? `${r.owner.pid}/${r.owner.program}` : "-";
    lines.push(line);
  }
  if (f.unix) {
    lines.push(title(f, "UNIX domain"));
    lines.push(`Proto RefCnt Flags       Type       State         I-Node ${f.programs ? "PID/Program name    " : ""}Path`);
  }
  return ok(lines.join("\n") + "\n");
}
