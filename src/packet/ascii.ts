// Raw byte dumps, as tcpdump's print-ascii.c prints them: the default printer
// for payloads nobody decodes (ND_DEFAULTPRINT) and the -x / -X / -A views.

import { type Dissector, Truncated, hex, isAsciiGraph } from "./dissect.js";

const BYTES_PER_LINE = 16;

/** hex_and_ascii_print: `<indent>0x0010:  4500 003c ...  E..<....` lines (-X, unknown types). */
export function printHexAndAscii(nd: Dissector, indent: string, off: number, length: number): void {
  const truncated = length > nd.available(off);
  if (truncated) length = nd.available(off);
  for (let line = 0; line < length; line += BYTES_PER_LINE) {
    const end = Math.min(line + BYTES_PER_LINE, length);
    let hexPart = "";
    let asciiPart = "";
    for (let i = line; i < end; i++) {
      const c = nd.bytes[off + i]!;
      hexPart += ((i - line) % 2 === 0 ? " " : "") + hex(c, 2);
      asciiPart += isAsciiGraph(c) ? String.fromCharCode(c) : ".";
    }
    // "%s0x%04x: %-*s  %s" with a 40-column hex field (8 groups of " xxxx").
    nd.print(`${indent}0x${hex(line, 4)}: ${hexPart.padEnd(40)}  ${asciiPart}`);
  }
  if (truncated) throw new Truncated();
}

/** hex_print: the same rows without the ASCII column (-x). */
export function printHex(nd: Dissector, indent: string, off: number, length: number): void {
  const truncated = length > nd.available(off);
  if (truncated) length = nd.available(off);
  for (let i = 0; i < length; i++) {
    if (i % BYTES_PER_LINE === 0) nd.print(`${indent}0x${hex(i, 4)}: `);
    nd.print((i % 2 === 0 ? " " : "") + hex(nd.bytes[off + i]!, 2));
  }
  if (truncated) throw new Truncated();
}

/** ascii_print (-A): printable bytes as is, others as '.', CR before LF dropped. */
export function printAscii(nd: Dissector, off: number, length: number): void {
  nd.protocol = "ascii";
  const truncated = length > nd.available(off);
  if (truncated) length = nd.available(off);
  nd.print("\n");
  for (let i = 0; i < length; i++) {
    const c = nd.bytes[off + i]!;
    const remaining = length - i - 1;
    if (c === 0x0d) {
      // tcpdump drops a CR only when an LF follows (or at the very end).
      if (remaining > 1 && nd.bytes[off + i + 1] !== 0x0a) nd.print(".");
    } else if (!isAsciiGraph(c) && c !== 0x09 && c !== 0x20 && c !== 0x0a) {
      nd.print(".");
    } else {
      nd.print(String.fromCharCode(c));
    }
  }
  if (truncated) throw new Truncated();
}
