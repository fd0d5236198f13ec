// The containers a node's runtime holds for its pods, as `docker ps` and
// `docker inspect` show them: one pause ("POD", the sandbox holding the
// network namespace) per pod plus one per container, joined to the pause
// container's network (NetworkMode container:<id>).

import type { Ip4 } from "../model/addr.js";
import type { Cluster, Node, Pod } from "../model/cluster.js";
import { minorOf } from "./kube-proxy/features.js";
import { containerId, hashHex, podUid } from "./naming.js";

export interface RuntimeContainer {
  /** 64 hex digits; `docker ps` shows the first 12. */
  id: string;
  pod: Pod;
  /** The Kubernetes container name, or "POD" for the sandbox. */
  container: string;
  image: string;
  /** The command docker ps quotes (entrypoint and arguments). */
  command: string;
  /** The docker container name kubelet gives it. */
  name: string;
  /** bridge (docker's own IPAM on docker0), none (CNI configures it), host, or container:<pause id>. */
  networkMode: string;
  /** Set only when docker itself assigned the address (bridge mode). */
  ipAddress?: Ip4;
  macAddress?: string;
}

/** Docker ran Kubernetes' containers (dockershim) before 1.24; from 1.24 containerd does. */
export function dockerIsRuntime(cluster: Cluster): boolean {
  return minorOf(cluster.kubeProxy.version) < 24;
}

/** The pause image kubelet of that release pulled by default (--pod-infra-container-image). */
export function pauseImage(cluster: Cluster): string {
  const m = minorOf(cluster.kubeProxy.version);
  if (m <= 1) return "gcr.io/google_containers/pause:0.8.0";
  if (m === 2) return "gcr.io/google_containers/pause:2.0";
  if (m <= 9) return "gcr.io/google_containers/pause-amd64:3.0";
  if (m <= 17) return "k8s.gcr.io/pause:3.1";
  if (m <= 20) return "k8s.gcr.io/pause:3.2";
  if (m === 21) return "k8s.gcr.io/pause:3.4.1";
  if (m === 22) return "k8s.gcr.io/pause:3.5";
  return "k8s.gcr.io/pause:3.6";
}

/**
 * kubelet's docker container names: before CRI (≤1.5)
 * `k8s_<container>.<hash>_<pod>_<namespace>_<uid>_<random>`, with dockershim
 * `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>`.
 */
function dockerName(cluster: Cluster, pod: Pod, container: string): string {
  const uid = podUid(cluster, pod);
  if (minorOf(cluster.kubeProxy.version) <= 5) {
    const key = `${cluster.name}/${pod.namespace}/${pod.name}/${container}`;
    return `k8s_${container}.${hashHex(`spec-hash/${key}`, 8).replace(/^0+/, "")}_${pod.name}_${pod.namespace}_${uid}_${hashHex(`random/${key}`, 8)}`;
  }
  return `k8s_${container}_${pod.name}_${pod.namespace}_${uid}_0`;
}

/** The node's Kubernetes containers, pods in description order, each pod's pause first. */
export function nodeContainers(cluster: Cluster, node: Node): RuntimeContainer[] {
  const out: RuntimeContainer[] = [];
  const dockerBridge = cluster.network.bridge === "docker0";
  for (const pod of cluster.pods) {
    if (pod.node !== node.name) continue;
    const pauseId = containerId(cluster, pod, "POD");
    out.push({
      id: pauseId,
      pod,
      container: "POD",
      image: pauseImage(cluster),
      command: "/pause",
      name: dockerName(cluster, pod, "POD"),
      networkMode: pod.hostNetwork ? "host" : dockerBridge ? "bridge" : minorOf(cluster.kubeProxy.version) <= 5 ? "bridge" : "none",
      ...(dockerBridge && !pod.hostNetwork ? { ipAddress: pod.ip } : {}),
    });
    for (const c of pod.containers) {
      out.push({
        id: containerId(cluster, pod, c.name),
        pod,
        container: c.name,
        image: c.image ?? "busybox",
        command: entrypoint(c.image ?? "busybox", cluster),
        name: dockerName(cluster, pod, c.name),
        networkMode: `container:${pauseId}`,
      });
    }
  }
  return out;
}

/**
 * What an image runs when the pod spec gives no command: the entrypoint and
 * command of well-known images; otherwise the binary named after the image,
 * the convention most single-binary images follow.
 */
function entrypoint(image: string, cluster: Cluster): string {
  const repo = image.replace(/[:@].*$/, "").split("/").pop()!;
  if (repo === "busybox" || repo === "alpine") return "sh";
  if (repo === "nginx") {
    const tag = /:(\d+)\.(\d+)/.exec(image);
    const modern = tag ? Number(tag[1]) > 1 || Number(tag[2]) >= 19 : minorOf(cluster.kubeProxy.version) >= 19;
    return modern ? "/docker-entrypoint.sh nginx -g 'daemon off;'" : "nginx -g 'daemon off;'";
  }
  if (repo === "coredns") return "/coredns -conf /etc/coredns/Corefile";
  if (repo === "mysql" || repo === "mariadb") return "docker-entrypoint.sh mysqld";
  return `/${repo}`;
}
