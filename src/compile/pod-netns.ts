// A pod's network namespace (shared by all its containers through the pause
// container): lo, eth0 (the pod side of the veth), the routes the CNI bridge
// plugin (or docker) installs, and the files kubelet writes.

import { broadcastOf, formatIp4, networkOf } from "../model/addr.js";
import type { Cluster, Node, Pod } from "../model/cluster.js";
import type { Link, Listener, Netns, Route } from "../model/kernel.js";
import type { Tables } from "../netfilter/rule.js";
import { hostsFile, resolvConf } from "./files.js";
import { flannelMtu } from "./flannel.js";
import { listenersOf } from "./listeners.js";
import { loopback, podEth0Index } from "./node-netns.js";
import { podMac } from "./naming.js";
import { localTable } from "./local-routes.js";

export function buildPodNetns(cluster: Cluster, node: Node, pod: Pod, veth: Link): Netns {
  const gateway = (networkOf(node.podSubnet) + 1) >>> 0;
  const eth0: Link = {
    index: podEth0Index(cluster, veth.index), name: "eth0", kind: "veth", mtu: flannelMtu(cluster), mac: podMac(cluster, pod),
    flags: ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"], operState: "UP", qdisc: "noqueue", txqlen: 1000,
    peer: { netns: node.name, ifindex: veth.index, name: veth.name }, peerNetnsId: 0,
    addrs: [{ cidr: { addr: pod.ip, len: node.podSubnet.len }, broadcast: broadcastOf(node.podSubnet), scope: "global" }],
  };
  const routes: Route[] = [{ table: "main", type: "unicast", dst: { addr: 0, len: 0 }, gateway, dev: "eth0", scope: "global", origin: cluster.network.bridge === "docker0" ? "docker: default route via docker0" : "CNI bridge plugin (isDefaultGateway)" }];
  if (cluster.network.bridge === "cni0") {
    // host-local's `routes: [{dst: <Network>}]` from the flannel CNI plugin, added before the default (§A7).
    routes.push({ table: "main", type: "unicast", dst: cluster.network.podCIDR, gateway, dev: "eth0", scope: "global", origin: "CNI host-local route to the flannel Network" });
  }
  routes.push({ table: "main", type: "unicast", dst: { addr: networkOf(node.podSubnet), len: node.podSubnet.len }, dev: "eth0", proto: "kernel", scope: "link", src: pod.ip, origin: "kernel" });
  const links = [loopback(), eth0];
  routes.push(...localTable(links));
  const files = new Map<string, () => string>([
    ["/etc/resolv.conf", () => resolvConf(cluster, pod)],
    ["/etc/hosts", () => hostsFile(pod)],
    ["/etc/hostname", () => `${pod.name}\n`],
  ]);
  const listeners: Listener[] = listenersOf(cluster, pod);
  // Nothing loads netfilter rules in a pod's namespace: iptables-save prints nothing there.
  const tables: Tables = new Map();
  return {
    id: `${pod.namespace}/${pod.name}`,
    kind: "pod",
    hostname: pod.name,
    links,
    routes,
    neigh: [],
    fdb: [],
    sysctl: { ipForward: false, bridgeNfCallIptables: false, localPortRange: [32768, 60999] },
    tables: () => tables,
    listeners,
    files,
    ipsets: () => [],
    ipvs: () => [],
    node: node.name,
  };
}

export function podLabel(pod: Pod): string {
  return `${pod.namespace}/${pod.name} (${formatIp4(pod.ip)})`;
}
