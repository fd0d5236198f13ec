// Rule-building vocabulary shared by the kube-proxy layouts. Each helper
// returns the canonical form iptables stores (what iptables-save prints back),
// from the arguments kube-proxy writes.
//
// Compiled rules are never mutated once built (chains are shared between
// nodes by reference), so the pieces that recur in hundreds of thousands of
// rules (-p tcp, -m tcp, a --probability) are single frozen objects.

import type { Cidr, Ip4 } from "../../model/addr.js";
import type { Match, Origin, Rule, Target } from "../../netfilter/rule.js";
import { probabilityFromText } from "../../netfilter/rule.js";

export const MASQ_MARK = 0x4000;

export function host(ip: Ip4, neg = false): { cidr: Cidr; neg: boolean } {
  return { cidr: { addr: ip, len: 32 }, neg };
}

export function net(cidr: Cidr, neg = false): { cidr: Cidr; neg: boolean } {
  return { cidr, neg };
}

export function comment(text: string): Match {
  return { m: "comment", comment: text };
}

const L4_ANY: Readonly<Record<string, Match>> = { tcp: Object.freeze({ m: "tcp" }), udp: Object.freeze({ m: "udp" }), sctp: Object.freeze({ m: "sctp" }) };

/** `-m tcp -p tcp [--dport N]` (or udp/sctp). */
export function l4(proto: string, dport?: number): Match {
  const m = proto as "tcp" | "udp" | "sctp";
  return dport === undefined ? (L4_ANY[m] ?? { m }) : { m, dport: { from: dport, to: dport, neg: false } };
}

const PROTOS: Readonly<Record<string, { name: string; neg: boolean }>> = {
  tcp: Object.freeze({ name: "tcp", neg: false }),
  udp: Object.freeze({ name: "udp", neg: false }),
  sctp: Object.freeze({ name: "sctp", neg: false }),
};

export function proto(name: string): { name: string; neg: boolean } {
  return PROTOS[name] ?? { name, neg: false };
}

const statistics = new Map<string, Match>();

export function statistic(text: string): Match {
  let m = statistics.get(text);
  if (!m) {
    m = Object.freeze({ m: "statistic", mode: "random", probability: probabilityFromText(text) }) as Match;
    statistics.set(text, m);
  }
  return m;
}

/** kube-proxy's probability text: %0.10f since 1.17 (PR #83599), %0.5f before. */
export function probabilityText(n: number, digits: number): string {
  return (1 / n).toFixed(digits);
}

export const dstLocal: Match = { m: "addrtype", dst: { types: ["LOCAL"], neg: false } };
export const srcLocal: Match = { m: "addrtype", src: { types: ["LOCAL"], neg: false } };

export function ctstate(states: string[], neg = false): Match {
  return { m: "conntrack", ctstate: { states, neg } };
}

export function mark(value: number, mask: number, neg = false): Match {
  return { m: "mark", value, mask, neg };
}

export function jumpTo(chain: string): Target {
  return chain === "KUBE-MARK-MASQ" ? JUMP_MARK_MASQ : { t: "jump", chain };
}

const JUMP_MARK_MASQ: Target = Object.freeze({ t: "jump", chain: "KUBE-MARK-MASQ" });

/** The empty match list of a rule with only a header and a target (shared, never mutated). */
export const NO_MATCHES: Match[] = Object.freeze([]) as unknown as Match[];

export function dnat(to: string): Target {
  return { t: "DNAT", to };
}

export const REJECT: Target = { t: "REJECT", with: "icmp-port-unreachable" };

export function rule(parts: Omit<Rule, "matches"> & { matches?: Match[] }, origin?: Origin): Rule {
  const r: Rule = { ...parts, matches: parts.matches ?? [] };
  if (origin) r.origin = origin;
  return r;
}
