// `-j NAME` option parsers for the modelled target extensions (libipt_REJECT,
// libxt_NAT, libxt_MARK, libxt_LOG 1.8.9), producing canonical Targets, plus
// the table/hook limits the kernel enforces when the rule is committed.

import type { Target } from "./rule.js";
import { opts, type ExtParser, type ExtSpec, type RuleEnv } from "./parse-ext.js";
import { isProblem, parseUint, problem, type Problem } from "./parse-values.js";
import { LOG_LEVELS, REJECT_TYPES } from "./names.js";
import { formatIp4, parseIp4 } from "../model/addr.js";

type Parser = ExtParser<Target>;

/** xt_REJECT / xt_nat `.table` and `.hooks`: checked by the kernel at commit. */
export const TARGET_LIMITS: Record<string, { table: string; hooks: readonly string[] }> = {
  REJECT: { table: "filter", hooks: ["INPUT", "FORWARD", "OUTPUT"] },
  DNAT: { table: "nat", hooks: ["PREROUTING", "OUTPUT"] },
  REDIRECT: { table: "nat", hooks: ["PREROUTING", "OUTPUT"] },
  SNAT: { table: "nat", hooks: ["POSTROUTING", "INPUT"] },
  MASQUERADE: { table: "nat", hooks: ["POSTROUTING"] },
};

const reject: ExtSpec<Target> = {
  options: opts("reject-with", { args: 1 }),
  create(): Parser {
    let name = "icmp-port-unreachable"; // REJECT_init default
    return {
      option(_o, [arg]) {
        // REJECT_parse: strncasecmp(name, arg, strlen(arg)) against name then alias, in table order.
        const lower = arg!.toLowerCase();
        const hit = REJECT_TYPES.find(([n, alias]) => n.startsWith(lower) || alias.startsWith(lower));
        if (!hit || arg === "") return problem("bad-value", `unknown reject type "${arg}"`);
        name = hit[0];
        return undefined;
      },
      finish(env) {
        if (name === "tcp-reset" && (env.proto !== 6 || env.protoNeg)) {
          return problem("incompatible-option", "REJECT --reject-with tcp-reset requires -p tcp", "the kernel refuses this rule (EINVAL)");
        }
        return { t: "REJECT", with: name };
      },
    };
  },
};

/** libxt_NAT: ports need -p tcp, udp, sctp, dccp or icmp. */
function portsAllowed(env: RuleEnv): boolean {
  return !env.protoNeg && [6, 17, 132, 33, 1].includes(env.proto ?? -1);
}

/** parse_ports: `p` or `p-q` (service names and `/base` offsets are not modelled). */
function natPorts(text: string, env: RuleEnv): string | Problem {
  if (!portsAllowed(env)) return problem("incompatible-option", "Need TCP, UDP, SCTP or DCCP with port specification");
  if (text.includes(":")) return problem("bad-value", "Invalid port:port syntax - use dash");
  if (text.includes("/")) return problem("unsupported-value", "Shifted portmap ranges not supported with this kernel");
  const dash = text.indexOf("-");
  const lo = parseUint(dash < 0 ? text : text.slice(0, dash), 0, 65535);
  if (lo === undefined) return problem("bad-value", `Port \`${text}' not valid`);
  if (dash < 0) return String(lo);
  const hi = parseUint(text.slice(dash + 1), 0, 65535);
  if (hi === undefined) return problem("bad-value", `Port \`${text.slice(dash + 1)}' not valid`);
  if (hi < lo) return problem("bad-value", `Port range \`${text.slice(dash + 1)}' funky`);
  return hi === lo ? String(lo) : `${lo}-${hi}`;
}

/** parse_to: `ip[-ip][:port[-port]]` (or `:port...`), printed back by sprint_range. */
function natTo(text: string, env: RuleEnv): string | Problem {
  const colon = text.indexOf(":");
  let out = "";
  const ipPart = colon < 0 ? text : text.slice(0, colon);
  if (ipPart !== "") {
    const dash = ipPart.indexOf("-");
    const lo = parseIp4(dash < 0 ? ipPart : ipPart.slice(0, dash));
    const hi = dash < 0 ? lo : parseIp4(ipPart.slice(dash + 1));
    if (lo === undefined) return problem("bad-value", `Bad IP address "${dash < 0 ? ipPart : ipPart.slice(0, dash)}"`);
    if (hi === undefined) return problem("bad-value", `Bad IP address "${ipPart.slice(dash + 1)}"`);
    out = hi === lo ? formatIp4(lo) : `${formatIp4(lo)}-${formatIp4(hi)}`;
  }
  if (colon >= 0) {
    const ports = natPorts(text.slice(colon + 1), env);
    if (isProblem(ports)) return ports;
    out += ":" + ports;
  }
  return out;
}

function natSpec(kind: "DNAT" | "SNAT"): ExtSpec<Target> {
  const toOpt = kind === "DNAT" ? "to-destination" : "to-source";
  return {
    options: { [toOpt]: { args: 1 }, ...opts(kind === "SNAT" ? "random random-fully persistent" : "random persistent", { args: 0 }) },
    create(): Parser {
      let to: string | undefined;
      const flags = new Set<string>();
      return {
        option(opt, [arg], _inv, env) {
          if (opt !== toOpt) {
            flags.add(opt);
            return undefined;
          }
          const t = natTo(arg!, env);
          if (isProblem(t)) return t;
          to = t;
          return undefined;
        },
        finish() {
          if (to === undefined) return problem("missing-option", `${kind}: option "--${toOpt}" must be specified`);
          const t: Target =
            kind === "DNAT" ? { t: "DNAT", to } : { t: "SNAT", to, randomFully: flags.has("random-fully") };
          if (flags.has("random")) t.random = true;
          if (flags.has("persistent")) t.persistent = true;
          return t;
        },
      };
    },
  };
}

function portsSpec(kind: "MASQUERADE" | "REDIRECT"): ExtSpec<Target> {
  return {
    options: { "to-ports": { args: 1 }, ...opts(kind === "MASQUERADE" ? "random random-fully" : "random", { args: 0 }) },
    create(): Parser {
      let toPorts: string | undefined;
      const flags = new Set<string>();
      return {
        option(opt, [arg], _inv, env) {
          if (opt !== "to-ports") {
            flags.add(opt);
            return undefined;
          }
          const p = natPorts(arg!, env);
          if (isProblem(p)) return p;
          toPorts = p;
          return undefined;
        },
        finish() {
          const t: Target =
            kind === "MASQUERADE" ? { t: "MASQUERADE", randomFully: flags.has("random-fully") } : { t: "REDIRECT" };
          if (toPorts !== undefined) t.toPorts = toPorts;
          if (flags.has("random")) t.random = true;
          return t;
        },
      };
    },
  };
}

const markTarget: ExtSpec<Target> = {
  options: opts("set-xmark set-mark and-mark or-mark xor-mark", { args: 1 }),
  create(): Parser {
    let t: Target | undefined;
    let given: string | undefined;
    return {
      option(opt, [arg]) {
        if (given) return problem("incompatible-option", `MARK: option "--${opt}" cannot be used together with "--${given}"`);
        given = opt;
        const parsed = markValue(opt, arg!);
        if (isProblem(parsed)) return parsed;
        t = { t: "MARK", ...parsed };
        return undefined;
      },
      finish: () => t ?? problem("missing-option", "MARK target: Parameter --set/and/or-mark is required"),
    };
  },
};

/** mark_tg_parse: every MARK form becomes the kernel's xset value/mask pair. */
function markValue(opt: string, arg: string): { value: number; mask: number } | Problem {
  const bad = problem("bad-value", `MARK: bad integer value for option "--${opt}", or out of range.`);
  if (opt === "set-xmark" || opt === "set-mark") {
    const slash = arg.indexOf("/");
    const value = parseUint(slash < 0 ? arg : arg.slice(0, slash), 0, 0xffffffff);
    const mask = slash < 0 ? 0xffffffff : parseUint(arg.slice(slash + 1), 0, 0xffffffff);
    if (value === undefined || mask === undefined) return bad;
    // --set-mark v/m means "clear m, then set v": mask becomes v|m.
    return { value, mask: opt === "set-mark" ? (value | mask) >>> 0 : mask };
  }
  const n = parseUint(arg, 0, 0xffffffff);
  if (n === undefined) return bad;
  if (opt === "and-mark") return { value: 0, mask: ~n >>> 0 };
  if (opt === "or-mark") return { value: n, mask: n };
  return { value: n, mask: 0 }; // xor-mark
}

const log: ExtSpec<Target> = {
  options: {
    ...opts("log-prefix log-level", { args: 1 }),
    ...opts("log-tcp-sequence log-tcp-options log-ip-options log-uid log-macdecode", { args: 0, unsupported: true }),
  },
  create(): Parser {
    const t: Extract<Target, { t: "LOG" }> = { t: "LOG" };
    return {
      option(opt, [arg]) {
        if (opt === "log-prefix") {
          if (arg!.length > 29) return problem("bad-value", "Maximum prefix length 29 for --log-prefix");
          if (arg!.includes("\n")) return problem("bad-value", "Newlines not allowed in --log-prefix");
          if (arg === "") return problem("bad-value", 'LOG: option "--log-prefix" requires a non-empty argument');
          t.prefix = arg!;
          return undefined;
        }
        const level = parseUint(arg!, 0, 7) ?? LOG_LEVELS[arg!];
        if (level === undefined) return problem("bad-value", `log level "${arg}" unknown`);
        t.level = level;
        return undefined;
      },
      finish: () => t,
    };
  },
};

export const TARGETS: Record<string, ExtSpec<Target>> = {
  REJECT: reject,
  DNAT: natSpec("DNAT"),
  SNAT: natSpec("SNAT"),
  MASQUERADE: portsSpec("MASQUERADE"),
  REDIRECT: portsSpec("REDIRECT"),
  MARK: markTarget,
  LOG: log,
};
