// The compiled cluster: every namespace's kernel state, built the first time
// something asks for it and kept. Asking for one node compiles that node (and
// the state shared by all nodes), never the whole cluster.

import type { Cluster, ExternalHost, Node, Pod } from "../model/cluster.js";
import type { IpSet, Netns } from "../model/kernel.js";
import type { Tables } from "../netfilter/rule.js";
import { broadcastOf } from "../model/addr.js";
import { cniConflist, netConf, nodeHostsFile, nodeResolvConf } from "./files.js";
import { subnetEnv } from "./flannel.js";
import { buildNodeLinks, loopback, podsWithNetns } from "./node-netns.js";
import { buildNodeTables, featuresOf } from "./node-tables.js";
import { ipvsNodeAddresses, ipvsServices, ipvsSets } from "./kube-proxy/ipvs.js";
import { nodeListeners } from "./node-listeners.js";
import { minorOf } from "./kube-proxy/features.js";
import { buildPodNetns } from "./pod-netns.js";

export class CompiledCluster {
  private readonly nodes = new Map<string, Netns>();
  private readonly pods = new Map<string, Netns>();
  private readonly externals = new Map<string, Netns>();
  private nodeIndex: Map<string, Node> | undefined;
  private podIndex: Map<string, Pod> | undefined;

  constructor(readonly cluster: Cluster) {}

  node(name: string): Netns | undefined {
    let ns = this.nodes.get(name);
    if (!ns) {
      const node = this.findNode(name);
      if (!node) return undefined;
      ns = this.compileNode(node);
    }
    return ns;
  }

  pod(key: string): Netns | undefined {
    const pod = this.findPod(key);
    if (!pod) return undefined;
    if (pod.hostNetwork) return this.node(pod.node);
    if (!this.pods.has(key)) this.node(pod.node);
    return this.pods.get(key);
  }

  external(name: string): Netns | undefined {
    let ns = this.externals.get(name);
    if (!ns) {
      const ext = this.cluster.externals.find((e) => e.name === name);
      if (!ext) return undefined;
      ns = buildExternal(this.cluster, ext);
      this.externals.set(name, ns);
    }
    return ns;
  }

  /** Any namespace by id: node name, `namespace/pod`, or external host name. */
  netns(id: string): Netns | undefined {
    return id.includes("/") ? this.pod(id) : (this.node(id) ?? this.external(id));
  }

  findNode(name: string): Node | undefined {
    this.nodeIndex ??= new Map(this.cluster.nodes.map((n) => [n.name, n]));
    return this.nodeIndex.get(name);
  }

  findPod(key: string): Pod | undefined {
    this.podIndex ??= new Map(this.cluster.pods.map((p) => [`${p.namespace}/${p.name}`, p]));
    return this.podIndex.get(key);
  }

  private compileNode(node: Node): Netns {
    const cluster = this.cluster;
    const built = buildNodeLinks(cluster, node, podsWithNetns(cluster, node));
    const features = featuresOf(cluster);
    let tables: Tables | undefined;
    let sets: IpSet[] | undefined;
    const localAddrs = ipvsNodeAddresses(built.links);
    const ipsets = (): IpSet[] => (sets ??= cluster.kubeProxy.mode === "ipvs" ? ipvsSets(cluster, node, localAddrs, features) : []);
    const flannel = cluster.network.backend !== "none";
    const files = new Map<string, () => string>([
      ...(flannel
        ? ([
            ["/run/flannel/subnet.env", () => subnetEnv(cluster, node)],
            ...(cluster.network.bridge === "cni0" ? ([["/etc/cni/net.d/10-flannel.conflist", () => cniConflist(cluster)]] as const) : []),
            ["/etc/kube-flannel/net-conf.json", () => netConf(cluster)],
          ] as const)
        : []),
      ["/etc/resolv.conf", () => nodeResolvConf(cluster)],
      ["/etc/hosts", () => nodeHostsFile(cluster)],
      ["/etc/hostname", () => `${node.name}\n`],
    ]);
    const ns: Netns = {
      id: node.name,
      kind: "node",
      hostname: node.name,
      links: built.links,
      routes: built.routes,
      neigh: built.neigh,
      fdb: built.fdb,
      sysctl: { ipForward: true, bridgeNfCallIptables: cluster.network.brNetfilter, localPortRange: [32768, 60999], conntrackTcpTimeouts: kubeProxyConntrack(cluster) },
      tables: () => (tables ??= buildNodeTables(cluster, node, ipsets)),
      listeners: nodeListeners(cluster, node),
      files,
      ipsets,
      ipvs: () => (cluster.kubeProxy.mode === "ipvs" ? ipvsServices(cluster, node, localAddrs, features) : []),
    };
    this.nodes.set(node.name, ns);
    for (const { pod, veth } of built.podVeths) this.pods.set(`${pod.namespace}/${pod.name}`, buildPodNetns(cluster, node, pod, veth));
    return ns;
  }
}

function buildExternal(cluster: Cluster, ext: ExternalHost): Netns {
  const len = cluster.underlay.cidr.len;
  const routes: Netns["routes"] = [];
  if (cluster.underlay.gateway !== null) routes.push({ table: "main", type: "unicast", dst: { addr: 0, len: 0 }, gateway: cluster.underlay.gateway, dev: ext.interface, scope: "global" });
  routes.push({ table: "main", type: "unicast", dst: { addr: (ext.ip & (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0)) >>> 0, len }, dev: ext.interface, proto: "kernel", scope: "link", src: ext.ip });
  return {
    id: ext.name,
    kind: "external",
    hostname: ext.name,
    links: [
      loopback(),
      { index: 2, name: ext.interface, kind: "ether", mtu: cluster.network.mtu, mac: ext.mac, flags: ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"], operState: "UP", qdisc: "fq_codel", txqlen: 1000, addrs: [{ cidr: { addr: ext.ip, len }, broadcast: broadcastOf(cluster.underlay.cidr), scope: "global" }] },
    ],
    routes,
    neigh: [],
    fdb: [],
    sysctl: { ipForward: false, bridgeNfCallIptables: false, localPortRange: [32768, 60999] },
    tables: () => new Map(),
    listeners: ext.ports.map((p, i) => ({ proto: p.protocol === "UDP" ? "udp" : "tcp", addr: 0, port: p.port, pid: 1000 + i, program: "server", app: p.protocol === "UDP" ? "echo" : "http" })),
    files: new Map([["/etc/hosts", () => nodeHostsFile(cluster)]]),
    ipsets: () => [],
    ipvs: () => [],
  };
}

/**
 * kube-proxy writes two conntrack sysctls in the host namespace at start:
 * --conntrack-tcp-timeout-established (24h, since 1.2) and
 * --conntrack-tcp-timeout-close-wait (1h, since 1.5).
 */
function kubeProxyConntrack(cluster: Cluster): { established?: number; closeWait?: number } {
  const minor = minorOf(cluster.kubeProxy.version);
  return { ...(minor >= 2 ? { established: 86400 } : {}), ...(minor >= 5 ? { closeWait: 3600 } : {}) };
}
