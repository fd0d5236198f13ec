// The iptables-save text of each match and target, exactly as the libxtables
// 1.8.9 extensions' `save` callbacks print it (including the leading space).
// Hot path of a 470k-rule dump: writes into a TextSink (no rope strings, no
// regex), with caches for the few values that need work (state lists,
// probabilities). The string helpers at the end serve `iptables -L`.

import { TextSink } from "./text-sink.js";
import { formatProbability, type Match, type PortMatch, type Target } from "./rule.js";
import { ADDR_TYPES, CT_STATES, icmpSaveText, icmpSpec, joinInOrder, REJECT_TYPES } from "./names.js";

/**
 * xtables_save_string: bare when the text is non-empty and entirely [A-Za-z0-9_-],
 * else in double quotes with `"`, `\` and `'` backslash-escaped (TextSink.saveString).
 */
export function saveString(value: string): string {
  const o = new TextSink();
  o.saveString(value);
  return o.finish();
}

/** `0x%x` of an unsigned 32-bit value. */
export function hex(value: number): string {
  return "0x" + (value >>> 0).toString(16);
}

/** tcp/udp save: a port spec is omitted when it is the full range and not inverted. */
function writePorts(o: TextSink, opt: string, p: PortMatch | undefined, alwaysPrint: boolean): void {
  if (p === undefined) return;
  if (!alwaysPrint && p.from === 0 && p.to === 65535 && !p.neg) return;
  o.s(p.neg ? " ! " : " ");
  o.s(opt);
  o.n(p.from);
  if (p.from !== p.to) {
    o.s(":");
    o.n(p.to);
  }
}

const probabilityCache = new Map<number, string>();

function probabilityText(stored: number): string {
  let text = probabilityCache.get(stored);
  if (text === undefined) {
    text = formatProbability(stored);
    probabilityCache.set(stored, text);
  }
  return text;
}

/** Writes ` -m NAME options` for one match. */
export function writeMatch(o: TextSink, m: Match): void {
  switch (m.m) {
    case "comment":
      o.s(" -m comment --comment");
      return o.saveString(m.comment);
    case "tcp":
    case "udp":
    case "sctp": // libxt_sctp prints whatever was given (flag based), even 0:65535
      o.s(m.m === "tcp" ? " -m tcp" : m.m === "udp" ? " -m udp" : " -m sctp");
      writePorts(o, "--sport ", m.sport, m.m === "sctp");
      return writePorts(o, "--dport ", m.dport, m.m === "sctp");
    case "icmp": {
      const spec = icmpSpec(m.type);
      return o.s(" -m icmp" + (m.neg ? " !" : "") + " --icmp-type " + (spec ? icmpSaveText(spec) : m.type));
    }
    case "multiport": {
      const [opt, list] = m.dports ? ["--dports", m.dports] : m.sports ? ["--sports", m.sports] : ["--ports", m.ports ?? []];
      return o.s(" -m multiport" + (m.neg ? " ! " : " ") + opt + " " + list.join(","));
    }
    case "mark":
      o.s(m.neg ? " -m mark ! --mark " : " -m mark --mark ");
      return o.s(valueMask(m.value, m.mask));
    case "addrtype":
      return o.s(" -m addrtype" + saveAddrtype(m));
    case "conntrack":
      o.s(m.ctstate.neg ? " -m conntrack ! --ctstate " : " -m conntrack --ctstate ");
      return o.s(joinInOrder(m.ctstate.states, CT_STATES));
    case "state":
      return o.s(" -m state" + (m.neg ? " !" : "") + " --state " + joinInOrder(m.states, CT_STATES));
    case "statistic":
      o.s(m.neg ? " -m statistic --mode random ! --probability " : " -m statistic --mode random --probability ");
      return o.s(probabilityText(m.probability));
    case "recent":
      return o.s(" -m recent" + saveRecent(m));
    case "set":
      return o.s(" -m set" + (m.neg ? " !" : "") + " --match-set " + m.name + " " + m.flags.join(","));
    case "physdev":
      return o.s(" -m physdev" + savePhysdev(m));
  }
}

/** xtables_print_mark_mask: the mask is left out when it is 0xffffffff. */
export function valueMask(value: number, mask: number): string {
  return mask >>> 0 === 0xffffffff ? hex(value) : hex(value) + "/" + hex(mask);
}

function saveAddrtype(m: Extract<Match, { m: "addrtype" }>): string {
  let out = "";
  if (m.src) out += (m.src.neg ? " !" : "") + " --src-type " + joinInOrder(m.src.types, ADDR_TYPES);
  if (m.dst) out += (m.dst.neg ? " !" : "") + " --dst-type " + joinInOrder(m.dst.types, ADDR_TYPES);
  if (m.limitIfaceIn) out += " --limit-iface-in";
  if (m.limitIfaceOut) out += " --limit-iface-out";
  return out;
}

/** libxt_recent recent_save order: op, seconds, reap, hitcount, rttl, name, mask, side. */
function saveRecent(m: Extract<Match, { m: "recent" }>): string {
  const op = m.op === "rcheck" ? " --rcheck" : " --" + m.op;
  return (
    (m.neg ? " !" : "") +
    op +
    (m.seconds ? " --seconds " + m.seconds : "") +
    (m.reap ? " --reap" : "") +
    (m.hitcount ? " --hitcount " + m.hitcount : "") +
    (m.rttl ? " --rttl" : "") +
    " --name " +
    m.name +
    " --mask " +
    m.mask +
    (m.side === "rsource" ? " --rsource" : " --rdest")
  );
}

/** libxt_physdev physdev_save order: is-in, in, is-out, out, is-bridged. */
export function savePhysdev(m: Extract<Match, { m: "physdev" }>): string {
  let out = "";
  if (m.isIn) out += (m.isIn.neg ? " !" : "") + " --physdev-is-in";
  if (m.physIn) out += (m.physIn.neg ? " !" : "") + " --physdev-in " + m.physIn.name;
  if (m.isOut) out += (m.isOut.neg ? " !" : "") + " --physdev-is-out";
  if (m.physOut) out += (m.physOut.neg ? " !" : "") + " --physdev-out " + m.physOut.name;
  if (m.isBridged) out += (m.isBridged.neg ? " !" : "") + " --physdev-is-bridged";
  return out;
}

/** Writes ` -j TARGET options` / ` -g CHAIN`. */
export function writeTarget(o: TextSink, t: Target): void {
  switch (t.t) {
    case "jump":
      o.s(" -j ");
      return o.s(t.chain);
    case "goto":
      o.s(" -g ");
      return o.s(t.chain);
    case "ACCEPT":
      return o.s(" -j ACCEPT");
    case "DROP":
      return o.s(" -j DROP");
    case "RETURN":
      return o.s(" -j RETURN");
    case "REJECT":
      return o.s(" -j REJECT --reject-with " + rejectName(t.with));
    case "DNAT":
      o.s(" -j DNAT --to-destination ");
      o.s(t.to);
      if (t.random || t.persistent) o.s(natFlags(t.random, false, t.persistent));
      return;
    case "SNAT":
      return o.s(" -j SNAT --to-source " + t.to + natFlags(t.random, t.randomFully, t.persistent));
    case "MASQUERADE":
      return o.s(" -j MASQUERADE" + (t.toPorts ? " --to-ports " + t.toPorts : "") + natFlags(t.random, t.randomFully, false));
    case "REDIRECT":
      return o.s(" -j REDIRECT" + (t.toPorts ? " --to-ports " + t.toPorts : "") + natFlags(t.random, false, false));
    case "MARK":
      return o.s(" -j MARK --set-xmark " + hex(t.value) + "/" + hex(t.mask));
    case "LOG":
      o.s(" -j LOG");
      if (t.prefix) {
        o.s(" --log-prefix");
        o.saveString(t.prefix);
      }
      if (t.level !== undefined && t.level !== 4) o.s(" --log-level " + t.level);
      return;
  }
}

/** libxt_NAT __NAT_print flag order: random, random-fully, persistent. */
function natFlags(random: boolean | undefined, fully: boolean | undefined, persistent: boolean | undefined): string {
  return (random ? " --random" : "") + (fully ? " --random-fully" : "") + (persistent ? " --persistent" : "");
}

/** The reject_table name for a stored name or alias (REJECT_parse accepts both). */
export function rejectName(stored: string): string {
  for (const [name, alias] of REJECT_TYPES) if (stored === name || stored === alias) return name;
  return stored;
}

/** Writes `a.b.c.d/len` with host bits cleared, as the kernel stores the address under its mask. */
export function writeCidr(o: TextSink, addr: number, len: number): void {
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  o.ip((addr & mask) >>> 0);
  o.s("/");
  o.n(len);
}
