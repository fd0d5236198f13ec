// Crafted captures for the real-tcpdump oracle test, built with OUR encoders:
// every frame here is what the simulator would hand the pcap writer. Each
// scenario is one pcap file; tcpdump-oracle.test.ts prints it with real
// tcpdump and with TcpdumpPrinter under many flag sets and compares.

import { parseIp4 } from "../model/addr.js";
import { internetChecksum } from "../packet/checksum.js";
import { type ArpPacket } from "../packet/arp.js";
import { type DnsMessage, type DnsRecord, ednsOpt } from "../packet/dns.js";
import { type EthernetFrame, encodeFrame } from "../packet/ethernet.js";
import { type IcmpMessage, UNREACH, linuxQuote } from "../packet/icmp.js";
import { type Ipv4Packet, encodeIp } from "../packet/ipv4.js";
import { type CookedPacket, encodeCooked } from "../packet/sll.js";
import { type TcpSegment, linuxOptions } from "../packet/tcp.js";
import { type UdpDatagram } from "../packet/udp.js";
import type { PcapPacket } from "./pcap.js";
import type { LinkType, TcpdumpOptions } from "./tcpdump.js";

export interface Scenario {
  readonly name: string;
  readonly linkType: LinkType;
  readonly packets: readonly PcapPacket[];
  readonly snaplen?: number;
  /** Checksums deliberately left as offload leaves them: skip the "no complaints" check. */
  readonly partialChecksums?: boolean;
}

export const ip = (text: string): number => parseIp4(text)!;
export const POD_A = ip("10.244.1.5");
export const POD_B = ip("10.244.2.7");
export const GW_1 = ip("10.244.1.1");
export const DNS_SVC = ip("10.96.0.10");
export const WEB_SVC = ip("10.96.100.200");
const NODE_1 = ip("192.168.56.11");
const NODE_2 = ip("192.168.56.12");
export const MAC = {
  podA: "5e:d1:9c:01:05:05", cni0: "ce:7d:3a:11:11:02", vtep1: "a6:1e:2f:11:11:01", vtep2: "a6:1e:2f:22:22:01",
  eth1: "52:54:00:aa:00:11", eth2: "52:54:00:aa:00:12", cisco: "00:00:0c:12:34:56", bcast: "ff:ff:ff:ff:ff:ff",
};

export const BASE_TS = 1_700_000_000_100_000n;

/** Packets at 150 µs steps from BASE_TS. */
export function timed(frames: readonly Uint8Array[], start = BASE_TS): PcapPacket[] {
  return frames.map((data, i) => ({ tsMicros: start + BigInt(i) * 150n, data }));
}

export function ipv4(src: number, dst: number, payload: Ipv4Packet["payload"], extra: Partial<Ipv4Packet> = {}): Ipv4Packet {
  return { kind: "ipv4", src, dst, ttl: 64, id: 4242, df: true, payload, ...extra };
}

export function eth(src: string, dst: string, payload: EthernetFrame["payload"]): Uint8Array {
  return encodeFrame({ src, dst, payload });
}

export function udp(sport: number, dport: number, payload: UdpDatagram["payload"], checksum?: UdpDatagram["checksum"]): UdpDatagram {
  return { kind: "udp", sport, dport, payload, ...(checksum ? { checksum } : {}) };
}

export function tcp(sport: number, dport: number, seq: number, ack: number, flags: TcpSegment["flags"], rest: Partial<TcpSegment> = {}): TcpSegment {
  return { kind: "tcp", sport, dport, seq, ack, flags, window: 502, ...rest };
}

const SYN_OPTS = (ts: number, ecr = 0) => linuxOptions({ mss: 1410, sackPermitted: true, timestamps: { value: ts, echo: ecr }, wscale: 7 });

// ---- DNS -----------------------------------------------------------------------

const NGINX = "nginx.default.svc.cluster.local";
const SOA: DnsRecord = {
  name: "cluster.local", ttl: 30,
  data: { type: "SOA", mname: "ns.dns.cluster.local", rname: "hostmaster.cluster.local", serial: 1700000000, refresh: 7200, retry: 1800, expire: 86400, minimum: 30 },
};
const q = (id: number, name: string, type: DnsMessage["questions"][number]["type"], extra: Partial<DnsMessage> = {}): DnsMessage =>
  ({ kind: "dns", id, flags: { rd: true }, questions: [{ name, type }], ...extra });
const r = (query: DnsMessage, flags: DnsMessage["flags"], sections: Partial<DnsMessage>): DnsMessage =>
  ({ ...query, flags: { qr: true, rd: true, ...flags }, ...sections });

function dnsMessages(): DnsMessage[] {
  const a = q(12345, NGINX, "A");
  const nx = q(12346, `${NGINX}.default.svc.cluster.local`, "A");
  const aaaa = q(12347, NGINX, "AAAA");
  const ptr = q(12349, "200.100.96.10.in-addr.arpa", "PTR");
  const cname = q(12350, "www.default.svc.cluster.local", "A");
  const srv = q(12351, "_http._tcp.nginx.default.svc.cluster.local", "SRV");
  const txt = q(12352, "info.example.com", "TXT");
  const edns = q(12353, "kubernetes.io", "A", { additional: [ednsOpt(1232, false, Uint8Array.from([0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]))] });
  const v6 = q(12354, "ipv6.example.com", "AAAA");
  const https = q(12355, "example.com", 65);
  return [
    a, r(a, { aa: true }, { answers: [{ name: NGINX, ttl: 30, data: { type: "A", address: WEB_SVC } }] }),
    nx, r(nx, { aa: true, rcode: 3 }, { authority: [SOA] }),
    aaaa, r(aaaa, { aa: true }, { authority: [SOA] }),
    ptr, r(ptr, { aa: true }, { answers: [{ name: "200.100.96.10.in-addr.arpa", ttl: 30, data: { type: "PTR", target: NGINX } }] }),
    cname, r(cname, { aa: true }, { answers: [
      { name: "www.default.svc.cluster.local", ttl: 30, data: { type: "CNAME", target: NGINX } },
      { name: NGINX, ttl: 30, data: { type: "A", address: WEB_SVC } },
    ] }),
    srv, r(srv, { aa: true }, { answers: [{ name: srv.questions[0]!.name, ttl: 30, data: { type: "SRV", priority: 0, weight: 100, port: 80, target: NGINX } }] }),
    txt, r(txt, { ra: true }, { answers: [{ name: "info.example.com", ttl: 300, data: { type: "TXT", strings: ["v=spf1 -all", "hello world"] } }] }),
    edns, r(edns, { ra: true }, { answers: [{ name: "kubernetes.io", ttl: 300, data: { type: "A", address: ip("147.75.40.148") } }], additional: [ednsOpt(1232)] }),
    v6, r(v6, { ra: true }, { answers: [{ name: "ipv6.example.com", ttl: 60, data: { type: "AAAA", address: "2001:db8::ff00:42:8329" } }] }),
    https, r(https, { ra: true, rcode: 2 }, {}),
    r(a, { ra: true, tc: true }, {}),
    r(q(12356, "blocked.example.com", "A"), { rcode: 5, ra: true }, {}),
  ];
}

function dnsScenario(): Scenario {
  const frames = dnsMessages().map((m, i) => {
    const toServer = !m.flags.qr;
    const dgram = udp(toServer ? 53211 : 53, toServer ? 53 : 53211, m);
    const packet = toServer ? ipv4(POD_A, DNS_SVC, dgram, { id: 4242 + i }) : ipv4(DNS_SVC, POD_A, dgram, { id: 777 + i, ttl: 63 });
    return toServer ? eth(MAC.podA, MAC.cni0, packet) : eth(MAC.cni0, MAC.podA, packet);
  });
  return { name: "dns", linkType: "EN10MB", packets: timed(frames) };
}

// ---- ICMP, ARP -----------------------------------------------------------------

function icmpScenario(): Scenario {
  const echo = (type: "echo-request" | "echo-reply"): IcmpMessage => ({ kind: "icmp", type, id: 19082, seq: 1, data: Uint8Array.from({ length: 56 }, (_, i) => i) });
  const probe = encodeIp(ipv4(POD_A, POD_B, udp(48644, 9999, new TextEncoder().encode("hello\n")), { id: 5555 }));
  const syn = encodeIp(ipv4(POD_A, POD_B, tcp(56956, 8080, 2521728057, 0, { syn: true }, { window: 64860, options: SYN_OPTS(2280520095) }), { id: 7777 }));
  const big = encodeIp(ipv4(POD_A, POD_B, tcp(47474, 80, 1, 1, { ack: true, psh: true }, { payload: new Uint8Array(1400).fill(0x41) }), { id: 8888 }));
  const err = (type: "dest-unreachable" | "time-exceeded", code: number, quoted: Uint8Array, extra: { mtu?: number } = {}): IcmpMessage =>
    type === "dest-unreachable" ? { kind: "icmp", type, code, quoted: linuxQuote(quoted), ...extra } : { kind: "icmp", type, code, quoted: linuxQuote(quoted) };
  const frames = [
    eth(MAC.podA, MAC.cni0, ipv4(POD_A, POD_B, echo("echo-request"), { id: 7552 })),
    eth(MAC.cni0, MAC.podA, ipv4(POD_B, POD_A, echo("echo-reply"), { id: 60138, ttl: 62, df: false })),
    eth(MAC.cni0, MAC.podA, ipv4(POD_B, POD_A, err("dest-unreachable", UNREACH.port, probe), { id: 60594, tos: 0xc0, df: false })),
    eth(MAC.cni0, MAC.podA, ipv4(GW_1, POD_A, err("dest-unreachable", UNREACH.host, syn), { tos: 0xc0, df: false })),
    eth(MAC.cni0, MAC.podA, ipv4(GW_1, POD_A, err("dest-unreachable", UNREACH.net, probe), { tos: 0xc0, df: false })),
    eth(MAC.cni0, MAC.podA, ipv4(GW_1, POD_A, err("dest-unreachable", UNREACH.needFrag, big, { mtu: 1450 }), { tos: 0xc0, df: false })),
    eth(MAC.cni0, MAC.podA, ipv4(GW_1, POD_A, err("dest-unreachable", UNREACH.adminProhibited, syn), { tos: 0xc0, df: false })),
    eth(MAC.cni0, MAC.podA, ipv4(GW_1, POD_A, err("dest-unreachable", UNREACH.protocol, probe), { tos: 0xc0, df: false })),
    eth(MAC.cni0, MAC.podA, ipv4(GW_1, POD_A, err("time-exceeded", 0, encodeIp(ipv4(POD_A, POD_B, echo("echo-request"), { ttl: 1 }))), { tos: 0xc0, df: false })),
  ];
  return { name: "icmp", linkType: "EN10MB", packets: timed(frames) };
}

function arpScenario(): Scenario {
  const arp = (op: ArpPacket["op"], senderMac: string, senderIp: number, targetMac: string, targetIp: number): ArpPacket =>
    ({ kind: "arp", op, senderMac, senderIp, targetMac, targetIp });
  const zero = "00:00:00:00:00:00";
  const frames = [
    eth(MAC.podA, MAC.bcast, arp("request", MAC.podA, POD_A, zero, GW_1)),
    eth(MAC.cni0, MAC.podA, arp("reply", MAC.cni0, GW_1, MAC.podA, POD_A)),
    eth(MAC.eth1, MAC.eth2, arp("request", MAC.eth1, NODE_1, MAC.eth2, NODE_2)), // unicast refresh
    eth(MAC.cisco, MAC.bcast, arp("request", MAC.cisco, NODE_2, zero, NODE_2)), // gratuitous, Cisco OUI
  ];
  return { name: "arp", linkType: "EN10MB", packets: timed(frames) };
}

// ---- overlays and other link types ---------------------------------------------

/** Frames a VTEP wraps; `offload` leaves the inner TCP/UDP checksums partial, as the sending node does. */
function innerFrames(offload: boolean): EthernetFrame[] {
  const cs = offload ? { checksum: "partial" as const } : {};
  const inner = (payload: Ipv4Packet["payload"], extra: Partial<Ipv4Packet> = {}): EthernetFrame =>
    ({ src: MAC.vtep1, dst: MAC.vtep2, payload: ipv4(POD_A, POD_B, payload, { ttl: 63, ...extra }) });
  return [
    inner(tcp(47474, 80, 1676895743, 0, { syn: true }, { window: 64860, options: SYN_OPTS(2018359566), ...cs })),
    inner({ kind: "icmp", type: "echo-request", id: 19082, seq: 1, data: new Uint8Array(56) }, { id: 7552 }),
    inner(udp(53211, 53, q(12345, NGINX, "A"), offload ? "partial" : undefined)),
    { src: MAC.vtep1, dst: MAC.vtep2, payload: { kind: "arp", op: "request", senderMac: MAC.vtep1, senderIp: ip("10.244.1.0"), targetMac: "00:00:00:00:00:00", targetIp: ip("10.244.2.0") } },
  ];
}

function vxlanScenario(port: number, checksums: ReadonlyArray<UdpDatagram["checksum"]>): Scenario {
  const offload = checksums.some((c) => c !== "full");
  const frames = innerFrames(offload).map((frame, i) =>
    eth(MAC.eth1, MAC.eth2, ipv4(NODE_1, NODE_2, udp(51465 + i, port, { kind: "vxlan", vni: 1, frame }, checksums[i]), { id: 10469 + i, df: false })));
  return { name: `vxlan-${port}${offload ? "-offload" : ""}`, linkType: "EN10MB", packets: timed(frames), partialChecksums: offload };
}

function rawScenario(): Scenario {
  const frames = [
    encodeIp(ipv4(ip("10.244.1.0"), POD_B, { kind: "icmp", type: "echo-request", id: 23727, seq: 1, data: new Uint8Array(56) })),
    encodeIp(ipv4(POD_A, POD_B, tcp(47474, 80, 1676895743, 0, { syn: true }, { window: 64860, options: SYN_OPTS(2018359566) }))),
    encodeIp(ipv4(POD_A, DNS_SVC, udp(53211, 53, q(7, NGINX, "A")))),
    encodeIp(ipv4(NODE_1, NODE_2, ipv4(POD_A, POD_B, { kind: "icmp", type: "echo-request", id: 1, seq: 2, data: new Uint8Array(8) }), { df: false })),
  ];
  return { name: "raw", linkType: "RAW", packets: timed(frames) };
}

function cookedScenario(version: 1 | 2): Scenario {
  const c = (ifindex: number, direction: CookedPacket["direction"], payload: CookedPacket["payload"], address?: string): Uint8Array =>
    encodeCooked({ version, ifindex, direction, ...(address ? { address } : {}), payload });
  const echo = ipv4(POD_A, POD_B, { kind: "icmp", type: "echo-request", id: 17557, seq: 1, data: new Uint8Array(56) });
  const frames = [
    c(1, "host", echo, "00:00:00:00:00:00"),
    c(9005, "otherhost", echo, MAC.podA),
    c(9004, "outgoing", ipv4(POD_A, POD_B, tcp(47474, 80, 5, 6, { ack: true }, { options: linuxOptions({ timestamps: { value: 1, echo: 2 } }) })), MAC.cni0),
    c(9002, "broadcast", { kind: "arp", op: "request", senderMac: MAC.podA, senderIp: POD_A, targetMac: "00:00:00:00:00:00", targetIp: GW_1 }, MAC.podA),
    c(9003, "multicast", echo),
  ];
  return { name: `sll${version}`, linkType: version === 2 ? "LINUX_SLL2" : "LINUX_SLL", packets: timed(frames) };
}

/**
 * IPv4 forms our encoder never produces but captures can hold: a later
 * fragment, header options, ESP and a protocol nothing decodes. Built by
 * rewriting encoded headers (checksum recomputed).
 */
function oddIpScenario(): Scenario {
  const rewrite = (packet: Uint8Array, edit: (b: Uint8Array) => Uint8Array): Uint8Array => {
    const b = edit(Uint8Array.from(packet));
    const hlen = (b[0]! & 0x0f) * 4;
    b[10] = b[11] = 0;
    const sum = internetChecksum(b, 0, hlen);
    b[10] = sum >> 8;
    b[11] = sum & 0xff;
    return b;
  };
  const base = encodeIp(ipv4(POD_A, POD_B, udp(40000, 9999, new Uint8Array(32))));
  const fragment = rewrite(base, (b) => { b[6] = 0x00; b[7] = 185; return b; });
  const withOptions = rewrite(base, (b) => {
    const out = new Uint8Array(b.length + 4);
    out.set(b.subarray(0, 20));
    out.set([148, 4, 0, 0], 20); // Router Alert, as IGMP and RSVP send it
    out.set(b.subarray(20), 24);
    out[0] = 0x46;
    out[3] = out.length & 0xff;
    return out;
  });
  const protocol = (n: number) => rewrite(base, (b) => { b[9] = n; return b; });
  const frames = [fragment, withOptions, protocol(50), protocol(253), protocol(99)].map((p) => {
    const frame = new Uint8Array(14 + p.length);
    frame.set(eth(MAC.podA, MAC.cni0, ipv4(POD_A, POD_B, udp(1, 2, new Uint8Array(0)))).subarray(0, 14));
    frame.set(p, 14);
    return frame;
  });
  return { name: "ip-odd", linkType: "EN10MB", packets: timed(frames) };
}

/** The same frames cut by a small snapshot length: every printer's truncation path. */
export function truncated(from: readonly Scenario[]): Scenario[] {
  const packets = from.filter((s) => s.linkType === "EN10MB").flatMap((s) => s.packets);
  return [10, 40, 62, 70, 90, 120, 200].map((snaplen) => ({
    name: `snaplen-${snaplen}`, linkType: "EN10MB" as const, packets, snaplen, partialChecksums: true,
  }));
}

export function otherScenarios(): Scenario[] {
  return [
    dnsScenario(), icmpScenario(), arpScenario(),
    vxlanScenario(8472, ["full", "full", "full", "full"]), vxlanScenario(4789, ["full", "full", "full", "full"]),
    vxlanScenario(8472, ["partial", "partial", "partial", "none"]),
    rawScenario(), cookedScenario(1), cookedScenario(2), oddIpScenario(),
  ];
}

const TIMESTAMP_FLAGS = { "-t": "none", "-tt": "epoch", "-ttt": "delta", "-tttt": "date", "-ttttt": "since-first" } as const;
const DUMP_FLAGS = ["-x", "-xx", "-X", "-XX", "-A", "-AA"] as const;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** tcpdump command-line flags -> printer options; a string names the first unsupported flag. */
export function optionsFromFlags(flags: readonly string[]): TcpdumpOptions | string {
  const o: Mutable<TcpdumpOptions> = {};
  for (const flag of flags) {
    if (flag === "-n" || flag === "-nn") o.numeric = true;
    else if (flag === "-e") o.linkHeader = true;
    else if (flag === "-v" || flag === "-vv") o.verbose = flag === "-v" ? 1 : 2;
    else if (flag in TIMESTAMP_FLAGS) o.timestamps = TIMESTAMP_FLAGS[flag as keyof typeof TIMESTAMP_FLAGS];
    else if (flag === "-S") o.absoluteSeq = true;
    else if (flag === "-q") o.quiet = true;
    else if (flag === "-#") o.packetNumbers = true;
    else if ((DUMP_FLAGS as readonly string[]).includes(flag)) o.dump = flag.slice(1) as TcpdumpOptions["dump"];
    else return flag;
  }
  return o;
}
