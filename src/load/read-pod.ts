// Reading pods, the bulk of a large description (150,000 at the Kubernetes
// limits). Each pod is first tried on a fast path that accepts only what the
// checked path would accept without a word, and builds the same draft from
// it without the per-field bookkeeping (a source path per field checked); any
// pod it does not accept goes through the checked path, which says what is
// wrong and where.

import { parseIp4 } from "../model/addr.js";
import type { Container, ContainerPort, Protocol, SourcePath } from "../model/cluster.js";
import { type Checker, isName } from "./check.js";
import type { PodDraft } from "./read-cluster.js";

export const PROTOCOLS = ["TCP", "UDP", "SCTP"] as const;
const POD_FIELDS = ["name", "namespace", "node", "ip", "hostNetwork", "labels", "containers"];
const CONTAINER_FIELDS = ["name", "image", "ports"];
const PORT_FIELDS = ["name", "containerPort", "protocol"];

export function readPod(c: Checker, value: unknown, at: SourcePath): PodDraft | undefined {
  return fastPod(value, at) ?? checkedPod(c, value, at);
}

// ---- the fast path: plain data as the checked path would return it, or undefined ----

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function onlyFields(o: Record<string, unknown>, fields: readonly string[]): boolean {
  for (const key in o) if (!fields.includes(key)) return false;
  return true;
}

/** Exported for the test that holds it to the checked path. */
export function fastPod(value: unknown, at: SourcePath): PodDraft | undefined {
  if (!isMapping(value) || !onlyFields(value, POD_FIELDS)) return undefined;
  const { name, namespace, node, ip, hostNetwork, labels, containers } = value;
  if (!isName(name) || !isName(node) || (namespace !== undefined && !isName(namespace))) return undefined;
  let address: number | undefined;
  if (ip !== undefined && (typeof ip !== "string" || (address = parseIp4(ip)) === undefined)) return undefined;
  if (hostNetwork !== undefined && typeof hostNetwork !== "boolean") return undefined;
  if (labels !== undefined && !stringValues(labels)) return undefined;
  let list: Container[];
  if (containers === undefined) list = [{ name, image: null, ports: [] }];
  else {
    if (!Array.isArray(containers) || containers.length === 0) return undefined;
    list = new Array<Container>(containers.length);
    for (let i = 0; i < containers.length; i++) {
      const k = fastContainer(containers[i]);
      if (!k) return undefined;
      list[i] = k;
    }
  }
  return {
    name,
    namespace: namespace ?? "default",
    node,
    ...(address !== undefined ? { ip: address } : {}),
    hostNetwork: hostNetwork ?? false,
    // The parsed mapping itself: it is ours, and a copy per pod is 150,000 more objects.
    labels: (labels ?? {}) as Record<string, string>,
    containers: list,
    at,
  };
}

function stringValues(value: unknown): boolean {
  if (!isMapping(value)) return false;
  // `__proto__` is left to the checked path, which copies keys into a fresh object.
  for (const key in value) if (typeof value[key] !== "string" || key === "__proto__") return false;
  return true;
}

function fastContainer(value: unknown): Container | undefined {
  if (!isMapping(value) || !onlyFields(value, CONTAINER_FIELDS)) return undefined;
  const { name, image, ports } = value;
  if (!isName(name) || (image !== undefined && typeof image !== "string")) return undefined;
  let list: ContainerPort[] = [];
  if (ports !== undefined) {
    if (!Array.isArray(ports)) return undefined;
    list = new Array<ContainerPort>(ports.length);
    for (let i = 0; i < ports.length; i++) {
      const p = ports[i];
      if (!isMapping(p) || !onlyFields(p, PORT_FIELDS)) return undefined;
      const { name: portName, containerPort, protocol } = p;
      if (typeof containerPort !== "number" || !Number.isInteger(containerPort) || containerPort < 1 || containerPort > 65535) return undefined;
      if (portName !== undefined && typeof portName !== "string") return undefined;
      if (protocol !== undefined && !(PROTOCOLS as readonly unknown[]).includes(protocol)) return undefined;
      list[i] = { name: portName ?? null, containerPort, protocol: (protocol as Protocol | undefined) ?? "TCP" };
    }
  }
  return { name, image: image || null, ports: list };
}

// ---- the checked path: every field typed and checked where it is read ----

function checkedPorts(c: Checker, value: unknown, at: SourcePath): ContainerPort[] {
  return c.array(value, at, "ports").flatMap((item, i) => {
    const path = [...at, i];
    const o = c.object(item, path, "a container port", PORT_FIELDS);
    if (!o) return [];
    const port = c.required(o.containerPort, c.int(o.containerPort, [...path, "containerPort"], "containerPort", 1, 65535), [...path, "containerPort"], "containerPort");
    const name = o.name === undefined ? null : (c.string(o.name, [...path, "name"], "port name") ?? null);
    const protocol = c.oneOf(o.protocol, [...path, "protocol"], "protocol", PROTOCOLS) ?? "TCP";
    return port === undefined ? [] : [{ name, containerPort: port, protocol }];
  });
}

export function checkedPod(c: Checker, value: unknown, at: SourcePath): PodDraft | undefined {
  const o = c.object(value, at, "a pod", POD_FIELDS);
  if (!o) return undefined;
  const name = c.required(o.name, c.name(o.name, [...at, "name"], "pod name"), [...at, "name"], "pod name");
  const namespace = c.name(o.namespace, [...at, "namespace"], "namespace") ?? "default";
  const node = c.required(o.node, c.name(o.node, [...at, "node"], "pod node"), [...at, "node"], `node of pod ${name ?? ""}`.trim(), "the node the pod is scheduled on");
  const ip = c.ip(o.ip, [...at, "ip"], "pod ip");
  const containers = c.array(o.containers, [...at, "containers"], "containers").flatMap((item, i): Container[] => {
    const path = [...at, "containers", i];
    const k = c.object(item, path, "a container", CONTAINER_FIELDS);
    if (!k) return [];
    const cname = c.required(k.name, c.name(k.name, [...path, "name"], "container name"), [...path, "name"], "container name");
    const image = c.string(k.image, [...path, "image"], "image");
    return cname === undefined ? [] : [{ name: cname, image: image || null, ports: checkedPorts(c, k.ports, [...path, "ports"]) }];
  });
  if (name === undefined || node === undefined) return undefined;
  return {
    name,
    namespace,
    node,
    ...(ip !== undefined ? { ip } : {}),
    hostNetwork: c.bool(o.hostNetwork, [...at, "hostNetwork"], "hostNetwork") ?? false,
    labels: c.stringMap(o.labels, [...at, "labels"], "labels") ?? {},
    containers: containers.length > 0 ? containers : [{ name, image: null, ports: [] }],
    at,
  };
}
