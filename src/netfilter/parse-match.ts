// `-m NAME` option parsers, one per modelled libxtables 1.8.9 match, each
// turning the options a program wrote into the canonical Match the kernel
// would hand back to iptables-save. Messages copy the extension's own text.
// Packet-header matches live here; matches on kernel state (conntrack,
// recent lists, ipsets, bridge ports, randomness) in parse-match-stateful.ts.

import type { Match, PortMatch } from "./rule.js";
import { opts, type ExtParser, type ExtSpec } from "./parse-ext.js";
import { isProblem, nameList, parseMarkMask, parsePort, parsePortRange, problem, type Problem } from "./parse-values.js";
import { ADDR_TYPES, ICMP_CODES, icmpSaveText } from "./names.js";
import { conntrack, physdev, recent, set, state, statistic } from "./parse-match-stateful.js";

type Parser = ExtParser<Match>;

const comment: ExtSpec<Match> = {
  options: opts("comment", { args: 1 }),
  create(): Parser {
    let text: string | undefined;
    return {
      option(_o, [arg]) {
        text = arg!;
        return undefined;
      },
      finish(env) {
        if (text === undefined) return problem("missing-option", 'comment: option "--comment" must be specified');
        // XT_MAX_COMMENT_LEN is 256 bytes with the NUL: longer comments are cut silently.
        const bytes = Buffer.from(text, "utf8");
        if (bytes.length > 255) {
          env.warn(problem("comment-truncated", `comment is ${bytes.length} bytes; the kernel keeps the first 255`));
          text = bytes.subarray(0, 255).toString("utf8");
        }
        return { m: "comment", comment: text };
      },
    };
  },
};

/** tcp, udp and sctp share --sport/--dport (libxt_tcp, libxt_udp, libxt_sctp). */
function portMatch(name: "tcp" | "udp" | "sctp", protoNum: number): ExtSpec<Match> {
  const unsupported: Record<string, string> = { tcp: "tcp-flags:2 syn:0 tcp-option:1", udp: "", sctp: "chunk-types:2" };
  const options = opts("sport source-port dport destination-port", { args: 1, invert: true });
  for (const u of unsupported[name]!.split(" ").filter(Boolean)) {
    const [o, n] = u.split(":") as [string, string];
    options[o] = { args: Number(n) as 0 | 2, invert: true, unsupported: true };
  }
  return {
    options,
    create(): Parser {
      let sport: PortMatch | undefined;
      let dport: PortMatch | undefined;
      return {
        option(opt, [arg], invert) {
          const p = parsePortRange(arg!, invert);
          if (isProblem(p)) return p;
          if (opt === "sport" || opt === "source-port") sport = p;
          else dport = p;
          return undefined;
        },
        finish(env) {
          if (env.proto !== protoNum || env.protoNeg) {
            return problem("incompatible-option", `${name.toUpperCase()} match requires '-p ${name}'`);
          }
          const m: Match = { m: name };
          if (sport) m.sport = sport;
          if (dport) m.dport = dport;
          return m;
        },
      };
    },
  };
}

const icmp: ExtSpec<Match> = {
  options: opts("icmp-type", { args: 1, invert: true }),
  create(): Parser {
    let type: string | undefined;
    let neg = false;
    return {
      option(_o, [arg], invert) {
        const t = icmpType(arg!);
        if (isProblem(t)) return t;
        type = t;
        neg = invert;
        return undefined;
      },
      finish(env) {
        if (type === undefined) return problem("missing-option", 'icmp: option "--icmp-type" must be specified');
        if (env.proto !== 1 || env.protoNeg) return problem("incompatible-option", "icmp match requires '-p icmp'");
        return { m: "icmp", type, neg };
      },
    };
  },
};

/** libxt_icmp.h __parse_icmp: a unique name prefix (case-insensitive), else `type[/code]`. */
function icmpType(text: string): string | Problem {
  const lower = text.toLowerCase();
  const hits = ICMP_CODES.filter(([name]) => name.toLowerCase().startsWith(lower));
  if (hits.length > 1) {
    return problem("bad-value", `Ambiguous ICMP type \`${text}': \`${hits[0]![0]}' or \`${hits[1]![0]}'?`);
  }
  if (hits.length === 1) {
    const [, type, codeMin, codeMax] = hits[0]!;
    return icmpSaveText({ type, codeMin, codeMax });
  }
  const m = /^([0-9]+)(?:\/([0-9]+))?$/.exec(text);
  if (!m || Number(m[1]) > 255 || (m[2] !== undefined && Number(m[2]) > 255)) {
    return problem("bad-value", `Unknown ICMP type \`${text}'`);
  }
  const type = Number(m[1]);
  const code = m[2] === undefined ? undefined : Number(m[2]);
  return icmpSaveText(code === undefined ? { type, codeMin: 0, codeMax: 255 } : { type, codeMin: code, codeMax: code });
}

const multiport: ExtSpec<Match> = {
  options: opts("dports destination-ports sports source-ports ports", { args: 1, invert: true }),
  create(): Parser {
    let which: "dports" | "sports" | "ports" | undefined;
    let list: number[] = [];
    let neg = false;
    return {
      option(opt, [arg], invert, env) {
        if (which) return problem("duplicate-option", "multiport can only have one option");
        if (!(env.proto === 6 || env.proto === 17 || env.proto === 132 || env.proto === 33 || env.proto === 136) || env.protoNeg) {
          return problem("incompatible-option", "multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'");
        }
        which = opt === "destination-ports" || opt === "dports" ? "dports" : opt === "source-ports" || opt === "sports" ? "sports" : "ports";
        neg = invert;
        const parts = arg!.split(",");
        if (parts.length > 15) return problem("bad-value", "too many ports specified");
        for (const part of parts) {
          if (part.includes(":")) return problem("unsupported-value", `multiport port range \`${part}' is not modelled`);
          const p = parsePort(part);
          if (isProblem(p)) return p;
          list.push(p);
        }
        return undefined;
      },
      finish() {
        if (!which) return problem("missing-option", "no ports specified");
        return which === "dports" ? { m: "multiport", dports: list, neg } : which === "sports" ? { m: "multiport", sports: list, neg } : { m: "multiport", ports: list, neg };
      },
    };
  },
};

const mark: ExtSpec<Match> = {
  options: opts("mark", { args: 1, invert: true }),
  create(): Parser {
    let m: Match | undefined;
    return {
      option(_o, [arg], invert) {
        const vm = parseMarkMask(arg!, "mark", "mark");
        if (isProblem(vm)) return vm;
        m = { m: "mark", value: vm.value, mask: vm.mask, neg: invert };
        return undefined;
      },
      finish: () => m ?? problem("missing-option", 'mark: option "--mark" must be specified'),
    };
  },
};

const addrtype: ExtSpec<Match> = {
  options: { ...opts("src-type dst-type", { args: 1, invert: true }), ...opts("limit-iface-in limit-iface-out", { args: 0 }) },
  create(): Parser {
    const m: Extract<Match, { m: "addrtype" }> = { m: "addrtype" };
    return {
      option(opt, [arg], invert) {
        if (opt === "limit-iface-in") m.limitIfaceIn = true;
        else if (opt === "limit-iface-out") m.limitIfaceOut = true;
        else {
          const types = nameList(arg!, ADDR_TYPES, (t) => problem("bad-value", `addrtype: bad type "${t}"`));
          if (isProblem(types)) return types;
          m[opt === "src-type" ? "src" : "dst"] = { types, neg: invert };
        }
        return undefined;
      },
      finish() {
        if (!m.src && !m.dst) return problem("missing-option", "addrtype: you must specify --src-type or --dst-type");
        if (m.limitIfaceIn && m.limitIfaceOut) {
          return problem("incompatible-option", "addrtype: you can't specify both --limit-iface-in and --limit-iface-out");
        }
        return m;
      },
    };
  },
};

export const MATCHES: Record<string, ExtSpec<Match>> = {
  comment,
  tcp: portMatch("tcp", 6),
  udp: portMatch("udp", 17),
  sctp: portMatch("sctp", 132),
  icmp,
  multiport,
  mark,
  addrtype,
  conntrack,
  state,
  statistic,
  recent,
  set,
  physdev,
};

