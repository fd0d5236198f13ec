// The grammar's "id" actions: turn a number, dotted address, name or MAC into
// tests according to the qualifiers in force (gencode.c gen_ncode, gen_mcode,
// gen_scode, gen_ecode). Most of libpcap's surprises live here: `net 10` is
// 10.0.0.0/8 but `net 10.0.0.0` is a /32, `host 10.1` quietly means 10.1/16,
// `port http` checks TCP only because /etc/services lists http as tcp only.

import { ALL_BITS, type Prog } from "./filter-prog.js";
import { invalid, qualifierSyntaxError, unsupported } from "./filter-error.js";
import {
  genEhostop, genHost, genPort, genProto, type Dir, type GenCtx, type PortProto,
} from "./filter-gen.js";
import { lookupEtherProto, lookupIpProto, lookupNetwork, lookupService } from "./filter-names.js";

export type AddrQual = "default" | "host" | "net" | "port" | "portrange" | "gateway" | "proto" | "protochain" | "undef";

/** libpcap's `struct qual`; "undef" everywhere is grammar.y's qerr (after `tcp`, `less 10`, ...). */
export interface Qual {
  proto: string;
  dir: Dir;
  addr: AddrQual;
}

export const QERR: Qual = { proto: "undef", dir: "undef", addr: "undef" };

export interface AddrCtx extends GenCtx {
  resolveHost?: (name: string) => number | undefined;
}

/** __pcap_atoin(): 1 to 4 decimal parts; returns the value and its width in bits. */
export function atoin(s: string): { v: number; bits: number } | undefined {
  let v = 0;
  let bits = 0;
  for (const part of s.split(".")) {
    let n = 0;
    for (const ch of part) {
      if (n > 25) return undefined; // the part will exceed 255
      n = n * 10 + (ch.charCodeAt(0) - 48);
    }
    if (n > 255) return undefined;
    v = ((v << 8) | n) >>> 0;
    bits += 8;
  }
  return { v, bits };
}

const shl = (v: number, n: number) => (n >= 32 ? 0 : (v << n) >>> 0);

function portProto(q: Qual, keyword: "port" | "portrange"): PortProto {
  switch (q.proto) {
    case "udp": return 17;
    case "tcp": return 6;
    case "sctp": return 132;
    case "default": return "undef";
    default: throw invalid(`illegal qualifier of '${keyword}'`);
  }
}

/** gen_ncode(): a NUM (`s` null) or a dotted HID under the qualifiers `q`. */
export function genNcode(c: AddrCtx, s: string | null, num: number, q: Qual): Prog {
  let v = num >>> 0;
  let bits = 32;
  if (s !== null) {
    const parsed = atoin(s);
    if (!parsed) throw invalid(`invalid IPv4 address '${s}'`);
    ({ v, bits } = parsed);
  }
  switch (q.addr) {
    case "default": case "host": case "net": {
      if (q.proto === "link") throw invalid("illegal link layer address");
      let mask = ALL_BITS;
      if (s === null && q.addr === "net") {
        // "Promote short net number": `net 10` is 10.0.0.0/8, `net 172` is 172.0.0.0/8.
        while (v !== 0 && (v & 0xff000000) === 0) [v, mask] = [shl(v, 8), shl(mask, 8)];
      } else {
        // "Promote short ipaddr": `host 10.1` becomes 10.1.0.0 with mask 255.255.0.0.
        [v, mask] = [shl(v, 32 - bits), shl(mask, 32 - bits)];
      }
      return genHost(c, v, mask, q.proto, q.dir, q.addr);
    }
    case "port": case "portrange": {
      const proto = portProto(q, q.addr);
      if (v > 65535) throw invalid(`illegal port number ${v} > 65535`);
      return genPort(c, proto, q.dir, v, q.addr === "portrange" ? v : undefined);
    }
    case "gateway": throw invalid("'gateway' requires a name");
    case "proto": return genProto(c, v, q.proto, q.dir);
    case "protochain": throw unsupported("protochain");
    case "undef": throw qualifierSyntaxError();
  }
}

/** gen_mcode(): `net A/len` and `net A mask M`, refusing host bits like libpcap. */
export function genMcode(c: AddrCtx, s1: string, s2: string | null, masklen: number, q: Qual): Prog {
  const net = atoin(s1);
  if (!net) throw invalid(`invalid IPv4 address '${s1}'`);
  const n = shl(net.v, 32 - net.bits);
  let m: number;
  if (s2 !== null) {
    const mk = atoin(s2);
    if (!mk) throw invalid(`invalid IPv4 address '${s2}'`);
    m = shl(mk.v, 32 - mk.bits);
    if ((n & ~m) !== 0) throw invalid(`non-network bits set in "${s1} mask ${s2}"`);
  } else {
    if (masklen > 32) throw invalid("mask length must be <= 32");
    m = masklen === 0 ? 0 : shl(ALL_BITS, 32 - masklen);
    if ((n & ~m) !== 0) throw invalid(`non-network bits set in "${s1}/${masklen}"`);
  }
  if (q.addr !== "net") throw invalid("Mask syntax for networks only");
  return genHost(c, n, m, q.proto, q.dir, "net");
}

/** pcap_ether_aton(): 1-2 hex digits per byte, optional `:`/`.`/`-` separators. */
function etherAton(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length && out.length < 6; ) {
    if (":.-".includes(s[i]!)) i++;
    let d = parseInt(s[i++]!, 16);
    if (i < s.length && /[0-9a-fA-F]/.test(s[i]!)) d = (d << 4) | parseInt(s[i++]!, 16);
    out.push(d);
  }
  return Uint8Array.from(out);
}

/** gen_ecode(): a MAC address is only meaningful as `ether host`/`ether src`/`ether dst`. */
export function genEcode(c: AddrCtx, s: string, q: Qual): Prog {
  if ((q.addr === "host" || q.addr === "default") && q.proto === "link") return genEhostop(c, etherAton(s), q.dir);
  throw invalid("ethernet address used in non-ether expression");
}

/** gen_scode(): a name (host, network, service, protocol) under the qualifiers `q`. */
export function genScode(c: AddrCtx, name: string, q: Qual): Prog {
  switch (q.addr) {
    case "net": {
      let addr = lookupNetwork(name) ?? 0;
      if (addr === 0) throw invalid(`unknown network '${name}'`);
      let mask = ALL_BITS;
      while (addr !== 0 && (addr & 0xff000000) === 0) [addr, mask] = [shl(addr, 8), shl(mask, 8)];
      return genHost(c, addr, mask, q.proto, q.dir, "net");
    }
    case "default": case "host": return hostByName(c, name, q);
    case "port": return portByName(c, name, q);
    case "portrange": return portRangeByName(c, name, q);
    case "gateway": throw invalid("'gateway' not supported in this configuration");
    case "proto": return genProto(c, protoByName(name, q.proto), q.proto, q.dir);
    case "protochain": throw unsupported("protochain");
    case "undef": throw qualifierSyntaxError();
  }
}

function hostByName(c: AddrCtx, name: string, q: Qual): Prog {
  if (q.proto === "link") {
    // No /etc/ethers in a simulation: every ether host name is unknown.
    if (c.link === "EN10MB") throw invalid(`unknown ether host '${name}'`);
    throw invalid("only ethernet/FDDI/token ring/802.11/ATM LANE/Fibre Channel supports link-level host name");
  }
  const addr = c.resolveHost?.(name);
  if (addr === undefined) throw invalid(`unknown host '${name}'`);
  // Without a link-layer type field (DLT_RAW) a name means IPv4 only; an IPv4
  // answer is skipped for `ip6 host NAME`, leaving no address of that family.
  const proto = c.link === "RAW" && q.proto === "default" ? "ip" : q.proto;
  if (proto === "ip6") throw invalid(`unknown host '${name}' for specified address family`);
  return genHost(c, addr >>> 0, ALL_BITS, proto, q.dir, q.addr);
}

/** gen_scode's check that a named service fits `tcp`/`udp`/`sctp port`, then the protocol to test. */
function narrow(found: "tcp" | "udp" | "any", q: Qual, kind: string, shown: string): PortProto {
  const wanted = q.proto;
  if (wanted === "default") return found === "tcp" ? 6 : found === "udp" ? 17 : "undef";
  if (found !== "any" && found !== wanted) throw invalid(`${kind} '${shown}' is ${found}`);
  return wanted === "tcp" ? 6 : wanted === "udp" ? 17 : 132;
}

function portByName(c: AddrCtx, name: string, q: Qual): Prog {
  portProto(q, "port");
  const svc = lookupService(name);
  if (!svc) throw invalid(`unknown port '${name}'`);
  return genPort(c, narrow(svc.proto, q, "port", name), q.dir, svc.port);
}

/** pcap_nametoportrange(): `A-B` by sscanf("%d-%d"), else two service names around the first `-`. */
function portRangeByName(c: AddrCtx, name: string, q: Qual): Prog {
  portProto(q, "portrange");
  let lo: number;
  let hi: number;
  let found: "tcp" | "udp" | "any" = "any";
  const m = /^([+-]?[0-9]+)-([+-]?[0-9]+)/.exec(name);
  if (m) {
    [lo, hi] = [Number(m[1]), Number(m[2])];
  } else {
    const dash = name.indexOf("-");
    const a = dash < 0 ? undefined : lookupService(name.slice(0, dash));
    const b = dash < 0 ? undefined : lookupService(name.slice(dash + 1));
    if (!a || !b) throw invalid(`unknown port in range '${name}'`);
    [lo, hi, found] = [a.port, b.port, a.proto === b.proto ? a.proto : "any"];
  }
  const proto = narrow(found, q, "port in range", name);
  for (const p of [lo, hi]) {
    if (p < 0) throw invalid(`illegal port number ${p} < 0`);
    if (p > 65535) throw invalid(`illegal port number ${p} > 65535`);
  }
  return genPort(c, proto, q.dir, lo, hi);
}

/** lookup_proto(): /etc/protocols for IP qualifiers, libpcap's ethertype names for `ether proto`. */
function protoByName(name: string, proto: string): number {
  if (proto === "default" || proto === "ip" || proto === "ip6") {
    const v = lookupIpProto(name);
    if (v === undefined) throw invalid(`unknown ip proto '${name}'`);
    return v;
  }
  if (proto === "link") {
    const v = lookupEtherProto(name);
    if (v === undefined) throw invalid(`unknown ether proto '${name}'`);
    return v;
  }
  throw invalid(`unknown protocol: ${name}`);
}
