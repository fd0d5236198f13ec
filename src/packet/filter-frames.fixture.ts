// Test data for the filter tests: hand-built frames for the corners the sample
// captures never hit (IP options, fragments, IPv6 extension headers, SCTP,
// RARP, VLAN tags, 802.3 LLC, truncated captures), and a classic-pcap reader
// and writer small enough to trust. Not used by the tool itself.

import { macBytes, parseIp4 } from "../model/addr.js";

export interface Frame {
  name: string;
  bytes: Uint8Array;
  /** Original length on the wire when the capture was truncated (pcap orig_len). */
  wireLen?: number;
}

const u16 = (v: number) => [(v >>> 8) & 255, v & 255];
const ip4 = (s: string) => {
  const v = parseIp4(s)!;
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
};
const mac = (s: string) => [...macBytes(s)];
const cat = (...parts: ArrayLike<number>[]) => Uint8Array.from(parts.flatMap((p) => [...Array.from(p)]));

const POD1_MAC = "5e:d1:9c:01:05:05";
const GW_MAC = "ce:7d:3a:11:11:02";
const ether = (type: number, payload: Uint8Array, dst = GW_MAC, src = POD1_MAC) =>
  cat(mac(dst), mac(src), u16(type), payload);

interface V4 {
  src: string;
  dst: string;
  proto: number;
  options?: number[];
  fragOffset?: number; // in 8-byte units
  moreFragments?: boolean;
}

function ipv4(h: V4, payload: Uint8Array): Uint8Array {
  const opts = h.options ?? [];
  const ihl = 5 + opts.length / 4;
  const flags = (h.moreFragments ? 0x2000 : 0) | (h.fragOffset ?? 0);
  return cat([0x40 | ihl, 0], u16(ihl * 4 + payload.length), u16(0x1234), u16(flags),
    [64, h.proto], [0, 0], ip4(h.src), ip4(h.dst), opts, payload);
}

const V6_POD1 = [0xfd, 0, ...Array(13).fill(0), 1];
const V6_POD2 = [0xfd, 0, ...Array(13).fill(0), 2];
const V6_ALL_NODES = [0xff, 0x02, ...Array(13).fill(0), 1];

function ipv6(nextHeader: number, payload: Uint8Array, dst = V6_POD2): Uint8Array {
  return cat([0x60, 0, 0, 0], u16(payload.length), [nextHeader, 64], V6_POD1, dst, payload);
}

const tcp = (sport: number, dport: number) => cat(u16(sport), u16(dport), [0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02], u16(64240), [0, 0, 0, 0]);
const udp = (sport: number, dport: number, data: number[] = [1, 2, 3, 4]) =>
  cat(u16(sport), u16(dport), u16(8 + data.length), [0, 0], data);
const icmpEcho = () => cat([8, 0, 0, 0], u16(7), u16(1), Array(56).fill(0x61));

function arp(op: number, sha: string, spa: string, tha: string, tpa: string): Uint8Array {
  return cat(u16(1), u16(0x0800), [6, 4], u16(op), mac(sha), ip4(spa), mac(tha), ip4(tpa));
}

const POD1 = "10.244.1.5";
const POD2 = "10.244.2.7";
const pad = (b: Uint8Array) => (b.length >= 60 ? b : cat(b, Array(60 - b.length).fill(0)));

export const CRAFTED_EN10MB: Frame[] = [
  // IHL 6 (router-alert option): ports sit 4 bytes later than at a fixed offset.
  { name: "tcp-ip-options", bytes: ether(0x0800, ipv4({ src: POD1, dst: POD2, proto: 6, options: [0x94, 4, 0, 0] }, tcp(43210, 80))) },
  // Non-first fragment whose payload starts with bytes that look like ports 53 -> 53.
  { name: "udp-fragment-2", bytes: ether(0x0800, ipv4({ src: POD1, dst: "10.96.0.10", proto: 17, fragOffset: 185 }, udp(53, 53))) },
  { name: "udp-fragment-1", bytes: ether(0x0800, ipv4({ src: POD1, dst: "10.96.0.10", proto: 17, moreFragments: true }, udp(40000, 53))) },
  { name: "sctp", bytes: ether(0x0800, ipv4({ src: POD1, dst: POD2, proto: 132 }, cat(u16(5000), u16(80), Array(8).fill(0)))) },
  { name: "ipv6-tcp", bytes: ether(0x86dd, ipv6(6, tcp(43210, 80))) },
  // UDP behind an IPv6 fragment header: `udp` sees it, `port 53` does not.
  { name: "ipv6-frag-udp", bytes: ether(0x86dd, ipv6(44, cat([17, 0], u16(1), [0, 0, 0, 9], udp(40000, 53)))) },
  { name: "ipv6-icmp6-multicast", bytes: ether(0x86dd, ipv6(58, cat([128, 0, 0, 0, 0, 1, 0, 1]), V6_ALL_NODES), "33:33:00:00:00:01") },
  { name: "arp-request", bytes: pad(ether(0x0806, arp(1, "52:54:00:aa:00:11", "192.168.56.11", "00:00:00:00:00:00", "192.168.56.12"), "ff:ff:ff:ff:ff:ff", "52:54:00:aa:00:11")) },
  { name: "arp-reply", bytes: pad(ether(0x0806, arp(2, "52:54:00:aa:00:12", "192.168.56.12", "52:54:00:aa:00:11", "192.168.56.11"), "52:54:00:aa:00:11", "52:54:00:aa:00:12")) },
  { name: "rarp-request", bytes: pad(ether(0x8035, arp(3, "52:54:00:aa:00:13", "10.9.9.9", "52:54:00:aa:00:13", "10.9.9.10"), "ff:ff:ff:ff:ff:ff", "52:54:00:aa:00:13")) },
  { name: "dhcp-broadcast", bytes: ether(0x0800, ipv4({ src: "0.0.0.0", dst: "255.255.255.255", proto: 17 }, udp(68, 67)), "ff:ff:ff:ff:ff:ff") },
  { name: "igmp-multicast", bytes: pad(ether(0x0800, ipv4({ src: POD1, dst: "224.0.0.1", proto: 2 }, cat([0x11, 0, 0, 0, 0, 0, 0, 0])), "01:00:5e:00:00:01")) },
  // 802.1Q tag: libpcap looks no further than the TPID without the `vlan` keyword.
  { name: "vlan-tcp", bytes: ether(0x8100, cat(u16(100), u16(0x0800), ipv4({ src: POD1, dst: POD2, proto: 6 }, tcp(43210, 80)))) },
  { name: "llc-stp", bytes: pad(cat(mac("01:80:c2:00:00:00"), mac(POD1_MAC), u16(38), [0x42, 0x42, 0x03], Array(35).fill(0))) },
  { name: "ipx-ethernet-ii", bytes: pad(ether(0x8137, cat([0xff, 0xff], Array(28).fill(0)))) },
  // Captured 30 bytes of a 74-byte SYN: loads past byte 30 make BPF reject the packet outright.
  { name: "truncated-syn", bytes: ether(0x0800, ipv4({ src: POD1, dst: POD2, proto: 6 }, tcp(43210, 80))).slice(0, 30), wireLen: 74 },
  { name: "tcp-80-to-443", bytes: ether(0x0800, ipv4({ src: POD2, dst: "10.96.100.200", proto: 6 }, tcp(80, 443))) },
  { name: "short-form-addrs", bytes: ether(0x0800, ipv4({ src: "10.1.200.3", dst: "0.0.0.10", proto: 17 }, udp(1, 2))) },
  { name: "gre", bytes: ether(0x0800, ipv4({ src: "192.168.56.11", dst: "192.168.56.12", proto: 47 }, cat([0, 0, 0x08, 0]))) },
  { name: "esp", bytes: ether(0x0800, ipv4({ src: "192.168.56.11", dst: "192.168.56.12", proto: 50 }, cat(Array(16).fill(7)))) },
  { name: "vrrp", bytes: ether(0x0800, ipv4({ src: "192.168.56.11", dst: "224.0.0.18", proto: 112 }, cat(Array(20).fill(0))), "01:00:5e:00:00:12") },
  { name: "icmp-ihl-15", bytes: ether(0x0800, ipv4({ src: POD1, dst: POD2, proto: 1, options: Array(40).fill(1) }, icmpEcho())) },
  { name: "big-truncated", bytes: ether(0x0800, ipv4({ src: POD1, dst: POD2, proto: 17 }, udp(40001, 9999, Array(1400).fill(0)))).slice(0, 96), wireLen: 1450 },
  { name: "udp-low-ports", bytes: ether(0x0800, ipv4({ src: POD2, dst: POD1, proto: 17 }, udp(0, 1))) },
];

export const CRAFTED_RAW: Frame[] = [
  { name: "raw-icmp", bytes: ipv4({ src: "10.244.1.0", dst: POD2, proto: 1 }, icmpEcho()) },
  { name: "raw-tcp-options", bytes: ipv4({ src: POD1, dst: POD2, proto: 6, options: [1, 1, 1, 0] }, tcp(43210, 80)) },
  { name: "raw-ipv6-udp", bytes: ipv6(17, udp(40000, 53)) },
  { name: "raw-udp-fragment-2", bytes: ipv4({ src: POD1, dst: "10.96.0.10", proto: 17, fragOffset: 10 }, udp(53, 53)) },
  { name: "raw-bad-version", bytes: cat([0x50], ipv4({ src: POD1, dst: POD2, proto: 17 }, udp(1, 53)).slice(1)) },
];

/**
 * The Ethernet frames as `tcpdump -i any` records them: a LINUX_SLL2 header
 * (protocol, ifindex, ARPHRD_ETHER, packet type, source MAC) instead of the
 * Ethernet one; 802.3 frames carry protocol 4 (LINUX_SLL_P_802_2). Packet types
 * and interface indexes rotate so `inbound`/`outbound`/`ifindex` have work.
 */
export const CRAFTED_SLL2: Frame[] = CRAFTED_EN10MB.map((f, i) => {
  const type = (f.bytes[12]! << 8) | f.bytes[13]!;
  const protocol = type <= 1500 ? 4 : type;
  const header = cat(u16(protocol), [0, 0], [0, 0, 0, 2 + (i % 2)], u16(1), [[0, 4, 1, 2, 3][i % 5]!, 6],
    f.bytes.slice(6, 12), [0, 0]);
  const cooked = cat(header, f.bytes.slice(14));
  return { name: `sll2-${f.name}`, bytes: cooked, ...(f.wireLen ? { wireLen: f.wireLen + 6 } : {}) };
});

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LINUX_SLL2 = 276;

export interface PcapRecord {
  tsSec: number;
  tsUsec: number;
  bytes: Uint8Array;
  wireLen: number;
}

/** Classic little-endian µs pcap, snaplen 262144 as tcpdump writes it. */
export function writePcap(linkType: number, records: readonly PcapRecord[]): Uint8Array {
  const size = 24 + records.reduce((n, r) => n + 16 + r.bytes.length, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  [0xa1b2c3d4, 0x00040002, 0, 0, 262144, linkType].forEach((v, i) => dv.setUint32(i * 4, v, true));
  let off = 24;
  for (const r of records) {
    [r.tsSec, r.tsUsec, r.bytes.length, r.wireLen].forEach((v, i) => dv.setUint32(off + i * 4, v, true));
    out.set(r.bytes, off + 16);
    off += 16 + r.bytes.length;
  }
  return out;
}

/** Reads classic pcap in either byte order (µs or ns magic); no pcapng. */
export function readPcap(buf: Uint8Array): { linkType: number; records: PcapRecord[] } {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = dv.getUint32(0, true);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && dv.getUint32(0, false) !== 0xa1b2c3d4 && dv.getUint32(0, false) !== 0xa1b23c4d) {
    throw new Error("not a classic pcap file");
  }
  const records: PcapRecord[] = [];
  for (let off = 24; off + 16 <= buf.length; ) {
    const incl = dv.getUint32(off + 8, le);
    records.push({
      tsSec: dv.getUint32(off, le),
      tsUsec: dv.getUint32(off + 4, le),
      bytes: buf.subarray(off + 16, off + 16 + incl),
      wireLen: dv.getUint32(off + 12, le),
    });
    off += 16 + incl;
  }
  return { linkType: dv.getUint32(20, le), records };
}
