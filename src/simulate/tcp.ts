// A TCP endpoint that segments like Linux: SYN options mss,sackOK,TS,nop,wscale 7;
// initial windows as multiples of the MSS below 65535; window scale 7; quick
// ACKs at the start of a connection; FIN with ACK; timestamps from a per-socket
// random offset plus a millisecond clock; IP ids from a per-socket counter
// (SYN-ACK id 0). Retransmits an unanswered SYN with the 1 s initial RTO
// doubling, tcp_syn_retries=6, as connect() does.

import { type Ip4, formatIp4 } from "../model/addr.js";
import type { Ipv4Packet } from "../packet/ipv4.js";
import type { TcpFlags, TcpOption, TcpSegment } from "../packet/tcp.js";
import { ipOutput } from "./ip-stack.js";
import { LATENCY, type Network } from "./network.js";
import { routeLookup } from "./routing.js";
import type { Socket } from "./sockets.js";
import type { Skb } from "./state.js";

export type TcpState = "SYN_SENT" | "SYN_RECV" | "ESTABLISHED" | "FIN_WAIT1" | "FIN_WAIT2" | "CLOSE_WAIT" | "LAST_ACK" | "TIME_WAIT" | "CLOSED";

export interface TcpApp {
  established?(conn: TcpConn): void;
  data?(conn: TcpConn, data: Uint8Array): void;
  /** The peer sent FIN. */
  peerClosed?(conn: TcpConn): void;
  /** The connection ended: reset by the peer, refused, timed out, or closed normally. */
  ended?(conn: TcpConn, how: "closed" | "reset" | "refused" | "timeout" | "unreachable"): void;
}

const WSCALE = 7;
const SYN_RETRIES = 6;

/** Linux's initial receive window: the largest multiple of the MSS not above 65535 (tcp_select_initial_window). */
export function initialWindow(mss: number): number {
  return Math.floor(65535 / mss) * mss;
}

export class TcpConn implements Socket {
  readonly proto = "tcp" as const;
  state: TcpState;
  private iss: number;
  private sndNxt: number;
  private rcvNxt = 0;
  private ipId: number;
  private readonly tsOffset: number;
  private tsRecent = 0;
  readonly mss: number;
  private peerMss = 536;
  /** The last window advertised (bytes) and rcv_nxt when it was (rcv_wnd, rcv_wup). */
  private rcvWnd: number;
  private rcvWup = 0;
  readonly flowHash: number;
  private synTries = 0;
  /** Packet numbers of the first segment sent and the first one received (for the narrative). */
  firstSent?: number;
  firstReceived?: number;
  /** Bytes the peer sent, as the application read them. */
  received: Uint8Array[] = [];
  finSent = false;
  /** When the socket entered TIME_WAIT (netstat lists it for 60 s more). */
  timeWaitSince?: number;
  /** Accepted on an IPv6 (dual-stack) listener: netstat says tcp6 and the addresses are v4-mapped. */
  v6 = false;
  /** The ICMP destination-unreachable code that failed connect() (0 net, 1 host, 3 port…). */
  icmpCode?: number;
  /** TCP_NODELAY: Go programs (kube-proxy, kubelet) and mysqld set it; nginx only on keep-alive. */
  noDelay = false;
  /** snd_una and snd_sml (the end of the last sub-MSS segment sent), for Nagle. */
  private sndUna = 0;
  private sndSml = 0;
  /** Data Nagle holds back until the small segment before it is acknowledged. */
  private held: Uint8Array[] = [];
  /** The process holding the socket (a server's; a client's process has exited by the time anyone looks). */
  owner?: { pid: number; program: string };

  constructor(
    readonly nsId: string,
    readonly localIp: Ip4,
    readonly localPort: number,
    readonly remoteIp: Ip4,
    readonly remotePort: number,
    private readonly net: Network,
    readonly app: TcpApp,
    readonly role: "client" | "server",
  ) {
    this.state = role === "client" ? "SYN_SENT" : "SYN_RECV";
    const rng = net.rng;
    this.iss = rng.u32();
    this.sndNxt = this.iss;
    this.sndUna = this.iss;
    this.sndSml = this.iss;
    this.ipId = rng.int(1, 65535);
    this.tsOffset = rng.u32();
    this.flowHash = rng.u32() || 1;
    this.mss = mssFor(net, nsId, remoteIp);
    this.rcvWnd = initialWindow(this.mss);
  }

  /** connect(): send the SYN and arm the retransmission timer. */
  connect(): void {
    this.sendSyn();
  }

  private sendSyn(): void {
    const opts: TcpOption[] = [{ kind: "mss", value: this.mss }, { kind: "sackOK" }, { kind: "timestamps", value: this.tsVal(), echo: 0 }, { kind: "nop" }, { kind: "wscale", shift: WSCALE }];
    this.emit({ syn: true }, this.iss, 0, initialWindow(this.mss), opts, undefined);
    const sentAt = this.net.now;
    const rto = 1_000_000 * 2 ** this.synTries;
    this.net.schedule(sentAt + rto, () => {
      if (this.state !== "SYN_SENT") return;
      if (this.synTries >= SYN_RETRIES) {
        this.closeSocket();
        this.app.ended?.(this, "timeout");
        return;
      }
      this.synTries++;
      this.sendSyn();
    });
  }

  private tsVal(): number {
    return (this.tsOffset + Math.floor(this.net.now / 1000)) >>> 0;
  }

  /**
   * tcp_select_window: offer the steady window (what free space allows: the
   * SYN-ACK's MSS-derived size rounded to the scale), but never move the right
   * edge of the previous offer back (the still-open part, rounded up).
   */
  private windowField(): number {
    const unit = 2 ** WSCALE;
    const steady = Math.floor(initialWindow(this.mss - 12) / unit) * unit;
    const open = (this.rcvWup + this.rcvWnd - this.rcvNxt) >>> 0;
    const offer = steady >= open ? steady : Math.ceil(open / unit) * unit;
    this.rcvWnd = offer;
    this.rcvWup = this.rcvNxt;
    return offer / unit;
  }

  receive(net: Network, _nsId: string, skb: Skb): void {
    this.firstReceived ??= skb.id;
    const seg = skb.ip.payload as TcpSegment;
    const ts = seg.options?.find((o) => o.kind === "timestamps");
    if (ts && ts.kind === "timestamps") this.tsRecent = ts.value;
    if (seg.flags.rst) {
      const refused = this.state === "SYN_SENT";
      this.closeSocket();
      net.step("socket", this.nsId, refused ? `connection refused by ${formatIp4(skb.ip.src)}:${seg.sport} (RST)` : `connection reset by ${formatIp4(skb.ip.src)}:${seg.sport}`);
      this.app.ended?.(this, refused ? "refused" : "reset");
      return;
    }
    if (this.state === "SYN_SENT") {
      if (!seg.flags.syn || !seg.flags.ack) return;
      this.rcvNxt = (seg.seq + 1) >>> 0;
      this.rcvWup = this.rcvNxt;
      this.sndNxt = (this.iss + 1) >>> 0;
      this.sndUna = this.sndNxt;
      this.peerMss = mssOption(seg) ?? 536;
      this.state = "ESTABLISHED";
      net.advance(LATENCY.stack * 7);
      this.sendAck();
      this.app.established?.(this);
      return;
    }
    if (this.state === "SYN_RECV" && seg.flags.syn && !seg.flags.ack) {
      this.rcvNxt = (seg.seq + 1) >>> 0;
      this.peerMss = mssOption(seg) ?? 536;
      const opts: TcpOption[] = [{ kind: "mss", value: this.mss }, { kind: "sackOK" }, { kind: "timestamps", value: this.tsVal(), echo: this.tsRecent }, { kind: "nop" }, { kind: "wscale", shift: WSCALE }];
      // tcp_v4_send_synack: the SYN-ACK carries IP id 0; its window counts the timestamp option out of the MSS.
      const synAckWindow = initialWindow(this.mss - 12);
      this.rcvWnd = synAckWindow;
      this.rcvWup = this.rcvNxt;
      this.emit({ syn: true, ack: true }, this.iss, this.rcvNxt, synAckWindow, opts, undefined, 0);
      this.sndNxt = (this.iss + 1) >>> 0;
      return;
    }
    if (this.state === "SYN_RECV" && seg.flags.ack) {
      this.state = "ESTABLISHED";
      this.app.established?.(this);
    }
    if (seg.flags.ack) this.acked(seg.ack);
    const data = seg.payload ?? new Uint8Array(0);
    if (data.length > 0) {
      this.rcvNxt = (this.rcvNxt + data.length) >>> 0;
      this.received.push(data);
      net.advance(LATENCY.stack * 8);
      // Data with FIN is acknowledged once, after the FIN is taken (ack covers both).
      if (!seg.flags.fin) this.sendAck();
      this.app.data?.(this, data);
    }
    if (seg.flags.fin) {
      this.rcvNxt = (this.rcvNxt + 1) >>> 0;
      if (this.state === "ESTABLISHED") {
        this.state = "CLOSE_WAIT";
        this.app.peerClosed?.(this);
        if (this.state === "CLOSE_WAIT") {
          net.advance(LATENCY.stack * 6);
          this.sendAck();
        }
      } else if (this.state === "FIN_WAIT1" || this.state === "FIN_WAIT2") {
        this.state = "TIME_WAIT";
        this.timeWaitSince = net.now;
        net.advance(LATENCY.stack * 6);
        this.sendAck();
        this.app.ended?.(this, "closed");
      }
      return;
    }
    if (this.state === "FIN_WAIT1" && seg.flags.ack && seg.ack === this.sndNxt) this.state = "FIN_WAIT2";
    if (this.state === "LAST_ACK" && seg.flags.ack && seg.ack === this.sndNxt) {
      this.closeSocket();
      this.app.ended?.(this, "closed");
    }
  }

  icmpError(net: Network, _nsId: string, code: number, from: Ip4): void {
    if (this.state !== "SYN_SENT") return;
    this.icmpCode = code;
    this.closeSocket();
    net.step("socket", this.nsId, `ICMP ${code === 3 ? "port" : code === 0 ? "net" : "host"} unreachable from ${formatIp4(from)}: connect() fails`);
    this.app.ended?.(this, code === 3 ? "refused" : "unreachable");
  }

  /** CLOSED: the socket is gone; a new SYN to the same ports meets a listener again. */
  private closeSocket(): void {
    this.state = "CLOSED";
    const list = this.net.socketsOf(this.nsId);
    const i = list.indexOf(this);
    if (i >= 0) list.splice(i, 1);
  }

  /**
   * Sends application data (one segment per call, as a write() of a small
   * buffer does). Nagle (tcp_nagle_check, Minshall's variant): a sub-MSS
   * segment waits while an earlier sub-MSS segment is unacknowledged, unless
   * TCP_NODELAY; a FIN pushes everything out at once (tcp_send_fin).
   */
  write(data: Uint8Array, fin = false): void {
    if (!fin && !this.noDelay && (this.held.length > 0 || (data.length < this.peerMss && after(this.sndSml, this.sndUna)))) {
      this.held.push(data);
      return;
    }
    this.push([...this.held.splice(0), data], fin);
  }

  /** close(): FIN (with ACK), carrying whatever Nagle still holds. */
  close(): void {
    if (this.finSent || this.state === "CLOSED") return;
    this.push(this.held.splice(0), true);
  }

  private push(parts: Uint8Array[], fin: boolean): void {
    const data = concatBytes(parts);
    const payload = data.length > 0 ? data : undefined;
    const flags: TcpFlags = payload ? { psh: true, ack: true, ...(fin ? { fin: true } : {}) } : { fin: true, ack: true };
    this.emit(flags, this.sndNxt, this.rcvNxt, this.windowField(), this.tsOptions(), payload);
    this.sndNxt = (this.sndNxt + data.length + (fin ? 1 : 0)) >>> 0;
    if (payload && data.length < this.peerMss) this.sndSml = (this.sndNxt - (fin ? 1 : 0)) >>> 0;
    if (fin) this.afterFin();
  }

  /** An ACK arrived: what Nagle held may go once the small segment before it is acknowledged. */
  private acked(ack: number): void {
    if (after(ack, this.sndUna)) this.sndUna = ack;
    if (this.held.length > 0 && !after(this.sndSml, this.sndUna)) this.push(this.held.splice(0), false);
  }

  private afterFin(): void {
    this.finSent = true;
    this.state = this.state === "CLOSE_WAIT" ? "LAST_ACK" : "FIN_WAIT1";
  }

  private sendAck(): void {
    this.emit({ ack: true }, this.sndNxt, this.rcvNxt, this.windowField(), this.tsOptions(), undefined);
  }

  private tsOptions(): TcpOption[] {
    return [{ kind: "nop" }, { kind: "nop" }, { kind: "timestamps", value: this.tsVal(), echo: this.tsRecent }];
  }

  private emit(flags: TcpFlags, seq: number, ack: number, window: number, options: TcpOption[], payload: Uint8Array | undefined, ipId?: number): void {
    const seg: TcpSegment = { kind: "tcp", sport: this.localPort, dport: this.remotePort, seq, ack, flags, window, options, ...(payload ? { payload } : {}) };
    const ip: Ipv4Packet = { kind: "ipv4", src: this.localIp, dst: this.remoteIp, ttl: 64, id: ipId ?? this.ipId++ & 0xffff, tos: 0, df: true, payload: seg };
    const id = ipOutput(this.net, this.nsId, ip, { flowHash: this.flowHash, csumPartial: true });
    this.firstSent ??= id;
  }

  get peerMaxSegment(): number {
    return this.peerMss;
  }
}

/** Sequence-space comparison (RFC 1982): is a after b? */
function after(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function mssOption(seg: TcpSegment): number | undefined {
  const o = seg.options?.find((x) => x.kind === "mss");
  return o && o.kind === "mss" ? o.value : undefined;
}

/** MSS = MTU of the route's device − 40 (IPv4 + TCP headers). */
/** ipv4_default_advmss: the route's MTU less 40, at most IPV4_MAX_PMTU (65535) less 40 (loopback's 65536 gives 65495). */
function mssFor(net: Network, nsId: string, remote: Ip4): number {
  const r = routeLookup(net.ns(nsId), remote);
  const mtu = r.type === "unicast" ? r.dev.mtu : 65536;
  return Math.min(mtu, 65535) - 40;
}
