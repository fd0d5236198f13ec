// DNS over UDP: a server answering from its zone data (CoreDNS, kube-dns), and
// the stub resolver of a client (glibc's res_search: the search list when the
// name has fewer than ndots dots, A and AAAA asked together on one socket).

import { type Ip4, formatIp4 } from "../../model/addr.js";
import type { DnsZone, Netns } from "../../model/kernel.js";
import { type DnsMessage, type DnsRecord, ednsOpt } from "../../packet/dns.js";
import type { Ipv4Packet } from "../../packet/ipv4.js";
import type { UdpDatagram } from "../../packet/udp.js";
import type { Event } from "../event-queue.js";
import { ipOutput } from "../ip-stack.js";
import { LATENCY, type Network } from "../network.js";
import type { Socket } from "../sockets.js";
import type { Skb } from "../state.js";

function isDns(p: UdpDatagram["payload"]): p is DnsMessage {
  return !(p instanceof Uint8Array) && p.kind === "dns";
}

/** A DNS server socket on port 53 (any address) answering from `zone`. */
export function dnsServer(zone: DnsZone, port: number): Socket {
  return {
    proto: "udp",
    localIp: 0,
    localPort: port,
    shareable: true,
    receive(net: Network, nsId: string, skb: Skb): void {
      const udp = skb.ip.payload as UdpDatagram;
      if (!isDns(udp.payload) || udp.payload.flags.qr) return;
      const query = udp.payload;
      const q = query.questions[0];
      if (!q) return;
      const name = q.name.replace(/\.$/, "").toLowerCase();
      const ans = zone.answer(name, String(q.type));
      if (net.narrating) net.step("app", nsId, `DNS server: ${q.type}? ${q.name} → ${ans.rcode}${ans.addresses.length && q.type === "A" ? ` ${ans.addresses.map(formatIp4).join(", ")}` : ""}${q.type === "PTR" && ans.names ? ` ${ans.names.join(", ")}` : ""}`);
      const answers: DnsRecord[] =
        q.type === "A" ? ans.addresses.map((ip) => ({ name: q.name, class: 1, ttl: ans.ttl, data: { type: "A", address: ip } }))
        : q.type === "PTR" ? (ans.names ?? []).map((target) => ({ name: q.name, class: 1, ttl: ans.ttl, data: { type: "PTR", target } }))
        : [];
      const authority: DnsRecord[] = answers.length === 0 && ans.soa ? [soaRecord(ans.soa)] : [];
      // A server that speaks EDNS answers an EDNS query with its own OPT record (no cookie echoed).
      const edns = zone.ednsSize !== undefined && (query.additional ?? []).some((r) => r.data.type === "OPT");
      const reply: DnsMessage = {
        kind: "dns",
        id: query.id,
        flags: { qr: true, opcode: 0, aa: zone.authoritative && ans.rcode !== "SERVFAIL" && !ans.forwarded, tc: false, rd: query.flags.rd, ra: zone.recursionAvailable || !!ans.forwarded, rcode: ans.rcode === "NOERROR" ? 0 : ans.rcode === "NXDOMAIN" ? 3 : 2 },
        questions: query.questions,
        answers,
        authority,
        additional: edns ? [ednsOpt(zone.ednsSize!)] : [],
      };
      const out: Ipv4Packet = { kind: "ipv4", src: skb.ip.dst, dst: skb.ip.src, ttl: 64, id: net.state(nsId).nextIpId() & 0xffff, tos: 0, df: true, payload: { kind: "udp", sport: udp.dport, dport: udp.sport, payload: reply } };
      net.later(LATENCY.app, () => ipOutput(net, nsId, out, { id: skb.id, flowHash: 0, csumPartial: true }));
    },
  };
}

function soaRecord(soa: NonNullable<ReturnType<DnsZone["answer"]>["soa"]>): DnsRecord {
  return {
    name: `${soa.zone}.`,
    class: 1,
    // CoreDNS's cache caps a negative answer's TTL at 1800 s (its `denial` default).
    ttl: Math.min(soa.minimum, 1800),
    data: { type: "SOA", mname: soa.mname, rname: soa.rname, serial: soa.serial, refresh: soa.refresh, retry: soa.retry, expire: soa.expire, minimum: soa.minimum },
  };
}

export interface ResolverConfig {
  nameserver: Ip4;
  search: string[];
  ndots: number;
}

/** The names res_search tries, in order. */
export function candidates(name: string, config: ResolverConfig): string[] {
  if (name.endsWith(".")) return [name];
  const dots = name.split(".").length - 1;
  const searched = config.search.map((d) => `${name}.${d}.`);
  return dots >= config.ndots ? [`${name}.`, ...searched] : [...searched, `${name}.`];
}

export function parseResolvConf(text: string): ResolverConfig | undefined {
  let nameserver: Ip4 | undefined;
  let search: string[] = [];
  let ndots = 1;
  for (const line of text.split("\n")) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key === "nameserver" && nameserver === undefined) nameserver = ipOf(rest[0] ?? "");
    if (key === "search") search = rest;
    if (key === "options") for (const o of rest) if (o.startsWith("ndots:")) ndots = Number(o.slice(6));
  }
  return nameserver === undefined ? undefined : { nameserver, search, ndots };
}

const configs = new WeakMap<Netns, ResolverConfig | null>();

/** The namespace's /etc/resolv.conf, parsed once (compiled files never change). */
export function resolverConfig(ns: Netns): ResolverConfig | undefined {
  let conf = configs.get(ns);
  if (conf === undefined) configs.set(ns, (conf = parseResolvConf(ns.files.get("/etc/resolv.conf")?.() ?? "") ?? null));
  return conf ?? undefined;
}

function ipOf(text: string): Ip4 | undefined {
  const parts = text.split(".").map(Number);
  return parts.length === 4 && parts.every((p) => p >= 0 && p <= 255) ? (((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0) : undefined;
}

/**
 * A stub resolver lookup from namespace `nsId`: for each candidate name, A and
 * AAAA queries from one connected UDP socket; the first candidate with an
 * address wins. Calls `done` with the addresses (empty on NXDOMAIN / timeout).
 */
export function resolve(net: Network, nsId: string, src: Ip4, name: string, config: ResolverConfig, done: (addresses: Ip4[], answeredName?: string) => void): void {
  const names = candidates(name, config);
  const port = net.rng.int(32768, 60999);
  let index = 0;
  const tryNext = (): void => {
    const qname = names[index++];
    if (!qname) {
      done([]);
      return;
    }
    const ids = [net.rng.int(1, 65535), net.rng.int(1, 65535)];
    const answers = new Map<number, DnsMessage>();
    const sockets = net.socketsOf(nsId);
    let timeout: Event | undefined;
    const sock: Socket = {
      proto: "udp",
      localIp: src,
      localPort: port,
      remoteIp: config.nameserver,
      remotePort: 53,
      receive(_n, _ns, skb) {
        const udp = skb.ip.payload as UdpDatagram;
        if (!isDns(udp.payload) || !ids.includes(udp.payload.id)) return;
        answers.set(udp.payload.id, udp.payload);
        if (answers.size < 2) return;
        timeout!.inert = true;
        sockets.splice(sockets.indexOf(sock), 1);
        const a = answers.get(ids[0]!)!;
        const addrs = (a.answers ?? []).flatMap((r) => (r.data.type === "A" && "address" in r.data && typeof r.data.address === "number" ? [r.data.address] : []));
        if (addrs.length > 0) done(addrs, qname);
        else tryNext();
      },
    };
    sockets.push(sock);
    if (net.narrating) net.step("dns", nsId, `resolver: asking ${formatIp4(config.nameserver)} for ${qname} (A and AAAA)`);
    ids.forEach((id, i) => {
      const query: DnsMessage = {
        kind: "dns",
        id,
        flags: { qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, rcode: 0 },
        questions: [{ name: qname, type: i === 0 ? "A" : "AAAA", class: 1 }],
        answers: [],
        authority: [],
        additional: [],
      };
      const ip: Ipv4Packet = { kind: "ipv4", src, dst: config.nameserver, ttl: 64, id: net.rng.int(1, 65535), tos: 0, df: true, payload: { kind: "udp", sport: port, dport: 53, payload: query } };
      net.later(i * 30, () => ipOutput(net, nsId, ip, { flowHash: 0, csumPartial: true }));
    });
    // No answer within the resolver timeout (5 s): give up on this server for this name.
    timeout = net.schedule(net.now + 5_000_000, () => {
      if (answers.size >= 2 || !sockets.includes(sock)) return;
      sockets.splice(sockets.indexOf(sock), 1);
      net.step("dns", nsId, `resolver: no answer for ${qname} within 5 s`);
      done([]);
    });
  };
  tryNext();
}

/** getnameinfo(): one PTR question for `ip`; `done` gets the name (without the final dot) or undefined. */
export function reverseLookup(net: Network, nsId: string, src: Ip4, ip: Ip4, nameserver: Ip4, done: (name: string | undefined) => void): void {
  const port = net.rng.int(32768, 60999);
  const id = net.rng.int(1, 65535);
  const qname = `${formatIp4(ip).split(".").reverse().join(".")}.in-addr.arpa.`;
  const sockets = net.socketsOf(nsId);
  let answered = false;
  let timeout: Event | undefined;
  const sock: Socket = {
    proto: "udp",
    localIp: src,
    localPort: port,
    remoteIp: nameserver,
    remotePort: 53,
    receive(_n, _ns, skb) {
      const udp = skb.ip.payload as UdpDatagram;
      if (!isDns(udp.payload) || udp.payload.id !== id || answered) return;
      answered = true;
      timeout!.inert = true;
      sockets.splice(sockets.indexOf(sock), 1);
      const ptr = (udp.payload.answers ?? []).find((r) => r.data.type === "PTR");
      done(ptr && "target" in ptr.data ? ptr.data.target.replace(/\.$/, "") : undefined);
    },
  };
  sockets.push(sock);
  net.step("dns", nsId, `resolver: asking ${formatIp4(nameserver)} for ${qname} (PTR)`);
  const query: DnsMessage = {
    kind: "dns", id, flags: { qr: false, opcode: 0, rd: true }, questions: [{ name: qname, type: "PTR", class: 1 }], answers: [], authority: [], additional: [],
  };
  ipOutput(net, nsId, { kind: "ipv4", src, dst: nameserver, ttl: 64, id: net.rng.int(1, 65535), tos: 0, df: true, payload: { kind: "udp", sport: port, dport: 53, payload: query } }, { flowHash: 0, csumPartial: true });
  timeout = net.schedule(net.now + 5_000_000, () => {
    if (answered) return;
    answered = true;
    if (sockets.includes(sock)) sockets.splice(sockets.indexOf(sock), 1);
    done(undefined);
  });
}
