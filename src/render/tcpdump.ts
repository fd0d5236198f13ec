// What tcpdump 4.99.3 prints: one TcpdumpPrinter per capture, fed captured
// bytes, so the text and the pcap file agree by construction. The protocol
// printers live in src/packet/ (one per protocol, like tcpdump's print-*.c);
// this file is tcpdump.c + print.c: options, timestamps, the per-capture state
// (relative TCP sequence numbers, the -ttt reference), link-type dispatch, and
// the banner/summary lines tcpdump writes to stderr.

import type { Ip4 } from "../model/addr.js";
import { formatIp4 } from "../model/addr.js";
import { printAscii, printHex, printHexAndAscii } from "../packet/ascii.js";
import { Dissector, type NameSource, type TcpSeqRecord, Truncated } from "../packet/dissect.js";
import { printEthernet } from "../packet/ethernet.js";
import { printIp } from "../packet/ipv4.js";
import { printSll, printSll2 } from "../packet/sll.js";
import { rhel7ServiceName } from "./tcpdump-services.js";

export type LinkType = "EN10MB" | "RAW" | "LINUX_SLL" | "LINUX_SLL2";

/** default | -t | -tt | -ttt | -tttt | -ttttt */
export type TimestampMode = "time" | "none" | "epoch" | "delta" | "date" | "since-first";

export interface TcpdumpOptions {
  /** -n */
  readonly numeric?: boolean;
  /** -e */
  readonly linkHeader?: boolean;
  /** -v (1) / -vv (2) */
  readonly verbose?: 0 | 1 | 2;
  readonly timestamps?: TimestampMode;
  /** -S */
  readonly absoluteSeq?: boolean;
  /** -q */
  readonly quiet?: boolean;
  /** -# */
  readonly packetNumbers?: boolean;
  /** -x, -xx, -X, -XX, -A, -AA: a raw dump after each packet (doubled = with link header). */
  readonly dump?: "x" | "xx" | "X" | "XX" | "A" | "AA";
  /** Like /etc/hosts (+ PTR): a name for an address, or undefined to print it numerically. */
  readonly resolveHost?: (ip: Ip4) => string | undefined;
  /** Replaces the default RHEL 7 services table (see tcpdump-services.ts). */
  readonly resolvePort?: (port: number, protocol: "tcp" | "udp") => string | undefined;
  /** LINUX_SLL2 captures: the reading host's name for an ifindex (tcpdump prints `?` otherwise). */
  readonly interfaceName?: (ifindex: number) => string | undefined;
}

const MAXIMUM_SNAPLEN = 262144;

export class TcpdumpPrinter {
  private readonly tcpSeq = new Map<string, TcpSeqRecord>();
  private readonly names: NameSource;
  private tsRef = 0n;
  private packets = 0;

  constructor(private readonly options: TcpdumpOptions = {}) {
    this.names = nameSource(options);
  }

  /**
   * The text tcpdump prints for one packet, without the final newline. It may
   * span lines (-v, VXLAN/OTV, HTTP -v). `wireLength` defaults to the bytes
   * given (nothing cut by a snapshot length).
   */
  print(tsMicros: bigint | number, frame: Uint8Array, linkType: LinkType, wireLength = frame.length): string {
    this.packets++;
    const o = this.options;
    const nd = new Dissector(frame, {
      numeric: !!o.numeric, linkHeader: !!o.linkHeader, verbose: o.verbose ?? 0, absoluteSeq: !!o.absoluteSeq,
      quiet: !!o.quiet, suppressDefaultPrint: !!o.quiet || o.dump?.[0] === "x" || o.dump?.[0] === "X",
    }, this.names, this.tcpSeq);
    if (o.packetNumbers) nd.print(`${String(this.packets).padStart(5)}  `);
    const invalid = headerProblems(frame.length, wireLength);
    if (invalid) return nd.text() + invalid;
    nd.print(this.timestamp(BigInt(tsMicros)));
    let hdrlen = 0;
    try {
      hdrlen = linkTypePrinters[linkType](nd, frame.length, wireLength);
    } catch (e) {
      if (!(e instanceof Truncated)) throw e;
      nd.trunc();
      hdrlen = 0;
    }
    nd.snapend = frame.length;
    if (o.dump) dumpBytes(nd, o.dump, hdrlen);
    return nd.text();
  }

  /** ts_print. */
  private timestamp(ts: bigint): string {
    const mode = this.options.timestamps ?? "time";
    switch (mode) {
      case "none": return "";
      case "time": return `${clock(ts, false)} `;
      case "date": return `${clock(ts, true)} `;
      case "epoch": return ts / 1_000_000n >= 0x80000000n ? "[Error converting time] " : `${ts / 1_000_000n}${fraction(ts)} `;
      case "delta":
      case "since-first": {
        if (this.tsRef === 0n) this.tsRef = ts; // an all-zero reference counts as unset, as in tcpdump
        const negative = ts < this.tsRef;
        const diff = negative ? this.tsRef - ts : ts - this.tsRef;
        if (mode === "delta") this.tsRef = ts;
        return `${negative ? "-" : " "}${clock(diff, false)} `;
      }
    }
  }
}

function nameSource(o: TcpdumpOptions): NameSource {
  // Interface names come from if_indextoname, which -n does not affect.
  const interfaceName = (ifindex: number) => o.interfaceName?.(ifindex) ?? "?";
  if (o.numeric) return { host: formatIp4, tcpPort: String, udpPort: String, interfaceName };
  const port = (p: number, proto: "tcp" | "udp") => (o.resolvePort ? o.resolvePort(p, proto) : rhel7ServiceName(p, proto)) ?? String(p);
  return {
    host: (ip) => o.resolveHost?.(ip) ?? formatIp4(ip),
    tcpPort: (p) => port(p, "tcp"),
    udpPort: (p) => port(p, "udp"),
    interfaceName,
  };
}

/** pretty_print_packet's sanity checks on the record header. */
function headerProblems(caplen: number, len: number): string | undefined {
  const problems: string[] = [];
  if (caplen === 0) problems.push("caplen==0");
  if (len === 0) problems.push("len==0");
  else if (len < caplen) problems.push(`len(${len}) < caplen(${caplen})`);
  if (caplen > MAXIMUM_SNAPLEN) problems.push(`caplen(${caplen}) > ${MAXIMUM_SNAPLEN}`);
  if (len > MAXIMUM_SNAPLEN) problems.push(`len(${len}) > ${MAXIMUM_SNAPLEN}`);
  if (problems.length === 0) return undefined;
  const [first, ...rest] = problems;
  return `[Invalid header: ${first}${rest.map((p) => `, ${p}`).join("")}]`;
}

/** Link-layer printers; each returns the link-header length (for -x/-X/-A). */
const linkTypePrinters: Record<LinkType, (nd: Dissector, caplen: number, len: number) => number> = {
  EN10MB: (nd, caplen, len) => printEthernet(nd, 0, len, caplen),
  RAW: (nd, _caplen, len) => {
    // raw_if_print + ipN_print
    nd.protocol = "raw";
    if (nd.opts.linkHeader) nd.print("ip: ");
    nd.protocol = "ipn";
    if (len < 1) nd.print(`truncated-ip ${len}`);
    else if ((nd.u8(0) & 0xf0) === 0x40) printIp(nd, 0, len);
    else nd.print(`unknown ip ${nd.u8(0) >> 4}`); // IPv6 is decoded by tcpdump, not here
    return 0;
  },
  LINUX_SLL: (nd, caplen, len) => printSll(nd, len, caplen),
  LINUX_SLL2: (nd, caplen, len) => printSll2(nd, len, caplen),
};

function dumpBytes(nd: Dissector, dump: NonNullable<TcpdumpOptions["dump"]>, hdrlen: number): void {
  const all = dump.length === 2;
  const start = all ? 0 : hdrlen;
  const length = nd.bytes.length - start;
  if (!all && length <= 0) return;
  try {
    if (dump[0] === "X") printHexAndAscii(nd, "\n\t", start, length);
    else if (dump[0] === "x") printHex(nd, "\n\t", start, length);
    else printAscii(nd, start, length);
  } catch (e) {
    if (!(e instanceof Truncated)) throw e;
  }
}

function fraction(ts: bigint): string {
  return `.${String(ts % 1_000_000n).padStart(6, "0")}`;
}

/** HH:MM:SS.uuuuuu (UTC, as the CLI always runs with TZ=UTC), optionally dated. */
function clock(ts: bigint, withDate: boolean): string {
  if (ts / 1_000_000n >= 0x80000000n) return "[Error converting time]";
  // Under 2^31 s the microseconds fit a double exactly; arithmetic is cheaper than a Date per line.
  const us = Number(ts);
  const seconds = Math.floor(us / 1_000_000);
  const day = seconds % 86_400;
  const time = `${two(Math.floor(day / 3600))}:${two(Math.floor(day / 60) % 60)}:${two(day % 60)}.${String(us % 1_000_000).padStart(6, "0")}`;
  return withDate ? `${new Date(seconds * 1000).toISOString().slice(0, 10)} ${time}` : time;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

// ---- banners and summary (tcpdump writes these to stderr) ----------------------

const LINK_DESCRIPTIONS: Record<LinkType, string> = {
  EN10MB: "Ethernet",
  RAW: "Raw IP",
  LINUX_SLL: "Linux cooked v1",
  LINUX_SLL2: "Linux cooked v2",
};

/** `tcpdump -r`: note there is no "bytes" after the snapshot length here. */
export function readingFromFileBanner(file: string, linkType: LinkType, snaplen = MAXIMUM_SNAPLEN): string[] {
  const lines = [`reading from file ${file}, link-type ${linkType} (${LINK_DESCRIPTIONS[linkType]}), snapshot length ${snaplen}`];
  if (linkType === "LINUX_SLL2") lines.push("Warning: interface names might be incorrect");
  return lines;
}

export interface ListeningOptions {
  readonly verbose?: boolean;
  /** -w: writing to a file also silences the "verbose output suppressed" hint. */
  readonly writing?: boolean;
  readonly snaplen?: number;
}

/** A live capture's opening lines; `any` makes tcpdump pick LINUX_SLL2 and say so. */
export function listeningBanner(device: string, linkType: LinkType, options: ListeningOptions = {}): string[] {
  const lines: string[] = [];
  if (device === "any") lines.push("tcpdump: data link type LINUX_SLL2");
  const listening = `listening on ${device}, link-type ${linkType} (${LINK_DESCRIPTIONS[linkType]}), snapshot length ${options.snaplen ?? MAXIMUM_SNAPLEN} bytes`;
  if (!options.verbose && !options.writing) {
    lines.push("tcpdump: verbose output suppressed, use -v[v]... for full protocol decode", listening);
  } else {
    lines.push(`tcpdump: ${listening}`);
  }
  return lines;
}

export interface CaptureCounts {
  readonly captured: number;
  readonly received: number;
  readonly droppedByKernel: number;
  readonly droppedByInterface?: number;
}

/** The summary after Ctrl-C or -c (tcpdump.c info()); the interface line only when non-zero. */
export function captureSummary(counts: CaptureCounts): string[] {
  const plural = (n: number, what: string) => `${n} packet${n === 1 ? "" : "s"} ${what}`;
  const lines = [
    plural(counts.captured, "captured"),
    plural(counts.received, "received by filter"),
    plural(counts.droppedByKernel, "dropped by kernel"),
  ];
  if (counts.droppedByInterface) lines.push(plural(counts.droppedByInterface, "dropped by interface"));
  return lines;
}
