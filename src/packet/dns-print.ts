// tcpdump's print-domain.c: the DNS printer (queries, responses, -v owner
// names, -vv question and ns/ar sections), working from message bytes.
// Offsets are absolute indexes into nd.bytes; `undefined` plays the NULL that
// print-domain.c returns when a name or record runs off the capture.

import type { Dissector } from "./dissect.js";
import { hex, printEscaped } from "./dissect.js";
import { printName, skipName } from "./dns-names.js";
import { formatIp6 } from "./ipv6-text.js";

const TYPE_NAMES = new Map<number, string>([
  [1, "A"], [2, "NS"], [3, "MD"], [4, "MF"], [5, "CNAME"], [6, "SOA"], [7, "MB"], [8, "MG"], [9, "MR"],
  [10, "NULL"], [11, "WKS"], [12, "PTR"], [13, "HINFO"], [14, "MINFO"], [15, "MX"], [16, "TXT"], [17, "RP"],
  [18, "AFSDB"], [19, "X25"], [20, "ISDN"], [21, "RT"], [22, "NSAP"], [23, "NSAP_PTR"], [24, "SIG"], [25, "KEY"],
  [26, "PX"], [27, "GPOS"], [28, "AAAA"], [29, "LOC"], [30, "NXT"], [31, "EID"], [32, "NIMLOC"], [33, "SRV"],
  [34, "ATMA"], [35, "NAPTR"], [36, "KX"], [37, "CERT"], [38, "A6"], [39, "DNAME"], [40, "SINK"], [41, "OPT"],
  [42, "APL"], [43, "DS"], [44, "SSHFP"], [45, "IPSECKEY"], [46, "RRSIG"], [47, "NSEC"], [48, "DNSKEY"],
  [99, "SPF"], [100, "UINFO"], [101, "UID"], [102, "GID"], [103, "UNSPEC"], [104, "UNSPECA"], [249, "TKEY"],
  [250, "TSIG"], [251, "IXFR"], [252, "AXFR"], [253, "MAILB"], [254, "MAILA"], [255, "ANY"], [256, "URI"],
]);
const CLASS_NAMES = new Map([[1, "IN"], [3, "CHAOS"], [4, "HS"], [255, "ANY"]]);
const OPCODES = ["", " inv_q", " stat", " op3", " notify", " update", " op6", " op7", " op8", " updateA",
  " updateD", " updateDA", " updateM", " updateMA", " zoneInit", " zoneRef"];
// Verbatim from print-domain.c, including the two entries without a space.
const RCODES = ["", " FormErr", " ServFail", " NXDomain", " NotImp", " Refused", " YXDomain", " YXRRSet",
  " NXRRSet", " NotAuth", " NotZone", " Resp11", " Resp12", " Resp13", " Resp14", " NoChange", " BadVers",
  "Resp17", " Resp18", " Resp19", " Resp20", "Resp21", " Resp22", " BadCookie"];
const T_OPT = 41;

const typeName = (t: number) => TYPE_NAMES.get(t) ?? `Type${t}`;
const className = (c: number) => CLASS_NAMES.get(c) ?? `(Class ${c})`;

/** domain_print. `length` is the payload length; over TCP a 2-byte length prefix leads. */
export function printDns(nd: Dissector, off: number, length: number, overTcp: boolean): void {
  nd.protocol = "domain";
  if (overTcp) {
    if (length < 2) return nd.print(` [DNS over TCP: length ${length} < 2] (invalid)`);
    length -= 2;
    const prefix = nd.u16(off);
    if (prefix !== length) return nd.print(` [prefix length(${prefix}) != length(${length})] (invalid)`);
    off += 2;
    nd.print(" ");
  }
  if (length < 12) return nd.print(`domain [length ${length} < 12] (invalid)`);
  if (!nd.has(off, 12)) return nd.trunc();
  const flags = nd.u16(off + 2);
  const counts = [nd.u16(off + 4), nd.u16(off + 6), nd.u16(off + 8), nd.u16(off + 10)] as const;
  const done = flags & 0x8000 ? printResponse(nd, off, flags, counts) : printQuery(nd, off, flags, counts);
  if (done) nd.print(` (${length})`);
  else nd.trunc();
}

type Counts = readonly [qd: number, an: number, ns: number, ar: number];

function printResponse(nd: Dissector, msg: number, flags: number, [qd, an, ns, ar]: Counts): boolean {
  const rcode = extendedRcode(nd, msg, [qd, an, ns, ar], flags & 0xf);
  nd.print(`${nd.u16(msg)}${OPCODES[(flags >> 11) & 0xf]}${rcode < RCODES.length ? RCODES[rcode] : ` Resp${rcode & 0xfff}`}`);
  nd.print(`${flags & 0x400 ? "*" : ""}${flags & 0x80 ? "" : "-"}${flags & 0x200 ? "|" : ""}${flags & 0x20 ? "$" : ""}`);
  if (qd !== 1) nd.print(` [${qd}q]`);
  let cp: number | undefined = msg + 12;
  for (let i = 0; i < qd; i++) {
    if (i !== 0) nd.print(",");
    if (nd.opts.verbose > 1) {
      nd.print(" q:");
      cp = printQuestion(nd, cp, msg);
    } else {
      cp = skipName(nd, cp);
      if (cp !== undefined) cp += 4;
    }
    if (cp === undefined) return false;
  }
  nd.print(` ${an}/${ns}/${ar}`);
  cp = printRecords(nd, cp, msg, an, "");
  if (nd.opts.verbose > 1 && cp !== undefined) cp = printRecords(nd, cp, msg, ns, " ns:");
  if (nd.opts.verbose > 1 && cp !== undefined) cp = printRecords(nd, cp, msg, ar, " ar:");
  return cp !== undefined;
}

function printQuery(nd: Dissector, msg: number, flags: number, [qd, an, ns, ar]: Counts): boolean {
  const opcode = (flags >> 11) & 0xf;
  nd.print(`${nd.u16(msg)}${OPCODES[opcode]}${flags & 0x100 ? "+" : ""}${flags & 0x10 ? "%" : ""}`);
  if (flags & 0x6cf) nd.print(` [b2&3=0x${hex(flags, 1)}]`);
  if (opcode === 1) {
    if (qd) nd.print(` [${qd}q]`);
    if (an !== 1) nd.print(` [${an}a]`);
  } else {
    if (an) nd.print(` [${an}a]`);
    if (qd !== 1) nd.print(` [${qd}q]`);
  }
  if (ns) nd.print(` [${ns}n]`);
  if (ar) nd.print(` [${ar}au]`);
  // Several questions print back to back, without a separator.
  let cp: number | undefined = msg + 12;
  let left = qd;
  while (left > 0 && (left === qd || cp < nd.snapend)) {
    cp = printQuestion(nd, cp, msg);
    if (cp === undefined) return false;
    left--;
  }
  if (left > 0) return false;
  return nd.opts.verbose > 1 ? printRestOfQuery(nd, cp, msg, an, ns, ar) : true;
}

function printRestOfQuery(nd: Dissector, cp: number, msg: number, an: number, ns: number, ar: number): boolean {
  let at: number | undefined = printRecords(nd, cp, msg, an, "");
  if (at !== undefined) at = printRecords(nd, at, msg, ns, " ns:");
  if (at !== undefined) at = printRecords(nd, at, msg, ar, " ar:");
  return at !== undefined;
}

/** One section: `label` + records joined by ","; undefined when it ran short. */
function printRecords(nd: Dissector, cp: number, msg: number, count: number, label: string): number | undefined {
  if (count === 0) return cp;
  // The answer section is printed even at the capture's end; ns/ar only before it.
  if (label && cp >= nd.snapend) return undefined;
  nd.print(label);
  let at: number | undefined = printRecord(nd, cp, msg);
  count--;
  while (at !== undefined && at < nd.snapend && count) {
    nd.print(",");
    at = printRecord(nd, at, msg);
    count--;
  }
  return at === undefined || count ? undefined : at;
}

/** ns_qprint: ` A? name.` */
function printQuestion(nd: Dissector, cp: number, msg: number): number | undefined {
  const after = skipName(nd, cp);
  if (after === undefined || !nd.has(after, 4)) return undefined;
  nd.print(` ${typeName(nd.u16(after))}`);
  const cls = nd.u16(after + 2);
  if (cls !== 1) nd.print(` ${className(cls)}`);
  nd.print("? ");
  const end = printName(nd, cp, msg);
  return end === undefined ? undefined : end + 4;
}

/** ns_rprint: one resource record. */
function printRecord(nd: Dissector, cp: number, msg: number): number | undefined {
  let at: number | undefined;
  if (nd.opts.verbose > 0) {
    nd.print(" ");
    at = printName(nd, cp, msg);
    if (at === undefined) return undefined;
  } else at = skipName(nd, cp);
  if (at === undefined || !nd.has(at, 10)) return nd.snapend;
  const type = nd.u16(at);
  const cls = nd.u16(at + 2);
  if (cls !== 1 && type !== T_OPT) nd.print(` ${className(cls)}`);
  const optFlags = nd.u16(at + 6);
  const len = nd.u16(at + 8);
  const data = at + 10;
  const end = data + len;
  nd.print(` ${typeName(type)}`);
  if (end > nd.snapend) return undefined;
  return printRdata(nd, type, cls, optFlags, data, len, msg) ? end : undefined;
}

function printRdata(nd: Dissector, type: number, cls: number, optFlags: number, cp: number, len: number, msg: number): boolean {
  switch (type) {
    case 1:
      if (!nd.has(cp, 4)) return false;
      nd.print(` ${nd.bytes.subarray(cp, cp + 4).join(".")}`);
      return true;
    case 2: case 5: case 12: case 39:
      nd.print(" ");
      return printName(nd, cp, msg) !== undefined;
    case 6: {
      if (!nd.opts.verbose) return true;
      nd.print(" ");
      let at = printName(nd, cp, msg);
      if (at === undefined) return false;
      nd.print(" ");
      at = printName(nd, at, msg);
      if (at === undefined || !nd.has(at, 20)) return false;
      for (let i = 0; i < 5; i++) nd.print(` ${nd.u32(at + 4 * i)}`);
      return true;
    }
    case 15:
      nd.print(" ");
      if (!nd.has(cp, 2) || printName(nd, cp + 2, msg) === undefined) return false;
      nd.print(` ${nd.u16(cp)}`);
      return true;
    case 16:
      return printTxt(nd, cp, cp + len);
    case 33:
      nd.print(" ");
      if (!nd.has(cp, 6) || printName(nd, cp + 6, msg) === undefined) return false;
      nd.print(`:${nd.u16(cp + 4)} ${nd.u16(cp)} ${nd.u16(cp + 2)}`);
      return true;
    case 28:
      if (!nd.has(cp, 16)) return false;
      nd.print(` ${formatIp6(nd.bytes.subarray(cp, cp + 16))}`);
      return true;
    case T_OPT:
      return printOpt(nd, cls, optFlags, cp, cp + len);
    default:
      // A6, URI, UNSPECA and TSIG have more to show in tcpdump; never sent here.
      return true;
  }
}

function printTxt(nd: Dissector, cp: number, end: number): boolean {
  while (cp < end) {
    nd.print(' "');
    if (!nd.has(cp, 1)) return false;
    const n = nd.u8(cp);
    if (printEscaped(nd, cp + 1, n)) return false;
    cp += 1 + n;
    nd.print('"');
  }
  return true;
}

// ---- EDNS(0) -------------------------------------------------------------------

const EDNS_OPTIONS = new Map([
  [1, "LLQ"], [2, "UL"], [3, "NSID"], [5, "DAU"], [6, "DHU"], [7, "N3U"], [8, "ECS"], [9, "EXPIRE"], [10, "COOKIE"],
  [11, "KEEPALIVE"], [12, "PADDING"], [13, "CHAIN"], [14, "KEY-TAG"], [16, "CLIENT-TAG"], [17, "SERVER-TAG"],
]);

function printOpt(nd: Dissector, udpSize: number, flags: number, cp: number, end: number): boolean {
  nd.print(` UDPsize=${udpSize}`);
  if (flags & 0x8000) nd.print(" DO");
  if (cp >= end) return true;
  nd.print(" [");
  while (cp < end) {
    if (!nd.has(cp, 4)) return false;
    const code = nd.u16(cp);
    const len = nd.u16(cp + 2);
    nd.print(EDNS_OPTIONS.get(code) ?? `Opt${code}`);
    cp += 4;
    if (!nd.has(cp, len)) return false;
    if (len > 0) nd.print(` ${ednsOptionText(nd, code, cp, len)}`);
    cp += len;
    if (cp < end) nd.print(",");
  }
  nd.print("]");
  return true;
}

function ednsOptionText(nd: Dissector, code: number, cp: number, len: number): string {
  const bytes = nd.bytes.subarray(cp, cp + len);
  const hexOf = (b: Uint8Array) => Array.from(b, (x) => hex(x, 2)).join("");
  switch (code) {
    case 10:
      if (len < 8 || (len > 8 && len < 16) || len > 40) return " (invalid)";
      return len > 8 ? `${hexOf(bytes.subarray(0, 8))} ${hexOf(bytes.subarray(8))}` : hexOf(bytes);
    case 11: return len === 2 ? `${(nd.u16(cp) / 10).toFixed(1)} sec` : " (invalid)";
    case 9: return len === 4 ? `${nd.u32(cp)} sec` : " (invalid)";
    case 12: return `(${len})`;
    case 14: return len % 2 ? " (invalid)" : Array.from({ length: len / 2 }, (_, i) => nd.u16(cp + 2 * i)).join(" ");
    // ECS, CHAIN and the DAU/DHU/N3U algorithm lists get decoded by tcpdump;
    // this tool never sends them, so they show as hex here.
    default: return hexOf(bytes);
  }
}

/** The OPT record's extended RCODE bits, found the way domain_print does. */
function extendedRcode(nd: Dissector, msg: number, [qd, an, ns, ar]: Counts, rcode: number): number {
  let cp: number | undefined = msg + 12;
  for (let i = 0; i < qd; i++) {
    if ((cp = skipName(nd, cp)) === undefined || (cp += 4) >= nd.snapend) return rcode;
  }
  for (let i = 0; i < an + ns; i++) {
    if ((cp = skipName(nd, cp)) === undefined || (cp += 8) + 2 > nd.snapend) return rcode;
    cp += 2 + nd.u16(cp);
    if (cp >= nd.snapend) return rcode;
  }
  for (let i = 0; i < ar; i++) {
    if ((cp = skipName(nd, cp)) === undefined || cp + 2 > nd.snapend) return rcode;
    const type = nd.u16(cp);
    cp += 4;
    if (cp + 1 > nd.snapend) return rcode;
    if (type === T_OPT) return rcode | (nd.u8(cp) << 4);
    cp += 4;
    if (cp + 2 > nd.snapend) return rcode;
    cp += 2 + nd.u16(cp);
    if (cp >= nd.snapend) return rcode;
  }
  return rcode;
}
