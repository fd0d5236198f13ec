// Walks one table's chain for one packet as ipt_do_table does: rules in
// order, jump pushes a return point, goto does not, RETURN pops, a builtin
// chain that runs out applies its policy, a user chain that runs out returns.

import type { Chain, Rule, Table, TableName, Target } from "../netfilter/rule.js";
import { type MatchContext, type Test, UnsupportedRule, ruleTests } from "./match.js";
import { chainIndex, nextCandidate } from "./rule-index.js";

export interface RuleHit {
  table: TableName;
  chain: string;
  /** 1-based position in its chain. */
  number: number;
  rule: Rule;
}

export type Outcome =
  | { verdict: "ACCEPT"; by?: RuleHit; policy: boolean }
  | { verdict: "DROP"; by?: RuleHit; policy: boolean }
  | { verdict: "REJECT"; with: string; by: RuleHit }
  | { verdict: "NAT"; target: Extract<Target, { t: "DNAT" | "SNAT" | "MASQUERADE" | "REDIRECT" }>; by: RuleHit };

export interface WalkContext extends MatchContext {
  /** Every rule whose target acted, in order (the narrative); absent when nobody reads it. */
  hits?: RuleHit[];
  setMark(mark: number): void;
}

const MAX_DEPTH = 64;

/** Where a goto from a builtin chain comes back to: nothing left, so the builtin's policy applies. */
const RETURNED: Chain = Object.freeze({ name: "", rules: Object.freeze([]) as unknown as Rule[] });

// A builtin chain's policy is the outcome of most walks: shared, never mutated.
const ACCEPT_BY_POLICY: Outcome = Object.freeze({ verdict: "ACCEPT", policy: true });
const DROP_BY_POLICY: Outcome = Object.freeze({ verdict: "DROP", policy: true });
const ACCEPT_BY_RULE: Outcome = Object.freeze({ verdict: "ACCEPT", policy: false });

/** What a walk of a builtin chain without rules (or of a missing one) returns. */
export function policyOf(table: Table, builtin: string): Outcome {
  return table.chains.get(builtin)?.policy === "DROP" ? DROP_BY_POLICY : ACCEPT_BY_POLICY;
}

/** `start`: the builtin chain, when the caller has it at hand. */
export function walkChain(table: Table, builtin: string, c: WalkContext, start = table.chains.get(builtin)): Outcome {
  if (!start) return ACCEPT_BY_POLICY;
  // Most walks never jump: the stack is made on the first jump. It holds (chain, rule position) pairs
  // side by side, not as an object per jump: a walk runs for every packet at every hook.
  let stack: (Chain | number)[] | undefined;
  let chain = start;
  let code = codeOf(chain.rules);
  let skip = chainIndex(chain.rules);
  let index = 0;
  for (let steps = 0; ; steps++) {
    if (steps > 1_000_000) throw new Error(`internal: chain walk did not terminate in ${table.name} ${builtin}`);
    // Skip the rules whose destination rules the packet out (see rule-index.ts).
    index = nextCandidate(skip, index, c.ip.dst);
    if (index >= code.length) {
      if (!stack?.length) {
        const policy = start.policy ?? "ACCEPT";
        return policy === "DROP" ? DROP_BY_POLICY : ACCEPT_BY_POLICY;
      }
      index = stack.pop() as number;
      chain = stack.pop() as Chain;
      code = codeOf(chain.rules);
      skip = chainIndex(chain.rules);
      continue;
    }
    const { rule, tests, target } = code[index] ?? (code[index] = new RuleCode(chain.rules[index]!));
    const number = ++index;
    if (!passes(tests, c)) continue;
    if (!target) continue; // a rule without a target only counts packets
    // A hit is made only for the narrative, or for the outcome that names its rule.
    switch (target.t) {
      case "jump":
      case "goto": {
        const next = table.chains.get(target.chain);
        if (!next) throw new UnsupportedRule(`a jump to the missing chain ${target.chain}`, rule);
        c.hits?.push(hitOf(table, chain, number, rule));
        stack ??= [];
        if (target.t === "jump") {
          if (stack.length >= 2 * MAX_DEPTH) throw new UnsupportedRule("chains nested deeper than 64", rule);
          stack.push(chain, index);
        } else if (stack.length === 0) {
          // goto from a builtin chain: when the target returns, the builtin's policy applies
          stack.push(RETURNED, 0);
        }
        chain = next;
        code = codeOf(chain.rules);
        skip = chainIndex(chain.rules);
        index = 0;
        continue;
      }
      case "RETURN": {
        c.hits?.push(hitOf(table, chain, number, rule));
        if (!stack?.length) {
          const policy = start.policy ?? "ACCEPT";
          return policy === "DROP" ? { verdict: "DROP", policy: true, by: hitOf(table, chain, number, rule) } : ACCEPT_BY_POLICY;
        }
        // As if the chain had run out: the next turn goes back to where it was entered.
        index = code.length;
        continue;
      }
      case "ACCEPT":
        // Nobody asks which rule accepted unless the story is told.
        return c.hits ? { verdict: "ACCEPT", by: acted(c, hitOf(table, chain, number, rule)), policy: false } : ACCEPT_BY_RULE;
      case "DROP":
        return { verdict: "DROP", by: acted(c, hitOf(table, chain, number, rule)), policy: false };
      case "REJECT":
        return { verdict: "REJECT", with: target.with, by: acted(c, hitOf(table, chain, number, rule)) };
      case "MARK":
        c.hits?.push(hitOf(table, chain, number, rule));
        c.setMark(((c.mark & ~target.mask) ^ target.value) >>> 0);
        continue;
      case "LOG":
        c.hits?.push(hitOf(table, chain, number, rule));
        continue;
      case "DNAT":
      case "SNAT":
      case "MASQUERADE":
      case "REDIRECT":
        if (table.name !== "nat") throw new UnsupportedRule(`-j ${target.t} outside the nat table`, rule);
        return { verdict: "NAT", target, by: acted(c, hitOf(table, chain, number, rule)) };
    }
  }
}

function hitOf(table: Table, chain: Chain, number: number, rule: Rule): RuleHit {
  return { table: table.name, chain: chain.name, number, rule };
}

function acted(c: WalkContext, hit: RuleHit): RuleHit {
  c.hits?.push(hit);
  return hit;
}

/** A rule as the walk runs it: its tests, made once (see ruleTests), and its target. One shape for every rule. */
class RuleCode {
  readonly tests: Test[];
  readonly target: Target | undefined;
  constructor(readonly rule: Rule) {
    this.tests = ruleTests(rule);
    this.target = rule.target;
  }
}

const codes = new WeakMap<readonly Rule[], (RuleCode | undefined)[]>();

/**
 * A chain's rules as the walk runs them, each made when a packet first reaches it: a long chain's
 * index skips most of its rules (KUBE-SERVICES at the Kubernetes limits has 10,000), and making
 * them all held megabytes no packet needed.
 */
function codeOf(rules: readonly Rule[]): (RuleCode | undefined)[] {
  let code = codes.get(rules);
  // A chain is not changed once built; a different length means it was (restore text being read), so start again.
  if (!code || code.length !== rules.length) codes.set(rules, (code = new Array<RuleCode | undefined>(rules.length)));
  return code;
}

function passes(tests: readonly Test[], c: MatchContext): boolean {
  // Indexed, not for-of: this runs for every rule a packet meets, and the iterator showed up in allocation profiles.
  for (let i = 0; i < tests.length; i++) if (!tests[i]!(c)) return false;
  return true;
}
