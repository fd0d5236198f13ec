// `ping [-c N] [-n] HOST`: iputils 20221126 on nodes and application images,
// busybox's applet in busybox images (docs/facts/shell-tools.md §2.7, §9).
// Without -c a real ping runs until Ctrl-C; here it is stopped after four
// probes, and the transcript shows the ^C that stopped it.

import { formatIp4, parseIp4 } from "../model/addr.js";
import type { FlowResult } from "../simulate/flow.js";
import { runFrom, unresolved } from "./net-client.js";
import { fail, type Tool, type ToolEnv, type ToolResult } from "./tool.js";

const INTERRUPT_AFTER = 4;

interface Options {
  count?: number;
  numeric: boolean;
  host?: string;
}

function parse(argv: string[]): Options | ToolResult {
  const o: Options = { numeric: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-c") {
      const v = argv[++i];
      if (!v || !/^\d+$/.test(v) || Number(v) === 0) return fail(`ping: invalid argument: '${v ?? ""}'`, 2);
      o.count = Number(v);
    } else if (/^-c\d+$/.test(a)) o.count = Number(a.slice(2));
    else if (a === "-n") o.numeric = true;
    else if (a === "-W" || a === "-w" || a === "-i" || a === "-s") i++;
    else if (a.startsWith("-")) return fail(`ping: invalid option -- '${a.slice(1, 2)}'`, 2);
    else o.host = a;
  }
  return o;
}

/** iputils' "%ld.%03ld" family: three decimals under 1 ms, two under 10, one under 100, none above. */
function ms(us: number): string {
  if (us >= 99_950) return String(Math.floor((us + 500) / 1000));
  if (us >= 9_995) return `${Math.floor((us + 50) / 1000)}.${Math.floor(((us + 50) % 1000) / 100)}`;
  if (us >= 1000) return `${Math.floor((us + 5) / 1000)}.${String(Math.floor(((us + 5) % 1000) / 10)).padStart(2, "0")}`;
  return `0.${String(us).padStart(3, "0")}`;
}

function three(us: number): string {
  return `${Math.floor(us / 1000)}.${String(Math.floor(us % 1000)).padStart(3, "0")}`;
}

const UNREACHABLE = ["Destination Net Unreachable", "Destination Host Unreachable", "Destination Protocol Unreachable", "Destination Port Unreachable"];

export const pingTool: Tool = (argv, env) => {
  const o = parse(argv);
  if ("code" in o) return o;
  if (!o.host) return fail(env.flavour === "busybox" ? "BusyBox v1.35.0 multi-call binary.\n\nUsage: ping [OPTIONS] HOST" : "ping: usage error: Destination address required", env.flavour === "busybox" ? 1 : 1);
  const count = o.count ?? INTERRUPT_AFTER;
  const busybox = env.flavour === "busybox";
  const named = parseIp4(o.host) === undefined;
  const r = runFrom(env, { to: o.host, port: null, protocol: "icmp", client: "curl", pings: count, ...(busybox ? { firstSeq: 0 } : {}), ...(named && !o.numeric && !busybox ? { reverseLookup: true } : {}) });
  if (unresolved(r, o.host)) return busybox ? fail(`ping: bad address '${o.host}'`, 1) : fail(`ping: ${o.host}: Name or service not known`, 2);
  if (r.client.error === "ENETUNREACH" && r.client.echoesSent === 0) {
    return busybox ? fail("ping: sendto: Network is unreachable", 1) : fail("ping: connect: Network is unreachable", 2);
  }
  const interrupted = o.count === undefined ? "^C\n" : "";
  return busybox ? busyboxOutput(o.host, r, count, interrupted) : iputilsOutput(env, o, r, count, interrupted);
};

function iputilsOutput(_env: ToolEnv, o: Options, r: FlowResult, count: number, interrupted: string): ToolResult {
  const ip = formatIp4(r.client.remote!.ip);
  const shown = parseIp4(o.host!) === undefined ? (r.resolved?.name.replace(/\.$/, "") ?? o.host!) : o.host!;
  const named = parseIp4(o.host!) === undefined && !o.numeric;
  let out = `PING ${shown} (${ip}) 56(84) bytes of data.\n`;
  const replier = (from: number) => (named ? `${from === r.client.remote!.ip && r.client.ptr ? r.client.ptr : formatIp4(from)} (${formatIp4(from)})` : formatIp4(from));
  const events = [
    ...r.client.echoReplies.map((e) => ({ seq: e.seq, line: `64 bytes from ${replier(e.from)}: icmp_seq=${e.seq} ttl=${e.ttl} time=${ms(e.rtt)} ms` })),
    ...r.client.echoErrors.map((e) => ({ seq: e.seq, line: `From ${replier(e.from)} icmp_seq=${e.seq} ${UNREACHABLE[e.code] ?? `Dest Unreachable, Bad Code: ${e.code}`}` })),
  ].sort((a, b) => a.seq - b.seq);
  for (const e of events) out += `${e.line}\n`;
  const received = r.client.echoReplies.length;
  const errors = r.client.echoErrors.length;
  const sent = Math.max(r.client.echoesSent, count);
  const loss = Math.round(((sent - received) * 100) / sent);
  // From the first probe to the last answer (or the last probe).
  const time = Math.floor(((sent - 1) * 1_000_000 + (received > 0 ? r.client.echoReplies[r.client.echoReplies.length - 1]!.rtt : 0)) / 1000);
  out += `${interrupted}\n--- ${shown} ping statistics ---\n`;
  out += `${sent} packets transmitted, ${received} received, ${errors ? `+${errors} errors, ` : ""}${loss}% packet loss, time ${time}ms\n`;
  if (received > 0) {
    const rtts = r.client.echoReplies.map((e) => e.rtt);
    const avg = Math.floor(rtts.reduce((a, b) => a + b, 0) / rtts.length);
    const mdev = Math.floor(Math.sqrt(rtts.reduce((a, b) => a + b * b, 0) / rtts.length - (rtts.reduce((a, b) => a + b, 0) / rtts.length) ** 2));
    out += `rtt min/avg/max/mdev = ${three(Math.min(...rtts))}/${three(avg)}/${three(Math.max(...rtts))}/${three(mdev)} ms\n`;
  } else if (errors) out += `pipe ${errors}\n`;
  else out += "\n";
  return { stdout: out, stderr: "", code: received > 0 ? 0 : 1 };
}

function busyboxOutput(host: string, r: FlowResult, count: number, interrupted: string): ToolResult {
  const ip = formatIp4(r.client.remote!.ip);
  let out = `PING ${host} (${ip}): 56 data bytes\n`;
  for (const e of r.client.echoReplies) out += `64 bytes from ${formatIp4(e.from)}: seq=${e.seq} ttl=${e.ttl} time=${three(e.rtt)} ms\n`;
  const received = r.client.echoReplies.length;
  const sent = Math.max(r.client.echoesSent, count);
  out += `${interrupted}\n--- ${host} ping statistics ---\n`;
  out += `${sent} packets transmitted, ${received} packets received, ${Math.floor(((sent - received) * 100) / sent)}% packet loss\n`;
  if (received > 0) {
    const rtts = r.client.echoReplies.map((e) => e.rtt);
    out += `round-trip min/avg/max = ${three(Math.min(...rtts))}/${three(Math.floor(rtts.reduce((a, b) => a + b, 0) / received))}/${three(Math.max(...rtts))} ms\n`;
  }
  return { stdout: out, stderr: "", code: received > 0 ? 0 : 1 };
}
