// kube-proxy's IPVS mode as the kernel runs it (net/netfilter/ipvs). Virtual
// servers live in the node's IPVS table, not in iptables; their addresses sit
// on the dummy kube-ipvs0, so a packet for a ClusterIP is delivered locally
// and IPVS takes it on the way in:
//
//   LOCAL_IN  priority  98  ip_vs_out_hook   replies from a real server to a local client
//   LOCAL_IN  priority  99  ip_vs_in_hook    requests for a virtual server: schedule, then
//                                            ip_vs_nat_xmit sends them on through LOCAL_OUT
//   LOCAL_OUT priority -99  ip_vs_out_hook   (after nat OUTPUT, before filter OUTPUT)
//   LOCAL_OUT priority -98  ip_vs_in_hook    requests from this host's own sockets
//   FORWARD   priority 100  ip_vs_out_hook   replies on their way back to a remote client
//                                            (also bridged ones, through br_netfilter)
//
// Masquerading (kube-proxy's only forwarding method) rewrites the destination
// of requests to the real server and the source of replies back to the
// virtual server. With net.ipv4.vs.conntrack=1 (kube-proxy sets it) the
// conntrack entry's reply tuple is altered to expect the real server
// (ip_vs_update_conntrack) but no NAT status bit is set, so conntrack never
// translates these packets itself; kube-proxy's MASQUERADE rules in
// POSTROUTING still apply to them.
//
// Read from the kernel source (ip_vs_core.c, ip_vs_xmit.c, ip_vs_rr.c); this
// kernel has no ip_vs module, so none of it was checked against a running one.
// Each connection follows ip_vs_proto_tcp.c's state table and timeouts (what
// `ipvsadm -Lnc` and the ActiveConn/InActConn counters show). Not simulated:
// schedulers other than rr, ICMP errors sent by the client side about a
// connection (ip_vs_in_icmp), connection reuse after TIME_WAIT
// (conn_reuse_mode), persistence templates as connection entries, and the
// conntrack entry dropped when an IPVS connection expires.

import { formatIp4, type Ip4 } from "../model/addr.js";
import type { IpvsService, Netns } from "../model/kernel.js";
import type { Step } from "../model/trace.js";
import { type Ipv4Packet, rebuildIp } from "../packet/ipv4.js";
import { isIcmpError, quotedTuple, rewriteQuotedDestination } from "./icmp-related.js";
import type { Network } from "./network.js";
import { type RouteResult, routeLookup } from "./routing.js";
import type { ReadLog } from "./reads.js";
import type { NsState, Skb } from "./state.js";

type Proto = "tcp" | "udp";

/** One IPVS connection (struct ip_vs_conn): client, virtual and real-server address, and its protocol state. */
export interface IpvsConn {
  proto: Proto;
  caddr: Ip4;
  cport: number;
  vaddr: Ip4;
  vport: number;
  daddr: Ip4;
  dport: number;
  service: IpvsService;
  /** Which of the service's destinations. */
  dest: number;
  /** TCP: an index into TCP_STATES; UDP has one state. */
  state: number;
  /** IP_VS_CONN_F_INACTIVE: counted in InActConn (every connection starts so, __ip_vs_update_dest). */
  inactive: boolean;
  /** When the connection's timer fires (µs of simulated time). */
  expires: number;
}

// ip_vs_proto_tcp.c: states, their timeouts (s), which count as active, and tcp_states[] for
// masquerading (INPUT: client → real server, OUTPUT: the replies), rows syn, fin, ack, rst.
const TCP_STATES = ["NONE", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "SYNACK"] as const;
const [sNO, sES, sSS, sSR, sFW, sTW, sCL, sCW, sLA, sLI, sSA] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;
const TCP_TIMEOUTS = [2, 900, 120, 60, 120, 120, 10, 60, 30, 120, 120];
const TCP_ACTIVE = [false, true, true, true, false, false, false, false, false, false, true];
const TCP_TABLE: Record<"in" | "out", number[][]> = {
  in: [
    [sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR],
    [sCL, sCW, sSS, sTW, sTW, sTW, sCL, sCW, sLA, sLI, sTW],
    [sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES],
    [sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sSR],
  ],
  out: [
    [sSS, sES, sSS, sSR, sSS, sSS, sSS, sSS, sSS, sLI, sSR],
    [sTW, sFW, sSS, sTW, sFW, sTW, sCL, sTW, sLA, sLI, sTW],
    [sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sLA, sES, sES],
    [sCL, sCL, sSS, sCL, sCL, sTW, sCL, sCL, sCL, sCL, sCL],
  ],
};
/** ip_vs_proto_udp.c: one state, five minutes. */
const UDP_TIMEOUT = 300;
const SECOND = 1_000_000;

/** The state `ipvsadm -Lnc` names. */
export function ipvsStateName(c: IpvsConn): string {
  return c.proto === "udp" ? "UDP" : TCP_STATES[c.state]!;
}

/** ip_vs_set_state: the protocol's state transition for one packet, and the timer it re-arms. */
function setState(c: IpvsConn, dir: "in" | "out", p: Ipv4Packet["payload"], now: number): void {
  if (p.kind !== "tcp") {
    c.expires = now + UDP_TIMEOUT * SECOND;
    return;
  }
  const f = p.flags;
  const row = f.rst ? 3 : f.syn ? 0 : f.fin ? 1 : f.ack ? 2 : -1;
  const next = row < 0 ? sCL : TCP_TABLE[dir][row]![c.state]!;
  if (next !== c.state) c.inactive = !TCP_ACTIVE[next];
  c.state = next;
  c.expires = now + TCP_TIMEOUTS[next]! * SECOND;
}

/** The virtual servers of a namespace by protocol, address and port; built once per compiled namespace. */
const serviceIndexes = new WeakMap<Netns, Map<string, IpvsService>>();

const serviceKey = (proto: string, vip: Ip4, port: number): string => `${proto}/${vip}:${port}`;

function servicesOf(ns: Netns): Map<string, IpvsService> {
  let index = serviceIndexes.get(ns);
  if (index) return index;
  index = new Map();
  for (const s of ns.ipvs()) if (s.proto !== "SCTP") index.set(serviceKey(s.proto.toLowerCase(), s.vip, s.port), s);
  serviceIndexes.set(ns, index);
  return index;
}

/** Whether IPVS hooks are registered here at all (ipvs->enable: a virtual server exists). */
export function ipvsEnabled(ns: Netns): boolean {
  return servicesOf(ns).size > 0;
}

/** IPVS's tables by key: connections by client (in) and by real server (out), persistence templates. */
export type IpvsTable = "in" | "out" | "template";

const connKey = (proto: string, a: Ip4, aport: number, b: Ip4, bport: number): string => `${proto}/${a}:${aport}>${b}:${bport}`;

/** A namespace's IPVS runtime: its connection table and each service's round-robin position. */
export class IpvsState {
  /** By client → virtual address (ip_vs_conn_in_get). */
  private readonly incoming = new Map<string, IpvsConn>();
  /** By real server → client (ip_vs_conn_out_get). */
  private readonly outgoing = new Map<string, IpvsConn>();
  /** rr's sched_data: the destination it picked last. */
  private readonly lastPicked = new Map<IpvsService, number>();
  /** Persistence templates (ClientIP affinity): client and service → destination. */
  private readonly templates = new Map<string, number>();
  /** Where lookups are logged while a continuation is watched, and this state's namespace (see reads.ts). */
  private log: ReadLog | undefined;
  private netns = "";

  constructor(readonly services: Map<string, IpvsService>) {}

  /** A copy that changes independently (connections change state in place, so each is copied once). */
  fork(): IpvsState {
    const copy = new IpvsState(this.services);
    const copies = new Map<IpvsConn, IpvsConn>();
    const own = (c: IpvsConn): IpvsConn => {
      let mine = copies.get(c);
      if (!mine) copies.set(c, (mine = { ...c }));
      return mine;
    };
    for (const [key, c] of this.incoming) copy.incoming.set(key, own(c));
    for (const [key, c] of this.outgoing) copy.outgoing.set(key, own(c));
    for (const [svc, last] of this.lastPicked) copy.lastPicked.set(svc, last);
    for (const [key, dest] of this.templates) copy.templates.set(key, dest);
    return copy;
  }

  watch(log: ReadLog | undefined, netns: string): void {
    this.log = log;
    this.netns = netns;
  }

  /** What one table holds at a key, as it is (no expiry): what reads.ts compares. */
  peek(table: IpvsTable, key: string): IpvsConn | number | undefined {
    return table === "in" ? this.incoming.get(key) : table === "out" ? this.outgoing.get(key) : this.templates.get(key);
  }

  /** Where rr stands for a service. */
  lastPickedPeek(svc: IpvsService): number | undefined {
    return this.lastPicked.get(svc);
  }

  connIn(proto: Proto, src: Ip4, sport: number, dst: Ip4, dport: number, now: number): IpvsConn | undefined {
    const key = connKey(proto, src, sport, dst, dport);
    this.log?.ipvs(this.netns, "in", key);
    return this.alive(this.incoming.get(key), now);
  }

  connOut(proto: Proto, src: Ip4, sport: number, dst: Ip4, dport: number, now: number): IpvsConn | undefined {
    const key = connKey(proto, src, sport, dst, dport);
    this.log?.ipvs(this.netns, "out", key);
    return this.alive(this.outgoing.get(key), now);
  }

  add(c: IpvsConn): void {
    this.incoming.set(connKey(c.proto, c.caddr, c.cport, c.vaddr, c.vport), c);
    this.outgoing.set(connKey(c.proto, c.daddr, c.dport, c.caddr, c.cport), c);
  }

  /** The connections whose timers have not fired, oldest first (`ipvsadm -Lnc`; the kernel lists them in hash order). */
  live(now: number): IpvsConn[] {
    return [...this.incoming.values()].filter((c) => c.expires > now);
  }

  /** ip_vs_conn_expire: a connection whose timer fired is gone. */
  private alive(c: IpvsConn | undefined, now: number): IpvsConn | undefined {
    if (!c || c.expires > now) return c;
    this.incoming.delete(connKey(c.proto, c.caddr, c.cport, c.vaddr, c.vport));
    this.outgoing.delete(connKey(c.proto, c.daddr, c.dport, c.caddr, c.cport));
    return undefined;
  }

  /**
   * ip_vs_rr_schedule: the next destination after the last one picked. Where
   * the pointer starts depends on the order kube-proxy added the real servers
   * (a Go map's) and on every connection before the trace, so the first pick
   * is a choice: one of the seeded or enumerated ones, each destination equally
   * likely. A persistent service (ClientIP affinity) sends a client back to its
   * template's destination.
   */
  schedule(svc: IpvsService, client: Ip4, decide: (p: number) => boolean): number | undefined {
    const usable = svc.dests.map((d, i) => (d.weight > 0 ? i : -1)).filter((i) => i >= 0);
    if (usable.length === 0) return undefined;
    const template = svc.persistent !== undefined ? `${client}/${svc.proto}/${svc.vip}:${svc.port}` : undefined;
    if (template !== undefined) this.log?.ipvs(this.netns, "template", template);
    const known = template === undefined ? undefined : this.templates.get(template);
    if (known !== undefined && svc.dests[known]!.weight > 0) return known;
    this.log?.ipvsScheduler(this.netns, svc);
    const last = this.lastPicked.get(svc);
    let pick: number;
    if (last === undefined) {
      pick = usable[usable.length - 1]!;
      for (let i = 0; i < usable.length - 1; i++) {
        if (decide(1 / (usable.length - i))) {
          pick = usable[i]!;
          break;
        }
      }
    } else pick = usable.find((i) => i > last) ?? usable[0]!;
    this.lastPicked.set(svc, pick);
    if (template !== undefined) this.templates.set(template, pick);
    return pick;
  }
}

export function ipvsState(st: NsState): IpvsState {
  return st.ipvs ?? st.startIpvs(new IpvsState(servicesOf(st.netns)));
}

/** What ip_vs_in_hook decided for a packet. */
export type IpvsInResult =
  | { kind: "pass" }
  /** Sent on to a real server elsewhere: the caller runs LOCAL_OUT and POSTROUTING on the rewritten packet (ip_vs_nat_send_or_cont). */
  | { kind: "xmit"; route: Extract<RouteResult, { type: "unicast" }> }
  /** The real server is this host: the rewritten packet continues through the hook (NF_ACCEPT). */
  | { kind: "local" }
  /** Dropped, with the step already told; `icmp` when the kernel answers the client first. */
  | { kind: "drop"; icmp?: "port-unreachable" };

const PROTO_FLAG: Record<string, string> = { TCP: "-t", UDP: "-u", SCTP: "--sctp-service" };

function serviceText(svc: IpvsService): string {
  return `${svc.proto} ${formatIp4(svc.vip)}:${svc.port}`;
}

/** The destination as `ipvsadm -S -n` (ipvsadm-save) prints it. */
function destRule(svc: IpvsService, i: number): string {
  const d = svc.dests[i]!;
  const fwd = d.forward === "Masq" ? "-m" : d.forward === "Tunnel" ? "-i" : "-g";
  return `-a ${PROTO_FLAG[svc.proto]} ${formatIp4(svc.vip)}:${svc.port} -r ${formatIp4(d.ip)}:${d.port} ${fwd} -w ${d.weight}`;
}

function ipvsStep(svc: IpvsService, hook: string, rule?: string): Partial<Step> {
  return { hook, table: "ipvs", chain: serviceText(svc), ...(rule ? { rule } : {}), ...(svc.origin ? { origin: svc.origin } : {}) };
}

/** ip_vs_in_hook at LOCAL_IN or LOCAL_OUT, then ip_vs_nat_xmit for a request it scheduled. */
export function ipvsIn(net: Network, nsId: string, st: NsState, skb: Skb, hook: "INPUT" | "OUTPUT"): IpvsInResult {
  if (skb.ipvsProperty) return { kind: "pass" };
  const ip = skb.ip;
  const p = ip.payload;
  // ICMP has no IPVS protocol: an echo to a virtual address is answered by this host (if filter lets it).
  if (p.kind !== "tcp" && p.kind !== "udp") return { kind: "pass" };
  const ipvs = ipvsState(st);
  let conn = ipvs.connIn(p.kind, ip.src, p.sport, ip.dst, p.dport, net.now);
  if (!conn) {
    // tcp_conn_schedule: only a SYN (never a RST) starts a connection; udp_conn_schedule: any datagram.
    if (p.kind === "tcp" && (!p.flags.syn || p.flags.rst)) return { kind: "pass" };
    const svc = ipvs.services.get(serviceKey(p.kind, ip.dst, p.dport));
    if (!svc) return { kind: "pass" };
    if (svc.scheduler !== "rr") throw new Error(`the IPVS scheduler ${svc.scheduler} is not simulated (only rr)`);
    const pick = ipvs.schedule(svc, ip.src, (prob) => net.chooser.decide(prob, nsId, skb.id));
    if (pick === undefined) {
      // ip_vs_leave: no real server to give the connection to; the client is told port unreachable, TCP or UDP.
      net.step("reject", nsId, `IPVS: ${serviceText(svc)} has no real server (${svc.scheduler}: no destination available): ICMP port unreachable to the client`, ipvsStep(svc, hook));
      return { kind: "drop", icmp: "port-unreachable" };
    }
    const dest = svc.dests[pick]!;
    conn = { proto: p.kind, caddr: ip.src, cport: p.sport, vaddr: ip.dst, vport: p.dport, daddr: dest.ip, dport: dest.port, service: svc, dest: pick, state: sNO, inactive: true, expires: net.now + 3 * SECOND };
    ipvs.add(conn);
    setState(conn, "in", p, net.now);
    const picked = svc.dests.length > 1 ? `, ${svc.scheduler} picked real server ${pick + 1} of ${svc.dests.length}` : "";
    net.step("nat", nsId, `IPVS ${hook === "INPUT" ? "LOCAL_IN" : "LOCAL_OUT"}: ${serviceText(svc)} → ${formatIp4(dest.ip)}:${dest.port} (${dest.forward}${picked})`, ipvsStep(svc, hook, destRule(svc, pick)));
    return natXmit(net, nsId, st, skb, conn, hook, true);
  }
  setState(conn, "in", p, net.now);
  return natXmit(net, nsId, st, skb, conn, hook, false);
}

/** ip_vs_nat_xmit: route to the real server, rewrite the destination, hand the packet on. */
function natXmit(net: Network, nsId: string, st: NsState, skb: Skb, conn: IpvsConn, hook: "INPUT" | "OUTPUT", scheduled: boolean): IpvsInResult {
  const ns = net.ns(nsId);
  const route = routeLookup(ns, conn.daddr);
  const where = ipvsStep(conn.service, hook);
  if (route.type === "unreachable" || route.type === "broadcast") {
    net.step("drop", nsId, `IPVS: no route to real server ${formatIp4(conn.daddr)}: dropped`, where);
    return { kind: "drop" };
  }
  const local = route.type === "local";
  // crosses_local_route_boundary: a packet from a loopback address cannot leave the host.
  if (!local && skb.ip.src >>> 24 === 127) {
    net.step("drop", nsId, `IPVS: ${formatIp4(skb.ip.src)} is a loopback source and real server ${formatIp4(conn.daddr)} is not local: dropped`, where);
    return { kind: "drop" };
  }
  if (!local) {
    // __ip_vs_get_out_rt decrements the TTL even for this host's own packets.
    if (skb.ip.ttl <= 1) {
      net.step("drop", nsId, "IPVS: TTL expired on the way to the real server", where);
      return { kind: "drop" };
    }
    skb.ip = rebuildIp(skb.ip, skb.ip.src, skb.ip.dst, skb.ip.ttl - 1, skb.ip.payload);
  }
  const before = skb.ip;
  const p = before.payload as Extract<Ipv4Packet["payload"], { kind: "tcp" | "udp" }>;
  if (before.dst !== conn.daddr || p.dport !== conn.dport) {
    skb.ip = { ...before, dst: conn.daddr, payload: { ...p, dport: conn.dport } as Ipv4Packet["payload"] };
    if (!scheduled && net.narrating) net.step("nat", nsId, `IPVS (connection): destination ${formatIp4(before.dst)}:${p.dport} → ${formatIp4(conn.daddr)}:${conn.dport}`, where);
  }
  skb.ipvsProperty = true;
  updateConntrack(st, skb, conn);
  return local ? { kind: "local" } : { kind: "xmit", route };
}

/** ip_vs_update_conntrack (outin): a new entry's reply tuple expects the real server; no NAT status bit. */
function updateConntrack(st: NsState, skb: Skb, conn: IpvsConn): void {
  const ct = skb.ct;
  if (!ct || ct.conn.confirmed || ct.dir !== "orig" || ct.related) return;
  st.conntrack.rekeyReply(ct.conn, { ...ct.conn.reply, src: conn.daddr, sport: conn.dport });
}

/** ip_vs_out_hook: a real server's reply (or its ICMP error) leaves as if the virtual server sent it. */
export function ipvsOut(net: Network, nsId: string, st: NsState, skb: Skb, hook: "INPUT" | "OUTPUT" | "FORWARD"): void {
  if (skb.ipvsProperty) return;
  // Before any packet met IPVS here the table is empty: nothing to translate (made now, so a watched run logs its lookups).
  const ipvs = ipvsState(st);
  const ip = skb.ip;
  const p = ip.payload;
  if (isIcmpError(ip)) {
    // ip_vs_out_icmp: the quoted packet went client → real server; its tuple, read backwards, finds the connection.
    const q = quotedTuple(ip.payload.quoted);
    if (!q || q.proto === "icmp") return;
    const conn = ipvs.connOut(q.proto, q.dst, q.dport, q.src, q.sport, net.now);
    if (!conn) return;
    skb.ip = { ...ip, src: conn.vaddr, payload: { ...ip.payload, quoted: rewriteQuotedDestination(ip.payload.quoted, conn.vaddr, conn.vport) } };
    skb.ipvsProperty = true;
    net.step("nat", nsId, `IPVS: ICMP error from real server ${formatIp4(ip.src)} about ${formatIp4(conn.daddr)}:${conn.dport}: now from ${formatIp4(conn.vaddr)}, quoting ${formatIp4(conn.vaddr)}:${conn.vport}`, ipvsStep(conn.service, hook));
    return;
  }
  if (p.kind !== "tcp" && p.kind !== "udp") return;
  const conn = ipvs.connOut(p.kind, ip.src, p.sport, ip.dst, p.dport, net.now);
  if (!conn) return;
  setState(conn, "out", p, net.now);
  // handle_response → the protocol's snat_handler: the source becomes the virtual server.
  skb.ip = { ...ip, src: conn.vaddr, payload: { ...p, sport: conn.vport } as Ipv4Packet["payload"] };
  skb.ipvsProperty = true;
  if (net.narrating) net.step("nat", nsId, `IPVS: reply from real server: source ${formatIp4(ip.src)}:${p.sport} → ${formatIp4(conn.vaddr)}:${conn.vport}`, ipvsStep(conn.service, hook));
}
