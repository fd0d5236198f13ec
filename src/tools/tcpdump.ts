// `tcpdump [-i IFACE] [-n] [-e] [-v] [-c N] [FILTER]` in the shell: what the
// interface captured during the flows run so far (as if tcpdump had been
// running, then stopped with Ctrl-C), or with -c N the next N packets of the
// flows that follow (a capture left running in the background).

import type { Ip4 } from "../model/addr.js";
import { type Link, linkByName, type Netns } from "../model/kernel.js";
import type { CapturedPacket } from "../model/trace.js";
import { compileFilter, FilterError, type PacketFilter } from "../packet/filter.js";
import { absoluteMicros, hostsResolver } from "../render/capture-blocks.js";
import { captureSummary, type LinkType, listeningBanner, TcpdumpPrinter, type TcpdumpOptions, type TimestampMode } from "../render/tcpdump.js";
import { fail, type Tool, type ToolEnv, type ToolResult } from "./tool.js";

interface Parsed {
  device?: string;
  count?: number;
  options: { -readonly [K in keyof TcpdumpOptions]: TcpdumpOptions[K] };
  filter: string[];
}

const TIMESTAMPS: TimestampMode[] = ["time", "none", "epoch", "delta", "date", "since-first"];
/** Options that take an argument (tcpdump's getopt string). */
const WITH_ARGUMENT = "BcCDEFGiMmrsTwWyzZjQ";

function parse(argv: string[]): Parsed | ToolResult {
  const p: Parsed = { options: {}, filter: [] };
  let tcount = 0;
  let verbose = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      p.filter.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const [name, value] = a.slice(2).split("=", 2);
      if (name === "interface" && value) p.device = value;
      else if (name === "number") p.options.packetNumbers = true;
      else return fail(`tcpdump: unrecognized option '${a}'\n${USAGE}`);
      continue;
    }
    if (!a.startsWith("-") || a === "-") {
      p.filter.push(a);
      continue;
    }
    for (let k = 1; k < a.length; k++) {
      const f = a[k]!;
      if (WITH_ARGUMENT.includes(f) && f !== "D") {
        const value = a.length > k + 1 ? a.slice(k + 1) : argv[++i];
        if (value === undefined) return fail(`tcpdump: option requires an argument -- '${f}'\n${USAGE}`);
        const r = withArgument(p, f, value);
        if (r) return r;
        break;
      }
      if (f === "n") p.options.numeric = true;
      else if (f === "e") p.options.linkHeader = true;
      else if (f === "v") verbose++;
      else if (f === "t") tcount++;
      else if (f === "S") p.options.absoluteSeq = true;
      else if (f === "q") p.options.quiet = true;
      else if (f === "#") p.options.packetNumbers = true;
      else if (f === "x" || f === "X" || f === "A") p.options.dump = (p.options.dump === f ? `${f}${f}` : f) as TcpdumpOptions["dump"];
      else if (f === "l" || f === "U" || f === "p" || f === "K" || f === "N" || f === "O") continue;
      else if (f === "D") return fail("k8s-nettrace: tcpdump -D is not simulated; `ip link` lists the interfaces", 1);
      else return fail(`tcpdump: invalid option -- '${f}'\n${USAGE}`);
    }
  }
  if (verbose) p.options.verbose = Math.min(verbose, 2) as 1 | 2;
  if (tcount) p.options.timestamps = TIMESTAMPS[Math.min(tcount, 5)]!;
  return p;
}

function withArgument(p: Parsed, flag: string, value: string): ToolResult | undefined {
  if (flag === "i") p.device = value;
  else if (flag === "c") {
    if (!/^\d+$/.test(value) || Number(value) === 0) return fail(`tcpdump: invalid packet count ${value}`);
    p.count = Number(value);
  } else if (flag === "s") {
    if (!/^\d+$/.test(value)) return fail(`tcpdump: invalid snaplen ${value}`);
  } else if (flag === "w" || flag === "r") {
    return fail(`k8s-nettrace: tcpdump -${flag} is not simulated in the shell; \`k8s-nettrace trace SRC DST --pcap DIR\` writes pcap files real tcpdump and Wireshark open`, 1);
  } else return fail(`k8s-nettrace: tcpdump -${flag} is not simulated`, 1);
  return undefined;
}

const USAGE = `tcpdump version 4.99.3
libpcap version 1.10.3 (with TPACKET_V3)
OpenSSL 3.0.11 19 Sep 2023
Usage: tcpdump [-AbdDefhHIJKlLnNOpqStuUvxX#] [ -B size ] [ -c count ] [--count]
\t\t[ -C file_size ] [ -E algo:secret ] [ -F file ] [ -G seconds ]
\t\t[ -i interface ] [ --immediate-mode ] [ -j tstamptype ]
\t\t[ -M secret ] [ --number ] [ --print ] [ -Q in|out|inout ]
\t\t[ -r file ] [ -s snaplen ] [ -T type ] [ --version ]
\t\t[ -V file ] [ -w file ] [ -W filecount ] [ -y datalinktype ]
\t\t[ --time-stamp-precision precision ] [ --micro ] [ --nano ]
\t\t[ -z postrotate-command ] [ -Z user ] [ expression ]`;

/** tcpdump's default device: the first interface that is up and not a loopback. */
function defaultDevice(ns: Netns): Link | undefined {
  return [...ns.links].sort((a, b) => a.index - b.index).find((l) => l.kind !== "loopback" && l.flags.includes("UP"));
}

function linkTypeOf(link: Link): "EN10MB" | "RAW" {
  return link.kind === "tun" ? "RAW" : "EN10MB";
}

/** One interface's, or every interface's (`any`), captured packets in this namespace, as the printer wants them. */
/** Each interface's packets as the capture sees them; with `-i any`, in LINUX_SLL2 cooked form. */
function selection(env: ToolEnv, device: string | "any", packets: readonly CapturedPacket[]): { frame: Uint8Array; time: number; linkType: LinkType; original: CapturedPacket }[] {
  const mine = packets.filter((p) => p.point.netns === env.ns.id && (device === "any" || p.point.dev === device));
  if (device !== "any") return mine.map((p) => ({ frame: p.frame, time: p.time, linkType: p.point.linkType, original: p }));
  return [...mine].sort((a, b) => a.time - b.time).map((p) => ({ frame: cooked(env.ns, p), time: p.time, linkType: "LINUX_SLL2" as const, original: p }));
}

/** The LINUX_SLL2 header `-i any` captures carry: protocol, ifindex, ARPHRD type, packet type, source MAC. */
function cooked(ns: Netns, p: CapturedPacket): Uint8Array {
  const link = linkByName(ns, p.point.dev);
  const raw = p.point.linkType === "RAW";
  const payload = raw ? p.frame : p.frame.subarray(14);
  const protocol = raw ? 0x0800 : (p.frame[12]! << 8) | p.frame[13]!;
  const out = new Uint8Array(20 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, protocol);
  view.setUint32(4, link?.index ?? 0);
  view.setUint16(8, raw ? 0xfffe : 1);
  out[10] = raw ? (p.direction === "out" ? 4 : 0) : packetType(p, link);
  if (!raw) {
    out[11] = 6;
    out.set(p.frame.subarray(6, 12), 12);
  }
  out.set(payload, 20);
  return out;
}

/** PACKET_HOST 0, BROADCAST 1, MULTICAST 2, OTHERHOST 3, OUTGOING 4 (af_packet's sll_pkttype). */
function packetType(p: CapturedPacket, link: Link | undefined): number {
  if (p.direction === "out") return 4;
  const dst = [...p.frame.subarray(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join(":");
  if (dst === "ff:ff:ff:ff:ff:ff") return 1;
  if ((p.frame[0]! & 1) === 1) return 2;
  return link?.mac === dst ? 0 : 3;
}

function hostsByName(ns: Netns): (name: string) => Ip4 | undefined {
  const text = ns.files.get("/etc/hosts")?.() ?? "";
  const names = new Map<string, Ip4>();
  for (const line of text.split("\n")) {
    const [addr, ...aliases] = line.replace(/#.*/, "").trim().split(/\s+/);
    const parts = addr?.split(".").map(Number);
    if (!parts || parts.length !== 4 || parts.some((x) => !(x >= 0 && x <= 255))) continue;
    for (const a of aliases) if (!names.has(a)) names.set(a, parts.reduce((s, x) => s * 256 + x, 0) >>> 0);
  }
  return (name) => names.get(name);
}

export const tcpdumpTool: Tool = (argv, env) => {
  const parsed = parse(argv);
  if ("code" in parsed) return parsed;
  const link = parsed.device === undefined ? defaultDevice(env.ns) : parsed.device === "any" ? undefined : env.ns.links.find((l) => l.name === parsed.device);
  if (parsed.device !== "any" && !link) {
    if (parsed.device === undefined) return fail("tcpdump: no suitable device found");
    return fail(`tcpdump: ${parsed.device}: No such device exists\n(No such device exists)`);
  }
  const device = link?.name ?? "any";
  const linkType: "EN10MB" | "RAW" | "LINUX_SLL2" = link ? linkTypeOf(link) : "LINUX_SLL2";
  let filter: PacketFilter | undefined;
  if (parsed.filter.length) {
    try {
      filter = compileFilter(parsed.filter, { resolveHost: hostsByName(env.ns), linkType, netmask: netmaskOf(link) });
    } catch (error) {
      if (error instanceof FilterError) return fail(error.message.startsWith("tcpdump:") ? error.message : `tcpdump: ${error.message}`);
      throw error;
    }
  }
  const options: TcpdumpOptions = {
    ...parsed.options,
    ...(parsed.options.numeric ? {} : { resolveHost: hostsResolver(env.ns) }),
    interfaceName: (index) => env.ns.links.find((l) => l.index === index)?.name,
  };
  const banner = listeningBanner(device, linkType, { verbose: (parsed.options.verbose ?? 0) > 0 }).join("\n") + "\n";
  const printer = new TcpdumpPrinter(options);
  const print = (packets: readonly CapturedPacket[], limit: number): { text: string; captured: number; received: number } => {
    let text = "";
    let captured = 0;
    let received = 0;
    for (const p of selection(env, device, packets)) {
      received++;
      if (captured >= limit) break;
      if (filter && !filter.matches(p.frame, p.linkType as "EN10MB" | "RAW" | "LINUX_SLL2")) continue;
      text += printer.print(absoluteMicros(p.time), p.frame, p.linkType) + "\n";
      captured++;
    }
    return { text, captured, received };
  };
  const summary = (captured: number, received: number) => captureSummary({ captured, received, droppedByKernel: 0 }).join("\n") + "\n";
  if (parsed.count === undefined) {
    const r = print(env.live.captures(), Infinity);
    const hint = r.received === 0 ? `k8s-nettrace: nothing has crossed ${device} in ${env.ns.id} yet; run a flow first (curl, wget, ping, dig, nc), or use tcpdump -c N to catch the next one\n` : "";
    const tail = `^C\n${summary(r.captured, r.received)}${hint}`;
    // On a terminal: the banner, the packets, then ^C and the counts.
    return { stdout: r.text, stderr: banner + tail, code: 0, ordered: [{ stream: "stderr", text: banner }, { stream: "stdout", text: r.text }, { stream: "stderr", text: tail }] };
  }
  // -c N: keep capturing in the background; each later flow's packets print as they come, then the summary.
  let remaining = parsed.count;
  let received = 0;
  const stop = env.live.onPackets((packets) => {
    const r = print(packets, remaining);
    remaining -= r.captured;
    received += r.received;
    let text = r.text;
    if (remaining === 0) {
      stop();
      text += summary(parsed.count!, received);
    }
    if (text) env.notify(text);
  });
  return { stdout: "", stderr: banner, code: 0 };
};

function netmaskOf(link: Link | undefined): number {
  const len = link?.addrs[0]?.cidr.len;
  return len === undefined ? 0 : len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}
