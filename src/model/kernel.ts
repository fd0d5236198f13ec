// Per-namespace kernel state: what `ip`, `bridge`, `iptables-save` and friends
// read on a real machine. Nothing here knows about Kubernetes; the compiler
// fills it in, the simulator and the printers read it.

import type { Cidr, Ip4, Mac } from "./addr.js";
import type { Origin, Tables } from "../netfilter/rule.js";

export type LinkKind = "loopback" | "ether" | "veth" | "bridge" | "vxlan" | "tun" | "dummy";

export interface Addr {
  /** Address with its prefix length, e.g. 10.244.1.1/24 (host bits kept). */
  cidr: Cidr;
  /** Broadcast as `ip addr` shows after `brd`; absent for /32 and point-to-point. */
  broadcast?: Ip4;
  scope: "host" | "link" | "global";
  /** Extra label (`lo`, `eth0:1`); `ip addr` prints the link name when absent. */
  label?: string;
}

export interface Link {
  index: number;
  name: string;
  kind: LinkKind;
  mtu: number;
  /** Absent for TUN devices (link/none). */
  mac?: Mac;
  /** ip link flags in kernel order, e.g. BROADCAST,MULTICAST,UP,LOWER_UP. */
  flags: string[];
  operState: "UP" | "DOWN" | "UNKNOWN" | "LOWERLAYERDOWN";
  qdisc: string;
  txqlen: number;
  /** Bridge this port is enslaved to. */
  master?: string;
  /** veth: the other end, in its namespace. */
  peer?: { netns: string; ifindex: number; name: string };
  /** The namespace a veth peer lives in, as `ip link` prints it (`link-netns`/`link-netnsid`). */
  peerNetnsId?: number;
  /** l2miss/l3miss: the kernel asks a daemon (flannel before 0.9) to resolve missing neighbours and FDB entries. */
  vxlan?: { vni: number; local: Ip4; dev: string; port: number; learning: boolean; l2miss?: boolean; l3miss?: boolean };
  bridgePort?: { hairpin: boolean };
  addrs: Addr[];
  /** IPv6 addresses when they cannot be derived (cni0's fe80 comes from its first, random MAC). */
  inet6?: { addr: string; len: number; scope: "host" | "link" | "global"; flags?: string[] }[];
  /** containerd names pod namespaces (/run/netns/cni-…): `ip link` prints `link-netns NAME`. */
  peerNetnsName?: string;
  /** `altname` lines of a real NIC. */
  altnames?: string[];
}

export type RouteType = "unicast" | "local" | "broadcast" | "blackhole" | "unreachable";

export interface Route {
  table: "main" | "local";
  type: RouteType;
  dst: Cidr;
  gateway?: Ip4;
  dev: string;
  proto?: "kernel" | "boot" | "static" | "dhcp";
  scope: "host" | "link" | "global";
  src?: Ip4;
  onlink?: boolean;
  metric?: number;
  /** Why this route exists (flannel lease of node X, CNI host-local, kernel). */
  origin?: string;
}

export interface Neigh {
  dev: string;
  ip: Ip4;
  lladdr?: Mac;
  state: "PERMANENT" | "REACHABLE" | "STALE" | "DELAY" | "FAILED" | "NOARP";
  origin?: string;
}

export interface FdbEntry {
  mac: Mac;
  dev: string;
  /** VXLAN remote VTEP. */
  dst?: Ip4;
  master?: string;
  vlan?: number;
  self: boolean;
  permanent: boolean;
  origin?: string;
}

/** A listening socket (what netstat -nlp / ss -lnt show and what accepts a connection). */
export interface Listener {
  proto: "tcp" | "udp" | "tcp6" | "udp6";
  /** 0 = wildcard (0.0.0.0 / ::). */
  addr: Ip4;
  port: number;
  pid: number;
  program: string;
  /** What the program does with a connection; the simulator asks the application layer. */
  app: AppKind;
  /** userspace kube-proxy: where this proxy port forwards to (round robin order). */
  proxyTo?: { ip: Ip4; port: number }[];
  /** A DNS server's data (what CoreDNS / kube-dns would answer). */
  dns?: DnsZone;
  /** The server's software and version, e.g. "nginx/1.25.3" (decides response headers and bodies). */
  software?: string;
}

export interface DnsSoa {
  zone: string;
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export interface DnsAnswer {
  rcode: "NOERROR" | "NXDOMAIN" | "SERVFAIL";
  /** A records (the cluster is IPv4-only, so AAAA questions get NODATA). */
  addresses: Ip4[];
  /** PTR targets (reverse lookups of service and endpoint addresses). */
  names?: string[];
  /** Answered by the upstream the server forwarded to (not authoritative, recursion available). */
  forwarded?: boolean;
  /** Zone SOA, sent in the authority section with NXDOMAIN and NODATA. */
  soa?: DnsSoa;
  ttl: number;
}

export interface DnsZone {
  answer(name: string, type: string): DnsAnswer;
  authoritative: boolean;
  recursionAvailable: boolean;
  /** The EDNS(0) buffer size the server answers with when asked with EDNS; undefined: no EDNS (skydns). */
  ednsSize?: number;
}

export type AppKind = "http" | "nginx" | "dns" | "echo" | "proxy" | "mysql" | "generic" | "tls" | "ssh";

export interface IpSet {
  name: string;
  type: string; // hash:ip,port ...
  header: string; // "family inet hashsize 1024 maxelem 65536" etc.
  members: string[];
  comment?: string;
}

export interface IpvsService {
  proto: "TCP" | "UDP" | "SCTP";
  vip: Ip4;
  port: number;
  scheduler: string;
  persistent?: number;
  dests: { ip: Ip4; port: number; weight: number; forward: "Masq" | "Route" | "Tunnel" }[];
  /** The Service port behind it (kube-proxy wrote it), for the trace's narrative. */
  origin?: Origin;
}

export interface Sysctls {
  ipForward: boolean;
  bridgeNfCallIptables: boolean;
  /** net.ipv4.ip_local_port_range */
  localPortRange: [number, number];
  /** net.ipv6.conf.all.disable_ipv6 */
  disableIpv6?: boolean;
  /** net.netfilter.nf_conntrack_tcp_timeout_{established,close_wait} in seconds, when something (kube-proxy) changed them. */
  conntrackTcpTimeouts?: { established?: number; closeWait?: number };
}

export type NetnsKind = "node" | "pod" | "external";

/** One network namespace: a node's host namespace, a pod's, or an external host. */
export interface Netns {
  /** Unique id: node name, `namespace/pod`, or external host name. */
  id: string;
  kind: NetnsKind;
  hostname: string;
  links: Link[];
  routes: Route[];
  neigh: Neigh[];
  fdb: FdbEntry[];
  sysctl: Sysctls;
  /** Netfilter tables; compiled on first use (large on big clusters). */
  tables(): Tables;
  listeners: Listener[];
  /** Files `cat` can show, compiled on demand. */
  files: Map<string, () => string>;
  ipsets: () => IpSet[];
  ipvs: () => IpvsService[];
  /** For pods: the node whose kernel runs this namespace. */
  node?: string;
}

/** Links by name per namespace: compiled once, looked up for every packet at every hop. */
const linkIndex = new WeakMap<Link[], { size: number; byName: Map<string, Link> }>();

export function linkByName(ns: Netns, name: string): Link | undefined {
  let index = linkIndex.get(ns.links);
  if (index?.size !== ns.links.length) {
    const byName = new Map<string, Link>();
    for (const l of ns.links) if (!byName.has(l.name)) byName.set(l.name, l);
    linkIndex.set(ns.links, (index = { size: ns.links.length, byName }));
  }
  return index.byName.get(name);
}

/**
 * What the simulator sees of the world: namespaces by id (built on demand),
 * and the shared underlay segment the nodes' NICs and external hosts sit on.
 */
export interface World {
  netns(id: string): Netns | undefined;
  /** The host on the underlay that owns this address (a node's NIC or an external host). */
  underlayHost(ip: Ip4): { netns: string; dev: string; mac: Mac } | undefined;
  underlayHostByMac(mac: Mac): { netns: string; dev: string; mac: Mac } | undefined;
  /** Every host on the underlay segment (nodes' NICs and external hosts), without compiling any. */
  underlayHosts(): { netns: string; dev: string; mac: Mac }[];
  /** The underlay's router to everything outside the description, if any. */
  underlayGateway(): { ip: Ip4; mac: Mac } | undefined;
  /** flanneld's lease table (udp backend): the public IP of the node whose subnet holds `ip`. */
  leaseOwner(ip: Ip4): Ip4 | undefined;
}
