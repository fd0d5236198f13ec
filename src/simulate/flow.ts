// One flow, end to end: an optional DNS lookup by the source's resolver, then
// a TCP conversation (curl- or wget-like HTTP request), a UDP datagram and its
// reply, or an ICMP echo. The verdict comes from what the client program saw.

import { type Ip4, formatIp4, parseIp4 } from "../model/addr.js";
import type { World } from "../model/kernel.js";
import type { CapturedPacket, Step, Verdict } from "../model/trace.js";
import type { Ipv4Packet } from "../packet/ipv4.js";
import type { UdpDatagram } from "../packet/udp.js";
import { parseResolvConf, resolve } from "./apps/dns.js";
import { type HttpClientKind, httpRequest, responseComplete } from "./apps/http.js";
import { serverFor } from "./apps/servers.js";
import { ipOutput } from "./ip-stack.js";
import { type Chooser, Network, SeededChooser } from "./network.js";
import { SeededRandom } from "./rng.js";
import { sourceAddress } from "./routing.js";
import { setServerFactory, type Socket } from "./sockets.js";
import { TcpConn } from "./tcp.js";

setServerFactory(serverFor);

export interface FlowInput {
  /** Namespace the client runs in. */
  from: string;
  /** A name (resolved by the source's resolver) or a dotted address. */
  to: string;
  port: number | null;
  protocol: "tcp" | "udp" | "icmp";
  client: HttpClientKind;
  /** Raw request bytes instead of the client's HTTP GET. */
  request?: string;
}

export interface FlowOptions {
  seed: number;
  chooser?: Chooser;
  /** Give up after this much simulated time (µs); TCP's SYN retries end at ~127 s. */
  limit?: number;
}

export interface FlowResult {
  verdict: Verdict;
  reason: string;
  resolved?: { name: string; addresses: Ip4[] };
  server?: { netns: string; ip: Ip4; port: number };
  /** The flow's first packet and the first packet that came back (the narrative follows these). */
  keyPackets: { request?: number; reply?: number };
  packets: CapturedPacket[];
  steps: Step[];
}

export function runFlow(world: World, input: FlowInput, options: FlowOptions): FlowResult {
  const rng = new SeededRandom(options.seed);
  const net = new Network(world, rng.fork("kernel"), options.chooser ?? new SeededChooser(rng.fork("statistic")));
  const outcome: { verdict?: Verdict; reason?: string; resolved?: FlowResult["resolved"] } = {};
  const keys: FlowResult["keyPackets"] = {};
  const finish = (verdict: Verdict, reason: string): void => {
    if (outcome.verdict) return;
    outcome.verdict = verdict;
    outcome.reason = reason;
  };
  const start = (dst: Ip4): void => {
    const src = sourceAddress(net.ns(input.from), dst);
    if (src === undefined) {
      net.step("drop", input.from, `no route to ${formatIp4(dst)} from ${input.from}`);
      finish("no-route", `${input.from} has no route to ${formatIp4(dst)}`);
      return;
    }
    if (input.protocol === "tcp") startTcp(net, input, src, dst, finish, keys);
    else if (input.protocol === "udp") startUdp(net, input, src, dst, finish, keys);
    else startPing(net, input, src, dst, finish, keys);
  };
  const literal = parseIp4(input.to);
  if (literal !== undefined) start(literal);
  else {
    const conf = parseResolvConf(net.ns(input.from).files.get("/etc/resolv.conf")?.() ?? "");
    if (!conf) finish("no-route", `${input.from} has no nameserver to resolve ${input.to}`);
    else {
      const src = sourceAddress(net.ns(input.from), conf.nameserver) ?? 0;
      resolve(net, input.from, src, input.to, conf, (addresses, name) => {
        outcome.resolved = { name: name ?? input.to, addresses };
        if (addresses[0] === undefined) finish("no-route", `could not resolve ${input.to}`);
        else net.later(200, () => start(addresses[0]!));
      });
    }
  }
  net.runUntil(options.limit ?? 150_000_000);
  if (!outcome.verdict) finish(classifySilence(net.steps), "no answer before the client gave up");
  const server = findServer(net);
  return {
    verdict: outcome.verdict!,
    reason: outcome.reason!,
    ...(outcome.resolved ? { resolved: outcome.resolved } : {}),
    ...(server ? { server } : {}),
    keyPackets: keys,
    packets: net.captures,
    steps: net.steps,
  };
}

/** A client that heard nothing: dropped if a rule or policy dropped it, otherwise it timed out. */
function classifySilence(steps: Step[]): Verdict {
  if (steps.some((s) => s.kind === "drop" && (s.hook !== undefined || s.table !== undefined))) return "dropped";
  return "timeout";
}

/** The last connection a server accepted: the backend that answered (behind any proxy). */
function findServer(net: Network): FlowResult["server"] {
  return net.accepted[net.accepted.length - 1];
}

type Finish = (verdict: Verdict, reason: string) => void;
type Keys = FlowResult["keyPackets"];

function startTcp(net: Network, input: FlowInput, src: Ip4, dst: Ip4, finish: Finish, keys: Keys): void {
  const port = input.port ?? 80;
  const host = /^\d+\.\d+\.\d+\.\d+$/.test(input.to) ? (port === 80 ? input.to : `${input.to}:${port}`) : port === 80 ? input.to : `${input.to}:${port}`;
  const request = input.request !== undefined ? new TextEncoder().encode(input.request) : httpRequest(input.client, host);
  const sport = net.rng.int(32768, 60999);
  const conn: TcpConn = new TcpConn(input.from, src, sport, dst, port, net, {
    established: (c) => net.later(120, () => c.write(request)),
    data: (c) => {
      if (input.request !== undefined) return;
      const head = new TextDecoder().decode(c.received[0]!.slice(0, 5));
      if (head !== "HTTP/") {
        // A server that speaks first and not HTTP (MySQL's greeting): it answered; curl gives up on it.
        const bytes = c.received.reduce((n, d) => n + d.length, 0);
        finish("delivered", `${formatIp4(dst)}:${port} answered with ${bytes} bytes that are not HTTP (curl: "Received HTTP/0.9 when not allowed")`);
        net.later(300, () => c.close());
        return;
      }
      const r = responseComplete(c.received);
      if (!r.done) return;
      finish("delivered", `${r.status ?? "response"} received from ${formatIp4(dst)}:${port}`);
      if (input.client === "curl") net.later(300, () => c.close());
    },
    peerClosed: (c) => net.later(200, () => c.close()),
    ended: (_c, how) => {
      if (how === "refused") finish(refusedOrRejected(net.steps), `connection to ${formatIp4(dst)}:${port} refused`);
      else if (how === "timeout") finish(classifySilence(net.steps), `no answer to the SYN after 6 retries (${formatIp4(dst)}:${port})`);
      else if (how === "unreachable") finish("no-route", `${formatIp4(dst)} is unreachable`);
      else if (how === "reset") finish("refused", `connection reset by ${formatIp4(dst)}:${port}`);
      else if (input.request !== undefined) finish("delivered", `request delivered to ${formatIp4(dst)}:${port}`);
    },
  }, "client");
  net.socketsOf(input.from).push(conn);
  const at = net.now;
  conn.connect();
  keys.request = conn.firstSent;
  sendStep(net, at, keys.request, input.from, `${input.client} connects from ${formatIp4(src)}:${sport} to ${formatIp4(dst)}:${port}`);
  const watch = (): void => {
    if (conn.firstReceived !== undefined) keys.reply = conn.firstReceived;
    else net.later(1000, watch);
  };
  net.later(1000, watch);
}

/** A refusal caused by a REJECT rule is "rejected"; the kernel's own RST or port-unreachable is "refused". */
function refusedOrRejected(steps: Step[]): Verdict {
  return steps.some((s) => s.kind === "reject") ? "rejected" : "refused";
}

function startUdp(net: Network, input: FlowInput, src: Ip4, dst: Ip4, finish: Finish, keys: Keys): void {
  const port = input.port ?? 53;
  const sport = net.rng.int(32768, 60999);
  // To port 53 the client is dig: one A query (for the cluster's own API service name); elsewhere a short datagram.
  const payload: UdpDatagram["payload"] = input.request !== undefined ? new TextEncoder().encode(input.request) : port === 53 ? digQuery(net) : new TextEncoder().encode("hello\n");
  const sock: Socket = {
    proto: "udp", localIp: src, localPort: sport, remoteIp: dst, remotePort: port,
    receive: (_n, _ns, skb) => {
      const udp = skb.ip.payload as UdpDatagram;
      keys.reply ??= skb.id;
      finish("delivered", `reply from ${formatIp4(skb.ip.src)}:${udp.sport}`);
    },
    icmpError: (_n, _ns, code, from) => finish(code === 3 ? refusedOrRejected(net.steps) : "no-route", `ICMP ${code === 3 ? "port" : "destination"} unreachable from ${formatIp4(from)}`),
  };
  net.socketsOf(input.from).push(sock);
  const ip: Ipv4Packet = { kind: "ipv4", src, dst, ttl: 64, id: net.rng.int(1, 65535), tos: 0, df: true, payload: { kind: "udp", sport, dport: port, payload } };
  const at = net.now;
  keys.request = ipOutput(net, input.from, ip, { flowHash: 0, csumPartial: true });
  sendStep(net, at, keys.request, input.from, `one UDP datagram from ${formatIp4(src)}:${sport} to ${formatIp4(dst)}:${port}`);
  net.schedule(net.now + 5_000_000, () => finish(classifySilence(net.steps), `no reply within 5 s`));
}

/** The step that opens a connection carries the number of its first packet (whatever else moved meanwhile). */
function sendStep(net: Network, time: number, packet: number | undefined, netns: string, text: string): void {
  net.steps.push({ time, packet: packet ?? 0, netns, kind: "send", text });
}

function digQuery(net: Network): UdpDatagram["payload"] {
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

function startPing(net: Network, input: FlowInput, src: Ip4, dst: Ip4, finish: Finish, keys: Keys): void {
  const id = net.rng.int(1, 65535);
  // iputils ping: 56 data bytes, a 16-byte timeval followed by 0x10, 0x11, ...
  const data = new Uint8Array(56).map((_, i) => (i < 16 ? 0 : i));
  const sock: Socket = {
    proto: "icmp", localIp: src, localPort: id,
    receive: (_n, _ns, skb) => {
      keys.reply ??= skb.id;
      finish("delivered", `echo reply from ${formatIp4(skb.ip.src)}`);
    },
    icmpError: (_n, _ns, code, from) => finish(code === 3 ? refusedOrRejected(net.steps) : "no-route", `ICMP unreachable from ${formatIp4(from)}`),
  };
  net.socketsOf(input.from).push(sock);
  const ip: Ipv4Packet = { kind: "ipv4", src, dst, ttl: 64, id: net.rng.int(1, 65535), tos: 0, df: true, payload: { kind: "icmp", type: "echo-request", id, seq: 1, data } };
  const at = net.now;
  keys.request = ipOutput(net, input.from, ip, { flowHash: 0, csumPartial: false });
  sendStep(net, at, keys.request, input.from, `ping: echo request from ${formatIp4(src)} to ${formatIp4(dst)}`);
  net.schedule(net.now + 10_000_000, () => finish(classifySilence(net.steps), "no echo reply within 10 s"));
}
