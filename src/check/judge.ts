// One path of one check, judged: what the simulation observed (verdict, the
// server socket that got the flow and the source address it saw, where the
// flow's packets were captured) against what the check expects.

import { type Ip4, formatIp4 } from "../model/addr.js";
import type { CapturedPacket, CapturePoint, Verdict } from "../model/trace.js";
import type { FlowResult } from "../simulate/flow.js";
import type { Check } from "./expectations.js";

/** A backend entry, resolved: a namespace (pod, node, external host) and/or an address. */
export interface BackendSpec {
  text: string;
  netns?: string;
  ip?: Ip4;
  port?: number;
}

/** A capture point, resolved: an interface in a namespace. */
export interface PointSpec {
  text: string;
  netns: string;
  dev: string;
}

export type SourceSpec = { kind: "preserved" } | { kind: "snat" } | { kind: "ip"; ip: Ip4 };

/** A check with every name in it resolved against the cluster. */
export interface ResolvedCheck {
  check: Check;
  backends?: BackendSpec[];
  source?: SourceSpec;
  via: PointSpec[];
  notVia: PointSpec[];
}

export interface Observation {
  verdict: Verdict;
  /** The server socket that got the flow (TCP accept, UDP receive), if any. */
  server?: { netns: string; ip: Ip4; port: number };
  /** The client's own source address, and the source the server's socket saw. */
  clientSource?: Ip4;
  sourceSeen?: Ip4;
  /** `netns/dev` of every interface an IP packet of the connection was captured on. */
  points: Set<string>;
}

export type MissKind = "expect" | "backend" | "source" | "via" | "notVia";

export interface Miss {
  kind: MissKind;
  /** What was wrong on this path, as a sentence fragment. */
  text: string;
  /** For via/notVia: which point. */
  point?: PointSpec;
}

export function observe(r: FlowResult): Observation {
  const server = r.server ?? r.datagram;
  const peer = r.server?.peer ?? r.datagram?.peer;
  const request = r.keyPackets.request;
  const seen = r.sightings;
  const clientSource = request === undefined ? undefined : seen ? seen.sourceOf(request) : sourceOf(r.packets.find((p) => p.packet === request));
  return {
    verdict: r.verdict,
    ...(server ? { server: { netns: server.netns, ip: server.ip, port: server.port } } : {}),
    ...(clientSource !== undefined ? { clientSource } : {}),
    ...(peer ? { sourceSeen: peer.ip } : {}),
    points: seen ? (request === undefined ? new Set() : seen.pointsFrom(request)) : capturePoints(r.packets.slice(0, r.answered), request),
  };
}

/**
 * The DNS lookup comes before the connection's first packet and ARP is not
 * the flow: neither counts; nor does the teardown after the client had its
 * answer (the caller passes the packets captured until then).
 */
function capturePoints(packets: readonly CapturedPacket[], request: number | undefined): Set<string> {
  const points = new Set<string>();
  if (request === undefined) return points;
  for (const p of packets) {
    if (p.packet < request || !isIpv4(p)) continue;
    points.add(pointKey(p.point));
  }
  return points;
}

/** `netns/dev`, made once per capture point (the simulator shares one point object per interface). */
const pointKeys = new WeakMap<CapturePoint, string>();

function pointKey(point: CapturePoint): string {
  let key = pointKeys.get(point);
  if (key === undefined) pointKeys.set(point, (key = `${point.netns}/${point.dev}`));
  return key;
}

function isIpv4(p: CapturedPacket): boolean {
  return p.ip !== undefined;
}

/** The IPv4 source address from the captured header (the bytes are never encoded for a passing path). */
function sourceOf(p: CapturedPacket | undefined): Ip4 | undefined {
  return p?.ip?.src;
}

export function backendLabel(server: { netns: string; ip: Ip4; port: number }): string {
  return `${server.netns} (${formatIp4(server.ip)}:${server.port})`;
}

function backendMatches(b: BackendSpec, server: { netns: string; ip: Ip4; port: number }): boolean {
  if (b.netns !== undefined && b.netns !== server.netns) return false;
  if (b.ip !== undefined && b.ip !== server.ip) return false;
  return b.port === undefined || b.port === server.port;
}

export function sourceKind(o: Observation): "preserved" | "snat" | undefined {
  if (o.sourceSeen === undefined || o.clientSource === undefined) return undefined;
  return o.sourceSeen === o.clientSource ? "preserved" : "snat";
}

/** Everything this path does differently from what the check expects (empty: the path passes). */
export function judge(rc: ResolvedCheck, o: Observation): Miss[] {
  const misses: Miss[] = [];
  if (!rc.check.expect.includes(o.verdict)) misses.push({ kind: "expect", text: `the verdict is ${o.verdict}` });
  // Backend and source constrain the paths that reached a server; a path that was blocked is
  // judged by its verdict alone. A delivered path whose server cannot be named fails: unknown ≠ allowed.
  const reached = o.server !== undefined || o.verdict === "delivered";
  if (rc.backends && reached) {
    if (!o.server) misses.push({ kind: "backend", text: "no server socket accepted the flow (the kernel answered), so there is no backend to compare" });
    else if (!rc.backends.some((b) => backendMatches(b, o.server!))) misses.push({ kind: "backend", text: `the backend is ${backendLabel(o.server)}` });
  }
  if (rc.source && reached) {
    const kind = sourceKind(o);
    const seen = o.sourceSeen === undefined ? "" : formatIp4(o.sourceSeen);
    if (kind === undefined) misses.push({ kind: "source", text: "no server socket saw the flow, so its source address is unknown" });
    else if (rc.source.kind === "ip" ? o.sourceSeen !== rc.source.ip : rc.source.kind !== kind) {
      misses.push({ kind: "source", text: `the backend saw source ${seen} (${kind === "preserved" ? "the client's own address" : `the client is ${formatIp4(o.clientSource!)}: SNAT`})` });
    }
  }
  for (const point of rc.via) if (!o.points.has(`${point.netns}/${point.dev}`)) misses.push({ kind: "via", text: `no packet of the flow was captured on ${point.text}`, point });
  for (const point of rc.notVia) if (o.points.has(`${point.netns}/${point.dev}`)) misses.push({ kind: "notVia", text: `packets of the flow were captured on ${point.text}`, point });
  return misses;
}
