// `ss` (iproute2 6.1) for TCP and UDP sockets, in the compact layout it uses
// when its output is not a terminal: each column as wide as its widest cell,
// addresses right-aligned against ":port", and the famous
// "Peer Address:PortProcess" header (docs/facts/shell-tools.md §3.2).

import { formatIp4 } from "../model/addr.js";
import { rhel7ServiceName } from "../render/tcpdump-services.js";
import { type SocketRow, socketRows } from "./socket-table.js";
import { fail, ok, type Tool } from "./tool.js";

const STATE: Record<string, string> = {
  LISTEN: "LISTEN", UNCONN: "UNCONN", SYN_SENT: "SYN-SENT", SYN_RECV: "SYN-RECV", ESTABLISHED: "ESTAB", FIN_WAIT1: "FIN-WAIT-1",
  FIN_WAIT2: "FIN-WAIT-2", TIME_WAIT: "TIME-WAIT", CLOSE_WAIT: "CLOSE-WAIT", LAST_ACK: "LAST-ACK",
};

interface Flags {
  tcp: boolean;
  udp: boolean;
  listening: boolean;
  all: boolean;
  numeric: boolean;
  processes: boolean;
  v4: boolean;
  v6: boolean;
}

function parseFlags(argv: string[]): Flags | string {
  const letters = new Set<string>();
  for (const a of argv) {
    const long: Record<string, string> = { "--tcp": "t", "--udp": "u", "--listening": "l", "--all": "a", "--numeric": "n", "--processes": "p", "--ipv4": "4", "--ipv6": "6" };
    if (long[a]) letters.add(long[a]!);
    else if (/^-[A-Za-z46]+$/.test(a)) for (const c of a.slice(1)) letters.add(c);
    else return `ss: filters and "${a}" are not simulated; use -t/-u with -l/-a and grep`;
  }
  for (const c of letters) if (!"tulanp46x".includes(c)) return `ss: invalid option -- '${c}'`;
  return { tcp: letters.has("t"), udp: letters.has("u"), listening: letters.has("l"), all: letters.has("a"), numeric: letters.has("n"), processes: letters.has("p"), v4: letters.has("4"), v6: letters.has("6") };
}

function address(row: SocketRow, side: "local" | "peer"): string {
  const v6 = row.family.endsWith("6");
  const ip = side === "local" ? row.localIp : row.remote?.ip;
  if (ip === undefined || ip === 0) {
    // A dual-stack v6 wildcard prints as "*"; a v4 one as 0.0.0.0 (its peer likewise).
    if (side === "peer" && !row.remote) return v6 ? "*" : "0.0.0.0";
    return v6 ? "*" : "0.0.0.0";
  }
  return v6 ? `[::ffff:${formatIp4(ip)}]` : formatIp4(ip);
}

function port(row: SocketRow, side: "local" | "peer", numeric: boolean): string {
  const p = side === "local" ? row.localPort : row.remote?.port;
  if (p === undefined) return "*";
  if (numeric) return String(p);
  return rhel7ServiceName(p, row.family.startsWith("tcp") ? "tcp" : "udp") ?? String(p);
}

export const ssTool: Tool = (argv, env) => {
  const f = parseFlags(argv);
  if (typeof f === "string") return fail(f, 1);
  const anyProto = !f.tcp && !f.udp;
  const rows = socketRows(env.ns, env.live).filter((r) => {
    const tcp = r.family.startsWith("tcp");
    if (!anyProto && !(tcp ? f.tcp : f.udp)) return false;
    if (f.v4 && r.family.endsWith("6")) return false;
    if (f.v6 && !r.family.endsWith("6")) return false;
    const listening = r.state === "LISTEN" || r.state === "UNCONN";
    if (f.all) return true;
    return f.listening ? listening : !listening;
  });
  const showNetid = anyProto || (f.tcp && f.udp);
  const header = [...(showNetid ? ["Netid"] : []), "State", "Recv-Q", "Send-Q", "Local Address:", "Port", "Peer Address:", "Port", "Process"];
  const body = rows.map((r) => [
    ...(showNetid ? [r.family.startsWith("tcp") ? "tcp" : "udp"] : []),
    STATE[r.state]!,
    String(r.recvQ),
    String(r.sendQ),
    `${address(r, "local")}:`,
    port(r, "local", f.numeric),
    `${address(r, "peer")}:`,
    port(r, "peer", f.numeric),
    f.processes && r.owner ? `users:(("${r.owner.program.slice(0, 15)}",pid=${r.owner.pid},fd=${r.owner.fd}))` : "",
  ]);
  return ok(render([header, ...body], showNetid));
};

/** Columns: left-aligned except the two address columns; a space before every column but Port and Process. */
function render(table: string[][], netid: boolean): string {
  const offset = netid ? 1 : 0;
  const rightAligned = new Set([offset + 3, offset + 5]);
  const noDelimiter = new Set([0, offset + 4, offset + 6, offset + 7]);
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table
    .map((row) =>
      row
        .map((cell, i) => {
          const padded = rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
          return (noDelimiter.has(i) ? "" : " ") + padded;
        })
        .join(""),
    )
    .join("\n") + "\n";
}
