// The shape every match/target option parser shares, mirroring libxtables'
// x6 option tables: a static option list (argument count, invertible), an
// `option` callback per occurrence and a final check (xtables' x6_fcheck).

import type { TableName } from "./rule.js";
import type { Problem } from "./parse-values.js";

export interface OptionSpec {
  /** Arguments the option consumes (`--match-set NAME FLAGS` takes two). */
  args: 0 | 1 | 2;
  /** XTOPT_INVERT: `! --opt` allowed. */
  invert?: boolean;
  /** A real iptables option that k8s-nettrace does not model: an explicit error, never dropped. */
  unsupported?: boolean;
  /** XTOPT_MULTI: may be given more than once. */
  multi?: boolean;
}

/** What an extension may ask about the rule being parsed. */
export interface RuleEnv {
  table: TableName;
  chain: string;
  /** Protocol number given with -p so far (undefined: none). */
  proto: number | undefined;
  protoNeg: boolean;
  /** Reports a warning (the rule is still accepted, as iptables accepts it). */
  warn(p: Problem): void;
}

export interface ExtParser<R> {
  option(opt: string, args: string[], invert: boolean, env: RuleEnv): Problem | undefined;
  finish(env: RuleEnv): R | Problem;
}

export interface ExtSpec<R> {
  options: Record<string, OptionSpec>;
  create(): ExtParser<R>;
}

/** Option name -> spec list for a group of options sharing one shape. */
export function opts(names: string, spec: OptionSpec): Record<string, OptionSpec> {
  const out: Record<string, OptionSpec> = {};
  for (const n of names.split(" ")) out[n] = spec;
  return out;
}

/**
 * Real extensions k8s-nettrace does not model, so an unknown `-m`/`-j` name can say
 * "exists in iptables but is not modelled" instead of suggesting a typo.
 */
export const UNMODELLED_MATCHES = new Set(
  ("ah bpf cgroup cluster connbytes connlabel connlimit connmark cpu dccp devgroup dscp ecn esp " +
    "hashlimit helper hl iprange ipvs length limit mac nfacct osf owner pkttype policy quota rateest " +
    "realm rpfilter socket string tcpmss time tos ttl u32 udplite").split(" "),
);
export const UNMODELLED_TARGETS = new Set(
  ("AUDIT CHECKSUM CLASSIFY CONNMARK CONNSECMARK CT DSCP ECN HMARK IDLETIMER LED MIRROR NETMAP " +
    "NFLOG NFQUEUE NOTRACK QUEUE RATEEST SECMARK SET SYNPROXY TCPMSS TCPOPTSTRIP TEE TOS TPROXY TRACE TTL ULOG").split(" "),
);
