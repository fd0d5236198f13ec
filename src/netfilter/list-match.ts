// The `iptables -L -n` text of each match and target: the extensions' `print`
// callbacks with numeric=1 (libxtables 1.8.9), which differ from their `save`
// form (`tcp dpt:80`, `mark match ! 0x4000/0x4000`, `MARK or 0x4000`, ...).
// Quirks kept on purpose: libipt_icmp prints `icmptype 8` (no space), and
// libxt_multiport prints two spaces before `!`.

import { formatProbability, type Match, type PortMatch, type Target } from "./rule.js";
import { ADDR_TYPES, CT_STATES, icmpSpec, joinInOrder } from "./names.js";
import { hex, rejectName, savePhysdev, valueMask } from "./save-match.js";

/** libxt_tcp print_ports: `spt:N`, `spts:A:B`, `!` after the colon; the full range is skipped. */
function printPorts(name: string, p: PortMatch | undefined): string {
  if (!p || (p.from === 0 && p.to === 65535 && !p.neg)) return "";
  const inv = p.neg ? "!" : "";
  return p.from === p.to ? ` ${name}:${inv}${p.from}` : ` ${name}s:${inv}${p.from}:${p.to}`;
}

export function printMatch(m: Match): string {
  switch (m.m) {
    case "comment":
      return ` /* ${m.comment} */`;
    case "tcp":
    case "udp":
    case "sctp":
      return " " + m.m + printPorts("spt", m.sport) + printPorts("dpt", m.dport);
    case "icmp":
      return " icmp" + printIcmp(m.type, m.neg);
    case "multiport": {
      const [kind, list] = m.dports ? ["dports", m.dports] : m.sports ? ["sports", m.sports] : ["ports", m.ports ?? []];
      return ` multiport ${kind} ${m.neg ? " !" : ""}${list.join(",")}`;
    }
    case "mark":
      return " mark match" + (m.neg ? " !" : "") + " " + valueMask(m.value, m.mask);
    case "addrtype":
      return " ADDRTYPE match" + printAddrtype(m);
    case "conntrack":
      return (m.ctstate.neg ? " !" : "") + " ctstate " + joinInOrder(m.ctstate.states, CT_STATES);
    case "state":
      return (m.neg ? " !" : "") + " state " + joinInOrder(m.states, CT_STATES);
    case "statistic":
      return " statistic mode random" + (m.neg ? " !" : "") + " probability " + formatProbability(m.probability);
    case "recent":
      return printRecent(m);
    case "set":
      return (m.neg ? " !" : "") + " match-set " + m.name + " " + m.flags.join(",");
    case "physdev":
      // libxt_physdev prints and saves its options alike.
      return " PHYSDEV match" + savePhysdev(m);
  }
}

/** libipt_icmp print_icmptype with numeric=1. */
function printIcmp(type: string, neg: boolean): string {
  const spec = icmpSpec(type) ?? { type: Number(type), codeMin: 0, codeMax: 255 };
  let out = (neg ? " !" : "") + "type " + spec.type;
  if (spec.codeMin === spec.codeMax) out += " code " + spec.codeMin;
  else if (spec.codeMin !== 0 || spec.codeMax !== 255) out += ` codes ${spec.codeMin}-${spec.codeMax}`;
  return out;
}

function printAddrtype(m: Extract<Match, { m: "addrtype" }>): string {
  let out = "";
  if (m.src) out += " src-type " + (m.src.neg ? "!" : "") + joinInOrder(m.src.types, ADDR_TYPES);
  if (m.dst) out += " dst-type " + (m.dst.neg ? "!" : "") + joinInOrder(m.dst.types, ADDR_TYPES);
  if (m.limitIfaceIn) out += " limit-in";
  if (m.limitIfaceOut) out += " limit-out";
  return out;
}

/** libxt_recent recent_print (IPv4). */
function printRecent(m: Extract<Match, { m: "recent" }>): string {
  const op = { set: " SET", rcheck: " CHECK", update: " UPDATE", remove: " REMOVE" }[m.op];
  return (
    (m.neg ? " !" : "") +
    " recent:" +
    op +
    (m.seconds ? " seconds: " + m.seconds : "") +
    (m.reap ? " reap" : "") +
    (m.hitcount ? " hit_count: " + m.hitcount : "") +
    (m.rttl ? " TTL-Match" : "") +
    " name: " +
    m.name +
    (m.side === "rsource" ? " side: source" : " side: dest") +
    " mask: " +
    m.mask
  );
}

/** The target column text (`-L` prints the chain or extension name, empty for none). */
export function targetName(t: Target | undefined): string {
  if (!t) return "";
  return t.t === "jump" || t.t === "goto" ? t.chain : t.t;
}

/** Target print callbacks; standard verdicts and jumps print nothing. */
export function printTarget(t: Target | undefined): string {
  if (!t) return "";
  switch (t.t) {
    case "REJECT":
      return " reject-with " + rejectName(t.with);
    case "DNAT":
    case "SNAT":
      return " to:" + t.to + natFlags(t.random, t.t === "SNAT" && t.randomFully, t.persistent);
    case "MASQUERADE":
      return (t.toPorts ? " masq ports: " + t.toPorts : "") + natFlags(t.random, t.randomFully, false);
    case "REDIRECT":
      return (t.toPorts ? " redir ports " + t.toPorts : "") + natFlags(t.random, false, false);
    case "MARK":
      return printMarkTarget(t.value >>> 0, t.mask >>> 0);
    case "LOG":
      return " LOG flags 0 level " + (t.level ?? 4) + (t.prefix ? ` prefix "${t.prefix}"` : "");
    default:
      return "";
  }
}

function natFlags(random: boolean | undefined, fully: boolean | undefined, persistent: boolean | undefined): string {
  return (random ? " random" : "") + (fully ? " random-fully" : "") + (persistent ? " persistent" : "");
}

/** libxt_MARK mark_tg_print: the first matching form wins (and, or, xor, set, xset). */
function printMarkTarget(value: number, mask: number): string {
  if (value === 0) return " MARK and " + hex(~mask >>> 0);
  if (value === mask) return " MARK or " + hex(value);
  if (mask === 0) return " MARK xor " + hex(value);
  if (mask === 0xffffffff) return " MARK set " + hex(value);
  return " MARK xset " + hex(value) + "/" + hex(mask);
}
