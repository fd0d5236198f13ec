// The client programs a flow runs: an HTTP client (curl, busybox wget) or
// nc's bare connect over TCP, a datagram or dig's query over UDP, ping's ICMP
// echoes. Each reports the verdict once (what the program concluded) and
// records what it saw in the flow's ClientView.

import { type Ip4, formatIp4 } from "../model/addr.js";
import type { Step, Verdict } from "../model/trace.js";
import { type DnsMessage, ednsOpt } from "../packet/dns.js";
import type { Ipv4Packet } from "../packet/ipv4.js";
import type { UdpDatagram } from "../packet/udp.js";
import { resolverConfig, reverseLookup } from "./apps/dns.js";
import { httpRequest, responseComplete } from "./apps/http.js";
import type { ClientView, FlowInput, FlowResult } from "./flow.js";
import { ipOutput } from "./ip-stack.js";
import type { Network } from "./network.js";
import type { Socket } from "./sockets.js";
import { TcpConn } from "./tcp.js";

/** One flow in progress: the network, what the user asked for, and how to conclude. */
export interface FlowRun {
  net: Network;
  input: FlowInput;
  keys: FlowResult["keyPackets"];
  client: ClientView;
  /** The steps of this flow only (a session's network holds earlier ones too). */
  steps(): Step[];
  /**
   * TCP: the client's connection; its first received packet is `keys.reply`,
   * read when the flow ends. (A closure reading it made V8 keep startTcp's
   * whole scope alive: a check spent three times as long collecting garbage.)
   */
  tcp?: TcpConn;
  finish(verdict: Verdict, reason: string): void;
}

/** A client that heard nothing: dropped if a rule or policy dropped it, otherwise it timed out. */
export function classifySilence(steps: Step[]): Verdict {
  if (steps.some((s) => s.kind === "drop" && (s.hook !== undefined || s.table !== undefined))) return "dropped";
  return "timeout";
}

/** A refusal caused by a REJECT rule is "rejected"; the kernel's own RST or port-unreachable is "refused". */
function refusedOrRejected(steps: Step[]): Verdict {
  return steps.some((s) => s.kind === "reject") ? "rejected" : "refused";
}

/** The step that opens a connection carries the number of its first packet (whatever else moved meanwhile). */
function sendStep(net: Network, time: number, packet: number | undefined, netns: string, text: string): void {
  net.steps.push({ time, packet: packet ?? 0, netns, kind: "send", text });
}

/** Gives up after the client's own timeout (curl -m, nc -w), if it has one. */
function armClientTimeout(run: FlowRun, what: string): void {
  const limit = run.input.clientTimeout;
  if (limit === undefined) return;
  run.net.schedule(run.net.now + limit, () => run.finish(classifySilence(run.steps()), `${what}: no answer within ${limit / 1_000_000} s (the client's timeout)`));
}

export function startTcp(run: FlowRun, src: Ip4, dst: Ip4): void {
  const { net, input, keys, client } = run;
  const port = input.port ?? 80;
  const host = port === 80 ? input.to : `${input.to}:${port}`;
  const request = input.request !== undefined ? new TextEncoder().encode(input.request) : httpRequest(input.client, host, input.path ?? "/", input.headers ?? [], input.method ?? "GET", input.userAgent);
  const sport = net.rng.int(32768, 60999);
  client.local = { ip: src, port: sport };
  client.remote = { ip: dst, port };
  const conn: TcpConn = new TcpConn(input.from, src, sport, dst, port, net, {
    established: (c) => {
      client.connectedAt = net.now;
      if (input.connectOnly) {
        run.finish("delivered", `connected to ${formatIp4(dst)}:${port}`);
        c.close();
        return;
      }
      net.later(120, () => {
        client.sent = [request];
        c.write(request);
      });
    },
    data: (c, data) => {
      client.received.push(data);
      if (input.request !== undefined || input.connectOnly) return;
      const head = new TextDecoder().decode(c.received[0]!.slice(0, 5));
      if (head !== "HTTP/") {
        // A server that speaks first and not HTTP (MySQL's greeting): it answered; curl gives up on it.
        const bytes = c.received.reduce((n, d) => n + d.length, 0);
        run.finish("delivered", `${formatIp4(dst)}:${port} answered with ${bytes} bytes that are not HTTP (curl: "Received HTTP/0.9 when not allowed")`);
        net.later(300, () => c.close());
        return;
      }
      const r = responseComplete(c.received);
      if (!r.done) return;
      run.finish("delivered", `${r.status ?? "response"} received from ${formatIp4(dst)}:${port}`);
      if (input.client !== "wget") net.later(300, () => c.close());
    },
    peerClosed: (c) => net.later(200, () => c.close()),
    ended: (c, how) => {
      const steps = run.steps();
      if (how === "refused") client.error = "ECONNREFUSED";
      else if (how === "timeout") client.error = "ETIMEDOUT";
      else if (how === "reset") client.error = "ECONNRESET";
      else if (how === "unreachable") client.error = c.icmpCode === 0 ? "ENETUNREACH" : "EHOSTUNREACH";
      if (how === "refused") run.finish(refusedOrRejected(steps), `connection to ${formatIp4(dst)}:${port} refused`);
      else if (how === "timeout") run.finish(classifySilence(steps), `no answer to the SYN after 6 retries (${formatIp4(dst)}:${port})`);
      else if (how === "unreachable") run.finish("no-route", `${formatIp4(dst)} is unreachable`);
      else if (how === "reset") run.finish("refused", `connection reset by ${formatIp4(dst)}:${port}`);
      else if (input.request !== undefined) run.finish("delivered", `request delivered to ${formatIp4(dst)}:${port}`);
    },
  }, "client");
  net.socketsOf(input.from).push(conn);
  const at = net.now;
  conn.connect();
  keys.request = conn.firstSent;
  const what = input.connectOnly ? "nc" : input.client;
  sendStep(net, at, keys.request, input.from, `${what} connects from ${formatIp4(src)}:${sport} to ${formatIp4(dst)}:${port}`);
  armClientTimeout(run, `${what} to ${formatIp4(dst)}:${port}`);
  run.tcp = conn;
}

export function startUdp(run: FlowRun, src: Ip4, dst: Ip4): void {
  const { net, input, keys, client } = run;
  const port = input.port ?? 53;
  const sport = net.rng.int(32768, 60999);
  client.local = { ip: src, port: sport };
  client.remote = { ip: dst, port };
  // To port 53 the client is dig: one A query (for the cluster's own API service name, unless asked); elsewhere a short datagram.
  const payload: UdpDatagram["payload"] =
    input.request !== undefined ? new TextEncoder().encode(input.request) : input.dnsQuestion ? digQuery(net, input.dnsQuestion) : port === 53 ? defaultQuery(net) : new TextEncoder().encode("hello\n");
  const sock: Socket = {
    proto: "udp", localIp: src, localPort: sport, remoteIp: dst, remotePort: port,
    receive: (_n, _ns, skb) => {
      const udp = skb.ip.payload as UdpDatagram;
      keys.reply ??= skb.id;
      const size = udp.payload instanceof Uint8Array ? udp.payload.length : 0;
      client.reply ??= { from: skb.ip.src, port: udp.sport, size, ...(udp.payload instanceof Uint8Array ? { data: udp.payload } : { dns: udp.payload as DnsMessage }) };
      run.finish("delivered", `reply from ${formatIp4(skb.ip.src)}:${udp.sport}`);
    },
    icmpError: (_n, _ns, code, from) => run.finish(code === 3 ? refusedOrRejected(run.steps()) : "no-route", `ICMP ${code === 3 ? "port" : "destination"} unreachable from ${formatIp4(from)}`),
  };
  net.socketsOf(input.from).push(sock);
  const ip: Ipv4Packet = { kind: "ipv4", src, dst, ttl: 64, id: net.rng.int(1, 65535), tos: 0, df: true, payload: { kind: "udp", sport, dport: port, payload } };
  const at = net.now;
  keys.request = ipOutput(net, input.from, ip, { flowHash: 0, csumPartial: true });
  sendStep(net, at, keys.request, input.from, `one UDP datagram from ${formatIp4(src)}:${sport} to ${formatIp4(dst)}:${port}`);
  const wait = input.clientTimeout ?? 5_000_000;
  net.schedule(net.now + wait, () => run.finish(classifySilence(run.steps()), `no reply within ${wait / 1_000_000} s`));
}

function defaultQuery(net: Network): DnsMessage {
  return {
    kind: "dns",
    id: net.rng.int(1, 65535),
    flags: { qr: false, opcode: 0, rd: true },
    questions: [{ name: "kubernetes.default.svc.cluster.local.", type: "A", class: 1 }],
    answers: [],
    authority: [],
    additional: [],
  };
}

/**
 * One question as the asking tool builds it: recursion desired; dig also sets
 * AD and adds EDNS(0) (9.18: a 1232-byte buffer and an 8-byte client COOKIE;
 * 9.9: 4096, no cookie); nslookup sends no EDNS.
 */
function digQuery(net: Network, q: NonNullable<FlowInput["dnsQuestion"]>): DnsMessage {
  const id = net.rng.int(1, 65535);
  let cookie: Uint8Array | undefined;
  if (q.edns?.cookie) {
    cookie = new Uint8Array(12);
    cookie.set([0, 10, 0, 8]);
    for (let i = 4; i < 12; i++) cookie[i] = net.rng.int(0, 255);
  }
  return {
    kind: "dns",
    id,
    flags: { qr: false, opcode: 0, rd: true, ad: q.edns !== null },
    questions: [{ name: q.name.endsWith(".") ? q.name : `${q.name}.`, type: q.type, class: 1 }],
    answers: [],
    authority: [],
    additional: q.edns ? [ednsOpt(q.edns.size, false, cookie)] : [],
  };
}

export function startPing(run: FlowRun, src: Ip4, dst: Ip4): void {
  const { net, input, keys, client } = run;
  const id = net.rng.int(1, 65535);
  const count = input.pings ?? 1;
  const first = input.firstSeq ?? 1;
  client.local = { ip: src, port: id };
  client.remote = { ip: dst, port: 0 };
  const sentAt = new Map<number, number>();
  const answered = (): number => client.echoReplies.length + client.echoErrors.length;
  const sock: Socket = {
    proto: "icmp", localIp: src, localPort: id,
    receive: (_n, _ns, skb) => {
      keys.reply ??= skb.id;
      const p = skb.ip.payload;
      if (p.kind === "icmp" && p.type === "echo-reply") {
        client.echoReplies.push({ seq: p.seq, ttl: skb.ip.ttl, from: skb.ip.src, bytes: p.data.length + 8, rtt: net.now - (sentAt.get(p.seq) ?? net.now) });
        if (input.reverseLookup && client.ptr === undefined) lookUpReplier(run, src, skb.ip.src);
      }
      if (answered() >= count) run.finish("delivered", `echo reply from ${formatIp4(skb.ip.src)}`);
    },
    icmpError: (_n, _ns, code, from) => {
      client.echoErrors.push({ seq: first + Math.max(0, client.echoesSent - 1), from, type: "dest-unreachable", code });
      if (answered() >= count || count === 1) {
        if (client.echoReplies.length > 0) run.finish("delivered", `echo reply from ${formatIp4(dst)}`);
        else run.finish(code === 3 ? refusedOrRejected(run.steps()) : "no-route", `ICMP unreachable from ${formatIp4(from)}`);
      }
    },
  };
  net.socketsOf(input.from).push(sock);
  const send = (n: number): void => {
    const seq = first + n - 1;
    // iputils ping: 56 data bytes, a 16-byte timeval followed by 0x10, 0x11, ...
    const data = new Uint8Array(56).map((_, i) => (i < 16 ? 0 : i));
    const ip: Ipv4Packet = { kind: "ipv4", src, dst, ttl: 64, id: net.rng.int(1, 65535), tos: 0, df: true, payload: { kind: "icmp", type: "echo-request", id, seq, data } };
    sentAt.set(seq, net.now);
    client.echoesSent = n;
    const at = net.now;
    const packet = ipOutput(net, input.from, ip, { flowHash: 0, csumPartial: false });
    if (n === 1) {
      keys.request = packet;
      sendStep(net, at, packet, input.from, `ping: echo request from ${formatIp4(src)} to ${formatIp4(dst)}`);
    }
  };
  send(1);
  for (let n = 2; n <= count; n++) net.schedule(net.now + (n - 1) * 1_000_000, () => send(n));
  // iputils waits up to 10 s after the last probe for stragglers.
  net.schedule(net.now + (count - 1) * 1_000_000 + 10_000_000, () => {
    if (client.echoReplies.length > 0) run.finish("delivered", `${client.echoReplies.length} of ${count} echo replies from ${formatIp4(dst)}`);
    else run.finish(classifySilence(run.steps()), "no echo reply within 10 s");
  });
}

/**
 * iputils prints the first reply's source by name: a PTR query to the
 * namespace's nameserver, answered within the flow's settling time.
 * `ptr` is null until (or unless) a name comes back.
 */
function lookUpReplier(run: FlowRun, src: Ip4, ip: Ip4): void {
  const conf = resolverConfig(run.net.ns(run.input.from));
  run.client.ptr = null;
  if (!conf) return;
  reverseLookup(run.net, run.input.from, src, ip, conf.nameserver, (name) => {
    run.client.ptr = name ?? null;
  });
}
