// IPv4 header options as tcpdump -v lists them (print-ip.c ip_optprint).
// Print only: this tool never sends options (no Linux pod or node does for
// TCP/UDP/ICMP), but captures of other traffic can carry them.

import type { Dissector } from "./dissect.js";

const NAMES = new Map([
  [0, "EOL"], [1, "NOP"], [68, "timestamp"], [130, "security"], [7, "RR"], [137, "SSRR"], [131, "LSRR"],
  [148, "RA"], [82, "traceroute"],
]);

/** ip_optprint: `", options (" + this + ")"`. Returns false when the capture ended inside. */
export function printIpOptions(nd: Dissector, cp: number, length: number): boolean {
  let sep = "";
  for (let optionLen = 0; length > 0; cp += optionLen, length -= optionLen) {
    nd.print(sep);
    sep = ",";
    const code = nd.u8(cp);
    nd.print(NAMES.get(code) ?? `unknown ${code}`);
    optionLen = code <= 1 ? 1 : nd.u8(cp + 1);
    if (optionLen < (code <= 1 ? 1 : 2) || optionLen > length) {
      nd.print(` [bad length ${optionLen}]`);
      return true;
    }
    if (!nd.has(cp, optionLen)) return false;
    if (code === 0) return true;
    if (code === 68 && !printTimestamps(nd, cp, optionLen)) return false;
    if ((code === 7 || code === 131 || code === 137) && !printRoute(nd, cp, optionLen)) return false;
    if (code === 148) {
      if (optionLen < 4) nd.print(` [bad length ${optionLen}]`);
      else if (nd.u16(cp + 2) !== 0) nd.print(` value ${nd.u16(cp + 2)}`);
    }
  }
  return true;
}

/** ip_printroute: RR, LSRR, SSRR address lists. */
function printRoute(nd: Dissector, cp: number, length: number): boolean {
  if (length < 3) {
    nd.print(` [bad length ${length}]`);
    return true;
  }
  if ((length + 1) & 3) nd.print(` [bad length ${length}]`);
  const ptr = nd.u8(cp + 2) - 1;
  if (ptr < 3 || (ptr + 1) & 3 || ptr > length + 1) nd.print(` [bad ptr ${nd.u8(cp + 2)}]`);
  for (let len = 3; len < length; len += 4) {
    if (!nd.has(cp + len, 4)) return false;
    nd.print(` ${nd.ipName(cp + len)}`);
    if (ptr > len) nd.print(",");
  }
  return true;
}

/** ip_printts: the timestamp option. */
function printTimestamps(nd: Dissector, cp: number, length: number): boolean {
  if (length < 4) {
    nd.print(`[bad length ${length}]`);
    return true;
  }
  nd.print(" TS{");
  const flags = nd.u8(cp + 3);
  const hoplen = (flags & 0xf) !== 0 ? 8 : 4;
  if ((length - 4) & (hoplen - 1)) nd.print(`[bad length ${length}]`);
  const ptr = nd.u8(cp + 2) - 1;
  if (ptr < 4 || (ptr - 4) & (hoplen - 1) || ptr > length + 1) nd.print(`[bad ptr ${nd.u8(cp + 2)}]`);
  const kind = ["TSONLY", "TS+ADDR", undefined, "PRESPEC"][flags & 0xf];
  let len = 0;
  if (kind === undefined) {
    nd.print(`[bad ts type ${flags & 0xf}]`);
  } else {
    nd.print(kind);
    for (len = 4; len < length; len += hoplen) {
      if (!nd.has(cp + len, hoplen)) return false;
      nd.print(`${ptr === len ? " ^ " : " "}${nd.u32(cp + len + hoplen - 4)}@${hoplen !== 8 ? "" : nd.ipName(cp + len)}`);
    }
  }
  nd.print(ptr === len ? " ^ " : "");
  nd.print(flags >> 4 ? ` [${flags >> 4} hops not recorded]} ` : "}");
  return true;
}
