// The netfilter vocabulary: tables, chains, rules, matches and targets, in the
// canonical form the kernel stores and `iptables-save` prints back. The
// compiler builds these directly; the parser reads them from restore text.

import type { Cidr } from "../model/addr.js";

export type TableName = "raw" | "mangle" | "nat" | "filter";

export const BUILTIN_CHAINS: Record<TableName, readonly string[]> = {
  raw: ["PREROUTING", "OUTPUT"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  filter: ["INPUT", "FORWARD", "OUTPUT"],
};

/** Which object made a rule exist, so a trace can say why a rule acted. */
export interface Origin {
  /** Program that writes the rule on a real node. */
  by: "kube-proxy" | "kubelet" | "flanneld" | "docker" | "cni" | "user";
  /** The Kubernetes or config object behind it, e.g. `Service kube-system/kube-dns port dns`. */
  object?: string;
  /** Path into the cluster description, for file:line:col. */
  at?: readonly (string | number)[];
}

export interface AddrMatch {
  cidr: Cidr;
  neg: boolean;
}

export interface IfaceMatch {
  /** May end in `+` (prefix wildcard). */
  name: string;
  neg: boolean;
}

export interface ProtoMatch {
  name: string; // tcp, udp, icmp, sctp, all
  neg: boolean;
}

export interface PortMatch {
  from: number;
  to: number; // == from for a single port
  neg: boolean;
}

export type Match =
  | { m: "comment"; comment: string }
  | { m: "tcp" | "udp" | "sctp"; sport?: PortMatch; dport?: PortMatch }
  /**
   * `type` in iptables-save form: `8`, `3/3` or `any`. Names such as `echo-request` are accepted
   * by the printers too (libipt_icmp stores numbers, so they print as numbers).
   */
  | { m: "icmp"; type: string; neg: boolean }
  /** Exactly one of dports/sports/ports (`--ports` = either side), as libxt_multiport allows. */
  | { m: "multiport"; dports?: number[]; sports?: number[]; ports?: number[]; neg: boolean }
  | { m: "mark"; value: number; mask: number; neg: boolean }
  | {
      m: "addrtype";
      src?: { types: string[]; neg: boolean };
      dst?: { types: string[]; neg: boolean };
      limitIfaceIn?: boolean;
      limitIfaceOut?: boolean;
    }
  | { m: "conntrack"; ctstate: { states: string[]; neg: boolean } }
  | { m: "state"; states: string[]; neg: boolean }
  /** Stored as the kernel stores it: round(p * 2^31). */
  | { m: "statistic"; mode: "random"; probability: number; neg?: boolean }
  | {
      m: "recent";
      op: "set" | "rcheck" | "update" | "remove";
      name: string;
      seconds?: number;
      reap: boolean;
      hitcount?: number;
      rttl?: boolean;
      mask: string;
      side: "rsource" | "rdest";
      neg: boolean;
    }
  | { m: "set"; name: string; flags: ("src" | "dst")[]; neg: boolean }
  | {
      m: "physdev";
      isIn?: { neg: boolean };
      isOut?: { neg: boolean };
      isBridged?: { neg: boolean };
      /** `--physdev-in NAME` / `--physdev-out NAME` (bridge port names, `+` wildcard allowed). */
      physIn?: IfaceMatch;
      physOut?: IfaceMatch;
    };

export type Target =
  | { t: "jump"; chain: string }
  | { t: "goto"; chain: string }
  | { t: "ACCEPT" }
  | { t: "DROP" }
  | { t: "RETURN" }
  | { t: "REJECT"; with: string }
  /** `to` in iptables-save form: `ip[-ip][:port[-port]]`. */
  | { t: "DNAT"; to: string; random?: boolean; persistent?: boolean }
  | { t: "SNAT"; to: string; randomFully: boolean; random?: boolean; persistent?: boolean }
  | { t: "MASQUERADE"; randomFully: boolean; toPorts?: string; random?: boolean }
  /** No `toPorts`: redirect to the packet's own destination port. */
  | { t: "REDIRECT"; toPorts?: string; random?: boolean }
  /** Canonical MARK form: --set-xmark value/mask. */
  | { t: "MARK"; value: number; mask: number }
  /** `level` is the syslog level, 4 (warning) when absent, as libxt_LOG defaults. */
  | { t: "LOG"; prefix?: string; level?: number };

export interface Rule {
  src?: AddrMatch;
  dst?: AddrMatch;
  inIface?: IfaceMatch;
  outIface?: IfaceMatch;
  proto?: ProtoMatch;
  matches: Match[];
  /** Absent for a rule with no target (it only counts, as kube-proxy's KUBE-FW comment rule). */
  target?: Target;
  origin?: Origin;
}

export interface Chain {
  name: string;
  /** Only builtin chains have a policy. */
  policy?: "ACCEPT" | "DROP";
  rules: Rule[];
}

export interface Table {
  name: TableName;
  /** Builtins first in kernel order, then user chains (any order; printers sort). */
  chains: Map<string, Chain>;
}

export type Tables = Map<TableName, Table>;

export function isBuiltin(table: TableName, chain: string): boolean {
  return BUILTIN_CHAINS[table].includes(chain);
}

/** A table with its builtin chains (policy ACCEPT) and nothing else. */
export function emptyTable(name: TableName): Table {
  const chains = new Map<string, Chain>();
  for (const c of BUILTIN_CHAINS[name]) chains.set(c, { name: c, policy: "ACCEPT", rules: [] });
  return { name, chains };
}

/** Probability as the kernel stores it, from the text a program wrote (`0.3333333333`). */
export function probabilityFromText(text: string): number {
  return Math.round(Number(text) * 2 ** 31);
}

/**
 * `iptables-save` prints the stored value as printf("%.11f", value / 2^31) (libxt_statistic).
 * glibc rounds the exact binary value half-to-even; `toFixed` rounds ties up, which differs
 * for the 2^12 stored values that are odd multiples of 2^19 (e.g. 1/4096 -> 0.00024414062).
 * So this works in integers: value * 10^11 / 2^31 = value * 5^11 / 2^20.
 */
export function formatProbability(stored: number): string {
  const FIVE11 = 48828125; // 5^11
  const hi = Math.floor(stored / 2 ** 20);
  const lo = stored - hi * 2 ** 20;
  const loScaled = lo * FIVE11; // < 2^20 * 5^11 < 2^53: exact
  let q = hi * FIVE11 + Math.floor(loScaled / 2 ** 20);
  const rem = loScaled % 2 ** 20;
  if (rem > 2 ** 19 || (rem === 2 ** 19 && q % 2 === 1)) q += 1;
  const whole = Math.floor(q / 1e11);
  return `${whole}.${String(q - whole * 1e11).padStart(11, "0")}`;
}
