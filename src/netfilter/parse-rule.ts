// One rule specification (`-s ... -m X --opt ... -j T ...`) parsed the way
// iptables' do_parse/command_default do it: base options, `-m` loading, the
// implicit protocol match (`-p tcp --dport 80` loads tcp on demand), options
// dispatched to the most recently loaded extension that knows them (libxtables
// merges new option tables in front of old ones), then each extension's check.

import type { Cidr } from "../model/addr.js";
import type { IfaceMatch, Match, ProtoMatch, Rule, Target } from "./rule.js";
import type { Token } from "./parse-tokens.js";
import { UNMODELLED_MATCHES, UNMODELLED_TARGETS, type ExtParser, type OptionSpec, type RuleEnv } from "./parse-ext.js";
import { MATCHES } from "./parse-match.js";
import { TARGETS, TARGET_LIMITS } from "./parse-target.js";
import { isProblem, parseAddress, parseIface, problem, type Problem } from "./parse-values.js";
import { protoNumber, protoSaveName } from "./names.js";

export interface RuleContext {
  env: RuleEnv;
  /** True when a user chain of this name exists in the table now. */
  isUserChain(name: string): boolean;
  isBuiltin: boolean;
}

/** A problem at a column of the line. */
export interface Located extends Problem {
  col: number;
}

interface Loaded {
  kind: "match" | "target";
  name: string;
  col: number;
  options: Record<string, OptionSpec>;
  parser: ExtParser<Match> | ExtParser<Target>;
  seen: Set<string>;
}

const BASE: Record<string, { args: 0 | 1 | 2; invert?: boolean }> = {
  source: { args: 1, invert: true }, destination: { args: 1, invert: true },
  "in-interface": { args: 1, invert: true }, "out-interface": { args: 1, invert: true },
  protocol: { args: 1, invert: true }, jump: { args: 1 }, goto: { args: 1 }, match: { args: 1 },
  fragment: { args: 0, invert: true }, "set-counters": { args: 2 },
};
const SHORT: Record<string, string> = {
  s: "source", d: "destination", i: "in-interface", o: "out-interface", p: "protocol",
  j: "jump", g: "goto", m: "match", f: "fragment", c: "set-counters",
};
const ALIAS: Record<string, string> = { src: "source", dst: "destination" };

class RuleBuilder {
  src?: { list: Cidr[]; neg: boolean };
  dst?: { list: Cidr[]; neg: boolean };
  inIface?: IfaceMatch;
  outIface?: IfaceMatch;
  proto?: ProtoMatch;
  loaded: Loaded[] = [];
  protoLoaded = false;
  target?: Target;
  targetExt?: Loaded;
  cols: Record<string, number> = {};
}

/** Parses tokens[start..] into rules (several when -s/-d list comma-separated addresses). */
export function parseRuleSpec(tokens: Token[], start: number, ctx: RuleContext): Rule[] | Located {
  const b = new RuleBuilder();
  let invert: Token | undefined;
  for (let i = start; i < tokens.length; ) {
    const tok = tokens[i]!;
    if (tok.text === "!") {
      if (invert) return at(tok, problem("bad-argument", "multiple consecutive ! not allowed"));
      invert = tok;
      i++;
      continue;
    }
    const opt = readOption(tok, b, ctx.env);
    if (isProblem(opt)) return at(tok, opt);
    const argc = opt.spec.args;
    const args = opt.inline !== undefined ? [opt.inline] : tokens.slice(i + 1, i + 1 + argc).map((t) => t.text);
    if (args.length < argc) return at(tok, problem("missing-argument", `option "--${opt.name}" requires an argument`));
    const argTok = opt.inline !== undefined ? tok : tokens[i + 1] ?? tok;
    if (invert && !opt.spec.invert) {
      const who = opt.ext ? `${opt.ext.name}: option "--${opt.name}" cannot be inverted.` : `cannot have ! before --${opt.name}`;
      return at(invert, problem("bad-argument", opt.name === "match" ? "unexpected ! flag before --match" : who));
    }
    const err = opt.ext
      ? extOption(opt.ext, opt.name, args, !!invert, ctx.env)
      : baseOption(b, opt.name, args, !!invert, tok, ctx);
    if (err) return at(err.code === "bad-value" || err.code === "unsupported-value" ? argTok : tok, err);
    i += 1 + (opt.inline !== undefined ? 0 : argc);
    invert = undefined;
  }
  if (invert) return at(invert, problem("bad-argument", "! must be followed by an option"));
  return finishRule(b, ctx);
}

function at(tok: { col: number }, p: Problem): Located {
  return { ...p, col: tok.col };
}

interface ResolvedOption {
  name: string;
  spec: OptionSpec;
  ext?: Loaded;
  inline?: string;
}

/** getopt_long resolution: base options, newest extension first, implicit proto match, unique prefix. */
function readOption(tok: Token, b: RuleBuilder, env: RuleEnv): ResolvedOption | Problem {
  const text = tok.text;
  if (!text.startsWith("-") || text === "-" || text === "--") return problem("bad-argument", `Bad argument \`${text}'`);
  if (!text.startsWith("--")) {
    const long = SHORT[text[1]!];
    if (!long) return problem("unknown-option", `unknown option "${text}"`);
    const inline = text.length > 2 ? text.slice(2) : undefined;
    return { name: long, spec: BASE[long]!, ...(inline !== undefined ? { inline } : {}) };
  }
  const eq = text.indexOf("=");
  const raw = eq < 0 ? text.slice(2) : text.slice(2, eq);
  const inline = eq < 0 ? undefined : text.slice(eq + 1);
  const withInline = (r: ResolvedOption): ResolvedOption => (inline === undefined ? r : { ...r, inline });
  const exact = resolveExact(ALIAS[raw] ?? raw, b, env);
  if (exact) return withInline(exact);
  const candidates = new Set<string>();
  for (const n of Object.keys(BASE).concat(Object.keys(ALIAS))) if (n.startsWith(raw)) candidates.add(ALIAS[n] ?? n);
  for (const ext of b.loaded) for (const n of Object.keys(ext.options)) if (n.startsWith(raw)) candidates.add(n);
  if (candidates.size === 1) return withInline(resolveExact([...candidates][0]!, b, env)!);
  if (candidates.size > 1) return problem("unknown-option", `option '--${raw}' is ambiguous`);
  return problem("unknown-option", `unknown option "--${raw}"`);
}

function resolveExact(name: string, b: RuleBuilder, env: RuleEnv): ResolvedOption | undefined {
  if (BASE[name]) return { name, spec: BASE[name]! };
  for (let k = b.loaded.length - 1; k >= 0; k--) {
    const ext = b.loaded[k]!;
    if (ext.options[name]) return { name, spec: ext.options[name]!, ext };
  }
  // load_proto: `-p tcp` makes tcp's options available once, on demand.
  if (b.proto && !b.protoLoaded) {
    const protoName = protoSaveName(env.proto ?? -1);
    const spec = MATCHES[protoName];
    if (spec && spec.options[name] && ["tcp", "udp", "sctp", "icmp"].includes(protoName)) {
      b.protoLoaded = true;
      const ext = loadExt("match", protoName, b.cols["protocol"] ?? 0, b);
      return { name, spec: ext.options[name]!, ext };
    }
  }
  return undefined;
}

function loadExt(kind: "match" | "target", name: string, col: number, b: RuleBuilder): Loaded {
  const spec = kind === "match" ? MATCHES[name]! : TARGETS[name]!;
  const ext: Loaded = { kind, name, col, options: spec.options, parser: spec.create(), seen: new Set() };
  b.loaded.push(ext);
  return ext;
}

function extOption(ext: Loaded, opt: string, args: string[], invert: boolean, env: RuleEnv): Problem | undefined {
  const spec = ext.options[opt]!;
  if (spec.unsupported) {
    return problem("unsupported-option", `option "--${opt}" of ${ext.name} ${ext.kind} is not modelled by k8s-nettrace`);
  }
  if (ext.seen.has(opt) && !spec.multi) return problem("duplicate-option", `${ext.name}: option "--${opt}" can only be used once.`);
  ext.seen.add(opt);
  return ext.parser.option(opt, args, invert, env);
}

function baseOption(b: RuleBuilder, name: string, args: string[], neg: boolean, tok: Token, ctx: RuleContext): Problem | undefined {
  const letter = Object.keys(SHORT).find((k) => SHORT[k] === name)!;
  if (name !== "match" && name !== "set-counters" && b.cols[name] !== undefined) {
    return problem("duplicate-option", `multiple -${letter} flags not allowed`);
  }
  b.cols[name] = tok.col;
  const arg = args[0]!;
  switch (name) {
    case "source":
    case "destination": {
      const list: Cidr[] = [];
      for (const part of arg.split(",")) {
        const c = parseAddress(part);
        if (isProblem(c)) return c;
        list.push(c);
      }
      if (neg && list.length > 1) return problem("bad-argument", "! not allowed with multiple source or destination IP addresses");
      b[name === "source" ? "src" : "dst"] = { list, neg };
      return undefined;
    }
    case "in-interface":
    case "out-interface": {
      const n = parseIface(arg);
      if (isProblem(n)) return n;
      b[name === "in-interface" ? "inIface" : "outIface"] = { name: n, neg };
      return undefined;
    }
    case "protocol": {
      const lower = arg.toLowerCase();
      const num = protoNumber(lower);
      if (num === undefined) return problem("bad-value", `unknown protocol "${arg}" specified`);
      b.proto = { name: protoSaveName(num), neg };
      ctx.env.proto = num;
      ctx.env.protoNeg = neg;
      return undefined;
    }
    case "match":
      if (!MATCHES[arg]) {
        const hint = UNMODELLED_MATCHES.has(arg) ? `the ${arg} match exists in iptables but k8s-nettrace does not model it` : undefined;
        return problem("unknown-match", `Couldn't load match \`${arg}':No such file or directory`, hint);
      }
      loadExt("match", arg, tok.col, b);
      return undefined;
    case "jump":
    case "goto":
      return setTarget(b, name, arg, tok, ctx);
    case "fragment":
      return problem("unsupported-option", "-f (fragment) is not modelled by k8s-nettrace");
    default: // set-counters: we keep no counters
      return undefined;
  }
}

function setTarget(b: RuleBuilder, how: "jump" | "goto", name: string, tok: Token, ctx: RuleContext): Problem | undefined {
  if (how === "goto" && !ctx.isUserChain(name)) {
    return problem("unknown-target", `goto '${name}' is not a chain`, `declare it (:${name} - [0:0]) before this line`);
  }
  if (how === "goto") {
    b.target = { t: "goto", chain: name };
    return undefined;
  }
  if (name === "ACCEPT" || name === "DROP" || name === "RETURN") {
    if (name === "DROP" && ctx.env.table === "nat") {
      return problem("incompatible-option", 'The "nat" table is not intended for filtering, the use of DROP is therefore inhibited.');
    }
    b.target = { t: name };
    return undefined;
  }
  if (ctx.isUserChain(name)) {
    b.target = { t: "jump", chain: name };
    return undefined;
  }
  if (TARGETS[name]) {
    b.targetExt = loadExt("target", name, tok.col, b);
    return undefined;
  }
  const hint = UNMODELLED_TARGETS.has(name)
    ? `the ${name} target exists in iptables but k8s-nettrace does not model it`
    : `no chain ${name} exists in table ${ctx.env.table} at this point; declare it (:${name} - [0:0] or -N ${name}) before the rule that jumps to it`;
  return problem("unknown-target", `Couldn't load target \`${name}':No such file or directory`, hint);
}

/** Extension final checks, header checks, then the -s x -d cross product (src outer). */
function finishRule(b: RuleBuilder, ctx: RuleContext): Rule[] | Located {
  const matches: Match[] = [];
  for (const ext of b.loaded) {
    const r = ext.parser.finish(ctx.env);
    if (isProblem(r)) return { ...r, col: ext.col };
    if (ext.kind === "match") matches.push(r as Match);
    else b.target = r as Target;
  }
  const checked = checkHeader(b, ctx);
  if (checked) return checked;
  const rules: Rule[] = [];
  for (const s of b.src?.list ?? [undefined]) {
    for (const d of b.dst?.list ?? [undefined]) {
      const rule: Rule = { matches: rules.length === 0 ? matches : matches.slice() };
      if (s && (s.len !== 0 || b.src!.neg)) rule.src = { cidr: s, neg: b.src!.neg };
      if (d && (d.len !== 0 || b.dst!.neg)) rule.dst = { cidr: d, neg: b.dst!.neg };
      // `-i +` (any interface) is kept: the printers decide per backend whether it shows.
      if (b.inIface) rule.inIface = b.inIface;
      if (b.outIface) rule.outIface = b.outIface;
      if (b.proto && b.proto.name !== "all") rule.proto = b.proto;
      if (b.target) rule.target = b.target;
      rules.push(reorder(rule));
    }
  }
  return rules;
}

/** Property order src, dst, inIface, outIface, proto, matches, target (readable JSON). */
function reorder(r: Rule): Rule {
  const { matches, target, ...head } = r;
  return target ? { ...head, matches, target } : { ...head, matches };
}

function checkHeader(b: RuleBuilder, ctx: RuleContext): Located | undefined {
  const { chain } = ctx.env;
  if (b.proto && b.proto.name === "all" && b.proto.neg) {
    return { ...problem("bad-value", "rule would never match protocol"), col: b.cols["protocol"]! };
  }
  if (b.outIface && (chain === "INPUT" || chain === "PREROUTING")) {
    return { ...problem("incompatible-option", `Can't use -o with ${chain}`), col: b.cols["out-interface"]! };
  }
  if (b.inIface && (chain === "OUTPUT" || chain === "POSTROUTING")) {
    return { ...problem("incompatible-option", `Can't use -i with ${chain}`), col: b.cols["in-interface"]! };
  }
  const limits = b.target ? TARGET_LIMITS[b.target.t] : undefined;
  if (limits && b.targetExt) {
    const t = b.target!.t;
    if (ctx.env.table !== limits.table) {
      return { ...problem("target-table", `${t} is only valid in the ${limits.table} table`, "the kernel refuses this rule (EINVAL)"), col: b.targetExt.col };
    }
    if (ctx.isBuiltin && !limits.hooks.includes(chain)) {
      return { ...problem("target-hook", `${t} is only valid in ${limits.hooks.join(", ")}`, "the kernel refuses this rule (EINVAL)"), col: b.targetExt.col };
    }
  }
  return undefined;
}
