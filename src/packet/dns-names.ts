// DNS names as tcpdump's print-domain.c walks them: labellen, ns_nskip and
// fqdn_print, compression pointers (which must point backwards) included.
// Offsets index nd.bytes; undefined plays print-domain.c's NULL.

import type { Dissector } from "./dissect.js";
import { hex, printEscaped } from "./dissect.js";

const MAX_NAME = 255; // MAXCDNAME

/** labellen: the length a label byte announces, or undefined (after a marker) when bad. */
export function labelLength(nd: Dissector, cp: number): number | undefined {
  if (!nd.has(cp, 1)) return undefined;
  const i = nd.u8(cp);
  if ((i & 0xc0) === 0x40) {
    if ((i & 0x3f) !== 1) return void nd.print(`<ELT ${i & 0x3f}>`);
    if (!nd.has(cp + 1, 1)) return undefined;
    return Math.floor(((nd.u8(cp + 1) || 256) + 7) / 8) + 1;
  }
  if ((i & 0xc0) === 0x80) return void nd.print("<BAD LABEL TYPE>");
  return i;
}

/** ns_nskip: the offset after a (possibly compressed) name. */
export function skipName(nd: Dissector, cp: number): number | undefined {
  if (!nd.has(cp, 1)) return undefined;
  let i = nd.u8(cp++);
  while (i) {
    switch (i & 0xc0) {
      case 0xc0: return cp + 1;
      case 0x40: {
        if ((i & 0x3f) !== 1 || !nd.has(cp, 1)) return undefined;
        const bits = nd.u8(cp++) || 256;
        cp += Math.floor((bits + 7) / 8);
        break;
      }
      case 0x80: return undefined;
      default: cp += i;
    }
    if (!nd.has(cp, 1)) return undefined;
    i = nd.u8(cp++);
  }
  return cp;
}

/**
 * fqdn_print: prints `a.b.c.` following compression pointers (which must point
 * backwards) and returns the offset after the name as it sits at `cp`.
 */
export function printName(nd: Dissector, cp: number, msg: number): number | undefined {
  let l = labelLength(nd, cp);
  if (l === undefined || !nd.has(cp, 1)) return undefined;
  let maxOffset = cp - msg;
  let i = nd.u8(cp++);
  let compressed = false;
  // Starting on a pointer leaves rp unset (NULL) until the pointer is read.
  let rp: number | undefined = (i & 0xc0) === 0xc0 ? undefined : cp + l;
  if (i === 0) {
    nd.print(".");
    return rp;
  }
  let chars = 0;
  while (i && cp < nd.snapend) {
    if ((i & 0xc0) === 0xc0) {
      if (!compressed) {
        rp = cp + 1;
        compressed = true;
      }
      const offset = ((i << 8) | nd.u8(cp)) & 0x3fff;
      if (offset >= maxOffset) return void nd.print("<BAD PTR>");
      maxOffset = offset;
      cp = msg + offset;
      if (!nd.has(cp, 1)) return undefined;
      i = nd.u8(cp);
      l = labelLength(nd, cp);
      if (l === undefined) return undefined;
      cp++;
      continue;
    }
    if ((i & 0xc0) === 0x80) return void nd.print("<BAD LABEL TYPE>");
    if ((i & 0xc0) === 0x40) {
      if ((i & 0x3f) !== 1) return void nd.print(`<ELT ${i & 0x3f}>`);
      if (printBitLabel(nd, cp) === undefined) return undefined;
    } else {
      if (chars + l <= MAX_NAME) {
        if (printEscaped(nd, cp, l)) return undefined;
      } else if (chars < MAX_NAME) {
        if (printEscaped(nd, cp, MAX_NAME - chars)) return undefined;
      }
      chars += l; // only ordinary labels count towards MAXCDNAME
    }
    cp += l;
    if (chars <= MAX_NAME) nd.print(".");
    chars++;
    if (!nd.has(cp, 1)) return undefined;
    i = nd.u8(cp);
    l = labelLength(nd, cp);
    if (l === undefined) return undefined;
    cp++;
    if (!compressed && rp !== undefined) rp += l + 1;
  }
  if (chars > MAX_NAME) nd.print("<DOMAIN NAME TOO LONG>");
  return rp;
}

/** blabel_print: an RFC 2673 bit-string label as `\\[x<hex>/<bits>]`. */
function printBitLabel(nd: Dissector, cp: number): number | undefined {
  if (!nd.has(cp, 1)) return undefined;
  const bits = nd.u8(cp) || 256;
  const end = cp + 1 + Math.floor((bits + 3) / 4);
  let text = "\\[x";
  let at = cp + 1;
  let b = bits;
  for (; at < end && b > 7; b -= 8, at++) text += hex(nd.u8(at), 2);
  if (b > 4) text += hex(nd.u8(at++) & (0xff << (8 - b)) & 0xff, 2);
  else if (b > 0) text += (((nd.u8(at++) >> 4) & 0x0f) & (0x0f << (4 - b))).toString(16);
  nd.print(`${text}/${bits}]`);
  return end;
}
