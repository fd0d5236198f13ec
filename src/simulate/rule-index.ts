// An index for walking long chains. The kernel walks KUBE-SERVICES rule by
// rule (10,000 rules at the Kubernetes limits: ~0.2 ms per packet on the
// nft backend, performance.md B2); we do too, but skip the rules that
// cannot match: a rule with `-d A/32` matches only packets to A. So for a
// packet to D, the rules worth evaluating are those to D and those without
// a /32 destination, in chain order; every skipped rule would have failed
// its header match, so the walk visits, matches and numbers exactly the
// rules the linear walk does.

import type { Ip4 } from "../model/addr.js";
import type { Rule } from "../netfilter/rule.js";

/** Chains shorter than this are walked rule by rule (an index would not pay). Tests lower it. */
export const RULE_INDEX = { minRules: 64 };

interface ChainIndex {
  length: number;
  /** Positions of rules without a plain /32 destination (they may match any packet). */
  any: number[];
  /** Positions of rules whose destination is exactly one address. */
  byDst: Map<Ip4, number[]>;
}

const NONE: number[] = [];
const indexes = new WeakMap<readonly Rule[], ChainIndex>();

function build(rules: readonly Rule[]): ChainIndex {
  const index: ChainIndex = { length: rules.length, any: [], byDst: new Map() };
  for (let i = 0; i < rules.length; i++) {
    const dst = rules[i]!.dst;
    if (dst && !dst.neg && dst.cidr.len === 32) {
      const addr = dst.cidr.addr >>> 0;
      const list = index.byDst.get(addr);
      if (list) list.push(i);
      else index.byDst.set(addr, [i]);
    } else index.any.push(i);
  }
  return index;
}

/** The first position ≥ from in a sorted list, or Infinity. */
function firstAtLeast(list: readonly number[], from: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < list.length ? list[lo]! : Infinity;
}

/** The position of the next rule at or after `from` that a packet to `dst` could match (rules.length when none). */
export function nextCandidate(rules: readonly Rule[], from: number, dst: Ip4): number {
  if (rules.length < RULE_INDEX.minRules) return from;
  let index = indexes.get(rules);
  // A chain is not changed once built; a different length means it was, so index it again.
  if (!index || index.length !== rules.length) indexes.set(rules, (index = build(rules)));
  const next = Math.min(firstAtLeast(index.any, from), firstAtLeast(index.byDst.get(dst >>> 0) ?? NONE, from));
  return next === Infinity ? rules.length : next;
}
