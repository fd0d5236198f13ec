// The IPv4 paths of net/ipv4: ip_rcv → (PREROUTING) → routing → local
// delivery (INPUT, sockets) or forwarding (FORWARD, TTL, POSTROUTING), and
// ip_local_out for what sockets send (OUTPUT, re-route after DNAT,
// POSTROUTING). ICMP errors are sent the way icmp_send builds them.

import { type Ip4, formatIp4 } from "../model/addr.js";
import type { Link } from "../model/kernel.js";
import type { Ipv4Packet } from "../packet/ipv4.js";
import { linuxQuote, UNREACH } from "../packet/icmp.js";
import { encodeIp, rebuildIp } from "../packet/ipv4.js";
import { type HookVerdict, runHook } from "./hooks.js";
import { devXmit } from "./l2.js";
import { LATENCY, type Network } from "./network.js";
import { type RouteResult, routeLookup, selectSource } from "./routing.js";
import { deliverToSocket } from "./sockets.js";
import { newSkb } from "./skb.js";
import type { Skb } from "./state.js";

export interface SendOptions {
  /** Logical packet number; a new one when absent. */
  id?: number;
  flowHash: number;
  csumPartial: boolean;
  innerCsumPartial?: boolean;
  mark?: number;
}

/** ip_local_out: a locally generated packet (source already chosen by the caller). */
export function ipOutput(net: Network, nsId: string, ip: Ipv4Packet, opts: SendOptions): number {
  const skb = newSkb(opts.id ?? net.newPacketId(), ip, opts);
  net.current = skb.id;
  send(net, nsId, skb);
  return skb.id;
}

function send(net: Network, nsId: string, skb: Skb): void {
  const route = routeLookup(net.ns(nsId), skb.ip.dst);
  if (route.type === "unreachable") {
    net.step("drop", nsId, `no route to ${formatIp4(skb.ip.dst)}: connect() fails with ENETUNREACH`);
    return;
  }
  localOut(net, nsId, skb, route);
}

/** The LOCAL_OUT hook, then dst_output (POSTROUTING and the device) for a packet already routed. */
function localOut(net: Network, nsId: string, skb: Skb, routed: Exclude<RouteResult, { type: "unreachable" }>): void {
  const ns = net.ns(nsId);
  const dst = skb.ip.dst;
  let route: RouteResult = routed;
  const outDev = route.type === "unicast" ? route.dev.name : "lo";
  const v = runHook(net, nsId, "OUTPUT", skb, { in: undefined, out: outDev, physIn: undefined, physOut: undefined, nexthop: undefined });
  if (v.verdict === "ipvs") {
    // IPVS rewrote a request of this host's own for a real server elsewhere and sends it through LOCAL_OUT again.
    localOut(net, nsId, skb, v.route);
    return;
  }
  if (!handleVerdict(net, nsId, skb, v, "OUTPUT")) return;
  if (skb.ip.dst !== dst) {
    // Destination NAT in OUTPUT: route again (ip_route_me_harder).
    route = routeLookup(ns, skb.ip.dst);
    if (route.type === "unreachable") {
      net.step("drop", nsId, `no route to ${formatIp4(skb.ip.dst)} after DNAT`);
      return;
    }
  }
  if (route.type === "local" || route.type === "broadcast") {
    const lo = ns.links.find((l) => l.kind === "loopback")!;
    const post = runHook(net, nsId, "POSTROUTING", skb, { in: undefined, out: lo.name, physIn: undefined, physOut: undefined, nexthop: undefined });
    if (!handleVerdict(net, nsId, skb, post, "POSTROUTING")) return;
    devXmit(net, nsId, lo, skb, skb.ip.dst);
    return;
  }
  const post = runHook(net, nsId, "POSTROUTING", skb, { in: undefined, out: route.dev.name, physIn: undefined, physOut: undefined, nexthop: route.nexthop });
  if (!handleVerdict(net, nsId, skb, post, "POSTROUTING")) return;
  if (net.narrating) net.step("route", nsId, `route ${formatIp4(skb.ip.dst)} ${describeRoute(route.route.gateway, route.dev.name, route.route.onlink)}`, { dev: route.dev.name });
  devXmit(net, nsId, route.dev, skb, route.nexthop);
}

function describeRoute(gateway: Ip4 | undefined, dev: string, onlink: boolean | undefined): string {
  return gateway !== undefined ? `via ${formatIp4(gateway)} dev ${dev}${onlink ? " onlink" : ""}` : `dev ${dev} (directly connected)`;
}

/** ip_rcv: a packet received on `dev` in namespace `nsId`. */
export function ipRcv(net: Network, nsId: string, dev: Link, skb: Skb): void {
  net.current = skb.id;
  net.advance(LATENCY.stack);
  if (!skb.bridgePrerouted) {
    const v = runHook(net, nsId, "PREROUTING", skb, { in: dev.name, out: undefined, physIn: undefined, physOut: undefined, nexthop: undefined });
    if (!handleVerdict(net, nsId, skb, v, "PREROUTING")) return;
  }
  skb.bridgePrerouted = false;
  const ns = net.ns(nsId);
  const route = routeLookup(ns, skb.ip.dst);
  if (route.type === "local" || route.type === "broadcast") {
    localDeliver(net, nsId, dev, skb);
    return;
  }
  if (!ns.sysctl.ipForward) {
    net.step("drop", nsId, `not for this host and net.ipv4.ip_forward=0: dropped`, { dev: dev.name });
    return;
  }
  if (route.type === "unreachable") {
    net.step("drop", nsId, `no route to ${formatIp4(skb.ip.dst)}: ICMP net unreachable`, { dev: dev.name });
    sendIcmpError(net, nsId, skb, UNREACH.net, dev.name);
    return;
  }
  if (skb.ip.ttl <= 1) {
    net.step("drop", nsId, "TTL expired in transit", { dev: dev.name });
    return;
  }
  // ip_forward lowers the TTL before the FORWARD hook: a REJECT there quotes the packet with TTL − 1.
  skb.ip = rebuildIp(skb.ip, skb.ip.src, skb.ip.dst, skb.ip.ttl - 1, skb.ip.payload);
  const fwd = runHook(net, nsId, "FORWARD", skb, { in: dev.name, out: route.dev.name, physIn: skb.physIn, physOut: undefined, nexthop: undefined });
  if (!handleVerdict(net, nsId, skb, fwd, "FORWARD")) return;
  const post = runHook(net, nsId, "POSTROUTING", skb, { in: dev.name, out: route.dev.name, physIn: undefined, physOut: undefined, nexthop: route.nexthop });
  if (!handleVerdict(net, nsId, skb, post, "POSTROUTING")) return;
  if (net.narrating) net.step("forward", nsId, `forward ${formatIp4(skb.ip.src)} → ${formatIp4(skb.ip.dst)} ${describeRoute(route.route.gateway, route.dev.name, route.route.onlink)}`, { dev: route.dev.name });
  devXmit(net, nsId, route.dev, skb, route.nexthop);
}

function localDeliver(net: Network, nsId: string, dev: Link, skb: Skb): void {
  const v = runHook(net, nsId, "INPUT", skb, { in: dev.name, out: undefined, physIn: undefined, physOut: undefined, nexthop: undefined });
  if (v.verdict === "ipvs") {
    // ip_vs_nat_xmit: on to the real server through LOCAL_OUT, as if this host sent it (filter OUTPUT, then POSTROUTING).
    localOut(net, nsId, skb, v.route);
    return;
  }
  if (!handleVerdict(net, nsId, skb, v, "INPUT")) return;
  deliverToSocket(net, nsId, dev, skb);
}

/** Applies a hook verdict; false when the packet is gone (a REJECT answers the sender first). */
export function handleVerdict(net: Network, nsId: string, skb: Skb, v: HookVerdict, hook: string): boolean {
  if (v.verdict === "accept") return true;
  if (v.verdict === "ipvs") throw new Error(`internal: IPVS sent a packet on from ${hook}`);
  if (v.verdict === "gone") {
    if (v.icmp) sendIcmpError(net, nsId, skb, UNREACH.port);
    return false;
  }
  if (v.verdict === "drop") {
    const by = v.by ? ` by ${v.by.table} ${v.by.chain} rule ${v.by.number}` : "";
    net.step("drop", nsId, `dropped in ${hook}${by}`, v.by ? { hook, table: v.by.table, chain: v.by.chain, ruleNumber: v.by.number } : { hook });
    return false;
  }
  net.step("reject", nsId, `rejected in ${hook} by ${v.by.table} ${v.by.chain} rule ${v.by.number} (${v.with})`, { hook, table: v.by.table, chain: v.by.chain, ruleNumber: v.by.number });
  const p = skb.ip.payload;
  if (v.with === "tcp-reset" && p.kind === "tcp") return false;
  sendIcmpError(net, nsId, skb, v.with === "icmp-net-unreachable" ? UNREACH.net : v.with === "icmp-host-unreachable" ? UNREACH.host : v.with === "icmp-admin-prohibited" ? UNREACH.adminProhibited : UNREACH.port);
  return false;
}

/**
 * icmp_send: the source is the offending packet's destination when that is a
 * local address, else whatever routing back to the sender picks.
 */
export function sendIcmpError(net: Network, nsId: string, skb: Skb, code: number, _inDev?: string): void {
  const ns = net.ns(nsId);
  const back = routeLookup(ns, skb.ip.src);
  if (back.type !== "unicast" && back.type !== "local") return;
  const src = net.isLocal(nsId, skb.ip.dst) ? skb.ip.dst : back.type === "unicast" ? selectSource(ns, back) : skb.ip.src;
  if (src === undefined) return;
  // icmp_send copies the bytes as they are: a locally sent segment still carries its partial checksum.
  const quoted = linuxQuote(encodeIp(net.withChecksums(skb)));
  const icmp: Ipv4Packet = { kind: "ipv4", src, dst: skb.ip.src, ttl: 64, id: net.state(nsId).nextIpId(), tos: 0xc0, df: false, payload: { kind: "icmp", type: "dest-unreachable", code, quoted } };
  ipOutput(net, nsId, icmp, { flowHash: 0, csumPartial: false });
}
