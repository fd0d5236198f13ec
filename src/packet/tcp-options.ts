// TCP options: the Linux layouts, their encoding, and tcpdump's option list
// printer (the `options [...]` part of print-tcp.c).

import type { Dissector } from "./dissect.js";
import { hex } from "./dissect.js";

export type TcpOption =
  | { readonly kind: "eol" }
  | { readonly kind: "nop" }
  | { readonly kind: "mss"; readonly value: number }
  | { readonly kind: "wscale"; readonly shift: number }
  | { readonly kind: "sackOK" }
  | { readonly kind: "sack"; readonly blocks: ReadonlyArray<readonly [number, number]> }
  | { readonly kind: "timestamps"; readonly value: number; readonly echo: number };

export interface LinuxOptionChoice {
  readonly mss?: number;
  readonly sackPermitted?: boolean;
  readonly timestamps?: { readonly value: number; readonly echo: number };
  readonly wscale?: number;
  readonly sackBlocks?: ReadonlyArray<readonly [number, number]>;
}

/**
 * Options in the order and padding Linux writes them (tcp_options_write): MSS;
 * timestamps, merged with SACK-permitted when both are on; SACK-permitted alone
 * behind two NOPs; window scale behind a NOP; SACK blocks behind two NOPs. So a
 * SYN prints `[mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7]` and an ACK
 * `[nop,nop,TS val 1 ecr 2]`, as in real captures.
 */
export function linuxOptions(choice: LinuxOptionChoice): TcpOption[] {
  const out: TcpOption[] = [];
  if (choice.mss !== undefined) out.push({ kind: "mss", value: choice.mss });
  if (choice.timestamps) {
    out.push(...(choice.sackPermitted ? [{ kind: "sackOK" } as const] : [{ kind: "nop" } as const, { kind: "nop" } as const]));
    out.push({ kind: "timestamps", ...choice.timestamps });
  } else if (choice.sackPermitted) {
    out.push({ kind: "nop" }, { kind: "nop" }, { kind: "sackOK" });
  }
  if (choice.wscale !== undefined) out.push({ kind: "nop" }, { kind: "wscale", shift: choice.wscale });
  if (choice.sackBlocks?.length) out.push({ kind: "nop" }, { kind: "nop" }, { kind: "sack", blocks: choice.sackBlocks });
  return out;
}

/** Option bytes padded with zeros (EOL) to a multiple of four. */
export function encodeTcpOptions(options: readonly TcpOption[]): Uint8Array {
  const bytes: number[] = [];
  const u16 = (v: number) => bytes.push((v >> 8) & 0xff, v & 0xff);
  const u32 = (v: number) => bytes.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  for (const o of options) {
    switch (o.kind) {
      case "eol": bytes.push(0); break;
      case "nop": bytes.push(1); break;
      case "mss": bytes.push(2, 4); u16(o.value); break;
      case "wscale": bytes.push(3, 3, o.shift); break;
      case "sackOK": bytes.push(4, 2); break;
      case "sack": bytes.push(5, 2 + 8 * o.blocks.length); o.blocks.forEach(([l, r]) => { u32(l); u32(r); }); break;
      case "timestamps": bytes.push(8, 10); u32(o.value); u32(o.echo); break;
    }
  }
  while (bytes.length % 4) bytes.push(0);
  return Uint8Array.from(bytes);
}

/** Parses option bytes; undefined when they hold something encodeTcpOptions cannot write. */
export function decodeTcpOptions(b: Uint8Array): TcpOption[] | undefined {
  const out: TcpOption[] = [];
  const u32 = (i: number) => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
  let i = 0;
  while (i < b.length) {
    const kind = b[i]!;
    if (kind === 0) {
      // Trailing zeros are padding; a lone EOL before more options is kept.
      if (b.subarray(i).every((x) => x === 0)) return out;
      out.push({ kind: "eol" });
      i++;
      continue;
    }
    if (kind === 1) { out.push({ kind: "nop" }); i++; continue; }
    const len = b[i + 1] ?? 0;
    if (len < 2 || i + len > b.length) return undefined;
    if (kind === 2 && len === 4) out.push({ kind: "mss", value: (b[i + 2]! << 8) | b[i + 3]! });
    else if (kind === 3 && len === 3) out.push({ kind: "wscale", shift: b[i + 2]! });
    else if (kind === 4 && len === 2) out.push({ kind: "sackOK" });
    else if (kind === 8 && len === 10) out.push({ kind: "timestamps", value: u32(i + 2), echo: u32(i + 6) });
    else if (kind === 5 && (len - 2) % 8 === 0) {
      const blocks: Array<readonly [number, number]> = [];
      for (let j = i + 2; j < i + len; j += 8) blocks.push([u32(j), u32(j + 4)]);
      out.push({ kind: "sack", blocks });
    } else return undefined;
    i += len;
  }
  return out;
}

// ---- printing ------------------------------------------------------------------

const OPTION_NAMES = new Map([
  [0, "eol"], [1, "nop"], [2, "mss"], [3, "wscale"], [4, "sackOK"], [5, "sack"], [6, "echo"], [7, "echoreply"],
  [8, "TS"], [11, "cc"], [12, "ccnew"], [13, ""], [19, "md5"], [20, "scps"], [28, "uto"], [29, "tcp-ao"],
  [30, "mptcp"], [34, "tfo"], [254, "exp"],
]);

/** What option printing needs from the segment (tcpdump's rev / thseq / thack, payload extent). */
export interface OptionContext {
  readonly rev: boolean;
  readonly seq: number;
  readonly ack: number;
  /** One past the segment's last byte (TCP-MD5 says "snaplen too short" when not captured). */
  readonly segmentEnd: number;
}

type OptionResult = "ok" | "truncated" | "bad";

/**
 * The `, options [...]` list. Malformed lengths print `[bad opt]`; an option cut
 * short by the capture prints ` [|tcp]>` and ends the packet, as tcpdump does.
 * Returns false when the packet must end here.
 */
export function printTcpOptions(nd: Dissector, off: number, hlen: number, ctx: OptionContext): boolean {
  nd.print(", options [");
  let sep = "";
  let cp = off;
  while (hlen > 0) {
    nd.print(sep);
    const opt = nd.u8(cp++);
    let len = 1;
    if (opt > 1) {
      len = nd.u8(cp++);
      if (len < 2 || len > hlen) return bad(nd, sep);
      hlen--;
    }
    hlen--;
    nd.print(OPTION_NAMES.get(opt) ?? `unknown-${opt}`);
    const datalen = optionDatalen(opt, len);
    if (datalen > hlen) return bad(nd, sep);
    // LENCHECK: a short capture ends the packet with ` [|tcp]`, plus `>` once
    // an option was printed. Some options check piecewise, after printing.
    const result = printOptionData(nd, opt, cp, datalen, ctx);
    if (result === "bad") return bad(nd, sep);
    if (result === "truncated") {
      nd.trunc();
      if (sep) nd.print(">");
      return false;
    }
    cp += datalen;
    hlen -= datalen;
    if (datalen + (opt > 1 ? 2 : 1) !== len) nd.print(`[len ${len}]`);
    sep = ",";
    if (opt === 0) break;
  }
  nd.print("]");
  return true;
}

function bad(nd: Dissector, sep: string): boolean {
  nd.print("[bad opt]");
  if (sep) nd.print("]");
  return false;
}

function optionDatalen(opt: number, len: number): number {
  switch (opt) {
    case 0: case 1: case 4: return 0;
    case 2: case 20: case 28: return 2;
    case 3: return 1;
    case 6: case 7: case 11: case 12: case 13: return 4;
    case 8: return 8;
    case 19: return 16;
    default: return len - 2;
  }
}

const hexBytes = (nd: Dissector, cp: number, n: number) => Array.from(nd.bytes.subarray(cp, cp + n), (b) => hex(b, 2)).join("");

function printOptionData(nd: Dissector, opt: number, cp: number, datalen: number, ctx: OptionContext): OptionResult {
  switch (opt) {
    case 5: return printSack(nd, cp, datalen, ctx);
    case 29: return printTcpAo(nd, cp, datalen);
    case 30: break; // MPTCP: tcpdump decodes its subtypes; shown as hex here
    default:
      if (!KNOWN.has(opt)) break;
      if (!nd.has(cp, datalen)) return "truncated";
      return printFixed(nd, opt, cp, datalen, ctx);
  }
  if (datalen) nd.print(" 0x");
  for (let i = 0; i < datalen; i++) {
    if (!nd.has(cp + i, 1)) return "truncated";
    nd.print(hex(nd.u8(cp + i), 2));
  }
  return "ok";
}

const KNOWN = new Set([0, 1, 2, 3, 4, 6, 7, 8, 11, 12, 13, 19, 20, 28, 34, 254]);

/** Options whose whole value is checked (LENCHECK) before printing. */
function printFixed(nd: Dissector, opt: number, cp: number, datalen: number, ctx: OptionContext): OptionResult {
  switch (opt) {
    case 2: nd.print(` ${nd.u16(cp)}`); break;
    case 3: nd.print(` ${nd.u8(cp)}`); break;
    case 6: case 7: case 11: case 12: case 13: nd.print(` ${nd.u32(cp)}`); break;
    case 8: nd.print(` val ${nd.u32(cp)} ecr ${nd.u32(cp + 4)}`); break;
    case 19: {
      // tcpdump links OpenSSL but has no -M secret: it cannot check the digest.
      const why = ctx.segmentEnd > nd.snapend ? "snaplen too short, " : "shared secret not supplied with -M, ";
      nd.print(` ${why}can't check - ${hexBytes(nd, cp, 16)}`);
      break;
    }
    case 20: nd.print(` cap ${hex(nd.u8(cp), 2)} id ${nd.u8(cp + 1)}`); break;
    case 28: {
      const v = nd.u16(cp);
      nd.print(` 0x${v.toString(16)} ${v & 1 ? (v >> 1) * 60 : v >> 1}`);
      break;
    }
    case 34: nd.print(` ${fastOpen(nd, cp, datalen, false)}`); break;
    case 254: {
      if (datalen < 2) return "bad";
      const magic = nd.u16(cp);
      nd.print(`-${magic === 0xf989 ? fastOpen(nd, cp + 2, datalen - 2, true) : hex(magic, 4)}`);
      break;
    }
  }
  return "ok";
}

/** print_tcp_fastopen_option. */
function fastOpen(nd: Dissector, cp: number, datalen: number, experimental: boolean): string {
  const prefix = experimental ? "tfo" : "";
  if (datalen === 0) return `${prefix} cookiereq`;
  if (datalen % 2 !== 0 || datalen < 4 || datalen > 16) return `${prefix} (invalid)`;
  return `${prefix} cookie ${hexBytes(nd, cp, datalen)}`;
}

function printTcpAo(nd: Dissector, cp: number, datalen: number): OptionResult {
  if (datalen < 2) {
    nd.print(" (invalid)");
    return "ok";
  }
  if (!nd.has(cp, 1)) return "truncated";
  nd.print(` keyid ${nd.u8(cp)}`);
  if (!nd.has(cp + 1, 1)) return "truncated";
  nd.print(` rnextkeyid ${nd.u8(cp + 1)}`);
  if (datalen > 2) nd.print(" mac 0x");
  for (let i = 2; i < datalen; i++) {
    if (!nd.has(cp + i, 1)) return "truncated";
    nd.print(hex(nd.u8(cp + i), 2));
  }
  return "ok";
}

function printSack(nd: Dissector, cp: number, datalen: number, ctx: OptionContext): OptionResult {
  if (datalen % 8 !== 0) {
    nd.print(" invalid sack");
    return "ok";
  }
  nd.print(` ${datalen / 8} `);
  const base = ctx.rev ? ctx.seq : ctx.ack;
  for (let i = 0; i < datalen; i += 8) {
    if (!nd.has(cp + i, 8)) return "truncated";
    nd.print(`{${(nd.u32(cp + i) - base) >>> 0}:${(nd.u32(cp + i + 4) - base) >>> 0}}`);
  }
  return "ok";
}
