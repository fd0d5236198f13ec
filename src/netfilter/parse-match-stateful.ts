// `-m NAME` parsers for matches on state the kernel keeps: conntrack/state
// (connection tracking), recent (address lists), set (ipsets), physdev (the
// bridge port a packet crossed) and statistic (the random draw). Same shape
// as parse-match.ts; messages copy libxtables 1.8.9's text.

import type { Match } from "./rule.js";
import { opts, type ExtParser, type ExtSpec } from "./parse-ext.js";
import { isProblem, nameList, parseProbability, problem } from "./parse-values.js";
import { CT_STATES, STATE_STATES } from "./names.js";
import { parseIp4 } from "../model/addr.js";

type Parser = ExtParser<Match>;

export const conntrack: ExtSpec<Match> = {
  options: {
    ...opts("ctstate", { args: 1, invert: true }),
    ...opts(
      "ctproto ctorigsrc ctorigdst ctreplsrc ctrepldst ctorigsrcport ctorigdstport ctreplsrcport ctrepldstport ctstatus ctexpire",
      { args: 1, invert: true, unsupported: true },
    ),
    ctdir: { args: 1, unsupported: true },
  },
  create(): Parser {
    let m: Match | undefined;
    return {
      option(_o, [arg], invert) {
        const states = nameList(arg!, CT_STATES, (s) => problem("bad-value", `Bad ctstate "${s}"`));
        if (isProblem(states)) return states;
        m = { m: "conntrack", ctstate: { states, neg: invert } };
        return undefined;
      },
      finish: () => m ?? problem("missing-option", "conntrack: you must specify an option"),
    };
  },
};

export const state: ExtSpec<Match> = {
  options: opts("state", { args: 1, invert: true }),
  create(): Parser {
    let m: Match | undefined;
    return {
      option(_o, [arg], invert) {
        const states = nameList(arg!, STATE_STATES, (s) => problem("bad-value", `Bad state "${s}"`));
        if (isProblem(states)) return states;
        m = { m: "state", states, neg: invert };
        return undefined;
      },
      finish: () => m ?? problem("missing-option", 'state: option "--state" must be specified'),
    };
  },
};

export const statistic: ExtSpec<Match> = {
  options: { mode: { args: 1 }, probability: { args: 1, invert: true }, ...opts("every packet", { args: 1, invert: true, unsupported: true }) },
  create(): Parser {
    let mode: string | undefined;
    let probability: number | undefined;
    let neg = false;
    return {
      option(opt, [arg], invert) {
        if (opt === "mode") {
          if (arg === "nth") return problem("unsupported-value", "statistic --mode nth is not modelled");
          if (arg !== "random") return problem("bad-value", `Bad mode "${arg}"`);
          mode = arg;
          return undefined;
        }
        const p = parseProbability(arg!);
        if (isProblem(p)) return p;
        probability = p;
        neg = invert;
        return undefined;
      },
      finish() {
        if (mode === undefined) return problem("missing-option", 'statistic: option "--mode" must be specified');
        if (probability === undefined) {
          return problem("missing-option", "--probability must be specified when using random mode");
        }
        return neg ? { m: "statistic", mode: "random", probability, neg } : { m: "statistic", mode: "random", probability };
      },
    };
  },
};

export const set: ExtSpec<Match> = {
  options: {
    "match-set": { args: 2, invert: true },
    ...opts("return-nomatch", { args: 0, unsupported: true }),
    ...opts("update-counters update-subcounters", { args: 0, invert: true, unsupported: true }),
    ...opts("packets-eq packets-lt packets-gt bytes-eq bytes-lt bytes-gt", { args: 1, invert: true, unsupported: true }),
  },
  create(): Parser {
    let m: Match | undefined;
    return {
      option(_o, [name, dirs], invert) {
        if (name!.length > 31) return problem("bad-value", `setname \`${name}' too long, max 31 characters.`);
        const flags = dirs!.split(",");
        if (flags.length > 6) return problem("bad-value", "Can't be more src/dst options than 6.");
        // parse_dirs compares only the first three characters (strncmp(ptr, "src", 3)).
        if (flags.some((f) => !f.startsWith("src") && !f.startsWith("dst"))) {
          return problem("bad-value", "You must specify (the comma separated list of) 'src' or 'dst'.");
        }
        m = { m: "set", name: name!, flags: flags.map((f) => (f.startsWith("src") ? "src" : "dst")), neg: invert };
        return undefined;
      },
      finish: () => m ?? problem("missing-option", "You must specify `--match-set' with proper arguments"),
    };
  },
};

export const physdev: ExtSpec<Match> = {
  options: { ...opts("physdev-in physdev-out", { args: 1, invert: true }), ...opts("physdev-is-in physdev-is-out physdev-is-bridged", { args: 0, invert: true }) },
  create(): Parser {
    const m: Extract<Match, { m: "physdev" }> = { m: "physdev" };
    return {
      option(opt, [arg], invert) {
        if (opt === "physdev-in") m.physIn = { name: arg!, neg: invert };
        else if (opt === "physdev-out") m.physOut = { name: arg!, neg: invert };
        else if (opt === "physdev-is-in") m.isIn = { neg: invert };
        else if (opt === "physdev-is-out") m.isOut = { neg: invert };
        else m.isBridged = { neg: invert };
        return undefined;
      },
      finish: () =>
        m.physIn || m.physOut || m.isIn || m.isOut || m.isBridged ? m : problem("missing-option", "PHYSDEV: no physdev option specified"),
    };
  },
};

/** libxt_recent: one of --set/--rcheck/--update/--remove; name defaults to DEFAULT, mask to /32. */
export const recent: ExtSpec<Match> = {
  options: {
    ...opts("set rcheck update remove", { args: 0, invert: true }),
    ...opts("seconds hitcount name mask", { args: 1 }),
    ...opts("reap rttl rsource rdest", { args: 0 }),
  },
  create(): Parser {
    const m: Extract<Match, { m: "recent" }> = {
      m: "recent", op: "set", name: "DEFAULT", reap: false, mask: "255.255.255.255", side: "rsource", neg: false,
    };
    let hasOp = false;
    return {
      option(opt, [arg], invert) {
        if (opt === "set" || opt === "rcheck" || opt === "update" || opt === "remove") {
          if (hasOp) return problem("incompatible-option", "recent: only one of `--set', `--rcheck' `--update' or `--remove' may be set");
          hasOp = true;
          m.op = opt;
          m.neg = invert;
        } else if (opt === "seconds" || opt === "hitcount") {
          const n = /^[0-9]+$/.test(arg!) ? Number(arg) : NaN;
          if (!(n >= (opt === "seconds" ? 1 : 0) && n <= 0xffffffff)) {
            return problem("bad-value", `recent: bad value for option "--${opt}", or out of range.`);
          }
          m[opt] = n;
        } else if (opt === "name") m.name = arg!;
        else if (opt === "mask") {
          if (parseIp4(arg!) === undefined) return problem("bad-value", `host/network \`${arg}' not found`);
          m.mask = arg!;
        } else if (opt === "reap") m.reap = true;
        else if (opt === "rttl") m.rttl = true;
        else m.side = opt === "rsource" ? "rsource" : "rdest";
        return undefined;
      },
      finish() {
        if (!hasOp) return problem("missing-option", "recent: you must specify one of `--set', `--rcheck' `--update' or `--remove'");
        if (m.reap && !m.seconds) return problem("missing-option", 'recent: option "--reap" also requires "--seconds".');
        return m;
      },
    };
  },
};
