// Evaluation of iptables matches against a packet, as the kernel's xt match
// modules decide them. A match this simulator does not implement is an
// error naming it, never a silent "matches" or "does not match".

import { contains, type Ip4 } from "../model/addr.js";
import type { IfaceMatch, Match, Rule } from "../netfilter/rule.js";
import type { Ipv4Packet } from "../packet/ipv4.js";

export type CtState = "NEW" | "ESTABLISHED" | "RELATED" | "INVALID" | "UNTRACKED";

export interface MatchContext {
  ip: Ipv4Packet;
  mark: number;
  ctstate: CtState;
  /** The connection had source / destination NAT applied (conntrack's SNAT / DNAT virtual states, original direction). */
  ctSnat: boolean;
  ctDnat: boolean;
  inDev?: string;
  outDev?: string;
  /** Bridge port the frame entered / leaves by (br_netfilter). */
  physIn?: string;
  physOut?: string;
  /** addrtype: is this address LOCAL in the namespace? */
  isLocal(ip: Ip4): boolean;
  isBroadcast(ip: Ip4): boolean;
  /** statistic --mode random: the walker decides (seeded, or enumerating every path). */
  chance(probability: number): boolean;
  /** ipset membership for `-m set`. */
  inSet(name: string, flags: ("src" | "dst")[]): boolean;
  /** `-m recent`: check/update the named list for the packet's source; returns whether it matched. */
  recent(m: Extract<Match, { m: "recent" }>): boolean;
}

export class UnsupportedRule extends Error {
  constructor(
    readonly what: string,
    readonly rule: Rule,
  ) {
    super(`the simulator does not implement ${what}`);
  }
}

const PROTO_NUMBERS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, sctp: 132, all: 0 };
const DIGITS = /^\d+$/;

function protoOf(ip: Ipv4Packet): string {
  return ip.payload.kind === "ipv4" ? "ipencap" : ip.payload.kind;
}

function ifaceMatches(m: IfaceMatch, dev: string | undefined): boolean {
  if (dev === undefined) return m.neg; // no interface at this hook: the match fails (negation holds)
  const hit = m.name.endsWith("+") ? hasPrefix(dev, m.name, m.name.length - 1) : dev === m.name;
  return hit !== m.neg;
}

/** `dev` starts with the first `n` characters of `name` (iptables' `veth+` wildcard), without slicing per packet. */
function hasPrefix(dev: string, name: string, n: number): boolean {
  if (dev.length < n) return false;
  for (let i = 0; i < n; i++) if (dev.charCodeAt(i) !== name.charCodeAt(i)) return false;
  return true;
}

/** The packet's ports, when it has them (TCP, UDP). */
function ports(ip: Ipv4Packet): { readonly sport: number; readonly dport: number } | undefined {
  const p = ip.payload;
  return p.kind === "tcp" || p.kind === "udp" ? p : undefined;
}

/** The header part of a rule: -s, -d, -i, -o, -p. */
export function headerMatches(rule: Rule, c: MatchContext): boolean {
  if (rule.src && contains(rule.src.cidr, c.ip.src) === rule.src.neg) return false;
  if (rule.dst && contains(rule.dst.cidr, c.ip.dst) === rule.dst.neg) return false;
  if (rule.inIface && !ifaceMatches(rule.inIface, c.inDev)) return false;
  if (rule.outIface && !ifaceMatches(rule.outIface, c.outDev)) return false;
  if (rule.proto && rule.proto.name !== "all") {
    const want = rule.proto.name;
    // A name (tcp, udp, …) is compared as it is; a number (-p 6) with the packet's protocol number.
    let hit: boolean;
    if (PROTO_NUMBERS[want] !== undefined) hit = want === protoOf(c.ip);
    else if (DIGITS.test(want)) hit = Number(want) === PROTO_NUMBERS[protoOf(c.ip)];
    else throw new UnsupportedRule(`protocol ${want}`, rule);
    if (hit === rule.proto.neg) return false;
  }
  return true;
}

export function matchMatches(m: Match, rule: Rule, c: MatchContext): boolean {
  switch (m.m) {
    case "comment":
      return true;
    case "tcp":
    case "udp":
    case "sctp": {
      if (protoOf(c.ip) !== m.m) return false;
      const pp = ports(c.ip)!;
      if (m.sport && (pp.sport >= m.sport.from && pp.sport <= m.sport.to) === m.sport.neg) return false;
      if (m.dport && (pp.dport >= m.dport.from && pp.dport <= m.dport.to) === m.dport.neg) return false;
      return true;
    }
    case "multiport": {
      const pp = ports(c.ip);
      if (!pp) return false;
      const hit = m.dports ? m.dports.includes(pp.dport) : m.sports ? m.sports.includes(pp.sport) : (m.ports ?? []).some((x) => x === pp.sport || x === pp.dport);
      return hit !== m.neg;
    }
    case "icmp": {
      const p = c.ip.payload;
      if (p.kind !== "icmp") return false;
      const type = p.type === "echo-request" ? "8" : p.type === "echo-reply" ? "0" : p.type === "dest-unreachable" ? "3" : "11";
      const hit = m.type === "any" || m.type.split("/")[0] === type || m.type === "echo-request" && type === "8" || m.type === "echo-reply" && type === "0";
      return hit !== m.neg;
    }
    case "mark":
      return ((c.mark & m.mask) >>> 0 === m.value) !== m.neg;
    case "addrtype":
      return addrtype(m, c);
    case "conntrack":
      return ctstateMatches(m.ctstate.states, c) !== m.ctstate.neg;
    case "state":
      return ctstateMatches(m.states, c) !== m.neg;
    case "statistic":
      return c.chance(m.probability / 2 ** 31) !== (m.neg ?? false);
    case "recent":
      return c.recent(m) !== m.neg;
    case "set":
      return c.inSet(m.name, m.flags) !== m.neg;
    case "physdev": {
      if (m.isIn && (c.physIn !== undefined) === m.isIn.neg) return false;
      if (m.isOut && (c.physOut !== undefined) === m.isOut.neg) return false;
      if (m.isBridged && (c.physIn !== undefined || c.physOut !== undefined) === m.isBridged.neg) return false;
      if (m.physIn && !ifaceMatches(m.physIn, c.physIn)) return false;
      if (m.physOut && !ifaceMatches(m.physOut, c.physOut)) return false;
      return true;
    }
  }
  throw new UnsupportedRule(`the match -m ${(m as { m: string }).m}`, rule);
}

const ADDRESS_TYPES = ["LOCAL", "UNICAST", "BROADCAST", "MULTICAST"];

/** The one type of an address this tool's namespaces can give it (the kernel's inet_addr_type for these cases). */
function addressType(ip: Ip4, c: MatchContext): string {
  if (c.isLocal(ip)) return "LOCAL";
  if (c.isBroadcast(ip)) return "BROADCAST";
  return ip >>> 28 === 0xe ? "MULTICAST" : "UNICAST";
}

function addrtype(m: Extract<Match, { m: "addrtype" }>, c: MatchContext): boolean {
  for (let side = 0; side < 2; side++) {
    const which = side === 0 ? m.src : m.dst;
    if (!which) continue;
    for (const t of which.types) if (!ADDRESS_TYPES.includes(t)) throw new UnsupportedRule(`addrtype ${t}`, { matches: [m] });
    const hit = which.types.includes(addressType(side === 0 ? c.ip.src : c.ip.dst, c));
    if (hit === which.neg) return false;
  }
  return true;
}

function ctstateMatches(states: string[], c: MatchContext): boolean {
  for (const s of states) if (s === "SNAT" ? c.ctSnat : s === "DNAT" ? c.ctDnat : s === c.ctstate) return true;
  return false;
}
