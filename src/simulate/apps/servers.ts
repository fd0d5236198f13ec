// Server sockets for the listeners a namespace declares: HTTP servers (nginx
// or a plain one), DNS servers, UDP echo, and kube-proxy's userspace proxy,
// which accepts a connection and opens its own to a backend.

import { formatIp4 } from "../../model/addr.js";
import type { Listener } from "../../model/kernel.js";
import type { UdpDatagram } from "../../packet/udp.js";
import type { Ipv4Packet } from "../../packet/ipv4.js";
import { ipOutput } from "../ip-stack.js";
import { LATENCY, type Network } from "../network.js";
import type { Socket } from "../sockets.js";
import type { Skb } from "../state.js";
import { TcpConn, type TcpApp } from "../tcp.js";
import { sourceAddress } from "../routing.js";
import { dnsServer } from "./dns.js";
import { nginxResponse, plainResponse, serveHttp } from "./http.js";
import { mysqlServer } from "./mysql.js";

export function serverFor(net: Network, nsId: string, l: Listener): Socket {
  const udp = l.proto === "udp" || l.proto === "udp6";
  if (udp) {
    if (l.app === "dns" && l.dns) return dnsServer(l.dns, l.port);
    if (l.app === "proxy") return udpProxy(l);
    return udpEcho(l.port);
  }
  return tcpListener(l);
}

/** A listening TCP socket: each SYN creates a connection socket (the accept queue). */
function tcpListener(l: Listener): Socket {
  return {
    proto: "tcp",
    localIp: l.addr,
    localPort: l.port,
    shareable: true,
    receive(net: Network, nsId: string, skb: Skb): void {
      const seg = skb.ip.payload;
      if (seg.kind !== "tcp" || !seg.flags.syn || seg.flags.ack) return;
      let handler: TcpApp = {};
      const conn = new TcpConn(nsId, skb.ip.dst, seg.dport, skb.ip.src, seg.sport, net, { established: (c) => handler.established?.(c), data: (c, d) => handler.data?.(c, d), peerClosed: (c) => handler.peerClosed?.(c), ended: (c, h) => handler.ended?.(c, h) }, "server");
      handler = appFor(net, nsId, l, conn);
      conn.v6 = l.proto === "tcp6";
      // Go's net package (kube-proxy, kubelet, CoreDNS), mysqld and sshd set TCP_NODELAY; nginx and plain servers keep Nagle.
      conn.noDelay = ["proxy", "tls", "ssh", "mysql", "dns"].includes(l.app);
      conn.owner = { pid: l.pid, program: l.program };
      net.socketsOf(nsId).push(conn);
      net.accepted.push({ netns: nsId, ip: skb.ip.dst, port: seg.dport, peer: { ip: skb.ip.src, port: seg.sport } });
      if (net.narrating) net.step("socket", nsId, `${l.program} accepts a connection from ${formatIp4(skb.ip.src)}:${seg.sport} on ${formatIp4(skb.ip.dst)}:${seg.dport}`);
      conn.receive(net, nsId, skb);
    },
  };
}

function appFor(net: Network, nsId: string, l: Listener, conn: TcpConn): TcpApp {
  if (l.app === "proxy") return userspaceProxy(net, nsId, l, conn);
  if (l.app === "tls") return tlsServer(net);
  if (l.app === "ssh") return sshServer(net);
  if (l.app === "mysql") {
    const salt = Uint8Array.from({ length: 20 }, () => net.rng.int(33, 126));
    return mysqlServer(conn, (l.software ?? "mysql/5.7.44").split("/")[1]!, salt, (us, run) => net.later(us, run));
  }
  const software = l.software ?? (l.app === "nginx" ? "nginx/1.25.3" : "");
  const respond = (request: string) => (l.app === "nginx" ? nginxResponse(software, request, net.now) : plainResponse(request, `${l.program} on ${net.ns(nsId).hostname}\n`));
  return {
    data: (c) => net.later(LATENCY.app * 5, () => serveHttp(c, respond)),
    // A keep-alive server closes its side as soon as the client does.
    peerClosed: (c) => c.close(),
  };
}

/** A Go HTTPS server (kubelet) given plain HTTP: net/http answers 400 and closes. */
function tlsServer(net: Network): TcpApp {
  const reply = new TextEncoder().encode("HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n");
  return { data: (c) => net.later(LATENCY.app, () => c.write(reply, true)), peerClosed: (c) => c.close() };
}

/** sshd speaks first (its identification string); anything but SSH from the client gets a complaint and a close. */
function sshServer(net: Network): TcpApp {
  const banner = new TextEncoder().encode("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n");
  const invalid = new TextEncoder().encode("Invalid SSH identification string.\r\n");
  return {
    established: (c) => net.later(LATENCY.app, () => c.write(banner)),
    data: (c) => net.later(LATENCY.app, () => c.write(invalid, true)),
    peerClosed: (c) => c.close(),
  };
}

function udpEcho(port: number): Socket {
  return {
    proto: "udp",
    localIp: 0,
    localPort: port,
    shareable: true,
    receive(net: Network, nsId: string, skb: Skb): void {
      const udp = skb.ip.payload as UdpDatagram;
      const reply: Ipv4Packet = { kind: "ipv4", src: skb.ip.dst, dst: skb.ip.src, ttl: 64, id: net.state(nsId).nextIpId() & 0xffff, tos: 0, df: true, payload: { kind: "udp", sport: udp.dport, dport: udp.sport, payload: udp.payload } };
      net.later(LATENCY.app, () => ipOutput(net, nsId, reply, { id: skb.id, flowHash: 0, csumPartial: true }));
    },
  };
}

/**
 * kube-proxy userspace: the redirected connection is accepted by kube-proxy,
 * which dials a backend (round robin; the endpoint list order stands in for
 * its random shuffle) from the node and splices the two connections.
 */
function userspaceProxy(net: Network, nsId: string, l: Listener, front: TcpConn): TcpApp {
  const backends = l.proxyTo ?? [];
  let back: TcpConn | undefined;
  const toBackend: Uint8Array[] = [];
  const open = (): void => {
    const target = backends[proxyPick(net, nsId, l)];
    if (!target) {
      net.step("app", nsId, `kube-proxy: no endpoints for this service port; closing the connection`);
      front.close();
      return;
    }
    const src = sourceAddress(net.ns(nsId), target.ip) ?? 0;
    net.step("app", nsId, `kube-proxy (userspace) proxies ${formatIp4(front.remoteIp)}:${front.remotePort} to backend ${formatIp4(target.ip)}:${target.port}`);
    back = new TcpConn(nsId, src, net.rng.int(32768, 60999), target.ip, target.port, net, {
      established: () => {
        for (const d of toBackend.splice(0)) back!.write(d);
      },
      data: (_c, d) => front.write(d),
      peerClosed: () => front.close(),
      // When either copy loop ends, kube-proxy closes both connections (ProxySocket's tcp copy).
      ended: () => front.close(),
    }, "client");
    back.noDelay = true;
    net.socketsOf(nsId).push(back);
    back.connect();
    if (back.firstSent !== undefined) {
      net.steps.push({ time: net.now, packet: back.firstSent, netns: nsId, kind: "send", text: `kube-proxy's own connection from ${formatIp4(src)}:${back.localPort} to ${formatIp4(target.ip)}:${target.port}` });
    }
  };
  return {
    established: () => open(),
    data: (_c, d) => {
      if (back?.state === "ESTABLISHED") back.write(d);
      else toBackend.push(d);
    },
    peerClosed: () => back?.close(),
  };
}

/**
 * kube-proxy's userspace UDP proxy: each client gets its own socket towards a
 * backend; what the backend answers is sent back from the proxy port.
 */
function udpProxy(l: Listener): Socket {
  return {
    proto: "udp",
    localIp: 0,
    localPort: l.port,
    shareable: true,
    receive(net: Network, nsId: string, skb: Skb): void {
      const udp = skb.ip.payload as UdpDatagram;
      const target = (l.proxyTo ?? [])[proxyPick(net, nsId, l)];
      if (!target) {
        net.step("app", nsId, "kube-proxy: no endpoints for this service port; the datagram is dropped");
        return;
      }
      const src = sourceAddress(net.ns(nsId), target.ip) ?? 0;
      const sport = net.rng.int(32768, 60999);
      const client = { ip: skb.ip.src, port: udp.sport, via: skb.ip.dst };
      net.step("app", nsId, `kube-proxy (userspace) relays the datagram from ${formatIp4(client.ip)}:${client.port} to backend ${formatIp4(target.ip)}:${target.port}`);
      net.socketsOf(nsId).push({
        proto: "udp", localIp: src, localPort: sport, remoteIp: target.ip, remotePort: target.port, shareable: true,
        receive(n: Network, ns: string, reply: Skb): void {
          const back: Ipv4Packet = { kind: "ipv4", src: client.via, dst: client.ip, ttl: 64, id: n.state(ns).nextIpId() & 0xffff, tos: 0, df: true, payload: { kind: "udp", sport: l.port, dport: client.port, payload: (reply.ip.payload as UdpDatagram).payload } };
          n.later(LATENCY.app, () => ipOutput(n, ns, back, { flowHash: 0, csumPartial: true }));
        },
      });
      const out: Ipv4Packet = { kind: "ipv4", src, dst: target.ip, ttl: 64, id: net.state(nsId).nextIpId() & 0xffff, tos: 0, df: true, payload: { kind: "udp", sport, dport: target.port, payload: udp.payload } };
      net.later(LATENCY.app, () => ipOutput(net, nsId, out, { flowHash: 0, csumPartial: true }));
    },
  };
}

/** The endpoint kube-proxy's userspace proxy on `l` picks next; its first pick is a choice (NsState.nextProxyPick). */
function proxyPick(net: Network, nsId: string, l: Listener): number {
  return net.state(nsId).nextProxyPick(l, (p) => net.chooser.decide(p, nsId, net.current));
}
