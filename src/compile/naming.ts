// Identifiers a real node picks at random (veth names, MACs, container IDs,
// kube-proxy's userspace ports). We derive each from a hash of what it belongs
// to, so a node's state never depends on which other nodes were compiled, and
// the same description always gives the same values.

import type { Cluster, Node, Pod, Service, ServicePort } from "../model/cluster.js";
import { sha256, sha256Hex } from "./sha256.js";

/** The first `chars` hex digits of sha256(text): a random-looking id derived from what it names. */
export function hashHex(text: string, chars: number): string {
  return sha256Hex(text).slice(0, chars);
}

/** A random-looking unicast, locally administered MAC (first octet x2/x6/xA/xE), as the kernel picks. */
export function randomMac(seed: string): string {
  const b = sha256(seed);
  const first = (b[0]! & 0xfc) | 0x02;
  return [first, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!].map((x) => x.toString(16).padStart(2, "0")).join(":");
}

/** Docker's classic container MAC: 02:42 followed by the IPv4 address (libnetwork). */
export function dockerMac(ip: number): string {
  const bytes = [0x02, 0x42, ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255];
  return bytes.map((x) => x.toString(16).padStart(2, "0")).join(":");
}

export function podKey(pod: Pod): string {
  return `${pod.namespace}/${pod.name}`;
}

/** Host side of a pod's veth: CNI bridge uses `veth` + 8 hex, docker `veth` + 7 hex. */
export function vethName(cluster: Cluster, pod: Pod): string {
  const chars = cluster.network.bridge === "docker0" ? 7 : 8;
  return "veth" + hashHex(`veth/${cluster.name}/${podKey(pod)}`, chars);
}

export function podMac(cluster: Cluster, pod: Pod): string {
  return cluster.network.bridge === "docker0" ? dockerMac(pod.ip) : randomMac(`pod-eth0/${cluster.name}/${podKey(pod)}`);
}

export function vethHostMac(cluster: Cluster, pod: Pod): string {
  return randomMac(`veth-host/${cluster.name}/${podKey(pod)}`);
}

export function vtepMac(cluster: Cluster, node: Node): string {
  return randomMac(`vtep/${cluster.name}/${node.name}`);
}

export function bridgeMac(cluster: Cluster, node: Node, bridge: string): string {
  return bridge === "docker0" ? "02:42:" + hashHex(`docker0/${cluster.name}/${node.name}`, 8).match(/../g)!.join(":") : randomMac(`${bridge}/${cluster.name}/${node.name}`);
}

/** 64-hex container ID; `container` is a container name or "POD" for the pause (sandbox) container. */
export function containerId(cluster: Cluster, pod: Pod, container: string): string {
  return sha256Hex(`container/${cluster.name}/${podKey(pod)}/${container}`);
}

/** A pod UID: the apiserver's random (version 4) UUID. */
export function podUid(cluster: Cluster, pod: Pod): string {
  return uuid4(hashHex(`uid/${cluster.name}/${podKey(pod)}`, 32));
}

/** 32 hex digits as an RFC 4122 version 4 UUID (version nibble 4, variant 8–b). */
export function uuid4(h: string): string {
  const variant = "89ab"[parseInt(h[16]!, 16) & 3]!;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Userspace kube-proxy binds port 0 per service port, so the kernel picks an
 * ephemeral port (ip_local_port_range 32768–60999) independently on each node.
 * A pinned proxyPort in the description is used on every node.
 */
export function proxyPorts(cluster: Cluster, node: Node): Map<ServicePort, number> {
  const out = new Map<ServicePort, number>();
  const used = new Set<number>();
  const pending: [Service, ServicePort][] = [];
  for (const svc of cluster.services) {
    for (const port of svc.ports) {
      if (port.proxyPort !== null) {
        out.set(port, port.proxyPort);
        used.add(port.proxyPort);
      } else pending.push([svc, port]);
    }
  }
  for (const [svc, port] of pending) {
    const b = sha256(`proxy-port/${cluster.name}/${node.name}/${svc.namespace}/${svc.name}/${port.port}/${port.protocol}`);
    let p = 32768 + (b.readUInt32BE(0) % (60999 - 32768 + 1));
    while (used.has(p)) p = p === 60999 ? 32768 : p + 1;
    used.add(p);
    out.set(port, p);
  }
  return out;
}
