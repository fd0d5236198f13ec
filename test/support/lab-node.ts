// The lab of test/oracle/lab-node.sh as kernel state: the same names,
// ifindexes, addresses and routes the lab built, and the values the kernel
// chose at random in the run that produced test/fixtures/iproute2/ (MACs,
// cni0's and flannel0's link-local addresses, netnsids, counters). Re-running
// the lab means updating the LAB table below from the new transcripts.

import type { Addr, FdbEntry, Link, Neigh, Netns, Route } from "../../src/model/kernel.js";
import { parseCidr, parseIp4, type Ip4 } from "../../src/model/addr.js";
import type { LinkExtras, LinkStats } from "../../src/render/kernel-derived.js";

/** Kernel-random values of the recorded run. */
export const LAB = {
  node: {
    eth0: "62:03:84:ad:2b:01", kubeIpvs0: "f6:43:af:20:11:d7", flannel1: "66:21:56:fc:7e:ed",
    // cni0 took vethb7d40a91's MAC (the lowest port MAC); its link-local is from its first, random MAC.
    cni0: "2e:07:82:0a:55:df", cni0LinkLocal: "fe80::f44e:86ff:fe36:a0c0",
    veth1: "be:ba:76:d8:fe:5c", veth2: "2e:07:82:0a:55:df", gatewayMac: "1a:7a:80:c5:25:62",
  },
  pod1: { eth0: "22:57:60:ec:74:80" },
  pod2: { eth0: "0e:1e:04:bd:cb:82" },
  nodeudp: { eth0: "0e:a9:7f:41:53:ee", flannel0LinkLocal: "fe80::e7ce:3326:ebc1:2bcf" },
} as const;

const DOCKER0_MAC = "02:42:8c:1f:6e:35";
const REMOTE_VTEP_MAC = "9e:3f:52:1c:7a:04";
const UP = ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"];

export const ip = (text: string): Ip4 => parseIp4(text)!;

function addr(text: string, scope: Addr["scope"] = "global", brd?: string): Addr {
  return { cidr: parseCidr(text)!, scope, ...(brd ? { broadcast: ip(brd) } : {}) };
}

type LabLink = Link & LinkExtras;

function link(index: number, name: string, kind: Link["kind"], mtu: number, mac: string | undefined, rest: Partial<LabLink> = {}): LabLink {
  return {
    index, name, kind, mtu, ...(mac ? { mac } : {}), flags: UP, operState: "UP", qdisc: "noqueue", txqlen: 1000,
    addrs: [], ...rest,
  };
}

const lo = (): LabLink =>
  link(1, "lo", "loopback", 65536, "00:00:00:00:00:00", {
    flags: ["LOOPBACK", "UP", "LOWER_UP"], operState: "UNKNOWN", addrs: [addr("127.0.0.1/8", "host")],
  });

export function stats(rx: [number, number], tx: [number, number], more: Partial<LinkStats> = {}): Partial<LinkStats> {
  return { rxPackets: rx[0], rxBytes: rx[1], txPackets: tx[0], txBytes: tx[1], ...more };
}

function route(dst: string, rest: Partial<Route> & { dev: string }): Route {
  const cidr = dst === "default" ? { addr: 0, len: 0 } : parseCidr(dst.includes("/") ? dst : `${dst}/32`)!;
  return { table: "main", type: "unicast", dst: cidr, scope: "global", ...rest };
}

const connected = (dst: string, dev: string, src: string): Route =>
  route(dst, { dev, proto: "kernel", scope: "link", src: ip(src) });

/** What fib_add_ifaddr puts in table local for one address (plus lo's 127/8). */
function localRoutes(dev: string, a: string, brd?: string): Route[] {
  const out = [route(a, { table: "local", type: "local", dev, proto: "kernel", scope: "host", src: ip(a) })];
  if (brd) out.push(route(brd, { table: "local", type: "broadcast", dev, proto: "kernel", scope: "link", src: ip(a) }));
  return out;
}

const loRoutes = (): Route[] => [
  route("127.0.0.0/8", { table: "local", type: "local", dev: "lo", proto: "kernel", scope: "host", src: ip("127.0.0.1") }),
  ...localRoutes("lo", "127.0.0.1", "127.255.255.255"),
];

export function netns(id: string, kind: Netns["kind"], links: Link[], routes: Route[], neigh: Neigh[] = [], fdb: FdbEntry[] = []): Netns {
  return {
    id, kind, hostname: id, links, routes, neigh, fdb,
    sysctl: { ipForward: kind === "node", bridgeNfCallIptables: false, localPortRange: [32768, 60999] },
    tables: () => new Map(), listeners: [], files: new Map(), ipsets: () => [], ipvs: () => [],
  };
}

export function labNode(): Netns {
  const n = LAB.node;
  const links: LabLink[] = [
    lo(),
    link(2, "eth0", "veth", 1500, n.eth0, {
      peer: { netns: "underlay", ifindex: 3, name: "n-node" }, peerNetnsId: 0,
      addrs: [addr("192.168.1.221/24", "global", "192.168.1.255")], stats: stats([14, 1276], [6, 516]),
    }),
    link(3, "docker0", "bridge", 1500, DOCKER0_MAC, {
      flags: ["NO-CARRIER", "BROADCAST", "MULTICAST", "UP"], operState: "DOWN",
      addrs: [addr("172.17.0.1/16", "global", "172.17.255.255")], stats: { txDropped: 2 },
    }),
    link(4, "kube-ipvs0", "dummy", 1500, n.kubeIpvs0, {
      flags: ["BROADCAST", "NOARP"], operState: "DOWN", qdisc: "noop", addrs: [addr("10.96.0.1/32"), addr("10.96.0.10/32")],
    }),
    link(5, "flannel.1", "vxlan", 1450, n.flannel1, {
      operState: "UNKNOWN", vxlan: { vni: 1, local: ip("192.168.1.221"), dev: "eth0", port: 8472, learning: false },
      addrs: [addr("172.30.20.0/32")], stats: { txDropped: 6 },
    }),
    link(6, "cni0", "bridge", 1450, n.cni0, {
      addrs: [addr("172.30.20.1/24", "global", "172.30.20.255")],
      inet6: [{ addr: n.cni0LinkLocal, len: 64, scope: "link" }], stats: stats([12, 832], [8, 744]),
    }),
    link(7, "veth3c9a1f2e", "veth", 1450, n.veth1, {
      master: "cni0", bridgePort: { hairpin: true }, peer: { netns: "pod1", ifindex: 2, name: "eth0" }, peerNetnsId: 1,
      stats: stats([6, 500], [23, 2026]),
    }),
    link(8, "vethb7d40a91", "veth", 1450, n.veth2, {
      master: "cni0", bridgePort: { hairpin: true }, peer: { netns: "pod2", ifindex: 2, name: "eth0" }, peerNetnsId: 2,
      stats: stats([6, 500], [18, 1576]),
    }),
  ];
  const routes: Route[] = [
    route("default", { gateway: ip("192.168.1.1"), dev: "eth0" }),
    connected("192.168.1.0/24", "eth0", "192.168.1.221"),
    connected("172.17.0.0/16", "docker0", "172.17.0.1"),
    route("172.30.83.0/24", { gateway: ip("172.30.83.0"), dev: "flannel.1", onlink: true }),
    connected("172.30.20.0/24", "cni0", "172.30.20.1"),
    route("172.30.84.0/24", { gateway: ip("192.168.1.222"), dev: "eth0" }),
    ...loRoutes(),
    ...localRoutes("eth0", "192.168.1.221", "192.168.1.255"),
    ...localRoutes("docker0", "172.17.0.1", "172.17.255.255"),
    ...localRoutes("kube-ipvs0", "10.96.0.1"),
    ...localRoutes("kube-ipvs0", "10.96.0.10"),
    ...localRoutes("flannel.1", "172.30.20.0"),
    ...localRoutes("cni0", "172.30.20.1", "172.30.20.255"),
  ];
  const neigh: Neigh[] = [{ dev: "flannel.1", ip: ip("172.30.83.0"), lladdr: REMOTE_VTEP_MAC, state: "PERMANENT" }];
  // Creation order; the printer shows each device's entries newest first.
  const fdb: FdbEntry[] = [
    { mac: DOCKER0_MAC, dev: "docker0", master: "docker0", self: false, permanent: true },
    { mac: REMOTE_VTEP_MAC, dev: "flannel.1", dst: ip("10.167.226.38"), self: true, permanent: true },
    { mac: n.veth1, dev: "veth3c9a1f2e", master: "cni0", self: false, permanent: true },
    { mac: LAB.pod1.eth0, dev: "veth3c9a1f2e", master: "cni0", self: false, permanent: false },
    { mac: n.veth2, dev: "vethb7d40a91", master: "cni0", self: false, permanent: true },
    { mac: LAB.pod2.eth0, dev: "vethb7d40a91", master: "cni0", self: false, permanent: false },
  ];
  return netns("node", "node", links, routes, neigh, fdb);
}

/** The node after traffic.txt's pings: neighbours learned, counters moved. */
export function labNodeAfterTraffic(): Netns {
  const ns = labNode();
  ns.neigh = [
    { dev: "cni0", ip: ip("172.30.20.2"), lladdr: LAB.pod1.eth0, state: "DELAY" },
    ...ns.neigh,
    { dev: "eth0", ip: ip("192.168.1.1"), lladdr: LAB.node.gatewayMac, state: "REACHABLE" },
  ];
  const moved: Record<string, Partial<LinkStats>> = {
    cni0: stats([16, 1056], [11, 982]), eth0: stats([18, 1556], [10, 874]), "flannel.1": stats([0, 0], [1, 84], { txDropped: 7 }),
    veth3c9a1f2e: stats([11, 878], [30, 2488]), vethb7d40a91: stats([8, 640], [21, 1758]),
  };
  for (const l of ns.links as LabLink[]) if (moved[l.name]) l.stats = moved[l.name];
  return ns;
}

export function labPod(which: 1 | 2, after = false): Netns {
  const a = which === 1 ? "172.30.20.2" : "172.30.20.3";
  const rxtx: [number, number][] = which === 1 ? (after ? [[30, 2488], [11, 878]] : [[23, 2026], [6, 500]]) : [[18, 1576], [6, 500]];
  const eth0 = link(2, "eth0", "veth", 1450, which === 1 ? LAB.pod1.eth0 : LAB.pod2.eth0, {
    peer: { netns: "node", ifindex: which === 1 ? 7 : 8, name: which === 1 ? "veth3c9a1f2e" : "vethb7d40a91" },
    peerNetnsId: 0, addrs: [addr(`${a}/24`, "global", "172.30.20.255")], stats: stats(rxtx[0]!, rxtx[1]!),
  });
  const routes = [
    route("default", { gateway: ip("172.30.20.1"), dev: "eth0" }),
    route("172.30.0.0/16", { gateway: ip("172.30.20.1"), dev: "eth0" }),
    connected("172.30.20.0/24", "eth0", a),
    ...loRoutes(),
    ...localRoutes("eth0", a, "172.30.20.255"),
  ];
  const neigh: Neigh[] = after
    ? [
      { dev: "eth0", ip: ip("172.30.20.1"), lladdr: LAB.node.cni0, state: "REACHABLE" },
      { dev: "eth0", ip: ip("172.30.20.3"), lladdr: LAB.pod2.eth0, state: "REACHABLE" },
    ]
    : [];
  return netns(`pod${which}`, "pod", [lo(), eth0], routes, neigh);
}

export function labNodeUdp(): Netns {
  const links: LabLink[] = [
    lo(),
    link(2, "eth0", "veth", 1500, LAB.nodeudp.eth0, {
      peer: { netns: "underlay", ifindex: 4, name: "n-nodeudp" }, peerNetnsId: 0,
      addrs: [addr("192.168.1.221/24", "global", "192.168.1.255")], stats: stats([7, 586], [7, 586]),
    }),
    link(3, "flannel0", "tun", 1472, undefined, {
      flags: ["POINTOPOINT", "MULTICAST", "NOARP", "UP", "LOWER_UP"], qdisc: "pfifo_fast", txqlen: 500,
      addrs: [addr("172.30.20.0/32")], inet6: [{ addr: LAB.nodeudp.flannel0LinkLocal, len: 64, scope: "link", flags: ["stable-privacy"] }],
    }),
  ];
  const routes = [
    route("default", { gateway: ip("192.168.1.1"), dev: "eth0" }),
    connected("192.168.1.0/24", "eth0", "192.168.1.221"),
    route("172.30.0.0/16", { dev: "flannel0" }),
    ...loRoutes(),
    ...localRoutes("eth0", "192.168.1.221", "192.168.1.255"),
    ...localRoutes("flannel0", "172.30.20.0"),
  ];
  return netns("nodeudp", "node", links, routes);
}
