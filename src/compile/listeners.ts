// Sockets the applications in a pod listen on, from their declared container
// ports. The application kind decides how a simulated peer is answered.

import type { Cluster, Container, Pod } from "../model/cluster.js";
import type { AppKind, Listener } from "../model/kernel.js";
import { clusterZone } from "./dns-zone.js";
import { minorOf } from "./kube-proxy/features.js";

function appOf(container: Container, port: number, protocol: string): AppKind {
  const image = container.image ?? "";
  if (/nginx/.test(image)) return "nginx";
  if (/mysql|mariadb/.test(image) || port === 3306) return "mysql";
  if (/coredns|kube-dns|skydns|dnsmasq/.test(image) || port === 53) return "dns";
  if (protocol === "UDP") return "echo";
  return "http";
}

function programOf(container: Container, app: AppKind): string {
  if (app === "nginx") return "nginx: master pro";
  if (app === "dns" && /coredns/.test(container.image ?? "")) return "coredns";
  return container.name.slice(0, 17);
}

/** nginx's version from the image tag; an untagged image is the "latest" of the cluster's era. */
function nginxSoftware(cluster: Cluster, image: string): string {
  const tag = /nginx:(\d+\.\d+)(\.\d+)?/.exec(image);
  if (tag) return `nginx/${tag[1]}${tag[2] ?? (tag[1] === "1.17" ? ".3" : tag[1] === "1.25" ? ".3" : ".0")}`;
  return minorOf(cluster.kubeProxy.version) >= 20 ? "nginx/1.25.3" : "nginx/1.17.3";
}

export function listenersOf(cluster: Cluster, pod: Pod): Listener[] {
  const out: Listener[] = [];
  let pid = 7;
  for (const container of pod.containers) {
    pid += 10;
    for (const p of container.ports) {
      const app = appOf(container, p.containerPort, p.protocol);
      const proto = p.protocol === "UDP" ? "udp" : "tcp";
      const listener: Listener = { proto, addr: 0, port: p.containerPort, pid, program: programOf(container, app), app };
      if (app === "dns") listener.dns = clusterZone(cluster, container.image ?? "");
      if (app === "nginx") listener.software = nginxSoftware(cluster, container.image ?? "");
      if (app === "mysql") listener.software = `mysql/${/:(\d+\.\d+)/.exec(container.image ?? "")?.[1] === "8.0" ? "8.0.35" : "5.7.44"}`;
      out.push(listener);
    }
  }
  return out;
}
