// Devices below IP: neighbour resolution (ARP), veth pairs, Linux bridges
// (FDB learning, flooding, hairpin, br_netfilter), loopback and the underlay
// segment between nodes. Tunnel devices are in tunnel.ts.

import { type Ip4, formatIp4, type Mac } from "../model/addr.js";
import { type Link, linkByName } from "../model/kernel.js";
import type { ArpPacket } from "../packet/arp.js";
import type { EthernetFrame } from "../packet/ethernet.js";
import { runHook } from "./hooks.js";
import { handleVerdict, ipRcv } from "./ip-stack.js";
import { routeLookup } from "./routing.js";
import { LATENCY, type Network } from "./network.js";
import type { PendingArp, Skb } from "./state.js";
import { crossedVeth, onWire } from "./skb.js";
import { tunXmit, vxlanXmit } from "./tunnel.js";

const BROADCAST: Mac = "ff:ff:ff:ff:ff:ff";

export function linkOf(net: Network, nsId: string, name: string): Link {
  const link = linkByName(net.ns(nsId), name);
  if (!link) throw new Error(`internal: no device ${name} in ${nsId}`);
  return link;
}

/** Each veth's other end, found once: compiled devices never change, and a flood asks for every port's peer. */
const peers = new WeakMap<Link, Link>();

function peerOf(net: Network, veth: Link, end: { netns: string; name: string }): Link {
  let peer = peers.get(veth);
  if (!peer) peers.set(veth, (peer = linkOf(net, end.netns, end.name)));
  return peer;
}

/** dev_queue_xmit for an IP packet leaving `dev` towards `nexthop`. */
export function devXmit(net: Network, nsId: string, dev: Link, skb: Skb, nexthop: Ip4): void {
  switch (dev.kind) {
    case "loopback":
      net.captureFrame(nsId, dev.name, "out", { src: "00:00:00:00:00:00", dst: "00:00:00:00:00:00", payload: skb.ip }, skb.id, skb);
      net.later(LATENCY.stack, () => ipRcv(net, nsId, dev, skb));
      return;
    case "vxlan":
      vxlanXmit(net, nsId, dev, skb, nexthop);
      return;
    case "tun":
      tunXmit(net, nsId, dev, skb);
      return;
    case "dummy":
      net.step("drop", nsId, `${dev.name} is a dummy device: packets sent to it are discarded`, { dev: dev.name });
      return;
    default: {
      // Most packets find their neighbour known: only a miss needs a callback to wait with.
      const known = net.state(nsId).neighbour(dev.name, nexthop);
      if (known) l2Xmit(net, nsId, dev, { src: dev.mac!, dst: known.mac, payload: skb.ip }, skb);
      else awaitNeighbour(net, nsId, dev, nexthop, skb.id, (mac) => l2Xmit(net, nsId, dev, { src: dev.mac!, dst: mac, payload: skb.ip }, skb));
    }
  }
}

const ARP_TRIES = 3;

/**
 * A neighbour miss (callers look the neighbour up first): the packet waits while ARP asks (3 tries,
 * 1 s apart), as the kernel's arp_queue does, and `send` runs with the answer.
 */
function awaitNeighbour(net: Network, nsId: string, dev: Link, nexthop: Ip4, packet: number, send: (mac: Mac) => void): void {
  const st = net.state(nsId);
  const key = `${dev.name}/${nexthop}`;
  const already = st.pending.get(key);
  if (already) {
    already.waiting.push(send);
    return;
  }
  const queued: PendingArp = { waiting: [send] };
  st.pending.set(key, queued);
  const ask = (attempt: number): void => {
    if (!st.pending.has(key)) return;
    if (attempt >= ARP_TRIES) {
      st.pending.delete(key);
      net.current = packet;
      net.step("drop", nsId, `no ARP reply for ${formatIp4(nexthop)} on ${dev.name}: neighbour FAILED, the waiting packets are dropped`, { dev: dev.name });
      return;
    }
    const src = dev.addrs[0]?.cidr.addr ?? 0;
    const request: ArpPacket = { kind: "arp", op: "request", senderMac: dev.mac!, senderIp: src, targetMac: "00:00:00:00:00:00", targetIp: nexthop };
    net.current = net.newPacketId();
    if (net.narrating) net.step("neighbour", nsId, `ARP: who has ${formatIp4(nexthop)}? (from ${dev.name})`, { dev: dev.name });
    l2Xmit(net, nsId, dev, { src: dev.mac!, dst: BROADCAST, payload: request }, undefined);
    queued.retry = net.later(1_000_000, () => ask(attempt + 1));
  };
  ask(0);
}

/** A frame leaves `dev`: capture it there, then hand it to whatever the device is connected to. */
export function l2Xmit(net: Network, nsId: string, dev: Link, frame: EthernetFrame, skb: Skb | undefined): void {
  const id = skb?.id ?? net.current;
  net.captureFrame(nsId, dev.name, "out", frame, id, skb);
  if (dev.kind === "bridge") {
    bridgeTransmit(net, nsId, dev, frame, skb);
    return;
  }
  if (dev.kind === "veth" && dev.peer) {
    const peerNs = dev.peer.netns;
    const peer = peerOf(net, dev, dev.peer);
    // Crossing namespaces scrubs the skb: no conntrack, no mark (skb_scrub_packet).
    const crossed = skb ? crossedVeth(skb) : undefined;
    net.later(LATENCY.veth, () => l2Rcv(net, peerNs, peer, frame, crossed, id));
    return;
  }
  if (dev.kind === "ether") {
    underlayTransmit(net, nsId, frame, skb, id);
    return;
  }
}

/**
 * Broadcasts on the underlay switch reach every host while the segment is
 * small; on a larger one only the ARP target is simulated (each other host
 * would only drop the request, and compiling thousands of nodes to show
 * that would cost more than it tells).
 */
export const FLOOD_LIMIT = 64;

/** The physical network: deliver to the host owning the destination MAC; a broadcast goes to every host. */
function underlayTransmit(net: Network, nsId: string, frame: EthernetFrame, skb: Skb | undefined, id: number): void {
  const p = frame.payload;
  if (frame.dst === BROADCAST) floodUnderlay(net, nsId, frame, id);
  const target = p.kind === "arp" && frame.dst === BROADCAST ? net.world.underlayHost(p.targetIp) : underlayByMac(net, frame.dst);
  if (!target) {
    const gw = net.world.underlayGateway();
    if (gw && frame.dst === gw.mac) {
      net.step("deliver", nsId, `left the cluster network via the underlay gateway ${formatIp4(gw.ip)}`);
      return;
    }
    if (p.kind === "arp" && gw && p.targetIp === gw.ip) {
      // The gateway router answers ARP for itself (not captured: it is outside the description).
      net.later(LATENCY.wire * 2, () => net.state(nsId).learnNeighbour(ownDev(net, nsId, p.senderIp), gw.ip, gw.mac));
      return;
    }
    net.step("drop", nsId, `nothing on the underlay answers for ${p.kind === "arp" ? formatIp4(p.targetIp) : frame.dst}`);
    return;
  }
  // The wire computes offloaded checksums: from here on they are complete.
  const wired = skb ? onWire(skb) : undefined;
  net.later(LATENCY.wire, () => l2Rcv(net, target.netns, linkOf(net, target.netns, target.dev), frame, wired, id));
}

/** The switch floods a broadcast to every other host; those that are not its target see it and drop it. */
function floodUnderlay(net: Network, nsId: string, frame: EthernetFrame, id: number): void {
  const hosts = net.world.underlayHosts();
  // Beyond the limit the copies are left out (documented); the flow itself is the same either way.
  if (hosts.length > FLOOD_LIMIT) return;
  const p = frame.payload;
  const target = p.kind === "arp" ? net.world.underlayHost(p.targetIp) : undefined;
  const others = hosts.filter((h) => h.netns !== nsId && h !== target && h.netns !== target?.netns);
  if (others.length === 0) return;
  const copy = net.floodCopy(frame);
  net.later(LATENCY.wire, () => {
    for (const h of others) net.captureFrame(h.netns, h.dev, "in", copy, id);
  });
}

function ownDev(net: Network, nsId: string, ip: Ip4): string {
  return net.ns(nsId).links.find((l) => l.addrs.some((a) => a.cidr.addr === ip))?.name ?? "eth0";
}

/** Unicast frames go to whoever owns the destination MAC (the next hop, not necessarily the packet's destination). */
function underlayByMac(net: Network, mac: Mac): { netns: string; dev: string } | undefined {
  return net.world.underlayHostByMac(mac);
}

/** A frame arrives on `dev`. */
export function l2Rcv(net: Network, nsId: string, dev: Link, frame: EthernetFrame, skb: Skb | undefined, id = skb?.id ?? net.current): void {
  net.current = id;
  net.captureFrame(nsId, dev.name, "in", frame, id, skb);
  if (dev.master) {
    bridgeInput(net, nsId, linkOf(net, nsId, dev.master), dev, frame, skb);
    return;
  }
  const forUs = frame.dst === dev.mac || frame.dst === BROADCAST;
  if (!forUs) return; // PACKET_OTHERHOST: not ours, not routed
  receiveUp(net, nsId, dev, frame, skb);
}

/** The frame is for this host on `dev`: ARP or IP. */
function receiveUp(net: Network, nsId: string, dev: Link, frame: EthernetFrame, skb: Skb | undefined): void {
  const p = frame.payload;
  if (p.kind === "arp") {
    arpRcv(net, nsId, dev, p);
    return;
  }
  if (!skb) return;
  ipRcv(net, nsId, dev, skb);
}

function arpRcv(net: Network, nsId: string, dev: Link, arp: ArpPacket): void {
  if (arp.op === "reply") {
    net.state(nsId).learnNeighbour(dev.name, arp.senderIp, arp.senderMac);
    return;
  }
  // A request for someone else changes nothing here (arp_process: no neighbour entry for the asker).
  const owns = dev.addrs.some((a) => a.cidr.addr === arp.targetIp);
  if (!owns) return;
  const st = net.state(nsId);
  st.learnNeighbour(dev.name, arp.senderIp, arp.senderMac, "STALE");
  net.advance(LATENCY.stack);
  const reply: ArpPacket = { kind: "arp", op: "reply", senderMac: dev.mac!, senderIp: arp.targetIp, targetMac: arp.senderMac, targetIp: arp.senderIp };
  if (net.narrating) net.step("neighbour", nsId, `ARP: ${formatIp4(arp.targetIp)} is at ${dev.mac} (${dev.name})`, { dev: dev.name });
  l2Xmit(net, nsId, dev, { src: dev.mac!, dst: arp.senderMac, payload: reply }, undefined);
}

/** br_handle_frame: learn, run br_netfilter PREROUTING, then deliver locally or forward to a port. */
function bridgeInput(net: Network, nsId: string, br: Link, port: Link, frame: EthernetFrame, skb: Skb | undefined): void {
  const st = net.state(nsId);
  st.learnFdb(br.name, frame.src, port.name);
  net.advance(LATENCY.bridge);
  if (skb && net.ns(nsId).sysctl.bridgeNfCallIptables) {
    // br_netfilter: iptables PREROUTING runs while the frame is still in the bridge (in = bridge, physdev-in = port).
    skb.physIn = port.name;
    const before = skb.ip.dst;
    const v = runHook(net, nsId, "PREROUTING", skb, { in: br.name, out: undefined, physIn: port.name, physOut: undefined, nexthop: undefined });
    if (!handleVerdict(net, nsId, skb, v, "PREROUTING")) return;
    skb.bridgePrerouted = true;
    frame = { ...frame, payload: skb.ip };
    if (skb.ip.dst !== before && bridgedDnat(net, nsId, br, port, frame, skb)) return;
  }
  const local = frame.dst === br.mac || (skb?.bridgePrerouted && net.isLocal(nsId, skb.ip.dst));
  if (local) {
    net.captureFrame(nsId, br.name, "in", frame, skb?.id ?? net.current, skb);
    receiveUp(net, nsId, br, frame, skb);
    return;
  }
  const out = frame.dst === BROADCAST ? undefined : st.fdbPort(br.name, frame.dst) ?? staticFdbPort(net, nsId, br, frame.dst);
  if (out === undefined) {
    flood(net, nsId, br, port, frame, skb);
    return;
  }
  promiscuousCopy(net, nsId, br, frame, skb);
  forwardToPort(net, nsId, br, port, out, frame, skb);
}

/**
 * tcpdump puts the bridge device in promiscuous mode: every frame the bridge
 * forwards is also passed up to it (br_handle_frame_finish, local_rcv), as it
 * is after br_netfilter's PREROUTING and before FORWARD.
 */
function promiscuousCopy(net: Network, nsId: string, br: Link, frame: EthernetFrame, skb: Skb | undefined): void {
  net.captureFrame(nsId, br.name, "in", frame, skb?.id ?? net.current, skb);
}

/**
 * DNAT in the bridge's PREROUTING to an address behind the same bridge: the
 * frame stays bridged (br_nf_pre_routing_finish's bridged_dnat) — no routing,
 * no TTL decrement. With the neighbour's header cached only the destination
 * MAC changes; otherwise the frame goes out through the bridge device
 * (neigh->output, dev_queue_xmit) with the bridge as source, after ARP.
 * Returns false when the new destination is not behind this bridge.
 */
function bridgedDnat(net: Network, nsId: string, br: Link, port: Link, frame: EthernetFrame, skb: Skb): boolean {
  const ns = net.ns(nsId);
  if (net.isLocal(nsId, skb.ip.dst)) return false;
  const route = routeLookup(ns, skb.ip.dst);
  if (route.type !== "unicast" || route.dev.name !== br.name) return false;
  net.step("bridge", nsId, `${br.name}: DNAT to ${formatIp4(skb.ip.dst)}, which is behind ${br.name} itself: the frame stays bridged (bridged_dnat, no routing, TTL kept)`, { dev: br.name });
  const known = net.state(nsId).neighbour(br.name, route.nexthop);
  // Only a confirmed entry's cached header is used in place (NUD_CONNECTED && hh_len); otherwise neigh->output.
  if (known && known.state !== "STALE") {
    const bridged = { ...frame, dst: known.mac };
    const out = net.state(nsId).fdbPort(br.name, known.mac) ?? staticFdbPort(net, nsId, br, known.mac);
    if (out === undefined) {
      flood(net, nsId, br, port, bridged, skb);
      return true;
    }
    promiscuousCopy(net, nsId, br, bridged, skb);
    forwardToPort(net, nsId, br, port, out, bridged, skb);
    return true;
  }
  const viaBridgeDevice = (mac: Mac): void => {
    const out = net.state(nsId).fdbPort(br.name, mac) ?? staticFdbPort(net, nsId, br, mac);
    // Sent through the bridge device with its own address, then re-bridged with the sender's restored (neigh_hh_bridge).
    net.captureFrame(nsId, br.name, "out", { src: br.mac!, dst: mac, payload: skb.ip }, skb.id, skb);
    const bridged = { ...frame, dst: mac };
    if (out === undefined) {
      flood(net, nsId, br, port, bridged, skb);
      return;
    }
    promiscuousCopy(net, nsId, br, bridged, skb);
    forwardToPort(net, nsId, br, port, out, bridged, skb);
  };
  // A STALE entry is used as it is (and probed later); with none, ARP first.
  if (known) viaBridgeDevice(known.mac);
  else awaitNeighbour(net, nsId, br, route.nexthop, skb.id, viaBridgeDevice);
  return true;
}

/** The compiled FDB: ports' own addresses and the MACs the bridge learned before the trace began. */
function staticFdbPort(net: Network, nsId: string, br: Link, mac: Mac): string | undefined {
  return net.ns(nsId).fdb.find((f) => f.master === br.name && f.mac === mac)?.dev;
}

/** A bridge's ports in link order, per namespace: found once, flooded to for every broadcast. */
const portLists = new WeakMap<Link[], { size: number; byBridge: Map<string, Link[]> }>();

function portsOf(net: Network, nsId: string, br: Link): Link[] {
  const links = net.ns(nsId).links;
  let index = portLists.get(links);
  if (index?.size !== links.length) portLists.set(links, (index = { size: links.length, byBridge: new Map() }));
  let ports = index.byBridge.get(br.name);
  if (!ports) index.byBridge.set(br.name, (ports = links.filter((l) => l.master === br.name)));
  return ports;
}

function flood(net: Network, nsId: string, br: Link, from: Link, frame: EthernetFrame, skb: Skb | undefined): void {
  // Flooding includes the port it came from only in hairpin mode (a pod sees its own ARP request again).
  const copy = net.floodCopy(frame);
  const ports = portsOf(net, nsId, br);
  const heard = floodPorts(net, ports, copy, skb);
  const skip = (p: Link): boolean => p.name === from.name && !p.bridgePort?.hairpin;
  let sent = 0;
  for (const port of heard) {
    if (skip(port)) continue;
    forwardToPort(net, nsId, br, from, port.name, copy, skb);
    sent++;
  }
  // The copies left out (see floodPorts) still move the clock, as one event.
  if (heard !== ports && sent < ports.filter((p) => !skip(p)).length) net.later(LATENCY.veth, NOTHING);
  if (frame.dst === BROADCAST) {
    net.captureFrame(nsId, br.name, "in", frame, skb?.id ?? net.current);
    receiveUp(net, nsId, br, frame, skb);
  }
}

function forwardToPort(net: Network, nsId: string, br: Link, from: Link, outName: string, frame: EthernetFrame, skb: Skb | undefined): void {
  const out = linkOf(net, nsId, outName);
  if (out.name === from.name && !out.bridgePort?.hairpin) {
    net.step("drop", nsId, `${br.name}: destination is behind the port the frame came in on and hairpin mode is off`, { dev: out.name });
    return;
  }
  if (skb && net.ns(nsId).sysctl.bridgeNfCallIptables) {
    // br_netfilter: bridged IPv4 also traverses FORWARD and POSTROUTING (in/out = bridge, physdev = ports).
    const fwd = runHook(net, nsId, "FORWARD", skb, { in: br.name, out: br.name, physIn: from.name, physOut: out.name, nexthop: undefined });
    if (!handleVerdict(net, nsId, skb, fwd, "FORWARD")) return;
    const post = runHook(net, nsId, "POSTROUTING", skb, { in: br.name, out: br.name, physIn: from.name, physOut: out.name, nexthop: undefined });
    if (!handleVerdict(net, nsId, skb, post, "POSTROUTING")) return;
    const flooded = net.isFloodCopy(frame);
    frame = { ...frame, payload: skb.ip };
    if (flooded) frame = net.floodCopy(frame);
  }
  l2Xmit(net, nsId, out, frame, skb);
}

/** The host sends through the bridge device: the bridge picks a port by FDB (or floods). */
function bridgeTransmit(net: Network, nsId: string, br: Link, frame: EthernetFrame, skb: Skb | undefined): void {
  const st = net.state(nsId);
  net.advance(LATENCY.bridge);
  const port = frame.dst === BROADCAST ? undefined : st.fdbPort(br.name, frame.dst) ?? staticFdbPort(net, nsId, br, frame.dst);
  if (port) {
    l2Xmit(net, nsId, linkOf(net, nsId, port), frame, skb);
    return;
  }
  // An unknown destination or a broadcast is flooded to every port (br_flood).
  const out = net.floodCopy(frame);
  const ports = portsOf(net, nsId, br);
  const heard = floodPorts(net, ports, out, skb);
  for (const link of heard) l2Xmit(net, nsId, link, out, skb);
  if (heard.length < ports.length) net.later(LATENCY.veth, NOTHING);
}

const NOTHING = (): void => {};

/**
 * The ports a flood goes out of. A run nobody narrates (a check judges it by
 * what the flow did) skips the copies of a broadcast ARP request that reach a
 * namespace not asked about: arp_process ignores them (see arpRcv) and their
 * only trace would be two captures that are not IP. What remains of them is
 * the clock, which the one event the caller schedules instead (same time,
 * same packet) moves as they would have. A pod on a 30-pod bridge would
 * otherwise see every ARP request. The ports that hear a request for an
 * address are found once per bridge and address (compiled devices never change).
 */
function floodPorts(net: Network, ports: Link[], frame: EthernetFrame, skb: Skb | undefined): Link[] {
  const arp = frame.payload;
  if (net.narrating || skb || frame.dst !== BROADCAST || arp.kind !== "arp" || arp.op !== "request") return ports;
  let byTarget = hearers.get(ports);
  if (!byTarget) hearers.set(ports, (byTarget = new Map()));
  let heard = byTarget.get(arp.targetIp);
  if (!heard) byTarget.set(arp.targetIp, (heard = ports.filter((port) => hears(net, port, arp.targetIp))));
  return heard;
}

const hearers = new WeakMap<Link[], Map<Ip4, Link[]>>();

/** Whether the namespace behind a bridge port would do anything with an ARP request for `target`. */
function hears(net: Network, port: Link, target: Ip4): boolean {
  if (port.kind !== "veth" || !port.peer) return true;
  const peer = peerOf(net, port, port.peer);
  return !!peer.master || peer.addrs.some((a) => a.cidr.addr === target);
}
