// `kubectl describe pod|svc`: kubectl 1.1's layout (a tabwriter padding with
// TABs, so seed 000's "Name:\t\t\t\tbusybox") up to 1.11, and the modern one
// (two spaces after the longest key of each block) from 1.12
// (docs/facts/shell-tools.md §11.6).

import { formatIp4 } from "../model/addr.js";
import { simDate } from "../model/clock.js";
import type { Cluster, Pod, Service } from "../model/cluster.js";
import { endpointsCell, formatLabels, type KubectlEra, OBJECT_AGE_SECONDS } from "./kubectl-get.js";
import { tabwriter } from "./tabwriter.js";

export interface DescribeIds {
  containerId(pod: Pod, container: string): string;
  runtime: "docker" | "containerd";
  /** A 5-character suffix for the pod's token volume, as the token controller names it. */
  tokenSuffix(pod: Pod): string;
}

/** RFC1123Z, as describe prints Start Time and container start times. */
function rfc1123z(d: Date): string {
  const [day, date, month, year, time] = d.toUTCString().replace(",", "").split(" ");
  return `${day}, ${date} ${month} ${year} ${time} +0000`;
}

function startTime(): Date {
  return simDate(-OBJECT_AGE_SECONDS * 1_000_000);
}

function oldStyle(era: KubectlEra): boolean {
  return era.minor <= 11;
}

function flush(era: KubectlEra, text: string): string {
  return oldStyle(era) ? tabwriter(text, { minwidth: 0, tabwidth: 8, padding: 1, padchar: "\t" }) : tabwriter(text, { minwidth: 0, padding: 2 });
}

/** Service ports with their endpoints, as each generation lists them. */
function portLines(era: KubectlEra, s: Service): string {
  let out = "";
  for (const p of s.ports) {
    const name = p.name ?? (oldStyle(era) ? "<unnamed>" : "<unset>");
    out += `Port:\t${name}\t${p.port}/${p.protocol}\n`;
    if (!oldStyle(era)) out += `TargetPort:\t${p.targetPort}/${p.protocol}\n`;
    if (p.nodePort !== null) out += `NodePort:\t${name}\t${p.nodePort}/${p.protocol}\n`;
    const only: Service = { ...s, ports: [p] };
    out += `Endpoints:\t${endpointsCell(only)}\n`;
  }
  return out;
}

export function describeService(era: KubectlEra, s: Service): string {
  const kube = s.namespace === "default" && s.name === "kubernetes";
  const labels = kube ? "component=apiserver\nprovider=kubernetes" : "<none>";
  const ip = s.clusterIP === null ? "None" : formatIp4(s.clusterIP);
  let text = `Name:\t${s.name}\nNamespace:\t${s.namespace}\n`;
  if (oldStyle(era)) {
    text += `Labels:\t${labels.replace("\n", ",")}\nSelector:\t${formatLabels(s.selector)}\nType:\t${s.type}\nIP:\t${ip}\n`;
    if (s.externalIPs.length) text += `External IPs:\t${s.externalIPs.map(formatIp4).join(",")}\n`;
    text += portLines(era, s);
    text += `Session Affinity:\t${s.sessionAffinity}\n`;
    return flush(era, text) + "No events.\n";
  }
  text += `Labels:\t${labels.replace("\n", "\n\t")}\nAnnotations:\t<none>\nSelector:\t${s.selector ? formatLabels(s.selector) : ""}\nType:\t${s.type}\n`;
  if (era.minor >= 20) text += `IP Family Policy:\tSingleStack\nIP Families:\tIPv4\n`;
  text += `IP:\t${ip}\n`;
  if (era.minor >= 20) text += `IPs:\t${ip}\n`;
  if (s.externalIPs.length) text += `External IPs:\t${s.externalIPs.map(formatIp4).join(",")}\n`;
  if (s.loadBalancerIPs.length) text += `LoadBalancer Ingress:\t${s.loadBalancerIPs.map(formatIp4).join(", ")}\n`;
  text += portLines(era, s);
  text += `Session Affinity:\t${s.sessionAffinity}\n`;
  if (s.type !== "ClusterIP") text += `External Traffic Policy:\t${s.externalTrafficPolicy}\n`;
  if (s.healthCheckNodePort !== null) text += `HealthCheck NodePort:\t${s.healthCheckNodePort}\n`;
  text += "Events:\t<none>\n";
  return flush(era, text);
}

export function describePod(era: KubectlEra, cluster: Cluster, pod: Pod, ids: DescribeIds): string {
  const node = cluster.nodes.find((n) => n.name === pod.node);
  const nodeText = node ? `${node.name}/${formatIp4(node.ip)}` : "<none>";
  const started = rfc1123z(startTime());
  const token = `${era.minor >= 21 ? "kube-api-access" : "default-token"}-${ids.tokenSuffix(pod)}`;
  if (oldStyle(era)) {
    let text = `Name:\t${pod.name}\nNamespace:\t${pod.namespace}\nImage(s):\t${pod.containers.map((c) => c.image ?? "busybox").join(",")}\n`;
    text += `Node:\t${nodeText}\nLabels:\t${formatLabels(pod.labels)}\nStatus:\tRunning\nReason:\t\nMessage:\t\nIP:\t${formatIp4(pod.ip)}\nReplication Controllers:\t<none>\nContainers:\n`;
    for (const c of pod.containers) {
      text += `  ${c.name}:\n    Image:\t${c.image ?? "busybox"}\n    State:\tRunning\n      Started:\t${started}\n    Ready:\tTrue\n    Restart Count:\t0\n    Variables:\n`;
    }
    text += `Conditions:\n  Type\tStatus\n  Ready \tTrue \nVolumes:\n  ${token}:\n    Type:\tSecret (a secret that should populate this volume)\n    SecretName:\t${token}\n`;
    return flush(era, text) + "No events.\n";
  }
  const labels = Object.keys(pod.labels).sort().map((k) => `${k}=${pod.labels[k]}`);
  let text = `Name:\t${pod.name}\nNamespace:\t${pod.namespace}\nPriority:\t0\n`;
  if (era.minor >= 18) text += `Service Account:\tdefault\n`;
  text += `Node:\t${nodeText}\nStart Time:\t${started}\nLabels:\t${labels.length ? labels.join("\n\t") : "<none>"}\nAnnotations:\t<none>\nStatus:\tRunning\nIP:\t${formatIp4(pod.ip)}\n`;
  if (era.minor >= 16) text += `IPs:\n  IP:\t${formatIp4(pod.ip)}\n`;
  text += "Containers:\n";
  for (const c of pod.containers) {
    const port = c.ports[0];
    text += `  ${c.name}:\n`;
    text += `    Container ID:\t${ids.runtime}://${ids.containerId(pod, c.name)}\n    Image:\t${c.image ?? "busybox"}\n`;
    text += `    Port:\t${port ? `${port.containerPort}/${port.protocol}` : "<none>"}\n    Host Port:\t${port ? `${pod.hostNetwork ? port.containerPort : 0}/${port.protocol}` : "<none>"}\n`;
    text += `    State:\tRunning\n      Started:\t${started}\n    Ready:\tTrue\n    Restart Count:\t0\n    Environment:\t<none>\n`;
    text += `    Mounts:\n      /var/run/secrets/kubernetes.io/serviceaccount from ${token} (ro)\n`;
  }
  text += "Conditions:\n  Type\tStatus\n";
  for (const cond of era.minor >= 26 ? ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"] : ["Initialized", "Ready", "ContainersReady", "PodScheduled"]) text += `  ${cond} \tTrue \n`;
  text += `Volumes:\n  ${token}:\n`;
  if (era.minor >= 21) {
    text += "    Type:\tProjected (a volume that contains injected data from multiple sources)\n    TokenExpirationSeconds:\t3607\n    ConfigMapName:\tkube-root-ca.crt\n    ConfigMapOptional:\t<nil>\n    DownwardAPI:\ttrue\n";
  } else {
    text += `    Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t${token}\n    Optional:\tfalse\n`;
  }
  text += "QoS Class:\tBestEffort\nNode-Selectors:\t<none>\nTolerations:\tnode.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n\tnode.kubernetes.io/unreachable:NoExecute op=Exists for 300s\nEvents:\t<none>\n";
  return flush(era, text);
}
