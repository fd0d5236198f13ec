// Builds a namespace's netfilter tables the way the programs on a real node
// do: each program (kubelet, docker, flanneld, kube-proxy) runs in start order
// and issues -N / -A / -I / "insert unless present" / flush operations. The
// resulting chain contents and rule order are what iptables-save then prints.

import { type Chain, type Origin, type Rule, type Table, type TableName, type Tables, type Target, emptyTable } from "../netfilter/rule.js";
import { type Cidr, parseCidr } from "../model/addr.js";
import { saveRuleBody } from "../netfilter/save.js";
import { LayeredChains } from "../netfilter/layered-chains.js";

export class RuleSet {
  readonly tables: Tables = new Map();

  table(name: TableName): Table {
    let t = this.tables.get(name);
    if (!t) {
      t = emptyTable(name);
      this.tables.set(name, t);
    }
    return t;
  }

  /** `-N CHAIN` (or a `:CHAIN - [0:0]` restore line): create if missing. */
  chain(table: TableName, name: string): Chain {
    const t = this.table(table);
    let c = t.chains.get(name);
    if (!c) {
      c = { name, rules: [] };
      t.chains.set(name, c);
    }
    return c;
  }

  /** A restore `:CHAIN` line with --noflush: the chain is created or emptied. */
  flush(table: TableName, name: string): Chain {
    const c = this.chain(table, name);
    c.rules = [];
    return c;
  }

  /** Puts a table's chains over a base of chains shared with other nodes (see LayeredChains). */
  layer(table: TableName, base: ReadonlyMap<string, Chain>): void {
    const t = this.table(table);
    t.chains = new LayeredChains(base, t.chains);
  }

  /** Installs a chain's whole rule list at once (shared between nodes when identical). */
  setRules(table: TableName, name: string, rules: Rule[]): void {
    this.chain(table, name).rules = rules;
  }

  append(table: TableName, chain: string, rule: Rule): void {
    this.chain(table, chain).rules.push(rule);
  }

  insert(table: TableName, chain: string, rule: Rule): void {
    this.chain(table, chain).rules.unshift(rule);
  }

  /** `iptables -C || iptables -I|-A`: the EnsureRule pattern of kube-proxy, kubelet and flanneld. */
  ensure(table: TableName, chain: string, rule: Rule, where: "prepend" | "append"): void {
    const c = this.chain(table, chain);
    const key = ruleKey(rule);
    if (c.rules.some((r) => ruleKey(r) === key)) return;
    if (where === "prepend") c.rules.unshift(rule);
    else c.rules.push(rule);
  }

  policy(table: TableName, chain: string, policy: "ACCEPT" | "DROP"): void {
    this.chain(table, chain).policy = policy;
  }
}

/** Identity of a rule as iptables -C sees it: its canonical text, provenance aside. */
function ruleKey(rule: Rule): string {
  return saveRuleBody(rule);
}

// ---- small constructors, so compiler code reads like the rules it writes -----

export function cidrOf(text: string): Cidr {
  const c = parseCidr(text.includes("/") ? text : `${text}/32`);
  if (!c) throw new Error(`internal: bad CIDR literal ${text}`);
  return c;
}

export const jump = (chain: string): Target => ({ t: "jump", chain });
export const ACCEPT: Target = { t: "ACCEPT" };
export const DROP: Target = { t: "DROP" };
export const RETURN: Target = { t: "RETURN" };

export function withOrigin(rules: Rule[], origin: Origin): Rule[] {
  for (const r of rules) r.origin = origin;
  return rules;
}
