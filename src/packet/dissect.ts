// The dissection context every printer receives: tcpdump's netdissect_options
// reduced to what this tool prints. Printers work from bytes, exactly like
// tcpdump's print-<proto>.c, so the text always agrees with the pcap we write.
//
// Shape of a printer (one per protocol file):
//   printX(nd: Dissector, off: number, length: number, ...context): void
// `off` indexes nd.bytes, `length` is the on-the-wire length the caller knows.
// Reads go through nd.u8/u16/u24/u32, which throw `Truncated` past the current
// snapshot end; the top level catches it and prints ` [|proto]`, as tcpdump's
// GET_* macros longjmp to nd_print_trunc(). Where a tcpdump printer instead
// checks with ND_TCHECK and `goto trunc` (print-ip.c, print-tcp.c, print-icmp.c,
// print-domain.c), ours tests nd.has() and prints the marker itself, because
// the difference shows: the packet then ends "normally", which decides where
// -x/-X/-A start their dump.

import type { Ip4 } from "../model/addr.js";

/** Thrown when a read runs past the captured bytes (tcpdump's ND_TRUNCATED longjmp). */
export class Truncated extends Error {
  constructor() {
    super("packet truncated");
  }
}

export interface DissectOptions {
  /** -n: no host, port or OUI names. */
  readonly numeric: boolean;
  /** -e: print the link-level header. */
  readonly linkHeader: boolean;
  /** -v / -vv. */
  readonly verbose: 0 | 1 | 2;
  /** -S: absolute TCP sequence numbers. */
  readonly absoluteSeq: boolean;
  /** -q: less protocol detail. */
  readonly quiet: boolean;
  /** -q, -x and -X also turn off the hex dump of payloads nobody decodes (ndo_suppress_default_print). */
  readonly suppressDefaultPrint: boolean;
}

/** addrtoname.c: how addresses and ports become text (already honours -n). */
export interface NameSource {
  host(ip: Ip4): string;
  tcpPort(port: number): string;
  udpPort(port: number): string;
  /** if_indextoname on the host reading the capture; "?" when unknown. */
  interfaceName(ifindex: number): string;
}

/** One tcpdump tcp_seq_hash entry: the bases subtracted for relative numbering. */
export interface TcpSeqRecord {
  seq: number;
  ack: number;
}

export class Dissector {
  private readonly parts: string[] = [];
  /** Name of the protocol being printed, for ` [|proto]` markers (ndo_protocol). */
  protocol = "";
  /** One past the last byte printers may read (ndo_snapend). */
  snapend: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly opts: DissectOptions,
    readonly names: NameSource,
    /** Relative-sequence state that outlives one packet (tcpdump's tcp_seq_hash4). */
    readonly tcpSeq: Map<string, TcpSeqRecord>,
  ) {
    this.snapend = bytes.length;
  }

  print(text: string): void {
    this.parts.push(text);
  }

  text(): string {
    return this.parts.join("");
  }

  /** ` [|proto]` (nd_print_trunc). */
  trunc(): void {
    this.print(` [|${this.protocol}]`);
  }

  /** ND_TTEST_LEN: are bytes [off, off+n) captured? */
  has(off: number, n: number): boolean {
    return off >= 0 && n >= 0 && off + n <= this.snapend;
  }

  /** Bytes captured from `off` on (ND_BYTES_AVAILABLE_AFTER). */
  available(off: number): number {
    return Math.max(0, this.snapend - off);
  }

  need(off: number, n: number): void {
    if (!this.has(off, n)) throw new Truncated();
  }

  u8(off: number): number {
    this.need(off, 1);
    return this.bytes[off]!;
  }

  u16(off: number): number {
    this.need(off, 2);
    return (this.bytes[off]! << 8) | this.bytes[off + 1]!;
  }

  u24(off: number): number {
    this.need(off, 3);
    return (this.bytes[off]! << 16) | (this.bytes[off + 1]! << 8) | this.bytes[off + 2]!;
  }

  u32(off: number): number {
    this.need(off, 4);
    return ((this.bytes[off]! << 24) | (this.bytes[off + 1]! << 16) | (this.bytes[off + 2]! << 8) | this.bytes[off + 3]!) >>> 0;
  }

  /** GET_IPADDR_STRING: an IPv4 address from the packet, named unless -n. */
  ipName(off: number): string {
    return this.names.host(this.u32(off));
  }

  /**
   * nd_push_snaplen + nd_pop_packet_info: narrow the snapshot end to
   * off+len (never widen it) while `body` runs.
   */
  withSnapend<T>(off: number, len: number, body: () => T): T {
    const saved = this.snapend;
    if (len <= this.snapend - off) this.snapend = off + len;
    try {
      return body();
    } finally {
      this.snapend = saved;
    }
  }
}

// ---- util-print.c character helpers -------------------------------------------

/** fn_print_char: M- for 8-bit bytes, ^X for control characters. */
export function printableChar(c: number): string {
  let prefix = "";
  if (c & 0x80) {
    c &= 0x7f;
    prefix = "M-";
  }
  if (c < 0x20 || c > 0x7e) {
    c ^= 0x40;
    prefix += "^";
  }
  return prefix + String.fromCharCode(c);
}

/** nd_printn: print up to n bytes; returns true when the capture ended first. */
export function printEscaped(nd: Dissector, off: number, n: number): boolean {
  while (n > 0 && off < nd.snapend) {
    n--;
    nd.print(printableChar(nd.u8(off++)));
  }
  return n !== 0;
}

export function isAsciiPrint(c: number): boolean {
  return c >= 0x20 && c <= 0x7e;
}

export function isAsciiGraph(c: number): boolean {
  return c > 0x20 && c <= 0x7e;
}

/** `%0Nx` formatting used all over tcpdump. */
export function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, "0");
}
