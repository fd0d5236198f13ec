// The commands an iptables-restore line may carry (-A, -I, -D, -R, -N, -X,
// -F, -P, -E, -Z), applied to one table as libiptc / nft would apply them.
// Messages follow iptables' own (`Index of insertion too big.` ...).

import { isBuiltin, type Chain, type Rule, type Table } from "./rule.js";
import type { Token } from "./parse-tokens.js";
import type { RuleEnv } from "./parse-ext.js";
import { parseRuleSpec, type Located } from "./parse-rule.js";
import { problem, type Problem } from "./parse-values.js";
import { saveRuleBody } from "./save.js";
import { TARGETS } from "./parse-target.js";

export interface CommandContext {
  table: Table;
  warn(p: Problem, col: number): void;
  /** Called for every rule added, so later checks can point at it. */
  added(rule: Rule, col: number): void;
}

const COMMANDS: Record<string, string> = {
  "-A": "append", "--append": "append", "-I": "insert", "--insert": "insert", "-D": "delete", "--delete": "delete",
  "-R": "replace", "--replace": "replace", "-N": "new-chain", "--new-chain": "new-chain", "-X": "delete-chain",
  "--delete-chain": "delete-chain", "-F": "flush", "--flush": "flush", "-P": "policy", "--policy": "policy",
  "-E": "rename-chain", "--rename-chain": "rename-chain", "-Z": "zero", "--zero": "zero",
};

/** Runs one command line (already tokenized); returns a located problem or undefined. */
export function runCommand(tokens: Token[], ctx: CommandContext): Located | undefined {
  const cmdTok = tokens[0]!;
  const cmd = COMMANDS[cmdTok.text];
  if (!cmd) {
    return { ...problem("no-command", `Bad argument \`${cmdTok.text}'`, "a restore line starts with a command: -A, -I, -D, -R, -N, -X, -F, -P or -E"), col: cmdTok.col };
  }
  const chainTok = tokens[1];
  const needsChain = !["delete-chain", "flush", "zero"].includes(cmd);
  if (!chainTok && needsChain) return { ...problem("missing-argument", `option "${cmdTok.text}" requires an argument`), col: cmdTok.col };
  if (cmd === "new-chain") return newChain(ctx.table, chainTok!);
  if (cmd === "delete-chain") return deleteChains(ctx.table, chainTok);
  if (cmd === "flush") return flushChains(ctx.table, chainTok);
  if (cmd === "zero") return undefined;
  if (cmd === "rename-chain") return renameChain(ctx.table, chainTok!, tokens[2]);
  const chain = ctx.table.chains.get(chainTok!.text);
  if (!chain) return noSuchChain(ctx.table, chainTok!);
  if (cmd === "policy") return setPolicy(ctx.table, chain, chainTok!, tokens[2]);
  return ruleCommand(cmd, chain, tokens, ctx);
}

function ruleCommand(cmd: string, chain: Chain, tokens: Token[], ctx: CommandContext): Located | undefined {
  let start = 2;
  let num: number | undefined;
  const numTok = tokens[2];
  const hasNum = numTok !== undefined && /^[0-9]+$/.test(numTok.text);
  if (cmd === "insert" || cmd === "replace" || (cmd === "delete" && hasNum)) {
    if (hasNum) {
      num = Number(numTok.text);
      if (num < 1) return { ...problem("bad-value", `Invalid rule number \`${numTok.text}'`), col: numTok.col };
      start = 3;
    } else if (cmd === "replace") {
      return { ...problem("missing-argument", "-R requires a rule number"), col: tokens[0]!.col };
    }
  }
  if (cmd === "delete" && num !== undefined) {
    if (tokens.length > 3) return { ...problem("bad-argument", `Bad argument \`${tokens[3]!.text}'`), col: tokens[3]!.col };
    if (num > chain.rules.length) return { ...problem("no-such-rule", "Index of deletion too big."), col: numTok!.col };
    chain.rules.splice(num - 1, 1);
    return undefined;
  }
  const env: RuleEnv = { table: ctx.table.name, chain: chain.name, proto: undefined, protoNeg: false, warn: (p) => ctx.warn(p, tokens[0]!.col) };
  const parsed = parseRuleSpec(tokens, start, {
    env,
    isUserChain: (n) => ctx.table.chains.has(n) && !isBuiltin(ctx.table.name, n),
    isBuiltin: isBuiltin(ctx.table.name, chain.name),
  });
  if (!Array.isArray(parsed)) return parsed;
  for (const r of parsed) ctx.added(r, tokens[0]!.col);
  return applyRules(cmd, chain, parsed, num, tokens[0]!);
}

function applyRules(cmd: string, chain: Chain, rules: Rule[], num: number | undefined, cmdTok: Token): Located | undefined {
  if (cmd === "append") chain.rules.push(...rules);
  else if (cmd === "insert") {
    const pos = (num ?? 1) - 1;
    if (pos > chain.rules.length) return { ...problem("no-such-rule", "Index of insertion too big."), col: cmdTok.col };
    chain.rules.splice(pos, 0, ...rules);
  } else if (cmd === "replace") {
    if (rules.length !== 1) return { ...problem("bad-argument", "-R requires exactly one source and destination address"), col: cmdTok.col };
    if (num! > chain.rules.length) return { ...problem("no-such-rule", "Index of replacement too big."), col: cmdTok.col };
    chain.rules[num! - 1] = rules[0]!;
  } else {
    for (const r of rules) {
      const text = saveRuleBody(r);
      const at = chain.rules.findIndex((x) => saveRuleBody(x) === text);
      if (at < 0) return { ...problem("no-such-rule", "Bad rule (does a matching rule exist in that chain?)."), col: cmdTok.col };
      chain.rules.splice(at, 1);
    }
  }
  return undefined;
}

export function noSuchChain(table: Table, tok: Token): Located {
  return {
    ...problem("no-such-chain", `chain \`${tok.text}' does not exist in table ${table.name}`, `declare it (:${tok.text} - [0:0] or -N ${tok.text}) earlier in the input`),
    col: tok.col,
  };
}

/** assert_valid_chain_name (xshared.c). */
export function chainNameProblem(name: string): Problem | undefined {
  if (name.length >= 29) return problem("invalid-chain-name", `chain name \`${name}' too long (must be under 29 chars)`);
  if (name.startsWith("-") || name.startsWith("!")) return problem("invalid-chain-name", `chain name not allowed to start with \`${name[0]}'`);
  if (/\s/.test(name)) return problem("invalid-chain-name", `Invalid chain name \`${name}'`);
  if (TARGETS[name] || ["ACCEPT", "DROP", "RETURN", "QUEUE"].includes(name)) {
    return problem("invalid-chain-name", "chain name may not clash with target name");
  }
  return undefined;
}

function newChain(table: Table, tok: Token): Located | undefined {
  const bad = chainNameProblem(tok.text);
  if (bad) return { ...bad, col: tok.col };
  if (table.chains.has(tok.text)) return { ...problem("chain-exists", "Chain already exists"), col: tok.col };
  table.chains.set(tok.text, { name: tok.text, rules: [] });
  return undefined;
}

/** Rules (in any chain of the table) that jump or go to `name`. */
export function referencesTo(table: Table, name: string): number {
  let n = 0;
  for (const c of table.chains.values()) {
    for (const r of c.rules) if ((r.target?.t === "jump" || r.target?.t === "goto") && r.target.chain === name) n++;
  }
  return n;
}

function deleteChains(table: Table, tok: Token | undefined): Located | undefined {
  const names = tok ? [tok.text] : [...table.chains.keys()].filter((n) => !isBuiltin(table.name, n));
  for (const name of names) {
    const chain = table.chains.get(name);
    if (!chain) return noSuchChain(table, tok!);
    const col = tok?.col ?? 1;
    if (isBuiltin(table.name, name)) return { ...problem("invalid-chain-name", "Can't delete built-in chain"), col };
    if (chain.rules.length > 0) return { ...problem("chain-not-empty", `chain \`${name}' is not empty (Directory not empty)`, `flush it first (-F ${name} or :${name} - [0:0])`), col };
    const refs = referencesTo(table, name);
    if (refs > 0) return { ...problem("chain-in-use", `chain \`${name}' is still referenced by ${refs} rule(s) (Too many links)`), col };
    table.chains.delete(name);
  }
  return undefined;
}

function flushChains(table: Table, tok: Token | undefined): Located | undefined {
  if (tok && !table.chains.has(tok.text)) return noSuchChain(table, tok);
  for (const c of table.chains.values()) if (!tok || c.name === tok.text) c.rules = [];
  return undefined;
}

function setPolicy(table: Table, chain: Chain, chainTok: Token, polTok: Token | undefined): Located | undefined {
  if (!polTok) return { ...problem("missing-argument", "-P requires a chain and a policy"), col: chainTok.col };
  if (!isBuiltin(table.name, chain.name)) return { ...problem("invalid-policy", "Bad built-in chain name"), col: chainTok.col };
  if (polTok.text !== "ACCEPT" && polTok.text !== "DROP") return { ...problem("invalid-policy", "Bad policy name"), col: polTok.col };
  chain.policy = polTok.text;
  return undefined;
}

function renameChain(table: Table, oldTok: Token, newTok: Token | undefined): Located | undefined {
  const chain = table.chains.get(oldTok.text);
  if (!chain) return noSuchChain(table, oldTok);
  if (!newTok) return { ...problem("missing-argument", "-E requires old-chain-name and new-chain-name"), col: oldTok.col };
  if (isBuiltin(table.name, chain.name)) return { ...problem("invalid-chain-name", "Can't rename built-in chain"), col: oldTok.col };
  const bad = chainNameProblem(newTok.text);
  if (bad) return { ...bad, col: newTok.col };
  if (table.chains.has(newTok.text)) return { ...problem("chain-exists", "File exists"), col: newTok.col };
  // The kernel links jumps to the chain itself, so renaming keeps every reference.
  const renamed = new Map<string, Chain>();
  for (const [n, c] of table.chains) renamed.set(n === chain.name ? newTok.text : n, c);
  chain.name = newTok.text;
  for (const c of renamed.values()) {
    for (const r of c.rules) {
      if ((r.target?.t === "jump" || r.target?.t === "goto") && r.target.chain === oldTok.text) r.target = { ...r.target, chain: newTok.text };
    }
  }
  table.chains = renamed;
  return undefined;
}
