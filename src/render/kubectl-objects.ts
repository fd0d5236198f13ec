// The API objects behind `kubectl get -o yaml|json`: what the apiserver would
// return for the description's pods, services, endpoints and nodes, with the
// defaults the API fills in. Keys are emitted in alphabetical order, as
// kubectl's YAML printer (through JSON) does.

import { formatIp4 } from "../model/addr.js";
import { simDate } from "../model/clock.js";
import type { Cluster, Node, Pod, Service } from "../model/cluster.js";
import { type KubectlEra, nodeLabels, OBJECT_AGE_SECONDS } from "./kubectl-get.js";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface ObjectIds {
  uid(kind: string, namespace: string, name: string): string;
  containerId(pod: Pod, container: string): string;
  runtime: "docker" | "containerd";
}

function created(): string {
  return simDate(-OBJECT_AGE_SECONDS * 1_000_000).toISOString().replace(/\.\d+Z$/, "Z");
}

function meta(ids: ObjectIds, kind: string, namespace: string | null, name: string, labels: Record<string, string> | null): { [key: string]: Json } {
  return {
    creationTimestamp: created(),
    ...(labels && Object.keys(labels).length ? { labels } : {}),
    name,
    ...(namespace !== null ? { namespace } : {}),
    resourceVersion: String(1000 + (parseInt(ids.uid(kind, namespace ?? "", name).slice(0, 4), 16) % 9000)),
    uid: ids.uid(kind, namespace ?? "", name),
  };
}

export function podObject(era: KubectlEra, ids: ObjectIds, cluster: Cluster, pod: Pod): Json {
  const node = cluster.nodes.find((n) => n.name === pod.node);
  const started = created();
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: meta(ids, "Pod", pod.namespace, pod.name, pod.labels),
    spec: {
      containers: pod.containers.map((c) => ({
        image: c.image ?? "busybox",
        imagePullPolicy: /:[^/]+$/.test(c.image ?? "") && !(c.image ?? "").endsWith(":latest") ? "IfNotPresent" : "Always",
        name: c.name,
        ...(c.ports.length ? { ports: c.ports.map((p) => ({ containerPort: p.containerPort, ...(p.name ? { name: p.name } : {}), protocol: p.protocol })) } : {}),
        resources: {},
        terminationMessagePath: "/dev/termination-log",
        terminationMessagePolicy: "File",
      })),
      dnsPolicy: pod.hostNetwork ? "ClusterFirstWithHostNet" : "ClusterFirst",
      enableServiceLinks: true,
      ...(pod.hostNetwork ? { hostNetwork: true } : {}),
      nodeName: pod.node,
      ...(era.minor >= 15 ? { preemptionPolicy: "PreemptLowerPriority", priority: 0 } : {}),
      restartPolicy: "Always",
      schedulerName: "default-scheduler",
      securityContext: {},
      serviceAccount: "default",
      serviceAccountName: "default",
      terminationGracePeriodSeconds: 30,
    },
    status: {
      containerStatuses: pod.containers.map((c) => ({
        containerID: `${ids.runtime}://${ids.containerId(pod, c.name)}`,
        image: c.image ?? "busybox",
        name: c.name,
        ready: true,
        restartCount: 0,
        started: true,
        state: { running: { startedAt: started } },
      })),
      hostIP: node ? formatIp4(node.ip) : "",
      phase: "Running",
      podIP: formatIp4(pod.ip),
      podIPs: [{ ip: formatIp4(pod.ip) }],
      qosClass: "BestEffort",
      startTime: started,
    },
  };
}

export function serviceObject(era: KubectlEra, ids: ObjectIds, svc: Service): Json {
  const kube = svc.namespace === "default" && svc.name === "kubernetes";
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(ids, "Service", svc.namespace, svc.name, kube ? { component: "apiserver", provider: "kubernetes" } : null),
    spec: {
      clusterIP: svc.clusterIP === null ? "None" : formatIp4(svc.clusterIP),
      ...(era.minor >= 20 ? { clusterIPs: [svc.clusterIP === null ? "None" : formatIp4(svc.clusterIP)] } : {}),
      ...(svc.externalIPs.length ? { externalIPs: svc.externalIPs.map(formatIp4) } : {}),
      ...(svc.type !== "ClusterIP" ? { externalTrafficPolicy: svc.externalTrafficPolicy } : {}),
      ...(era.minor >= 22 ? { internalTrafficPolicy: svc.internalTrafficPolicy } : {}),
      ...(era.minor >= 20 ? { ipFamilies: ["IPv4"], ipFamilyPolicy: "SingleStack" } : {}),
      ports: svc.ports.map((p) => ({
        ...(p.name ? { name: p.name } : {}),
        ...(p.nodePort !== null ? { nodePort: p.nodePort } : {}),
        port: p.port,
        protocol: p.protocol,
        targetPort: p.targetPort,
      })),
      ...(svc.selector ? { selector: svc.selector } : {}),
      sessionAffinity: svc.sessionAffinity,
      type: svc.type,
    },
    status: { loadBalancer: svc.loadBalancerIPs.length ? { ingress: svc.loadBalancerIPs.map((ip) => ({ ip: formatIp4(ip) })) } : {} },
  };
}

export function endpointsObject(ids: ObjectIds, svc: Service): Json {
  const ports = svc.ports.filter((p) => p.endpoints.length > 0);
  const addresses = [...new Map(ports.flatMap((p) => p.endpoints).map((e) => [formatIp4(e.ip), e])).values()].sort((a, b) => (formatIp4(a.ip) < formatIp4(b.ip) ? -1 : 1));
  return {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: meta(ids, "Endpoints", svc.namespace, svc.name, null),
    ...(addresses.length
      ? {
          subsets: [{
            addresses: addresses.map((e) => ({
              ip: formatIp4(e.ip),
              ...(e.node ? { nodeName: e.node } : {}),
              ...(e.pod ? { targetRef: { kind: "Pod", name: e.pod.name, namespace: e.pod.namespace, uid: ids.uid("Pod", e.pod.namespace, e.pod.name) } } : {}),
            })),
            ports: ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.endpoints[0]!.port, protocol: p.protocol })),
          }],
        }
      : {}),
  };
}

export function nodeObject(era: KubectlEra, ids: ObjectIds, cluster: Cluster, node: Node): Json {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: meta(ids, "Node", null, node.name, nodeLabels(era, cluster, node)),
    spec: { podCIDR: `${formatIp4(node.podSubnet.addr)}/${node.podSubnet.len}`, ...(era.minor >= 16 ? { podCIDRs: [`${formatIp4(node.podSubnet.addr)}/${node.podSubnet.len}`] } : {}) },
    status: {
      addresses: [{ address: formatIp4(node.ip), type: "InternalIP" }, { address: node.name, type: "Hostname" }],
      conditions: [{ lastHeartbeatTime: created(), lastTransitionTime: created(), message: "kubelet is posting ready status", reason: "KubeletReady", status: "True", type: "Ready" }],
      nodeInfo: { kubeletVersion: `v${cluster.kubeProxy.version}.0`, kubeProxyVersion: `v${cluster.kubeProxy.version}.0` },
    },
  };
}

export function listObject(items: Json[]): Json {
  return { apiVersion: "v1", items, kind: "List", metadata: { resourceVersion: "" } };
}

/** kubectl -o json: encoding/json's MarshalIndent with four spaces. */
export function toJson(value: Json): string {
  return JSON.stringify(value, null, 4) + "\n";
}

/**
 * sigs.k8s.io/yaml (go-yaml v2): keys sorted, two-space indentation, a
 * sequence's "- " at its key's indentation, strings quoted when YAML would
 * read them as something else.
 */
export function toYaml(value: Json): string {
  return block(value, "");
}

function block(value: Json, indent: string): string {
  if (Array.isArray(value)) return value.map((v) => `${indent}-${item(v, indent)}`).join("");
  if (value !== null && typeof value === "object") {
    return Object.keys(value).sort().map((k) => `${indent}${k}:${member(value[k]!, indent)}`).join("");
  }
  return `${indent}${scalar(value)}\n`;
}

/** After "key:": a scalar or an empty collection on the same line, otherwise a nested block. */
function member(v: Json, indent: string): string {
  if (Array.isArray(v)) return v.length === 0 ? " []\n" : `\n${block(v, indent)}`;
  if (v !== null && typeof v === "object") return Object.keys(v).length === 0 ? " {}\n" : `\n${block(v, indent + "  ")}`;
  return ` ${scalar(v)}\n`;
}

/** After "- ": a mapping's first key on the same line, the rest indented under it. */
function item(v: Json, indent: string): string {
  if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length > 0) {
    return ` ${block(v, indent + "  ").slice(indent.length + 2)}`;
  }
  return member(v, indent);
}

function scalar(v: string | number | boolean | null): string {
  if (v === null) return "null";
  if (typeof v !== "string") return String(v);
  // go-yaml quotes what would read back as another type, and what YAML syntax would misparse.
  const special = v === "" || /^(true|false|null|yes|no|on|off|y|n|~)$/i.test(v) || /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v) || /^\d{4}-\d\d-\d\d/.test(v);
  const syntax = /: |\s#|:$/.test(v) || /^[-?:,[\]{}#&*!|>'"%@`\s]/.test(v) || /\s$/.test(v);
  if (special || syntax) {
    return `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  }
  return v;
}
