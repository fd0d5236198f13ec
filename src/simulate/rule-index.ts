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
import { SortedIndex } from "./sorted-index.js";

/** Chains shorter than this are walked rule by rule (an index would not pay). Tests lower it. */
export const RULE_INDEX = { minRules: 64 };

export interface ChainIndex {
  length: number;
  /** Positions of rules without a plain /32 destination (they may match any packet). */
  any: number[];
  /** Positions of rules whose destination is exactly one address, by that address. */
  byDst: SortedIndex;
}

const indexes = new WeakMap<readonly Rule[], ChainIndex>();

/** The address a rule's destination is limited to, if it is exactly one. */
function onlyDestination(rule: Rule): number | undefined {
  const dst = rule.dst;
  return dst && !dst.neg && dst.cidr.len === 32 ? dst.cidr.addr >>> 0 : undefined;
}

function build(rules: readonly Rule[]): ChainIndex {
  const any: number[] = [];
  for (let i = 0; i < rules.length; i++) if (onlyDestination(rules[i]!) === undefined) any.push(i);
  return { length: rules.length, any, byDst: SortedIndex.build(rules.length, (i) => onlyDestination(rules[i]!)) };
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

/** A chain's index, or undefined for a chain short enough to walk rule by rule. Look it up once per chain a walk enters. */
export function chainIndex(rules: readonly Rule[]): ChainIndex | undefined {
  if (rules.length < RULE_INDEX.minRules) return undefined;
  let index = indexes.get(rules);
  // A chain is not changed once built; a different length means it was, so index it again.
  if (!index || index.length !== rules.length) indexes.set(rules, (index = build(rules)));
  return index;
}

/** The position of the next rule at or after `from` that a packet to `dst` could match (the chain's length when none). */
export function nextCandidate(index: ChainIndex | undefined, from: number, dst: Ip4): number {
  if (!index) return from;
  const toDst = index.byDst.first(dst >>> 0, from);
  const next = Math.min(firstAtLeast(index.any, from), toDst < 0 ? Infinity : toDst);
  return next === Infinity ? index.length : next;
}
