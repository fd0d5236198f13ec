// VXLAN (RFC 7348): type, encode, decode, and tcpdump's print-vxlan.c and
// print-otv.c. Both headers are 8 bytes with the same layout (flags, 24
// reserved/overlay bits, 24-bit VNI/instance, 8 reserved bits); tcpdump names
// the packet by UDP port: 8472 (the Linux kernel default that flannel uses) is
// IANA's OTV port, 4789 is VXLAN. Both printers end their line with "\n" and
// print the inner frame on the next line, without a timestamp.
//
//   VxlanPacket { kind: "vxlan", vni, frame: EthernetFrame }
//
// Flags are always 0x08 (VNI valid), reserved fields zero, as Linux sends them.

import type { Dissector } from "./dissect.js";
import { hex } from "./dissect.js";
import { type EthernetFrame, decodeFrame, encodeFrame, printEthernet } from "./ethernet.js";

export interface VxlanPacket {
  readonly kind: "vxlan";
  readonly vni: number;
  readonly frame: EthernetFrame;
}

export const OTV_PORT = 8472;
export const VXLAN_PORT = 4789;
const HEADER_LEN = 8;
const FLAG_VNI = 0x08;

export function encodeVxlan(packet: VxlanPacket): Uint8Array {
  const inner = encodeFrame(packet.frame);
  const out = new Uint8Array(HEADER_LEN + inner.length);
  out[0] = FLAG_VNI;
  out[4] = (packet.vni >> 16) & 0xff;
  out[5] = (packet.vni >> 8) & 0xff;
  out[6] = packet.vni & 0xff;
  out.set(inner, HEADER_LEN);
  return out;
}

export function decodeVxlan(bytes: Uint8Array): VxlanPacket | undefined {
  if (bytes.length < HEADER_LEN || bytes[0] !== FLAG_VNI || bytes[1] || bytes[2] || bytes[3] || bytes[7]) return undefined;
  const frame = decodeFrame(bytes.subarray(HEADER_LEN));
  if (!frame) return undefined;
  return { kind: "vxlan", vni: (bytes[4]! << 16) | (bytes[5]! << 8) | bytes[6]!, frame };
}

// ---- printing ------------------------------------------------------------------

/** otv_print: `OTV, flags [I] (0x08), overlay 0, instance 1` + newline + inner frame. */
export function printOtv(nd: Dissector, off: number, len: number): void {
  nd.protocol = "otv";
  nd.print("OTV, ");
  if (len < HEADER_LEN) {
    nd.print(`[length ${len} < ${HEADER_LEN}] (invalid)`);
    nd.need(off, len);
    return;
  }
  const flags = nd.u8(off);
  nd.print(`flags [${flags & FLAG_VNI ? "I" : "."}] (0x${hex(flags, 2)}), `);
  nd.print(`overlay ${nd.u24(off + 1)}, `);
  nd.print(`instance ${nd.u24(off + 4)}\n`);
  nd.need(off + 7, 1);
  printEthernet(nd, off + HEADER_LEN, len - HEADER_LEN, nd.available(off + HEADER_LEN));
}

/** vxlan_print: `VXLAN, flags [I] (0x08), vni 1` + newline + inner frame. */
export function printVxlan(nd: Dissector, off: number, len: number): void {
  nd.protocol = "vxlan";
  nd.print("VXLAN");
  if (len < HEADER_LEN) {
    nd.print(" (invalid)");
    return;
  }
  const flags = nd.u8(off);
  nd.print(`, flags [${flags & FLAG_VNI ? "I" : "invalid"}] (0x${hex(flags, 2)}), `);
  nd.print(`vni ${nd.u24(off + 4)}\n`);
  nd.need(off + 7, 1);
  printEthernet(nd, off + HEADER_LEN, len - HEADER_LEN, nd.available(off + HEADER_LEN));
}
