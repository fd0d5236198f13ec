// The sockets a node's own daemons listen on, as `netstat -nlp` and `ss -lnt`
// list them: sshd, kubelet, kube-proxy (its metrics and health ports, and in
// userspace mode one proxy port per service port), the kernel's VXLAN socket,
// flanneld's UDP backend, and the containers of hostNetwork pods.

import type { Cluster, Node } from "../model/cluster.js";
import type { Listener } from "../model/kernel.js";
import { minorOf } from "./kube-proxy/features.js";
import { userspaceListeners } from "./kube-proxy/userspace.js";
import { listenersOf } from "./listeners.js";

const LOOPBACK = 0x7f000001;

/** Process ids: boot order on a systemd node (sshd early, the Kubernetes daemons later). */
const PID = { sshd: 812, kubelet: 1021, kubeProxy: 930, flanneld: 705 } as const;

export function nodeListeners(cluster: Cluster, node: Node): Listener[] {
  const minor = minorOf(cluster.kubeProxy.version);
  const out: Listener[] = [
    // OpenSSH's default ListenAddress: both families, separate sockets.
    { proto: "tcp", addr: 0, port: 22, pid: PID.sshd, program: "sshd", app: "ssh" },
    { proto: "tcp6", addr: 0, port: 22, pid: PID.sshd, program: "sshd", app: "ssh" },
    // kubelet: the API (10250, all addresses) and healthz (127.0.0.1:10248); the read-only
    // port 10255 was on by default until kubeadm's config turned it off (1.10+).
    { proto: "tcp", addr: LOOPBACK, port: 10248, pid: PID.kubelet, program: "kubelet", app: "http" },
    { proto: "tcp6", addr: 0, port: 10250, pid: PID.kubelet, program: "kubelet", app: "tls" },
    ...(minor < 10 ? [{ proto: "tcp6" as const, addr: 0, port: 10255, pid: PID.kubelet, program: "kubelet", app: "http" as const }] : []),
  ];
  if (cluster.kubeProxy.mode === "userspace") out.push(...userspaceListeners(cluster, node));
  else {
    // kube-proxy: metrics on 127.0.0.1:10249, healthz on 0.0.0.0:10256 (Go: dual-stack, so tcp6).
    out.push({ proto: "tcp", addr: LOOPBACK, port: 10249, pid: PID.kubeProxy, program: "kube-proxy", app: "http" });
    out.push({ proto: "tcp6", addr: 0, port: 10256, pid: PID.kubeProxy, program: "kube-proxy", app: "http" });
  }
  // The VXLAN device's UDP socket belongs to the kernel (netstat prints "-" for its program).
  if (cluster.network.backend === "vxlan") out.push({ proto: "udp", addr: 0, port: cluster.network.vxlan.port, pid: 0, program: "-", app: "generic" });
  if (cluster.network.backend === "udp") out.push({ proto: "udp", addr: node.ip, port: 8285, pid: PID.flanneld, program: "flanneld", app: "generic" });
  for (const pod of cluster.pods) if (pod.hostNetwork && pod.node === node.name) out.push(...listenersOf(cluster, pod));
  return out;
}
