// What the cluster DNS server answers: the Kubernetes DNS schema
// (kubernetes/dns docs/specification.md) for services and pods under the
// cluster domain, with the zone SOA on NXDOMAIN and NODATA. Names outside the
// cluster domain would be forwarded upstream; there is no upstream in the
// description, so they fail (SERVFAIL), as CoreDNS's forward plugin does.

import { type Ip4, formatIp4 } from "../model/addr.js";
import { SIM_EPOCH_SECONDS } from "../model/clock.js";
import type { Cluster } from "../model/cluster.js";
import type { DnsAnswer, DnsSoa, DnsZone } from "../model/kernel.js";

const TTL = 30;

/** The root zone's SOA as an upstream resolver returns it with NXDOMAIN (serial: the simulated day). */
const ROOT_SOA: DnsSoa = { zone: "", mname: "a.root-servers.net.", rname: "nstld.verisign-grs.com.", serial: 2023111400, refresh: 1800, retry: 900, expire: 604800, minimum: 86400 };

export function clusterZone(cluster: Cluster, image: string): DnsZone {
  const domain = cluster.dns.domain;
  const soa: DnsSoa = { zone: domain, mname: `ns.dns.${domain}.`, rname: `hostmaster.${domain}.`, serial: SIM_EPOCH_SECONDS, refresh: 7200, retry: 1800, expire: 86400, minimum: TTL };
  // kube-dns (skydns, dnsmasq) set RA; CoreDNS answers authoritatively without RA.
  const legacy = /kube-dns|skydns|dnsmasq/.test(image);
  return {
    authoritative: true,
    recursionAvailable: legacy,
    ...(legacy ? {} : { ednsSize: 1232 }),
    answer(name: string, type: string): DnsAnswer {
      if (name.endsWith(".in-addr.arpa")) {
        const names = zoneIndex(cluster).reverse.get(name);
        // Reverse names the plugin does not know fall through to the forwarder: no upstream here.
        if (!names) return { rcode: "SERVFAIL", addresses: [], ttl: TTL };
        return type === "PTR" ? { rcode: "NOERROR", addresses: [], names, ttl: TTL } : { rcode: "NOERROR", addresses: [], ttl: TTL };
      }
      if (name !== domain && !name.endsWith(`.${domain}`)) {
        // CoreDNS forwards the rest upstream. What an upstream answers for a real name cannot be known
        // here (SERVFAIL, as when the upstream is unreachable); a single label is no top-level domain,
        // so the root answers NXDOMAIN. skydns of 2015 failed them all (seed 000).
        if (!legacy && name !== "" && !name.includes(".")) return { rcode: "NXDOMAIN", addresses: [], soa: ROOT_SOA, ttl: TTL, forwarded: true };
        return { rcode: "SERVFAIL", addresses: [], ttl: TTL };
      }
      const { services, pods } = zoneIndex(cluster);
      let addresses = services.get(name);
      if (!addresses && pods.has(name)) addresses = [ipFromPodName(name)];
      if (!addresses) return { rcode: "NXDOMAIN", addresses: [], soa, ttl: TTL };
      return type === "A" ? { rcode: "NOERROR", addresses, ttl: TTL } : { rcode: "NOERROR", addresses: [], soa, ttl: TTL };
    },
  };
}

/** The names the cluster DNS knows: services, pods and PTR names, by name. */
interface ZoneIndex {
  services: Map<string, Ip4[]>;
  pods: Set<string>;
  reverse: Map<string, string[]>;
}

/** Built on the first question, once per cluster: every CoreDNS replica serves the same zone. */
const indexes = new WeakMap<Cluster, ZoneIndex>();

function zoneIndex(cluster: Cluster): ZoneIndex {
  const known = indexes.get(cluster);
  if (known) return known;
  const domain = cluster.dns.domain;
  const index: ZoneIndex = { services: new Map(), pods: new Set(), reverse: new Map() };
  const ptr = (ip: Ip4, name: string): void => {
    const key = `${ip & 255}.${(ip >>> 8) & 255}.${(ip >>> 16) & 255}.${ip >>> 24}.in-addr.arpa`;
    const names = index.reverse.get(key);
    if (names) names.push(`${name}.`);
    else index.reverse.set(key, [`${name}.`]);
  };
  for (const s of cluster.services) {
    const fqdn = `${s.name}.${s.namespace}.svc.${domain}`;
    const ips = s.clusterIP !== null ? [s.clusterIP] : [...new Set(s.ports.flatMap((p) => p.endpoints.map((e) => e.ip)))];
    index.services.set(fqdn, ips);
    // CoreDNS answers PTR for a ClusterIP with the service, and for an endpoint with its dashed name under the service.
    if (s.clusterIP !== null) ptr(s.clusterIP, fqdn);
    for (const ip of new Set(s.ports.flatMap((p) => p.endpoints.map((e) => e.ip)))) ptr(ip, `${formatIp4(ip).replace(/\./g, "-")}.${fqdn}`);
  }
  for (const p of cluster.pods) index.pods.add(`${formatIp4(p.ip).replace(/\./g, "-")}.${p.namespace}.pod.${domain}`);
  indexes.set(cluster, index);
  return index;
}

function ipFromPodName(name: string): Ip4 {
  const parts = name.split(".")[0]!.split("-").map(Number);
  return (((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0);
}
