// A MySQL server as a client that does not speak its protocol meets it: the
// server talks first (the v10 handshake greeting), reads whatever arrives as
// the handshake response, answers "Bad handshake" and closes.

import type { TcpApp, TcpConn } from "../tcp.js";

function packet(seq: number, payload: number[]): Uint8Array {
  const n = payload.length;
  return Uint8Array.from([n & 255, (n >> 8) & 255, (n >> 16) & 255, seq, ...payload]);
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/** Protocol::HandshakeV10 of mysqld 5.7 with mysql_native_password. */
export function mysqlGreeting(version: string, threadId: number, salt: Uint8Array): Uint8Array {
  const caps = 0xf7ff;
  const capsHigh = 0x81ff;
  return packet(0, [
    0x0a, ...ascii(version), 0,
    threadId & 255, (threadId >> 8) & 255, (threadId >> 16) & 255, (threadId >> 24) & 255,
    ...salt.slice(0, 8), 0,
    caps & 255, caps >> 8, 0x21, 0x02, 0x00, capsHigh & 255, capsHigh >> 8, 21,
    ...new Array(10).fill(0),
    ...salt.slice(8, 20), 0,
    ...ascii("mysql_native_password"), 0,
  ]);
}

/** ERR_Packet 1043 (ER_HANDSHAKE_ERROR), SQLSTATE 08S01. */
export function mysqlBadHandshake(): Uint8Array {
  return packet(2, [0xff, 1043 & 255, 1043 >> 8, ...ascii("#08S01"), ...ascii("Bad handshake")]);
}

export function mysqlServer(conn: TcpConn, version: string, salt: Uint8Array, later: (us: number, run: () => void) => void): TcpApp {
  let answered = false;
  return {
    established: (c) => later(60, () => c.write(mysqlGreeting(version, 8, salt))),
    data: (c) => {
      if (answered) return;
      answered = true;
      later(120, () => {
        c.write(mysqlBadHandshake());
        c.close();
      });
    },
    peerClosed: (c) => c.close(),
  };
  void conn;
}
