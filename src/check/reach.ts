// The reachability matrix: for each selected source and each destination
// port, the verdicts of every path (as `check` enumerates them).

import type { Cluster } from "../model/cluster.js";
import type { Verdict } from "../model/trace.js";
import type { Enumeration } from "./enumerate.js";
import type { Place } from "./selectors.js";

/** One column: a place and port, with the text `trace` takes for it. */
export interface Target {
  label: string;
  /** DST[:PORT] as `trace` takes it. */
  text: string;
  protocol: "tcp" | "udp";
}

export interface Cell {
  /** Verdict → probability over every path. */
  verdicts: Partial<Record<Verdict, number>>;
  paths: number;
  truncated: boolean;
  /** Set when the flow cannot be planned (e.g. a headless service without endpoints). */
  error?: string;
}

export interface Matrix {
  sources: Place[];
  targets: Target[];
  /** cells[source][target] */
  cells: Cell[][];
}

const proto = (p: string): "tcp" | "udp" | undefined => (p === "TCP" ? "tcp" : p === "UDP" ? "udp" : undefined);

/** Every port of every destination place (only `port` when given; SCTP is not simulated). */
export function targetsFor(cluster: Cluster, places: readonly Place[], port: number | undefined): Target[] {
  const out: Target[] = [];
  const wanted = (p: number) => port === undefined || p === port;
  for (const place of places) {
    if (place.kind === "svc") {
      const svc = cluster.services.find((s) => `${s.namespace}/${s.name}` === place.id)!;
      for (const sp of svc.ports) {
        const protocol = proto(sp.protocol);
        if (!protocol || !wanted(sp.port)) continue;
        out.push({ label: `${place.id}:${sp.port}${protocol === "udp" ? "/udp" : ""}`, text: `${svc.name}.${svc.namespace}:${sp.port}`, protocol });
      }
    } else if (place.kind === "pod") {
      const pod = cluster.pods.find((p) => `${p.namespace}/${p.name}` === place.id)!;
      const declared = pod.containers.flatMap((c) => c.ports).filter((p) => wanted(p.containerPort) && proto(p.protocol));
      const ports = declared.length ? declared.map((p) => ({ port: p.containerPort, protocol: proto(p.protocol)! })) : [{ port: port ?? 80, protocol: "tcp" as const }];
      for (const p of ports) out.push({ label: `${place.id}:${p.port}${p.protocol === "udp" ? "/udp" : ""}`, text: `${place.id}:${p.port}`, protocol: p.protocol });
    } else if (place.kind === "node") {
      // Without -p, a node's interesting ports are the NodePorts every node opens.
      const nodePorts = port !== undefined ? [{ port, protocol: "tcp" as const }] : cluster.services.flatMap((s) => s.ports.filter((p) => p.nodePort !== null && proto(p.protocol)).map((p) => ({ port: p.nodePort!, protocol: proto(p.protocol)! })));
      for (const p of nodePorts) out.push({ label: `${place.id}:${p.port}${p.protocol === "udp" ? "/udp" : ""}`, text: `${place.id}:${p.port}`, protocol: p.protocol });
    } else {
      const ext = cluster.externals.find((e) => e.name === place.id)!;
      const ports = ext.ports.filter((p) => wanted(p.port) && proto(p.protocol)).map((p) => ({ port: p.port, protocol: proto(p.protocol)! }));
      for (const p of ports.length ? ports : [{ port: port ?? 80, protocol: "tcp" as const }]) out.push({ label: `${place.id}:${p.port}${p.protocol === "udp" ? "/udp" : ""}`, text: `${place.id}:${p.port}`, protocol: p.protocol });
    }
  }
  return out;
}

export function cellOf(e: Enumeration): Cell {
  const verdicts: Partial<Record<Verdict, number>> = {};
  for (const run of e.runs) verdicts[run.observed.verdict] = (verdicts[run.observed.verdict] ?? 0) + run.probability;
  return { verdicts, paths: e.runs.reduce((n, r) => n + r.paths, 0), truncated: e.truncated };
}

/** `delivered`, or `delivered 50%|refused 50%` when paths disagree; `+` when not every path was explored. */
export function cellText(c: Cell): string {
  if (c.error) return "n/a";
  const entries = Object.entries(c.verdicts) as [Verdict, number][];
  const text = entries.length === 1 ? entries[0]![0] : entries.map(([v, p]) => `${v} ${Math.round(p * 1000) / 10}%`).join("|");
  return c.truncated ? `${text}+` : text;
}
