// Local delivery after INPUT: tunnel sockets (VXLAN, flanneld), connected
// sockets, listening sockets, and the kernel's own answers when nobody
// listens (TCP RST, ICMP port unreachable, ICMP echo reply).

import { formatIp4, type Ip4 } from "../model/addr.js";
import type { Link, Listener } from "../model/kernel.js";
import type { Ipv4Packet } from "../packet/ipv4.js";
import { UNREACH } from "../packet/icmp.js";
import { ipOutput, sendIcmpError } from "./ip-stack.js";
import { LATENCY, type Network } from "./network.js";
import type { Skb } from "./state.js";
import { tunRcv, vxlanRcv } from "./tunnel.js";

export interface Socket {
  proto: "tcp" | "udp" | "icmp";
  localIp: Ip4; // 0 = wildcard
  localPort: number;
  remoteIp?: Ip4;
  remotePort?: number;
  receive(net: Network, nsId: string, skb: Skb): void;
  /** An ICMP error about something this socket sent. */
  icmpError?(net: Network, nsId: string, code: number, from: Ip4): void;
  /**
   * It keeps no state of its own and acts only through the network it is
   * handed, so a forked network can use the same object (Network.fork).
   */
  shareable?: boolean;
}

/** Starts a server socket for a static listener the first time a packet needs it. */
export type ListenerFactory = (net: Network, nsId: string, listener: Listener) => Socket;

let serverFactory: ListenerFactory | undefined;

export function setServerFactory(f: ListenerFactory): void {
  serverFactory = f;
}

/** The listener each server socket was started for: two networks' servers for one listener behave alike. */
const startedFor = new WeakMap<Socket, Listener>();

export function listenerOf(s: Socket): Listener | undefined {
  return startedFor.get(s);
}

export function deliverToSocket(net: Network, nsId: string, dev: Link, skb: Skb): void {
  net.current = skb.id;
  const ip = skb.ip;
  const p = ip.payload;
  if (p.kind === "udp" && (vxlanRcv(net, nsId, skb) || tunRcv(net, nsId, skb))) return;
  if (p.kind === "icmp") {
    deliverIcmp(net, nsId, skb);
    return;
  }
  if (p.kind !== "tcp" && p.kind !== "udp") return;
  const sock = findSocket(net, nsId, p.kind, ip.dst, p.dport, ip.src, p.sport);
  if (sock) {
    if (p.kind === "udp" && sock.remoteIp === undefined) net.datagrams.push({ netns: nsId, ip: ip.dst, port: p.dport, peer: { ip: ip.src, port: p.sport }, packet: skb.id });
    net.advance(LATENCY.stack);
    sock.receive(net, nsId, skb);
    return;
  }
  if (p.kind === "tcp") {
    if (p.flags.rst) return;
    net.step("socket", nsId, whyReset(net, nsId, ip), { dev: dev.name });
    sendReset(net, nsId, ip);
    return;
  }
  net.step("socket", nsId, `no socket listens on ${formatIp4(ip.dst)}:${p.dport}/udp: ICMP port unreachable`, { dev: dev.name });
  sendIcmpError(net, nsId, skb, UNREACH.port);
}

/** The classic asymmetric-NAT failure deserves its name: a SYN-ACK from an address the socket never called. */
function whyReset(net: Network, nsId: string, ip: Ipv4Packet): string {
  const p = ip.payload;
  if (p.kind !== "tcp") return "";
  const caller = net.socketsOf(nsId).find((s) => s.proto === "tcp" && s.localPort === p.dport && s.remoteIp !== undefined);
  if (p.flags.syn && p.flags.ack && caller && (caller.remoteIp !== ip.src || caller.remotePort !== p.sport)) {
    return `a SYN-ACK from ${formatIp4(ip.src)}:${p.sport}, but this socket connected to ${formatIp4(caller.remoteIp!)}:${caller.remotePort}: the reply was not translated back (no conntrack saw it), so the kernel answers with RST`;
  }
  return `no socket for ${formatIp4(ip.dst)}:${p.dport}/tcp: the kernel answers with RST`;
}

function findSocket(net: Network, nsId: string, proto: "tcp" | "udp", dst: Ip4, dport: number, src: Ip4, sport: number): Socket | undefined {
  const list = net.socketsOf(nsId);
  const connected = list.find((s) => s.proto === proto && s.localPort === dport && s.remoteIp === src && s.remotePort === sport && (s.localIp === 0 || s.localIp === dst));
  if (connected) return connected;
  const listening = list.find((s) => s.proto === proto && s.localPort === dport && s.remoteIp === undefined && (s.localIp === 0 || s.localIp === dst));
  if (listening) return listening;
  const ns = net.ns(nsId);
  const wanted = (l: Listener) => l.port === dport && (l.proto === proto || l.proto === `${proto}6`) && (l.addr === 0 || l.addr === dst);
  const listener = ns.listeners.find(wanted);
  if (!listener || !serverFactory) return undefined;
  const sock = serverFactory(net, nsId, listener);
  startedFor.set(sock, listener);
  list.push(sock);
  return sock;
}

function deliverIcmp(net: Network, nsId: string, skb: Skb): void {
  const ip = skb.ip;
  const p = ip.payload;
  if (p.kind !== "icmp") return;
  if (p.type === "echo-request") {
    net.step("socket", nsId, `ICMP echo request for ${formatIp4(ip.dst)}: the kernel replies`);
    net.advance(LATENCY.stack);
    const reply: Ipv4Packet = { kind: "ipv4", src: ip.dst, dst: ip.src, ttl: 64, id: net.state(nsId).nextIpId() & 0xffff, tos: 0, df: false, payload: { kind: "icmp", type: "echo-reply", id: p.id, seq: p.seq, data: p.data } };
    ipOutput(net, nsId, reply, { id: skb.id, flowHash: 0, csumPartial: false });
    return;
  }
  const list = net.socketsOf(nsId);
  if (p.type === "echo-reply") {
    list.find((s) => s.proto === "icmp" && s.localPort === p.id)?.receive(net, nsId, skb);
    return;
  }
  // An error: hand it to the socket that sent the quoted packet.
  if (p.type !== "dest-unreachable" && p.type !== "time-exceeded") return;
  const quoted = p.quoted;
  if (quoted.length < 28) return;
  const qsrc = (quoted[12]! << 24 | quoted[13]! << 16 | quoted[14]! << 8 | quoted[15]!) >>> 0;
  const qdst = (quoted[16]! << 24 | quoted[17]! << 16 | quoted[18]! << 8 | quoted[19]!) >>> 0;
  const proto = quoted[9] === 6 ? "tcp" : quoted[9] === 17 ? "udp" : "icmp";
  const ihl = (quoted[0]! & 15) * 4;
  // A ping socket is found by the quoted echo's id (its "port"), four bytes into the ICMP header.
  const at = proto === "icmp" ? ihl + 4 : ihl;
  if (quoted.length < at + 4) return;
  const sport = quoted[at]! << 8 | quoted[at + 1]!;
  const dport = proto === "icmp" ? sport : quoted[at + 2]! << 8 | quoted[at + 3]!;
  const code = p.type === "dest-unreachable" ? p.code : -1;
  const sock = list.find((s) => s.proto === proto && s.localPort === sport && (s.localIp === 0 || s.localIp === qsrc) && (s.remoteIp === undefined || (s.remoteIp === qdst && s.remotePort === dport)));
  sock?.icmpError?.(net, nsId, code, ip.src);
}

/** tcp_v4_send_reset: RST (with ACK of the SYN) from the kernel, no options, IP id 0. */
function sendReset(net: Network, nsId: string, ip: Ipv4Packet): void {
  const p = ip.payload;
  if (p.kind !== "tcp") return;
  net.advance(LATENCY.stack);
  const len = (p.payload?.length ?? 0) + (p.flags.syn ? 1 : 0) + (p.flags.fin ? 1 : 0);
  const rst: Ipv4Packet = {
    kind: "ipv4", src: ip.dst, dst: ip.src, ttl: 64, id: 0, tos: 0, df: true,
    payload: p.flags.ack
      ? { kind: "tcp", sport: p.dport, dport: p.sport, seq: p.ack, ack: 0, flags: { rst: true }, window: 0 }
      : { kind: "tcp", sport: p.dport, dport: p.sport, seq: 0, ack: (p.seq + len) >>> 0, flags: { rst: true, ack: true }, window: 0 },
  };
  ipOutput(net, nsId, rst, { flowHash: 0, csumPartial: false });
}
