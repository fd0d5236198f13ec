// ARP over Ethernet for IPv4 (RFC 826): type, encode, decode, and tcpdump's
// print-arp.c for the forms a Linux node produces.
//
//   ArpPacket { kind: "arp", op: "request" | "reply",
//               senderMac, senderIp, targetMac, targetIp }
//
// A Linux request carries targetMac 00:00:00:00:00:00; tcpdump prints a
// non-zero target MAC in parentheses after the address asked for.

import type { Ip4, Mac } from "../model/addr.js";
import { macBytes, macFromBytes } from "../model/addr.js";
import { printHexAndAscii } from "./ascii.js";
import type { Dissector } from "./dissect.js";
import { hex } from "./dissect.js";
import { ETHERTYPE_NAMES, macName } from "./ethernet.js";

export interface ArpPacket {
  readonly kind: "arp";
  readonly op: "request" | "reply";
  readonly senderMac: Mac;
  readonly senderIp: Ip4;
  readonly targetMac: Mac;
  readonly targetIp: Ip4;
}

export const ARP_LEN = 28;
const OP_CODES = { request: 1, reply: 2 } as const;

export function encodeArp(arp: ArpPacket): Uint8Array {
  const out = new Uint8Array(ARP_LEN);
  const view = new DataView(out.buffer);
  view.setUint16(0, 1); // hardware: Ethernet
  view.setUint16(2, 0x0800); // protocol: IPv4
  out[4] = 6;
  out[5] = 4;
  view.setUint16(6, OP_CODES[arp.op]);
  out.set(macBytes(arp.senderMac), 8);
  view.setUint32(14, arp.senderIp);
  out.set(macBytes(arp.targetMac), 18);
  view.setUint32(24, arp.targetIp);
  return out;
}

export function decodeArp(bytes: Uint8Array): ArpPacket | undefined {
  if (bytes.length < ARP_LEN) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 1 || view.getUint16(2) !== 0x0800 || bytes[4] !== 6 || bytes[5] !== 4) return undefined;
  const code = view.getUint16(6);
  if (code !== 1 && code !== 2) return undefined;
  return {
    kind: "arp",
    op: code === 1 ? "request" : "reply",
    senderMac: macFromBytes(bytes.subarray(8, 14)),
    senderIp: view.getUint32(14),
    targetMac: macFromBytes(bytes.subarray(18, 24)),
    targetIp: view.getUint32(24),
  };
}

// ---- printing ------------------------------------------------------------------

// arphrd_values in print-arp.c (19, ATM, gets its own ATMARP printer there).
const HARDWARE_NAMES = new Map([
  [1, "Ethernet"], [6, "TokenRing"], [7, "ArcNet"], [15, "FrameRelay"], [19, "ATM"], [23, "Strip"], [24, "IEEE 1394"], [32, "InfiniBand"],
]);
const OP_NAMES = new Map([
  [1, "Request"], [2, "Reply"], [3, "Reverse Request"], [4, "Reverse Reply"],
  [8, "Inverse Request"], [9, "Inverse Reply"], [10, "NACK Reply"],
]);

/** arp_print: `length` is what is left of the frame after the link header. */
export function printArp(nd: Dissector, off: number, length: number, caplen: number): void {
  nd.protocol = "arp";
  nd.need(off, 8);
  const hrd = nd.u16(off);
  const pro = nd.u16(off + 2);
  const hln = nd.u8(off + 4);
  const pln = nd.u8(off + 5);
  const op = nd.u16(off + 6);
  const sha = off + 8;
  const spa = sha + hln;
  const tha = spa + pln;
  const tpa = tha + hln;
  nd.need(tpa, pln);
  if (!nd.opts.linkHeader) nd.print("ARP, ");
  const ipv4 = pro === 0x0800 && pln === 4;
  if (!ipv4 || hln === 0 || nd.opts.verbose > 0) {
    const hw = HARDWARE_NAMES.get(hrd) ?? `Unknown Hardware (${hrd})`;
    const proto = ETHERTYPE_NAMES.get(pro) ?? `Unknown Protocol (0x${hex(pro, 4)})`;
    nd.print(`${hw} (len ${hln}), ${proto} (len ${pln})`);
    if (nd.opts.verbose === 0) {
      nd.print(`, length ${length}`);
      return;
    }
  }
  nd.print(`${nd.opts.verbose > 0 ? ", " : ""}${OP_NAMES.get(op) ?? `Unknown (${op})`} `);
  const ip = (at: number) => (ipv4 ? nd.ipName(at) : pro !== 0x0800 ? "<wrong proto type>" : "<wrong len>");
  const link = (at: number) => linkAddress(nd, at, hln);
  if (op === 1) {
    nd.print(`who-has ${ip(tpa)}`);
    if (nd.bytes.subarray(tha, tha + hln).some((b) => b !== 0)) nd.print(` (${link(tha)})`);
    nd.print(` tell ${ip(spa)}`);
  } else if (op === 2) {
    nd.print(`${ip(spa)} is-at ${link(sha)}`);
  } else if (op === 3 || op === 8) {
    nd.print(`who-is ${link(tha)} tell ${link(sha)}`);
  } else if (op === 4) {
    nd.print(`${link(tha)} at ${ip(tpa)}`);
  } else if (op === 9) {
    nd.print(`${link(sha)} at ${ip(spa)}`);
  } else {
    printHexAndAscii(nd, "\n\t", off, caplen); // unconditional here, unlike print-ether.c
    return;
  }
  nd.print(`, length ${length}`);
}

/** GET_LINKADDR_STRING for LINKADDR_ETHER: 6 bytes name like a MAC, others as hex. */
function linkAddress(nd: Dissector, off: number, len: number): string {
  if (len === 6) return macName(nd, off);
  nd.need(off, len);
  return Array.from(nd.bytes.subarray(off, off + len), (b) => hex(b, 2)).join(":");
}
