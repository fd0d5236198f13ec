// DNS messages (RFC 1035): type, encode (with name compression), decode.
// The printer is in dns-print.ts (tcpdump's print-domain.c).
//
//   DnsMessage { kind: "dns", id, flags: DnsFlags, questions,
//                answers?, authority?, additional? }
//   DnsQuestion { name, type, class? }        name: "a.b.c" (trailing dot optional)
//   DnsRecord   { name, ttl, class?, data }   data: A | AAAA | CNAME | PTR | NS | MX
//                                                   | SOA | SRV | TXT | OPT | raw
//
// Compression works like miekg/dns (CoreDNS) and BIND: every name in the
// question, owner names, and the names inside NS, CNAME, PTR, MX and SOA data
// point at the longest suffix already written (case-insensitively); SRV
// targets are written in full (RFC 2782). Counts are derived.

import type { Ip4 } from "../model/addr.js";
import { formatIp6, parseIp6 } from "./ipv6-text.js";

export type DnsTypeName = "A" | "NS" | "CNAME" | "SOA" | "PTR" | "MX" | "TXT" | "AAAA" | "SRV" | "OPT" | "ANY";
export const DNS_TYPES: Readonly<Record<DnsTypeName, number>> = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, ANY: 255,
};
export const RCODE = { noError: 0, formErr: 1, servFail: 2, nxDomain: 3, notImp: 4, refused: 5 } as const;

export interface DnsFlags {
  readonly qr?: boolean;
  readonly opcode?: number;
  readonly aa?: boolean;
  readonly tc?: boolean;
  readonly rd?: boolean;
  readonly ra?: boolean;
  readonly ad?: boolean;
  readonly cd?: boolean;
  readonly rcode?: number;
}

export interface DnsQuestion {
  readonly name: string;
  readonly type: DnsTypeName | number;
  readonly class?: number;
}

export type DnsRecordData =
  | { readonly type: "A"; readonly address: Ip4 }
  | { readonly type: "AAAA"; readonly address: string }
  | { readonly type: "CNAME" | "PTR" | "NS"; readonly target: string }
  | { readonly type: "MX"; readonly preference: number; readonly exchange: string }
  | { readonly type: "SOA"; readonly mname: string; readonly rname: string; readonly serial: number;
      readonly refresh: number; readonly retry: number; readonly expire: number; readonly minimum: number }
  | { readonly type: "SRV"; readonly priority: number; readonly weight: number; readonly port: number; readonly target: string }
  | { readonly type: "TXT"; readonly strings: readonly string[] }
  /** EDNS(0): the record's class is the UDP size, its ttl the extended-rcode/version/DO word. */
  | { readonly type: "OPT"; readonly options?: Uint8Array }
  | { readonly type: number; readonly rdata: Uint8Array };

export interface DnsRecord {
  readonly name: string;
  readonly ttl: number;
  readonly class?: number;
  readonly data: DnsRecordData;
}

export interface DnsMessage {
  readonly kind: "dns";
  readonly id: number;
  readonly flags: DnsFlags;
  readonly questions: readonly DnsQuestion[];
  readonly answers?: readonly DnsRecord[];
  readonly authority?: readonly DnsRecord[];
  readonly additional?: readonly DnsRecord[];
}

/** An EDNS(0) OPT pseudo-record (RFC 6891) for the additional section. */
export function ednsOpt(udpSize: number, dnssecOk = false, options?: Uint8Array): DnsRecord {
  return { name: "", class: udpSize, ttl: dnssecOk ? 0x8000 : 0, data: { type: "OPT", ...(options ? { options } : {}) } };
}

function typeNumber(type: DnsTypeName | number): number {
  return typeof type === "number" ? type : DNS_TYPES[type];
}

function labelsOf(name: string): string[] {
  const trimmed = name.endsWith(".") ? name.slice(0, -1) : name;
  return trimmed === "" ? [] : trimmed.split(".");
}

// ---- encoding ------------------------------------------------------------------

class Writer {
  readonly bytes: number[] = [];
  private readonly suffixes = new Map<string, number>();

  u8(v: number): void { this.bytes.push(v & 0xff); }
  u16(v: number): void { this.bytes.push((v >> 8) & 0xff, v & 0xff); }
  u32(v: number): void { this.u16(v >>> 16); this.u16(v & 0xffff); }
  raw(b: Uint8Array): void { for (const x of b) this.bytes.push(x); }

  name(name: string, compress: boolean): void {
    const labels = labelsOf(name);
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join(".").toLowerCase();
      const at = this.suffixes.get(suffix);
      if (compress && at !== undefined) return this.u16(0xc000 | at);
      if (compress && this.bytes.length <= 0x3fff) this.suffixes.set(suffix, this.bytes.length);
      const label = new TextEncoder().encode(labels[i]);
      this.u8(label.length);
      this.raw(label);
    }
    this.u8(0);
  }
}

export function encodeDns(msg: DnsMessage): Uint8Array {
  const w = new Writer();
  const f = msg.flags;
  const bit = (on: boolean | undefined, mask: number) => (on ? mask : 0);
  w.u16(msg.id);
  w.u16(bit(f.qr, 0x8000) | ((f.opcode ?? 0) & 0xf) << 11 | bit(f.aa, 0x400) | bit(f.tc, 0x200) | bit(f.rd, 0x100)
    | bit(f.ra, 0x80) | bit(f.ad, 0x20) | bit(f.cd, 0x10) | ((f.rcode ?? 0) & 0xf));
  const sections = [msg.answers ?? [], msg.authority ?? [], msg.additional ?? []];
  w.u16(msg.questions.length);
  sections.forEach((s) => w.u16(s.length));
  for (const q of msg.questions) {
    w.name(q.name, true);
    w.u16(typeNumber(q.type));
    w.u16(q.class ?? 1);
  }
  for (const record of sections.flat()) writeRecord(w, record);
  return Uint8Array.from(w.bytes);
}

function writeRecord(w: Writer, r: DnsRecord): void {
  const d = r.data;
  w.name(r.name, true);
  w.u16(typeof d.type === "number" ? d.type : DNS_TYPES[d.type]);
  w.u16(r.class ?? 1);
  w.u32(r.ttl >>> 0);
  const lengthAt = w.bytes.length;
  w.u16(0);
  writeRdata(w, d);
  const rdlength = w.bytes.length - lengthAt - 2;
  w.bytes[lengthAt] = rdlength >> 8;
  w.bytes[lengthAt + 1] = rdlength & 0xff;
}

function writeRdata(w: Writer, d: DnsRecordData): void {
  if (typeof d.type === "number") return w.raw((d as { rdata: Uint8Array }).rdata);
  switch (d.type) {
    case "A": return w.u32(d.address);
    case "AAAA": {
      const bytes = parseIp6(d.address);
      if (!bytes) throw new Error(`not an IPv6 address: ${d.address}`);
      return w.raw(bytes);
    }
    case "CNAME": case "PTR": case "NS": return w.name(d.target, true);
    case "MX": w.u16(d.preference); return w.name(d.exchange, true);
    case "SOA":
      w.name(d.mname, true);
      w.name(d.rname, true);
      return [d.serial, d.refresh, d.retry, d.expire, d.minimum].forEach((v) => w.u32(v >>> 0));
    case "SRV": w.u16(d.priority); w.u16(d.weight); w.u16(d.port); return w.name(d.target, false);
    case "TXT":
      for (const s of d.strings) {
        const b = new TextEncoder().encode(s);
        w.u8(b.length);
        w.raw(b);
      }
      return;
    case "OPT": return d.options ? w.raw(d.options) : undefined;
  }
}

// ---- decoding ------------------------------------------------------------------

class Reader {
  constructor(readonly b: Uint8Array, public at = 0) {}
  u8(): number { if (this.at + 1 > this.b.length) throw new RangeError(); return this.b[this.at++]!; }
  u16(): number { return (this.u8() << 8) | this.u8(); }
  u32(): number { return ((this.u16() << 16) | this.u16()) >>> 0; }
  take(n: number): Uint8Array {
    if (this.at + n > this.b.length) throw new RangeError();
    return this.b.subarray(this.at, (this.at += n));
  }

  /** A possibly compressed name; pointers must go backwards (as BIND requires). */
  name(): string {
    const labels: string[] = [];
    let at = this.at;
    let limit = at;
    let jumped = false;
    for (;;) {
      const len = this.b[at];
      if (len === undefined) throw new RangeError();
      if ((len & 0xc0) === 0xc0) {
        const target = ((len & 0x3f) << 8) | (this.b[at + 1] ?? 0xff);
        if (!jumped) this.at = at + 2;
        if (target >= limit) throw new RangeError();
        jumped = true;
        at = limit = target;
      } else if (len & 0xc0) {
        throw new RangeError();
      } else if (len === 0) {
        if (!jumped) this.at = at + 1;
        return labels.join(".");
      } else {
        labels.push(new TextDecoder("latin1").decode(this.b.subarray(at + 1, at + 1 + len)));
        at += 1 + len;
      }
    }
  }
}

/** Parses a DNS message; undefined when it is malformed. */
export function decodeDns(bytes: Uint8Array): DnsMessage | undefined {
  try {
    const r = new Reader(bytes);
    const id = r.u16();
    const f = r.u16();
    const counts = [r.u16(), r.u16(), r.u16(), r.u16()];
    const questions: DnsQuestion[] = [];
    for (let i = 0; i < counts[0]!; i++) questions.push({ name: r.name(), ...typeAndClass(r.u16(), r.u16()) });
    const [answers, authority, additional] = counts.slice(1).map((n) => Array.from({ length: n }, () => readRecord(r)));
    if (r.at !== bytes.length) return undefined;
    const flags: DnsFlags = {
      qr: !!(f & 0x8000), opcode: (f >> 11) & 0xf, aa: !!(f & 0x400), tc: !!(f & 0x200), rd: !!(f & 0x100),
      ra: !!(f & 0x80), ad: !!(f & 0x20), cd: !!(f & 0x10), rcode: f & 0xf,
    };
    return { kind: "dns", id, flags, questions, answers: answers!, authority: authority!, additional: additional! };
  } catch (e) {
    if (e instanceof RangeError) return undefined;
    throw e;
  }
}

function typeAndClass(type: number, cls: number): { type: DnsTypeName | number; class?: number } {
  const name = (Object.keys(DNS_TYPES) as DnsTypeName[]).find((k) => DNS_TYPES[k] === type);
  return { type: name ?? type, ...(cls !== 1 ? { class: cls } : {}) };
}

function readRecord(r: Reader): DnsRecord {
  const name = r.name();
  const type = r.u16();
  const cls = r.u16();
  const ttl = r.u32();
  const rdlength = r.u16();
  const end = r.at + rdlength;
  const data = readRdata(r, type, rdlength);
  if (r.at !== end) throw new RangeError();
  return { name, ttl, ...(cls !== 1 ? { class: cls } : {}), data };
}

function readRdata(r: Reader, type: number, rdlength: number): DnsRecordData {
  switch (type) {
    case 1: if (rdlength !== 4) break; return { type: "A", address: r.u32() };
    case 28: if (rdlength !== 16) break; return { type: "AAAA", address: formatIp6(r.take(16)) };
    case 2: return { type: "NS", target: r.name() };
    case 5: return { type: "CNAME", target: r.name() };
    case 12: return { type: "PTR", target: r.name() };
    case 15: return { type: "MX", preference: r.u16(), exchange: r.name() };
    case 6:
      return { type: "SOA", mname: r.name(), rname: r.name(), serial: r.u32(), refresh: r.u32(), retry: r.u32(), expire: r.u32(), minimum: r.u32() };
    case 33: return { type: "SRV", priority: r.u16(), weight: r.u16(), port: r.u16(), target: r.name() };
    case 16: {
      const strings: string[] = [];
      const end = r.at + rdlength;
      while (r.at < end) strings.push(new TextDecoder("latin1").decode(r.take(r.u8())));
      return { type: "TXT", strings };
    }
    case 41: return rdlength ? { type: "OPT", options: r.take(rdlength).slice() } : { type: "OPT" };
  }
  return { type, rdata: r.take(rdlength).slice() };
}
