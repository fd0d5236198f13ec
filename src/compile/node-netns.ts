// A node's host network namespace: the devices flannel, the CNI bridge
// plugin, docker and kube-proxy create, their addresses, and the routes,
// ARP and FDB entries they program (reference flannel-cni-tcpdump.md part A).

import { type Cidr, broadcastOf, formatCidr, networkOf } from "../model/addr.js";
import type { Cluster, Node, Pod } from "../model/cluster.js";
import type { FdbEntry, Link, Neigh, Route } from "../model/kernel.js";
import { dockerEra, docker0Address } from "./docker.js";
import { flannelMinor, flannelMtu } from "./flannel.js";
import { bindIpvsAddresses, kubeIpvs0 } from "./kube-proxy/ipvs.js";
import { featuresOf } from "./node-tables.js";
import { bridgeMac, podMac, podUid, randomMac, vethHostMac, vethName, vtepMac } from "./naming.js";
import { minorOf } from "./kube-proxy/features.js";
import { localTable } from "./local-routes.js";
import { podsOnNode } from "../load/cluster-index.js";

export interface NodeLinks {
  links: Link[];
  routes: Route[];
  neigh: Neigh[];
  fdb: FdbEntry[];
  /** Pods with their own namespace on this node, in creation order, with their host-side veth. */
  podVeths: { pod: Pod; veth: Link }[];
}

const UP = ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"];

export function loopback(): Link {
  return {
    index: 1, name: "lo", kind: "loopback", mtu: 65536, mac: "00:00:00:00:00:00", flags: ["LOOPBACK", "UP", "LOWER_UP"],
    operState: "UNKNOWN", qdisc: "noqueue", txqlen: 1000, addrs: [{ cidr: { addr: 0x7f000001, len: 8 }, scope: "host" }],
  };
}

function bridgeAddress(subnet: Cidr): Link["addrs"][number] {
  return { cidr: { addr: (networkOf(subnet) + 1) >>> 0, len: subnet.len }, broadcast: broadcastOf(subnet), scope: "global" };
}

/** Kernel-installed route for an interface address (`proto kernel scope link src`). */
function connected(dev: string, addr: Cidr): Route {
  return { table: "main", type: "unicast", dst: { addr: networkOf(addr), len: addr.len }, dev, proto: "kernel", scope: "link", src: addr.addr, origin: "kernel" };
}

export function podsWithNetns(cluster: Cluster, node: Node): Pod[] {
  return podsOnNode(cluster, node.name).filter((p) => !p.hostNetwork);
}

export function buildNodeLinks(cluster: Cluster, node: Node, pods: Pod[]): NodeLinks {
  const { network } = cluster;
  const mtu = flannelMtu(cluster);
  // The host's default_qdisc: fq_codel on systemd distributions, pfifo_fast on the CentOS 7 of early clusters.
  const qdisc = minorOf(cluster.kubeProxy.version) >= 10 ? "fq_codel" : "pfifo_fast";
  const links: Link[] = [loopback()];
  const routes: Route[] = [];
  const neigh: Neigh[] = [];
  const fdb: FdbEntry[] = [];
  const nic: Link = {
    index: 2, name: node.interface, kind: "ether", mtu: network.mtu, mac: node.mac, flags: UP, operState: "UP",
    qdisc, txqlen: 1000, addrs: [{ cidr: { addr: node.ip, len: cluster.underlay.cidr.len }, broadcast: broadcastOf(cluster.underlay.cidr), scope: "global" }],
  };
  links.push(nic);
  if (cluster.underlay.gateway !== null) {
    routes.push({ table: "main", type: "unicast", dst: { addr: 0, len: 0 }, gateway: cluster.underlay.gateway, dev: nic.name, scope: "global", origin: "the node's default route" });
  }
  routes.push(connected(nic.name, { addr: node.ip, len: cluster.underlay.cidr.len }));
  let index = 3;
  const docker0 = dockerEra(cluster) ? dockerBridge(cluster, node, pods, index++) : undefined;
  if (docker0) {
    links.push(docker0);
    routes.push(connected("docker0", docker0.addrs[0]!.cidr));
  }
  const overlay = overlayDevice(cluster, node, index, qdisc);
  if (overlay) {
    links.push(overlay);
    index++;
    // flannel before 0.9 put the whole Network's prefix on flannel.1, so the kernel route covers every node.
    if (overlay.kind === "vxlan" && flannelMinor(cluster) < 9) routes.push(connected(overlay.name, overlay.addrs[0]!.cidr));
  }
  if (cluster.kubeProxy.mode === "ipvs") links.push(kubeIpvs0(cluster, node, index++));
  addRemoteLeases(cluster, node, remoteLeases(cluster, overlay?.name, nic.name), { neigh, fdb, routes });
  if (network.backend === "udp" && overlay) {
    routes.push({ table: "main", type: "unicast", dst: cluster.network.podCIDR, dev: overlay.name, scope: "global", origin: `flanneld (udp backend): the whole Network ${formatCidr(cluster.network.podCIDR)} via flannel0` });
  }
  if (network.bridge === "cni0" && pods.length > 0) {
    // The CNI bridge plugin creates cni0 with the first pod sandbox.
    const cni0: Link = { index: index++, name: "cni0", kind: "bridge", mtu, flags: UP, operState: "UP", qdisc: "noqueue", txqlen: 1000, addrs: [bridgeAddress(node.podSubnet)] };
    links.push(cni0);
    routes.push(connected("cni0", cni0.addrs[0]!.cidr));
  }
  const podVeths = buildVeths(cluster, pods, links, index);
  const bridge = links.find((l) => l.name === network.bridge);
  // A bridge whose MAC was never set (cni0, docker 1.8's docker0) takes its lowest port MAC and has no FDB
  // entry of its own; dockerd later set docker0's MAC explicitly, which gets one.
  const macSet = network.bridge === "docker0" && dockerEra(cluster) !== "1.8";
  if (bridge && !macSet && podVeths.length > 0) bridge.mac = podVeths.map((v) => v.veth.mac!).sort()[0];
  if (docker0 && (macSet || podVeths.length === 0 || network.bridge !== "docker0")) {
    fdb.unshift({ mac: docker0.mac!, dev: docker0.name, master: docker0.name, self: false, permanent: true, origin: "docker0's own address" });
  }
  addPortFdb(cluster, podVeths, fdb);
  // kube-proxy binds its addresses after reading every other interface's (an external IP that is a node address stays off kube-ipvs0).
  if (cluster.kubeProxy.mode === "ipvs") bindIpvsAddresses(cluster, links, featuresOf(cluster));
  routes.push(...localTable(links));
  return { links, routes, neigh, fdb, podVeths };
}

// The two loops below are functions of their own: inside buildNodeLinks they made V8 compile the
// whole of it, with everything it inlines, twice per run (once mid-loop), more compiler time than
// any function of the simulation.

/** flanneld programs the other nodes' leases when it starts, before any pod exists. */
function addRemoteLeases(cluster: Cluster, node: Node, leases: ReturnType<typeof remoteLeases>, into: { neigh: Neigh[]; fdb: FdbEntry[]; routes: Route[] }): void {
  for (const remote of cluster.nodes) {
    if (remote === node) continue;
    const lease = leases[remote.index]!;
    for (const e of lease.neigh) into.neigh.push(e);
    for (const e of lease.fdb) into.fdb.push(e);
    for (const e of lease.routes) into.routes.push(e);
  }
}

/** Each bridge port's own address, and the pod's behind it. */
function addPortFdb(cluster: Cluster, podVeths: readonly { pod: Pod; veth: Link }[], fdb: FdbEntry[]): void {
  const bridge = cluster.network.bridge;
  for (const { pod, veth } of podVeths) {
    fdb.push({ mac: veth.mac!, dev: veth.name, master: bridge, self: false, permanent: true, origin: "the port's own address" });
    // Pods announce themselves (IPv6 DAD/RS) at link-up, so the bridge has learned their MACs before any traffic.
    fdb.push({ mac: podMac(cluster, pod), dev: veth.name, master: bridge, self: false, permanent: false, origin: `pod ${pod.namespace}/${pod.name}` });
  }
}

/** dockerd's docker0: the pod bridge (flannel's lease via --bip, --mtu from subnet.env), or docker's own unused 172.17.0.1/16. */
function dockerBridge(cluster: Cluster, node: Node, pods: Pod[], index: number): Link {
  const podBridge = cluster.network.bridge === "docker0";
  // dockerd sets docker0's MAC, so with no port attached it has no carrier (NO-CARRIER, state DOWN).
  const carrier = podBridge && pods.length > 0;
  const { cidr, broadcast } = docker0Address(cluster, node);
  // docker 1.8 neither set docker0's MAC nor a broadcast address (ifconfig shows `broadcast 0.0.0.0`, seed 000).
  const early = dockerEra(cluster) === "1.8";
  return {
    index, name: "docker0", kind: "bridge", mtu: podBridge ? flannelMtu(cluster) : 1500, mac: early ? randomMac(`docker0/${cluster.name}/${node.name}`) : bridgeMac(cluster, node, "docker0"),
    flags: carrier ? UP : ["NO-CARRIER", "BROADCAST", "MULTICAST", "UP"], operState: carrier ? "UP" : "DOWN", qdisc: "noqueue", txqlen: 1000,
    addrs: [{ cidr, ...(early ? {} : { broadcast }), scope: "global" }],
  };
}

/**
 * Host ends of the pods' veths, in pod creation order. The CNI bridge plugin
 * creates the pair from inside the pod with the host end placed straight in
 * the node, so the pod's eth0 is ifindex 2 and each host end takes the node's
 * next index. Docker creates both ends on the host and moves one into the
 * container, which keeps its index: the pod's eth0 is the host end's index − 1.
 */
function buildVeths(cluster: Cluster, pods: Pod[], links: Link[], first: number): { pod: Pod; veth: Link }[] {
  const docker = cluster.network.bridge === "docker0";
  const containerd = !docker && minorOf(cluster.kubeProxy.version) >= 24;
  let index = first;
  return pods.map((pod, i) => {
    if (docker) index++; // the container end was created first and moved away
    const veth: Link = {
      index: index++, name: vethName(cluster, pod), kind: "veth", mtu: flannelMtu(cluster), mac: vethHostMac(cluster, pod), flags: UP, operState: "UP", qdisc: "noqueue", txqlen: 1000,
      master: cluster.network.bridge, bridgePort: { hairpin: cluster.network.hairpin },
      peer: { netns: `${pod.namespace}/${pod.name}`, ifindex: docker ? index - 2 : 2, name: "eth0" }, peerNetnsId: i,
      ...(containerd ? { peerNetnsName: `cni-${podUid(cluster, pod)}` } : {}),
      addrs: [],
    };
    links.push(veth);
    return { pod, veth };
  });
}

/** The pod side of the veth: ifindex 2 with CNI; with docker the index it had on the host (host end − 1). */
export function podEth0Index(cluster: Cluster, hostIndex: number): number {
  return cluster.network.bridge === "docker0" ? hostIndex - 1 : 2;
}

function overlayDevice(cluster: Cluster, node: Node, index: number, qdisc: string): Link | undefined {
  const { network } = cluster;
  const mtu = flannelMtu(cluster);
  const legacyVxlan = network.backend === "vxlan" && flannelMinor(cluster) < 9;
  const len = legacyVxlan ? cluster.network.podCIDR.len : 32;
  const addr = [{ cidr: { addr: networkOf(node.podSubnet), len }, ...(legacyVxlan ? { broadcast: broadcastOf(cluster.network.podCIDR) } : {}), scope: "global" as const }];
  if (network.backend === "vxlan") {
    return {
      index, name: `flannel.${network.vxlan.vni}`, kind: "vxlan", mtu, mac: vtepMac(cluster, node), flags: UP, operState: "UNKNOWN", qdisc: "noqueue", txqlen: 1000,
      vxlan: { vni: network.vxlan.vni, local: node.ip, dev: node.interface, port: network.vxlan.port, learning: false, ...(legacyVxlan ? { l2miss: true, l3miss: true } : {}) }, addrs: addr,
    };
  }
  if (network.backend === "udp") {
    // flanneld holds the TUN open, so it has carrier and reads as UP.
    return { index, name: "flannel0", kind: "tun", mtu, flags: ["POINTOPOINT", "MULTICAST", "NOARP", "UP", "LOWER_UP"], operState: "UP", qdisc, txqlen: 500, addrs: addr };
  }
  return undefined;
}

interface LeaseEntries {
  routes: Route[];
  neigh: Neigh[];
  fdb: FdbEntry[];
}

const leaseCache = new WeakMap<Cluster, Map<string, LeaseEntries[]>>();

/**
 * The entries flanneld programs for each node's lease, by node index. They are the same on
 * every other node (given the overlay device and NIC names), so they are built once per
 * cluster and shared: at 5,000 nodes that is 15,000 objects once instead of per node.
 */
function remoteLeases(cluster: Cluster, overlay: string | undefined, nic: string): LeaseEntries[] {
  let byDevices = leaseCache.get(cluster);
  if (!byDevices) leaseCache.set(cluster, (byDevices = new Map()));
  const key = `${overlay ?? ""}\u0000${nic}`;
  let leases = byDevices.get(key);
  if (!leases) {
    leases = cluster.nodes.map((remote) => {
      const entries: LeaseEntries = { routes: [], neigh: [], fdb: [] };
      programRemote(cluster, remote, overlay, nic, entries.routes, entries.neigh, entries.fdb);
      return entries;
    });
    byDevices.set(key, leases);
  }
  return leases;
}

/** What flanneld programs for each other node's lease (§A3 vxlan, §A4 host-gw; udp uses one route for all). */
function programRemote(cluster: Cluster, remote: Node, overlay: string | undefined, nic: string, routes: Route[], neigh: Neigh[], fdb: FdbEntry[]): void {
  const why = `flanneld: lease ${formatCidr(remote.podSubnet)} of node ${remote.name}`;
  const subnetAddr = networkOf(remote.podSubnet);
  if (cluster.network.backend === "vxlan" && overlay) {
    const mac = vtepMac(cluster, remote);
    if (flannelMinor(cluster) < 9) {
      // flannel 0.5–0.8 programmed nothing up front: it answered the kernel's L3 misses (a neighbour
      // per destination address) and L2 misses (an FDB entry per remote VTEP) as traffic needed them.
      // The FDB side is shown as already learned; neighbours appear during a trace.
      fdb.push({ mac, dev: overlay, dst: remote.ip, self: true, permanent: false, origin: why });
      return;
    }
    neigh.push({ dev: overlay, ip: subnetAddr, lladdr: mac, state: "PERMANENT", origin: why });
    fdb.push({ mac, dev: overlay, dst: remote.ip, self: true, permanent: true, origin: why });
    routes.push({ table: "main", type: "unicast", dst: remote.podSubnet, gateway: subnetAddr, dev: overlay, scope: "global", onlink: true, origin: why });
  } else if (cluster.network.backend === "host-gw") {
    routes.push({ table: "main", type: "unicast", dst: remote.podSubnet, gateway: remote.ip, dev: nic, scope: "global", origin: why });
  }
}

/** Pod eth0 MAC, exported for the pod namespace and the bridge FDB. */
export { podMac };
