// Evaluation of iptables matches against a packet, as the kernel's xt match
// modules decide them. A match this simulator does not implement is an
// error naming it, never a silent "matches" or "does not match".

import { type Ip4, maskOf, networkOf } from "../model/addr.js";
import type { AddrMatch, IfaceMatch, Match, PortMatch, Rule } from "../netfilter/rule.js";
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

/** One condition of a rule, decided for the packet in `c`. */
export type Test = (c: MatchContext) => boolean;

/**
 * A rule's conditions as the kernel checks them, in its order: -s, -d, -i,
 * -o, -p (ip_packet_match), then each match as written (xt matches), the
 * first that fails ending the rule. Comments always match and are left out.
 *
 * Made once per rule: the rules are data of many shapes (optional fields,
 * a dozen kinds of match), and reading them packet after packet made every
 * field access in the walk megamorphic. A condition this simulator does not
 * implement becomes a test that throws, so it is an error exactly when a
 * packet reaches it, as before.
 */
export function ruleTests(rule: Rule): Test[] {
  const tests: Test[] = [];
  if (rule.src) tests.push(addrTest(rule.src, "src"));
  if (rule.dst) tests.push(addrTest(rule.dst, "dst"));
  if (rule.inIface) tests.push(ifaceTest(rule.inIface, "inDev"));
  if (rule.outIface) tests.push(ifaceTest(rule.outIface, "outDev"));
  if (rule.proto && rule.proto.name !== "all") tests.push(protoTest(rule.proto.name, rule.proto.neg, rule));
  for (const m of rule.matches) if (m.m !== "comment") tests.push(matchTest(m, rule));
  return tests;
}

function addrTest(a: AddrMatch, side: "src" | "dst"): Test {
  const mask = maskOf(a.cidr.len);
  const net = networkOf(a.cidr);
  const neg = a.neg;
  return side === "src" ? (c) => (((c.ip.src & mask) >>> 0 === net) !== neg) : (c) => (((c.ip.dst & mask) >>> 0 === net) !== neg);
}

/** -i / -o: with no interface at this hook the match fails (its negation holds). */
function ifaceTest(m: IfaceMatch, which: "inDev" | "outDev" | "physIn" | "physOut"): Test {
  const hit = ifaceHit(m);
  const neg = m.neg;
  switch (which) {
    case "inDev":
      return (c) => (c.inDev === undefined ? neg : hit(c.inDev) !== neg);
    case "outDev":
      return (c) => (c.outDev === undefined ? neg : hit(c.outDev) !== neg);
    case "physIn":
      return (c) => (c.physIn === undefined ? neg : hit(c.physIn) !== neg);
    case "physOut":
      return (c) => (c.physOut === undefined ? neg : hit(c.physOut) !== neg);
  }
}

/** The name, or with a trailing `+` every name it begins (iptables' `veth+` wildcard), compared without slicing per packet. */
function ifaceHit(m: IfaceMatch): (dev: string) => boolean {
  const name = m.name;
  if (!name.endsWith("+")) return (dev) => dev === name;
  const n = name.length - 1;
  return (dev) => {
    if (dev.length < n) return false;
    for (let i = 0; i < n; i++) if (dev.charCodeAt(i) !== name.charCodeAt(i)) return false;
    return true;
  };
}

/** -p: a name (tcp, udp, …) is compared as it is; a number (-p 6) with the packet's protocol number. */
function protoTest(want: string, neg: boolean, rule: Rule): Test {
  if (PROTO_NUMBERS[want] !== undefined) return (c) => (want === protoOf(c.ip)) !== neg;
  if (DIGITS.test(want)) {
    const number = Number(want);
    return (c) => (number === PROTO_NUMBERS[protoOf(c.ip)]) !== neg;
  }
  return unsupported(`protocol ${want}`, rule);
}

function unsupported(what: string, rule: Rule): Test {
  return () => {
    throw new UnsupportedRule(what, rule);
  };
}

function portTest(range: PortMatch | undefined): (port: number) => boolean {
  if (!range) return () => true;
  const { from, to, neg } = range;
  return (port) => (port >= from && port <= to) !== neg;
}

function matchTest(m: Match, rule: Rule): Test {
  switch (m.m) {
    case "comment":
      return () => true;
    case "tcp":
    case "udp":
    case "sctp": {
      const proto = m.m;
      const sport = portTest(m.sport);
      const dport = portTest(m.dport);
      return (c) => {
        const p = c.ip.payload;
        // sctp packets are never simulated: the protocol test fails first.
        return p.kind === proto && (p.kind === "tcp" || p.kind === "udp") && sport(p.sport) && dport(p.dport);
      };
    }
    case "multiport": {
      const { dports, sports, ports, neg } = m;
      return (c) => {
        const p = c.ip.payload;
        if (p.kind !== "tcp" && p.kind !== "udp") return false;
        const hit = dports ? dports.includes(p.dport) : sports ? sports.includes(p.sport) : (ports ?? []).some((x) => x === p.sport || x === p.dport);
        return hit !== neg;
      };
    }
    case "icmp": {
      const { type: want, neg } = m;
      return (c) => {
        const p = c.ip.payload;
        if (p.kind !== "icmp") return false;
        const type = p.type === "echo-request" ? "8" : p.type === "echo-reply" ? "0" : p.type === "dest-unreachable" ? "3" : "11";
        const hit = want === "any" || want.split("/")[0] === type || (want === "echo-request" && type === "8") || (want === "echo-reply" && type === "0");
        return hit !== neg;
      };
    }
    case "mark": {
      const { value, mask, neg } = m;
      return (c) => ((c.mark & mask) >>> 0 === value) !== neg;
    }
    case "addrtype":
      return addrtypeTest(m);
    case "conntrack": {
      const { states, neg } = m.ctstate;
      return (c) => ctstateMatches(states, c) !== neg;
    }
    case "state": {
      const { states, neg } = m;
      return (c) => ctstateMatches(states, c) !== neg;
    }
    case "statistic": {
      const probability = m.probability / 2 ** 31;
      const neg = m.neg ?? false;
      return (c) => c.chance(probability) !== neg;
    }
    case "recent":
      return (c) => c.recent(m) !== m.neg;
    case "set": {
      const { name, flags, neg } = m;
      return (c) => c.inSet(name, flags) !== neg;
    }
    case "physdev":
      return physdevTest(m);
  }
  return unsupported(`the match -m ${(m as { m: string }).m}`, rule);
}

function physdevTest(m: Extract<Match, { m: "physdev" }>): Test {
  const tests: Test[] = [];
  const { isIn, isOut, isBridged } = m;
  if (isIn) tests.push((c) => (c.physIn !== undefined) !== isIn.neg);
  if (isOut) tests.push((c) => (c.physOut !== undefined) !== isOut.neg);
  if (isBridged) tests.push((c) => (c.physIn !== undefined || c.physOut !== undefined) !== isBridged.neg);
  if (m.physIn) tests.push(ifaceTest(m.physIn, "physIn"));
  if (m.physOut) tests.push(ifaceTest(m.physOut, "physOut"));
  return (c) => {
    for (let i = 0; i < tests.length; i++) if (!tests[i]!(c)) return false;
    return true;
  };
}

const ADDRESS_TYPES = ["LOCAL", "UNICAST", "BROADCAST", "MULTICAST"];

/** The one type of an address this tool's namespaces can give it (the kernel's inet_addr_type for these cases). */
function addressType(ip: Ip4, c: MatchContext): string {
  if (c.isLocal(ip)) return "LOCAL";
  if (c.isBroadcast(ip)) return "BROADCAST";
  return ip >>> 28 === 0xe ? "MULTICAST" : "UNICAST";
}

/** `-m addrtype`: a type this simulator does not know is an error when a packet reaches the match. */
function addrtypeTest(m: Extract<Match, { m: "addrtype" }>): Test {
  const sides = [m.src, m.dst];
  return (c) => {
    for (let side = 0; side < 2; side++) {
      const which = sides[side];
      if (!which) continue;
      for (const t of which.types) if (!ADDRESS_TYPES.includes(t)) throw new UnsupportedRule(`addrtype ${t}`, { matches: [m] });
      const hit = which.types.includes(addressType(side === 0 ? c.ip.src : c.ip.dst, c));
      if (hit === which.neg) return false;
    }
    return true;
  };
}

function ctstateMatches(states: string[], c: MatchContext): boolean {
  for (const s of states) if (s === "SNAT" ? c.ctSnat : s === "DNAT" ? c.ctDnat : s === c.ctstate) return true;
  return false;
}
