// `conntrack -L [filters]` / `conntrack -C` (conntrack-tools 1.4.7): the
// entries the session's flows left in this namespace's table, with their
// remaining timeouts, in the text form libnetfilter_conntrack prints.

import { formatIp4, parseIp4 } from "../model/addr.js";
import type { Conn, Tuple } from "../simulate/conntrack.js";
import { fail, ok, type Tool } from "./tool.js";

const PROTO_NUMBER = { tcp: 6, udp: 17, icmp: 1 } as const;
const BANNER = "conntrack v1.4.7 (conntrack-tools)";

function tupleText(t: Tuple, reply: boolean): string {
  const addrs = `src=${formatIp4(t.src)} dst=${formatIp4(t.dst)} `;
  if (t.proto === "icmp") return `${addrs}type=${reply ? 0 : 8} code=0 id=${t.sport} `;
  return `${addrs}sport=${t.sport} dport=${t.dport} `;
}

/** One line as `conntrack -L` prints it: "%-8s %u %u [STATE ]orig [UNREPLIED ]reply [ASSURED ]mark=0 use=1". */
export function conntrackLine(c: Conn, now: number): string {
  const timeout = Math.max(0, Math.floor((c.expires - now) / 1_000_000));
  let line = `${c.orig.proto.padEnd(8)} ${PROTO_NUMBER[c.orig.proto]} ${timeout} `;
  if (c.orig.proto === "tcp") line += `${c.tcpState} `;
  line += tupleText(c.orig, false);
  if (!c.seenReply) line += "[UNREPLIED] ";
  line += tupleText(c.reply, true);
  if (c.assured) line += "[ASSURED] ";
  return `${line}mark=${c.mark} use=1`;
}

interface Filter {
  proto?: string;
  origSrc?: number;
  origDst?: number;
  replySrc?: number;
  replyDst?: number;
  sport?: number;
  dport?: number;
  srcNat?: boolean;
  dstNat?: boolean;
}

const ADDRESS_OPTIONS: Record<string, keyof Filter> = {
  "-s": "origSrc", "--src": "origSrc", "--orig-src": "origSrc",
  "-d": "origDst", "--dst": "origDst", "--orig-dst": "origDst",
  "-r": "replySrc", "--reply-src": "replySrc",
  "-q": "replyDst", "--reply-dst": "replyDst",
};

function parseFilter(args: string[]): Filter | string {
  const f: Filter = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = args[i + 1];
    if (a in ADDRESS_OPTIONS) {
      const ip = value === undefined ? undefined : parseIp4(value);
      if (ip === undefined) return `${BANNER}: Bad parameter \`${a}'`;
      (f as Record<string, number>)[ADDRESS_OPTIONS[a]!] = ip;
      i++;
    } else if (a === "-p" || a === "--proto") {
      if (!value || !["tcp", "udp", "icmp"].includes(value.toLowerCase())) return `${BANNER}: proto \`${value ?? ""}' not found`;
      f.proto = value.toLowerCase();
      i++;
    } else if (a === "--sport" || a === "--orig-port-src" || a === "--dport" || a === "--orig-port-dst") {
      if (!value || !/^\d+$/.test(value)) return `${BANNER}: Bad parameter \`${a}'`;
      if (a === "--sport" || a === "--orig-port-src") f.sport = Number(value);
      else f.dport = Number(value);
      i++;
    } else if (a === "-n" || a === "--src-nat") f.srcNat = true;
    else if (a === "-g" || a === "--dst-nat") f.dstNat = true;
    else return `${BANNER}: unknown option \`${a}'`;
  }
  return f;
}

function matches(c: Conn, f: Filter): boolean {
  if (f.proto && c.orig.proto !== f.proto) return false;
  if (f.origSrc !== undefined && c.orig.src !== f.origSrc) return false;
  if (f.origDst !== undefined && c.orig.dst !== f.origDst) return false;
  if (f.replySrc !== undefined && c.reply.src !== f.replySrc) return false;
  if (f.replyDst !== undefined && c.reply.dst !== f.replyDst) return false;
  if (f.sport !== undefined && c.orig.sport !== f.sport) return false;
  if (f.dport !== undefined && c.orig.dport !== f.dport) return false;
  if (f.srcNat && c.reply.dst === c.orig.src && c.reply.dport === c.orig.sport) return false;
  if (f.dstNat && c.reply.src === c.orig.dst && c.reply.sport === c.orig.dport) return false;
  return true;
}

export const conntrackTool: Tool = (argv, env) => {
  const [command, ...rest] = argv;
  // A namespace without netfilter rules never registers conntrack hooks: its table stays empty.
  const tracked = env.ns.kind === "node";
  const entries = tracked ? env.live.conntrack(env.ns.id) : [];
  if (command === "-C" || command === "--count") return ok(`${entries.length}\n`);
  if (command !== "-L" && command !== "--dump" && command !== "-E") {
    return fail(`${BANNER}: k8s-nettrace simulates conntrack -L [-p PROTO] [-s|-d|-r|-q ADDR] [--sport|--dport PORT] [-n|-g] and conntrack -C${command ? ` (not ${command})` : ""}`, 2);
  }
  if (command === "-E") return fail("k8s-nettrace: conntrack -E (events) is not simulated; conntrack -L shows what the flows left", 2);
  const filter = parseFilter(rest);
  if (typeof filter === "string") return fail(`${filter}\nTry \`conntrack -h' or 'conntrack --help' for more information.`, 2);
  const shown = entries.filter((c) => matches(c, filter));
  const now = env.live.now();
  const text = shown.map((c) => conntrackLine(c, now) + "\n").join("");
  return { stdout: text, stderr: `${BANNER}: ${shown.length} flow entries have been shown.\n`, code: 0 };
};
