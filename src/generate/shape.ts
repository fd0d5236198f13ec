// What `generate` builds: a cluster in the shape of the upstream scalability
// tests (kubernetes#48107: every pod backs exactly one Service, replicas spread
// over the nodes), described by four numbers. Everything else is derived, so
// the same numbers always give the same description.
//
// Sizes (issue 7, reference performance.md §A1): S 100 nodes / 3,000 pods /
// 200 services, M 500 / 15,000 / 1,000, L 5,000 / 150,000 / 10,000, each
// service with 15 endpoints.

import type { Diagnostic } from "../model/diagnostics.js";

export interface Shape {
  nodes: number;
  podsPerNode: number;
  /** Services, the first of which is the cluster DNS (kube-system/kube-dns, CoreDNS pods). */
  services: number;
  /** Endpoints (selected pods) per service. */
  endpoints: number;
}

export const SIZES: Readonly<Record<"S" | "M" | "L", Shape>> = {
  S: { nodes: 100, podsPerNode: 30, services: 200, endpoints: 15 },
  M: { nodes: 500, podsPerNode: 30, services: 1000, endpoints: 15 },
  L: { nodes: 5000, podsPerNode: 30, services: 10000, endpoints: 15 },
};

/**
 * Limits of the address plan (see plan.ts): /24 node subnets in 10.128.0.0/9,
 * host-local's .2–.254 of each, ClusterIPs in 10.96.0.0/12.
 */
export const LIMITS = {
  nodes: { min: 1, max: 32768, why: "10.128.0.0/9 holds 32,768 /24 node subnets" },
  podsPerNode: { min: 1, max: 253, why: "host-local hands out .2–.254 of a node's /24" },
  services: { min: 1, max: 1_000_000, why: "the first service is the cluster DNS; 10.96.0.0/12 holds about a million ClusterIPs" },
  endpoints: { min: 1, max: 100_000, why: "each service selects this many pods" },
} as const;

const FLAGS: Record<keyof Shape, string> = { nodes: "--nodes", podsPerNode: "--pods-per-node", services: "--services", endpoints: "--endpoints" };

/** Every problem with a shape (empty when it can be generated). */
export function checkShape(shape: Shape): Diagnostic[] {
  const out: Diagnostic[] = [];
  const usage = (message: string, hint: string): void => void out.push({ severity: "error", code: "usage", message, hint });
  for (const key of Object.keys(FLAGS) as (keyof Shape)[]) {
    const value = shape[key];
    const { min, max, why } = LIMITS[key];
    if (!Number.isInteger(value) || value < min || value > max) usage(`${FLAGS[key]} ${value}: must be a whole number from ${min} to ${max.toLocaleString("en-US")}`, why);
  }
  if (out.length === 0 && shape.services * shape.endpoints > shape.nodes * shape.podsPerNode) {
    const need = shape.services * shape.endpoints;
    usage(
      `${shape.services} services × ${shape.endpoints} endpoints need ${need.toLocaleString("en-US")} pods, but ${shape.nodes} nodes × ${shape.podsPerNode} pods per node give ${(shape.nodes * shape.podsPerNode).toLocaleString("en-US")}`,
      "every endpoint is a pod of its own: raise --nodes or --pods-per-node, or lower --services or --endpoints",
    );
  }
  return out;
}

/** `k8s-nettrace generate ...` flags that reproduce a shape. */
export function shapeFlags(shape: Shape): string {
  return `--nodes ${shape.nodes} --pods-per-node ${shape.podsPerNode} --services ${shape.services} --endpoints ${shape.endpoints}`;
}
