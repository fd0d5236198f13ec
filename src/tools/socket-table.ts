// The sockets of a namespace as /proc/net/{tcp,tcp6,udp,udp6} would list
// them: the listeners its programs opened, and the connections the session's
// flows left (established, closing, TIME_WAIT for 60 s). netstat and ss print
// these rows.

import type { Ip4 } from "../model/addr.js";
import type { Netns } from "../model/kernel.js";
import type { LiveNetwork } from "../simulate/live.js";
import type { Socket } from "../simulate/sockets.js";
import type { TcpConn, TcpState } from "../simulate/tcp.js";

export type Family = "tcp" | "tcp6" | "udp" | "udp6";

export interface SocketRow {
  family: Family;
  /** 0 = wildcard. */
  localIp: Ip4;
  localPort: number;
  /** undefined = `*` (a listener or an unconnected UDP socket). */
  remote?: { ip: Ip4; port: number };
  state: TcpState | "LISTEN" | "UNCONN";
  recvQ: number;
  sendQ: number;
  owner?: { pid: number; program: string; fd: number };
}

/** listen(2)'s backlog as the program asks for it, capped by somaxconn (4096 on the 6.1 kernel). */
function backlogOf(program: string): number {
  if (program.startsWith("nginx")) return 511;
  if (program === "sshd") return 128;
  if (program === "mysqld") return 80;
  return 4096;
}

function isConn(s: Socket): s is TcpConn {
  return s.proto === "tcp" && "state" in s;
}

/** Rows in the kernel's hash-walk order as netstat shows it: tcp, then tcp6, then udp, then udp6; listeners first. */
export function socketRows(ns: Netns, live: LiveNetwork): SocketRow[] {
  const rows: SocketRow[] = [];
  // Each process's descriptors count up from 3 (after stdin, stdout, stderr).
  const fds = new Map<number, number>();
  const nextFd = (pid: number): number => {
    const n = fds.get(pid) ?? 3;
    fds.set(pid, n + 1);
    return n;
  };
  for (const l of ns.listeners) {
    const udp = l.proto === "udp" || l.proto === "udp6";
    rows.push({
      family: l.proto,
      localIp: l.addr,
      localPort: l.port,
      state: udp ? "UNCONN" : "LISTEN",
      recvQ: 0,
      sendQ: udp ? 0 : backlogOf(l.program),
      ...(l.pid > 0 ? { owner: { pid: l.pid, program: l.program, fd: nextFd(l.pid) } } : {}),
    });
  }
  for (const s of live.sockets(ns.id)) {
    if (!isConn(s) || s.state === "CLOSED") continue;
    rows.push({
      family: s.v6 ? "tcp6" : "tcp",
      localIp: s.localIp,
      localPort: s.localPort,
      remote: { ip: s.remoteIp, port: s.remotePort },
      state: s.state,
      recvQ: 0,
      sendQ: 0,
      ...(s.owner && s.state !== "TIME_WAIT" ? { owner: { ...s.owner, fd: nextFd(s.owner.pid) } } : {}),
    });
  }
  const order: Family[] = ["tcp", "tcp6", "udp", "udp6"];
  return order.flatMap((f) => rows.filter((r) => r.family === f));
}
