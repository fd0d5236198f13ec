// Overlay devices: flannel.1 (VXLAN: inner Ethernet frame in UDP 8472 to the
// remote VTEP found in the FDB) and flannel0 (TUN: flanneld reads the packet
// and sends it in UDP 8285 to the node holding the destination's lease).

import { formatIp4 } from "../model/addr.js";
import type { Link } from "../model/kernel.js";
import type { EthernetFrame } from "../packet/ethernet.js";
import type { Ipv4Packet } from "../packet/ipv4.js";
import { decodeIp, encodeIp } from "../packet/ipv4.js";
import { ipOutput, ipRcv } from "./ip-stack.js";
import { l2Rcv } from "./l2.js";
import { LATENCY, type Network } from "./network.js";
import { hash32 } from "./rng.js";
import type { Skb } from "./state.js";
import { innerSkb } from "./skb.js";
import { vtepByAddress, vtepByMac } from "./kernel-index.js";

export const FLANNEL_UDP_PORT = 8285;

/** The VXLAN source port: the flow hash mapped into ip_local_port_range (32768–60999). */
function sourcePort(skb: Skb): number {
  let hash = skb.flowHash;
  if (hash === 0) {
    // No socket hash (UDP, ICMP): the flow dissector's hash is direction-symmetric.
    const ip = skb.ip;
    const p = ip.payload;
    const a = Math.min(ip.src, ip.dst);
    const b = Math.max(ip.src, ip.dst);
    const ports = p.kind === "tcp" || p.kind === "udp" ? `${Math.min(p.sport, p.dport)},${Math.max(p.sport, p.dport)}` : p.kind === "icmp" && "id" in p ? String(p.id) : "";
    hash = hash32(`${p.kind}/${a}/${b}/${ports}`);
  }
  return 32768 + (hash % (60999 - 32768 + 1));
}

export function vxlanXmit(net: Network, nsId: string, dev: Link, skb: Skb, nexthop: number): void {
  const st = net.state(nsId);
  const vx = dev.vxlan!;
  const neighbour = st.neighbour(dev.name, nexthop) ?? l3miss(net, nsId, dev, nexthop);
  if (!neighbour) {
    net.step("drop", nsId, `${dev.name}: no neighbour entry for ${formatIp4(nexthop)} (flannel has not programmed that node)`, { dev: dev.name });
    return;
  }
  const inner: EthernetFrame = { src: dev.mac!, dst: neighbour.mac, payload: skb.ip };
  net.captureFrame(nsId, dev.name, "out", inner, skb.id, skb);
  const fdb = vtepByMac(net.ns(nsId).fdb, dev.name, neighbour.mac);
  if (!fdb) {
    net.step("drop", nsId, `${dev.name}: no FDB entry for ${neighbour.mac}`, { dev: dev.name });
    return;
  }
  if (net.narrating) net.step("encap", nsId, `VXLAN encapsulation: VNI ${vx.vni}, ${formatIp4(vx.local)} → ${formatIp4(fdb.dst!)} udp/${vx.port} (FDB ${neighbour.mac} dst ${formatIp4(fdb.dst!)})`, { dev: dev.name });
  net.advance(LATENCY.tunnel);
  const outer: Ipv4Packet = {
    kind: "ipv4", src: vx.local, dst: fdb.dst!, ttl: 64, id: st.nextIpId() & 0xffff, tos: 0, df: false,
    payload: { kind: "udp", sport: sourcePort(skb), dport: vx.port, payload: { kind: "vxlan", vni: vx.vni, frame: inner } },
  };
  // udp_set_csum with local checksum offload: the inner checksum stays partial and the NIC completes it with the outer one.
  ipOutput(net, nsId, outer, { id: skb.id, flowHash: 0, csumPartial: true, innerCsumPartial: skb.csumPartial });
}

/**
 * An L3 miss on a device with l3miss: the kernel tells the daemon (flannel
 * 0.5–0.8), which finds the lease holding the address and installs a
 * neighbour entry pointing at that node's VTEP MAC.
 */
function l3miss(net: Network, nsId: string, dev: Link, ip: number) {
  if (!dev.vxlan?.l3miss) return undefined;
  const owner = net.world.leaseOwner(ip);
  const entry = owner === undefined ? undefined : vtepByAddress(net.ns(nsId).fdb, dev.name, owner);
  if (!entry) return undefined;
  net.step("neighbour", nsId, `${dev.name}: L3 miss for ${formatIp4(ip)}; flanneld answers with ${entry.mac} (the VTEP of ${formatIp4(owner!)})`, { dev: dev.name });
  net.state(nsId).learnNeighbour(dev.name, ip, entry.mac);
  return net.state(nsId).neighbour(dev.name, ip);
}

/** A UDP datagram for the VXLAN port arrived: find the device and decapsulate. Returns false if no VXLAN device owns it. */
export function vxlanRcv(net: Network, nsId: string, skb: Skb): boolean {
  const p = skb.ip.payload;
  if (p.kind !== "udp" || typeof p.payload !== "object" || !("kind" in p.payload) || p.payload.kind !== "vxlan") return false;
  const vx = p.payload;
  const dev = net.ns(nsId).links.find((l) => l.vxlan && l.vxlan.port === p.dport && l.vxlan.vni === vx.vni);
  if (!dev) return false;
  if (net.narrating) net.step("decap", nsId, `VXLAN decapsulation on ${dev.name} (VNI ${vx.vni})`, { dev: dev.name });
  const innerIp = vx.frame.payload;
  if (innerIp.kind !== "ipv4") return true;
  const clean = stripPartial(innerIp);
  const inner = innerSkb(skb, clean, skb.flowHash);
  l2Rcv(net, nsId, dev, { ...vx.frame, payload: clean }, inner);
  return true;
}

function stripPartial(ip: Ipv4Packet): Ipv4Packet {
  const p = ip.payload;
  if ((p.kind === "tcp" || p.kind === "udp") && p.checksum === "partial") return { ...ip, payload: { ...p, checksum: "full" } };
  return ip;
}

export function tunXmit(net: Network, nsId: string, dev: Link, skb: Skb): void {
  net.captureRaw(nsId, dev.name, "out", skb.ip, skb.id, skb);
  const remote = net.world.leaseOwner(skb.ip.dst);
  const nic = net.ns(nsId).links.find((l) => l.kind === "ether");
  const local = nic?.addrs[0]?.cidr.addr;
  if (remote === undefined || local === undefined) {
    net.step("drop", nsId, `flanneld: no lease holds ${formatIp4(skb.ip.dst)}`, { dev: dev.name });
    return;
  }
  net.step("encap", nsId, `flanneld (udp backend) sends the packet in UDP ${FLANNEL_UDP_PORT} to ${formatIp4(remote)}`, { dev: dev.name });
  net.advance(LATENCY.tunnel * 3);
  const outer: Ipv4Packet = {
    kind: "ipv4", src: local, dst: remote, ttl: 64, id: net.state(nsId).nextIpId() & 0xffff, tos: 0, df: true,
    payload: { kind: "udp", sport: FLANNEL_UDP_PORT, dport: FLANNEL_UDP_PORT, payload: encodeIp(skb.ip) },
  };
  ipOutput(net, nsId, outer, { id: skb.id, flowHash: 0, csumPartial: true });
}

/** flanneld's UDP socket: write the carried packet into flannel0. */
export function tunRcv(net: Network, nsId: string, skb: Skb): boolean {
  const p = skb.ip.payload;
  if (p.kind !== "udp" || p.dport !== FLANNEL_UDP_PORT || !(p.payload instanceof Uint8Array)) return false;
  const dev = net.ns(nsId).links.find((l) => l.kind === "tun");
  if (!dev) return false;
  const innerIp = decodeIp(p.payload);
  if (!innerIp) return true;
  net.advance(LATENCY.tunnel * 3);
  const inner = innerSkb(skb, innerIp, 0);
  net.captureRaw(nsId, dev.name, "in", innerIp, skb.id);
  ipRcv(net, nsId, dev, inner);
  return true;
}
