// Files the tools cat on nodes and pods: written by kubelet (resolv.conf,
// hosts), flanneld (subnet.env) and the flannel DaemonSet (the CNI conflist).

import { formatCidr, formatIp4 } from "../model/addr.js";
import type { Cluster, Node, Pod } from "../model/cluster.js";
import { flannelMtu } from "./flannel.js";

export function dnsServiceIp(cluster: Cluster): number | undefined {
  const ref = cluster.dns.service;
  if (!ref) return undefined;
  const svc = cluster.services.find((s) => s.namespace === ref.namespace && s.name === ref.name);
  return svc?.clusterIP ?? undefined;
}

/** kubelet's ClusterFirst resolv.conf: search <ns>.svc.<domain> svc.<domain> <domain>, ndots:5. */
export function resolvConf(cluster: Cluster, pod: Pod): string {
  const dns = dnsServiceIp(cluster);
  const d = cluster.dns.domain;
  if (dns === undefined || pod.hostNetwork) return nodeResolvConf(cluster);
  return `search ${pod.namespace}.svc.${d} svc.${d} ${d}\nnameserver ${formatIp4(dns)}\noptions ndots:5\n`;
}

/** A node's own resolver: the underlay gateway (the usual DHCP/LAN setup). */
export function nodeResolvConf(cluster: Cluster): string {
  const gw = cluster.underlay.gateway;
  return gw === null ? "" : `nameserver ${formatIp4(gw)}\n`;
}

/** kubelet's managed hosts file (pkg/kubelet/kubelet_pods.go managedHostsFileContent). */
export function hostsFile(pod: Pod): string {
  return [
    "# Kubernetes-managed hosts file.",
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "fe00::0\tip6-mcastprefix",
    "fe00::1\tip6-allnodes",
    "fe00::2\tip6-allrouters",
    `${formatIp4(pod.ip)}\t${pod.name}`,
    "",
  ].join("\n");
}

const hostsFiles = new WeakMap<Cluster, string>();

/** A node's /etc/hosts: itself and the other nodes by name, as cluster installers write it (the same on every node and external host, so written once). */
export function nodeHostsFile(cluster: Cluster): string {
  let text = hostsFiles.get(cluster);
  if (text === undefined) {
    const lines = ["127.0.0.1   localhost localhost.localdomain", "::1         localhost localhost.localdomain"];
    for (const n of cluster.nodes) lines.push(`${formatIp4(n.ip)} ${n.name}`);
    for (const e of cluster.externals) lines.push(`${formatIp4(e.ip)} ${e.name}`);
    text = lines.join("\n") + "\n";
    hostsFiles.set(cluster, text);
  }
  return text;
}

/** kube-flannel.yml's /etc/cni/net.d/10-flannel.conflist (§A7); cniVersion appeared in flannel 0.12. */
export function cniConflist(cluster: Cluster): string {
  const minor = Number(cluster.network.flannelVersion.split(".")[1]);
  return JSON.stringify(
    {
      name: "cbr0",
      ...(minor >= 12 ? { cniVersion: "0.3.1" } : {}),
      plugins: [
        { type: "flannel", delegate: { hairpinMode: true, isDefaultGateway: true } },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  ) + "\n";
}

/** /etc/kube-flannel/net-conf.json as the flannel ConfigMap mounts it. */
export function netConf(cluster: Cluster): string {
  const backend: Record<string, unknown> = { Type: cluster.network.backend };
  if (cluster.network.backend === "vxlan") {
    if (cluster.network.vxlan.vni !== 1) backend.VNI = cluster.network.vxlan.vni;
    if (cluster.network.vxlan.port !== 8472) backend.Port = cluster.network.vxlan.port;
  }
  return JSON.stringify({ Network: formatCidr(cluster.network.podCIDR), Backend: backend }, null, 2) + "\n";
}

export function describeNode(cluster: Cluster, node: Node): string {
  return `${node.name} (${formatIp4(node.ip)}, pods ${formatCidr(node.podSubnet)}, MTU ${flannelMtu(cluster)})`;
}
