// Netfilter hooks in kernel priority order, conntrack, and NAT.
//
//   PREROUTING:  raw, conntrack, mangle, nat (destination NAT)
//   INPUT:       mangle, filter, IPVS (out 98, in 99), nat (source NAT), conntrack confirm
//   FORWARD:     mangle, filter, IPVS (out 100)
//   OUTPUT:      raw, conntrack, mangle, nat (destination NAT), IPVS (out -99, in -98), filter
//   POSTROUTING: mangle, nat (source NAT), conntrack confirm
//
// The nat table is consulted only for a connection's first packet; every later
// packet (both directions) is translated from the conntrack entry, as
// nf_nat_packet() does.

import { type Ip4, formatIp4, parseIp4 } from "../model/addr.js";
import { linkByName, type Netns } from "../model/kernel.js";
import type { Chain, Rule, Table, TableName } from "../netfilter/rule.js";
import { saveRule } from "../netfilter/save.js";
import { type Ipv4Packet, rebuildIp } from "../packet/ipv4.js";
import { type Outcome, policyOf, type RuleHit, type WalkContext, walkChain } from "./chain-walk.js";
import { type Conn, type Direction, type Tuple, invert, trackPacket } from "./conntrack.js";
import { isIcmpError, relatedKey, translateRelated } from "./icmp-related.js";
import { ipvsEnabled, ipvsIn, ipvsOut } from "./ipvs.js";
import { inSet, recent } from "./match-lists.js";
import type { CtState, MatchContext } from "./match.js";
import type { Network } from "./network.js";
import { isBroadcastAddress, masqueradeSource, type RouteResult } from "./routing.js";
import type { NsState, Skb } from "./state.js";

export type Hook = "PREROUTING" | "INPUT" | "FORWARD" | "OUTPUT" | "POSTROUTING";

/**
 * The devices a hook sees. Every field is written at every call, absent ones
 * as undefined: hooks read these for each packet, and objects of seven shapes
 * made those reads megamorphic.
 */
export interface HookDevices {
  in: string | undefined;
  out: string | undefined;
  physIn: string | undefined;
  physOut: string | undefined;
  /** Next hop of the route (MASQUERADE picks the out device's address on its subnet). */
  nexthop: Ip4 | undefined;
}

export type HookVerdict =
  | { verdict: "accept" }
  | { verdict: "drop"; by?: RuleHit }
  | { verdict: "reject"; with: string; by: RuleHit }
  /** IPVS took the packet to send it to a real server elsewhere: LOCAL_OUT and POSTROUTING follow (ip_vs_nat_send_or_cont). */
  | { verdict: "ipvs"; route: Extract<RouteResult, { type: "unicast" }> }
  /** IPVS dropped the packet (the step says why), answering the sender first when `icmp` says so. */
  | { verdict: "gone"; icmp?: "port-unreachable" };

/** What runs at each hook, in priority order: iptables tables and IPVS's hook functions. */
type Stage = TableName | "ipvs-out" | "ipvs-in";

const STAGES: Record<Hook, Stage[]> = {
  PREROUTING: ["raw", "mangle", "nat"],
  INPUT: ["mangle", "filter", "ipvs-out", "ipvs-in", "nat"],
  FORWARD: ["mangle", "filter", "ipvs-out"],
  OUTPUT: ["raw", "mangle", "nat", "ipvs-out", "ipvs-in", "filter"],
  POSTROUTING: ["mangle", "nat"],
};

export function tupleOf(ip: Ipv4Packet): Tuple | undefined {
  const p = ip.payload;
  if (p.kind === "tcp" || p.kind === "udp") return { proto: p.kind, src: ip.src, sport: p.sport, dst: ip.dst, dport: p.dport };
  if (p.kind === "icmp" && (p.type === "echo-request" || p.type === "echo-reply")) {
    // conntrack keys ICMP echo by id; replies invert the type.
    return { proto: "icmp", src: ip.src, sport: p.id, dst: ip.dst, dport: p.id };
  }
  return undefined;
}

/** A stage as one namespace runs it: a table's builtin chain to walk, the nat hook, or one of IPVS's. */
type Planned = { stage: "walk"; table: Table; chain: Chain } | { stage: "nat" | "ipvs-out" | "ipvs-in" };

/**
 * Each namespace's stages per hook, worked out once (compiled state never
 * changes): without the tables it lacks, the builtin chains that are empty
 * and accept (mangle and raw, on most nodes), and IPVS where it is off.
 */
const plans = new WeakMap<Netns, Record<Hook, Planned[]>>();

function planOf(ns: Netns): Record<Hook, Planned[]> {
  let plan = plans.get(ns);
  if (plan) return plan;
  const tables = ns.tables();
  const ipvs = ipvsEnabled(ns);
  const stagesOf = (hook: Hook): Planned[] =>
    STAGES[hook].flatMap((stage): Planned[] => {
      if (stage === "ipvs-out" || stage === "ipvs-in") return ipvs ? [{ stage }] : [];
      // The nat hook runs without a nat table too: it translates what conntrack says.
      if (stage === "nat") return [{ stage }];
      const table = tables.get(stage);
      const chain = table?.chains.get(hook);
      if (!table || !chain || (chain.rules.length === 0 && chain.policy !== "DROP")) return [];
      return [{ stage: "walk", table, chain }];
    });
  plan = Object.fromEntries(Object.keys(STAGES).map((h) => [h, stagesOf(h as Hook)])) as Record<Hook, Planned[]>;
  plans.set(ns, plan);
  return plan;
}

/** What most packets get at most hooks: one shared verdict, never changed. */
const ACCEPTED: HookVerdict = Object.freeze({ verdict: "accept" });

export function runHook(net: Network, nsId: string, hook: Hook, skb: Skb, devs: HookDevices): HookVerdict {
  const st = net.state(nsId);
  if (!st.hasNetfilter) return ACCEPTED;
  if (hook === "PREROUTING" || hook === "OUTPUT") attachConntrack(net, st, skb);
  const stages = planOf(st.netns)[hook];
  for (let i = 0; i < stages.length; i++) {
    const p = stages[i]!;
    if (p.stage === "walk") {
      const outcome = walk(net, nsId, st, p.table, hook, skb, devs, p.chain);
      if (outcome.verdict === "DROP") return { verdict: "drop", ...(outcome.by ? { by: outcome.by } : {}) };
      if (outcome.verdict === "REJECT") return { verdict: "reject", with: outcome.with, by: outcome.by };
    } else if (p.stage === "nat") natHook(net, nsId, st, hook, skb, devs);
    else if (p.stage === "ipvs-out") ipvsOut(net, nsId, st, skb, hook as "INPUT" | "OUTPUT" | "FORWARD");
    else {
      const r = ipvsIn(net, nsId, st, skb, hook as "INPUT" | "OUTPUT");
      if (r.kind === "xmit") return { verdict: "ipvs", route: r.route };
      if (r.kind === "drop") return { verdict: "gone", ...(r.icmp ? { icmp: r.icmp } : {}) };
    }
  }
  if ((hook === "POSTROUTING" || hook === "INPUT") && skb.ct && !skb.ct.conn.confirmed) st.conntrack.confirm(skb.ct.conn);
  return ACCEPTED;
}

/** nf_conntrack_in: find the connection or start a new (unconfirmed) one. */
function attachConntrack(net: Network, st: NsState, skb: Skb): void {
  if (skb.ct) return;
  const ip = skb.ip;
  if (isIcmpError(ip)) {
    // An error about a tracked connection is RELATED to it (and travels in its direction).
    const key = relatedKey(ip.payload.quoted);
    const found = key ? st.conntrack.lookup(key, net.now) : undefined;
    if (found) {
      skb.ct = { conn: found.conn, dir: found.dir, fresh: false, related: true };
      skb.ctstate = "RELATED";
    } else skb.ctstate = "INVALID";
    return;
  }
  const t = tupleOf(skb.ip);
  if (!t) {
    skb.ctstate = "INVALID";
    return;
  }
  const found = st.conntrack.lookup(t, net.now);
  const p = skb.ip.payload;
  const tcpFlags = p.kind === "tcp" ? p.flags : undefined;
  if (found) {
    skb.ct = { conn: found.conn, dir: found.dir, fresh: false };
    trackPacket(found.conn, found.dir, tcpFlags, net.now, st.netns.sysctl);
    skb.ctstate = found.dir === "reply" || found.conn.seenReply ? "ESTABLISHED" : "NEW";
    return;
  }
  if (p.kind === "tcp" && !p.flags.syn) {
    // A TCP segment with no connection (e.g. a reply that bypassed this host's NAT) is INVALID.
    skb.ctstate = "INVALID";
    return;
  }
  const conn = st.conntrack.create(t);
  trackPacket(conn, "orig", tcpFlags, net.now, st.netns.sysctl);
  skb.ct = { conn, dir: "orig", fresh: true };
  skb.ctstate = "NEW";
}

/** What a rule can see of a packet at a hook (one per table walk; a class, since a walk runs for every packet at every hook). */
class HookContext implements WalkContext {
  readonly ctstate: CtState;
  readonly ctSnat: boolean;
  readonly ctDnat: boolean;
  readonly inDev: string | undefined;
  readonly outDev: string | undefined;
  readonly physIn: string | undefined;
  readonly physOut: string | undefined;

  constructor(
    private readonly net: Network,
    private readonly nsId: string,
    private readonly st: NsState,
    private readonly skb: Skb,
    devs: HookDevices,
    readonly hits: RuleHit[] | undefined,
  ) {
    const conn = skb.ct?.conn;
    this.ctDnat = conn?.dstNat ?? false;
    this.ctSnat = conn?.srcNat ?? false;
    this.ctstate = (skb.ctstate ?? "UNTRACKED") as CtState;
    this.inDev = devs.in || undefined;
    this.outDev = devs.out || undefined;
    this.physIn = devs.physIn || undefined;
    this.physOut = devs.physOut || undefined;
  }

  get ip(): Ipv4Packet {
    return this.skb.ip;
  }

  /** A MARK target earlier in the same walk is seen by later `-m mark` matches, as in the kernel. */
  get mark(): number {
    return this.skb.mark;
  }

  setMark(mark: number): void {
    this.skb.mark = mark;
  }

  isLocal(ip: Ip4): boolean {
    return this.net.isLocal(this.nsId, ip);
  }

  isBroadcast(ip: Ip4): boolean {
    return isBroadcastAddress(this.st.netns, ip);
  }

  chance(p: number): boolean {
    return this.net.chooser.decide(p, this.nsId, this.skb.id);
  }

  inSet(name: string, flags: ("src" | "dst")[]): boolean {
    return inSet(this.st.netns.ipsets(), name, flags, this.skb.ip);
  }

  recent(m: Parameters<MatchContext["recent"]>[0]): boolean {
    return recent(this.net, this.st, m, this.skb.ip);
  }
}

function walk(net: Network, nsId: string, st: NsState, t: Table, hook: Hook, skb: Skb, devs: HookDevices, chain = t.chains.get(hook)): Outcome {
  const table = t.name;
  const hits: RuleHit[] | undefined = net.narrating ? [] : undefined;
  // An empty builtin chain: the policy decides, no context needed.
  const outcome = chain?.rules.length ? walkChain(t, hook, new HookContext(net, nsId, st, skb, devs, hits), chain) : policyOf(t, hook);
  if (hits) {
    for (const h of hits) net.ruleStep(nsId, hook, table, h.chain, h.number, ruleText(h.chain, h.rule), h.rule.origin, describeHit(h));
  }
  if (outcome.verdict === "DROP" && outcome.policy) net.step("drop", nsId, `${table} ${hook} policy DROP`, { hook, table, chain: hook });
  return outcome;
}

/** iptables-save's line for a rule, made once per rule: the same rules match packet after packet, node after node. */
const savedRules = new WeakMap<Rule, { chain: string; text: string }>();

function ruleText(chain: string, rule: Rule): string {
  const known = savedRules.get(rule);
  if (known?.chain === chain) return known.text;
  const text = saveRule(chain, rule);
  savedRules.set(rule, { chain, text });
  return text;
}

function describeHit(h: RuleHit): string {
  const t = h.rule.target;
  if (!t) return "counted";
  switch (t.t) {
    case "jump":
      return `jump to ${t.chain}`;
    case "goto":
      return `goto ${t.chain}`;
    case "MARK":
      return `mark 0x${t.value.toString(16)}/0x${t.mask.toString(16)}`;
    case "DNAT":
      return `DNAT to ${t.to}`;
    case "SNAT":
      return `SNAT to ${t.to}`;
    case "REDIRECT":
      return `REDIRECT to port ${t.toPorts ?? "(same)"}`;
    default:
      return t.t;
  }
}

/** The nat hook: decide NAT on the first packet, then translate as the conntrack entry says. */
function natHook(net: Network, nsId: string, st: NsState, hook: Hook, skb: Skb, devs: HookDevices): void {
  const ct = skb.ct;
  if (!ct) return;
  const manip: "dst" | "src" = hook === "PREROUTING" || hook === "OUTPUT" ? "dst" : "src";
  if (ct.related) {
    if (!natApplies(ct.conn, ct.dir, manip)) return;
    const ip = skb.ip;
    if (!isIcmpError(ip)) return;
    const next = translateRelated(ip, ct.conn, ct.dir, manip);
    if (next.src !== ip.src || next.dst !== ip.dst) {
      net.step("nat", nsId, `RELATED ICMP error: ${manip === "dst" ? `destination → ${formatIp4(next.dst)}` : `source → ${formatIp4(next.src)}`}, and the quoted packet translated back (conntrack)`, { hook, table: "nat" });
    }
    skb.ip = next;
    return;
  }
  const conn = ct.conn;
  const decided = manip === "dst" ? conn.dnatDone : conn.snatDone;
  if (!decided && ct.dir === "orig" && !conn.confirmed) {
    const nat = st.netns.tables().get("nat");
    const outcome = nat ? walk(net, nsId, st, nat, hook, skb, devs) : undefined;
    if (outcome?.verdict === "NAT") bind(net, nsId, st, conn, outcome, hook, skb, devs);
    if (manip === "dst") conn.dnatDone = true;
    else conn.snatDone = true;
  }
  if (natApplies(conn, ct.dir, manip)) translate(net, nsId, skb, manip);
}

/** nf_nat_packet: a manipulation applies when its status bit is set (in the reply direction, the other one's). */
function natApplies(conn: Conn, dir: Direction, manip: "dst" | "src"): boolean {
  return (manip === "dst") === (dir === "orig") ? conn.dstNat : conn.srcNat;
}

function bind(net: Network, nsId: string, st: NsState, conn: Conn, outcome: Extract<Outcome, { verdict: "NAT" }>, hook: Hook, skb: Skb, devs: HookDevices): void {
  const target = outcome.target;
  const reply = { ...conn.reply };
  if (target.t === "DNAT" || target.t === "REDIRECT") {
    let ip: Ip4 | undefined;
    let port: number | undefined;
    if (target.t === "DNAT") ({ ip, port } = parseNatTo(target.to));
    else {
      // REDIRECT: to the incoming interface's primary address (127.0.0.1 for locally generated packets).
      ip = hook === "OUTPUT" ? 0x7f000001 : ((devs.in === undefined ? undefined : linkByName(st.netns, devs.in))?.addrs[0]?.cidr.addr ?? 0x7f000001);
      port = target.toPorts ? Number(target.toPorts.split("-")[0]) : undefined;
    }
    reply.src = ip ?? reply.src;
    if (port !== undefined) reply.sport = port;
  } else {
    let ip: Ip4 | undefined;
    let port: number | undefined;
    if (target.t === "SNAT") ({ ip, port } = parseNatTo(target.to));
    else ip = masqueradeSource(st.netns, devs.out ?? "", devs.nexthop ?? conn.orig.dst);
    if (ip === undefined) return;
    reply.dst = ip;
    const randomFully = target.t !== "SNAT" || target.randomFully ? target.randomFully : false;
    if (port !== undefined) reply.dport = port;
    else if (randomFully || st.conntrack.replyInUse(reply)) reply.dport = pickPort(net, st, reply);
  }
  if (reply.src !== conn.reply.src || reply.sport !== conn.reply.sport) conn.dstNat = true;
  if (reply.dst !== conn.reply.dst || reply.dport !== conn.reply.dport) conn.srcNat = true;
  st.conntrack.rekeyReply(conn, reply);
  if (!net.narrating) return;
  const what = target.t === "DNAT" || target.t === "REDIRECT" ? `destination ${formatIp4(conn.orig.dst)}:${conn.orig.dport} → ${formatIp4(reply.src)}:${reply.sport}` : `source ${formatIp4(conn.orig.src)}:${conn.orig.sport} → ${formatIp4(reply.dst)}:${reply.dport}`;
  net.step("nat", nsId, `${target.t}: ${what}`, { hook, table: "nat" });
  void skb;
}

/** --random-fully: a random port from the NAT range for every new connection (nf_nat_l4proto_unique_tuple). */
function pickPort(net: Network, st: NsState, reply: Tuple): number {
  for (let i = 0; i < 100; i++) {
    const port = reply.proto === "icmp" ? net.rng.int(0, 65535) : net.rng.int(1024, 65535);
    if (!st.conntrack.replyInUse({ ...reply, dport: port })) return port;
  }
  return reply.dport;
}

/** A DNAT/SNAT `--to` (`ip[-ip][:port[-port]]`): the first address and port of its ranges, read once per text. */
const natTo = new Map<string, { ip: Ip4 | undefined; port: number | undefined }>();

function parseNatTo(to: string): { ip: Ip4 | undefined; port: number | undefined } {
  let parsed = natTo.get(to);
  if (!parsed) {
    const [addr, port] = to.split(":");
    parsed = { ip: addr ? parseIp4(addr.split("-")[0]!) : undefined, port: port ? Number(port.split("-")[0]) : undefined };
    natTo.set(to, parsed);
  }
  return parsed;
}

/** nf_nat_packet: rewrite the packet so it matches the other direction's tuple, inverted. */
function translate(net: Network, nsId: string, skb: Skb, manip: "dst" | "src"): void {
  const ct = skb.ct!;
  const conn = ct.conn;
  const ip = skb.ip;
  const p = ip.payload;
  if (p.kind !== "tcp" && p.kind !== "udp" && p.kind !== "icmp") return;
  // Every packet of a NATed connection passes here at every hook: compare before making tuples.
  const other = ct.dir === "orig" ? conn.reply : conn.orig;
  let sport: number;
  let dport: number;
  if (p.kind !== "icmp") ({ sport, dport } = p);
  else if (p.type === "echo-request" || p.type === "echo-reply") sport = dport = p.id;
  else return;
  if (manip === "dst" ? ip.dst === other.src && dport === other.sport : ip.src === other.dst && sport === other.dport) return;
  const want = invert(other);
  const cur = tupleOf(ip);
  if (!cur) return;
  const withPort = (port: number, field: "sport" | "dport") =>
    p.kind === "icmp" ? (p.type === "echo-request" || p.type === "echo-reply" ? { ...p, id: port } : p) : { ...p, [field]: port };
  if (manip === "dst" && (cur.dst !== want.dst || cur.dport !== want.dport)) {
    skb.ip = rebuildIp(ip, ip.src, want.dst, ip.ttl, withPort(want.dport, "dport") as Ipv4Packet["payload"]);
    if (!net.narrating) return;
    if (ct.dir === "reply") net.step("nat", nsId, `un-SNAT (conntrack): destination → ${formatIp4(want.dst)}:${want.dport}`);
    else if (!ct.fresh) net.step("nat", nsId, `DNAT (conntrack): destination → ${formatIp4(want.dst)}:${want.dport}`);
  } else if (manip === "src" && (cur.src !== want.src || cur.sport !== want.sport)) {
    skb.ip = rebuildIp(ip, want.src, ip.dst, ip.ttl, withPort(want.sport, "sport") as Ipv4Packet["payload"]);
    if (!net.narrating) return;
    if (ct.dir === "reply") net.step("nat", nsId, `un-DNAT (conntrack): source → ${formatIp4(want.src)}:${want.sport}`);
    else if (!ct.fresh) net.step("nat", nsId, `SNAT (conntrack): source → ${formatIp4(want.src)}:${want.sport}`);
  }
}
