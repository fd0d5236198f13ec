// What `trace`, `check` and the shell share: turn SRC and DST as a user types
// them into the simulator's FlowInput, and a FlowResult back into a Trace.

import { formatIp4 } from "../model/addr.js";
import type { Cluster } from "../model/cluster.js";
import type { Trace } from "../model/trace.js";
import { curlUserAgent, type HttpClientKind } from "../simulate/apps/http.js";
import type { FlowInput, FlowResult } from "../simulate/flow.js";
import { type FlowTarget, resolveFlow, resolveSource } from "./flow-target.js";
import { podByKey } from "../load/cluster-index.js";

export interface FlowPlan {
  target: FlowTarget;
  input: FlowInput;
}

export interface PlanOptions {
  protocol?: "tcp" | "udp" | "icmp";
  client?: HttpClientKind;
  /** Raw request text; `\n` and `\r\n` escapes become CRLF. */
  request?: string;
}

/** Resolves SRC and DST against the cluster (usage errors for unknown names). */
export function planFlow(cluster: Cluster, src: string, dst: string, options: PlanOptions = {}): FlowPlan {
  const source = resolveSource(cluster, src);
  const target = resolveFlow(cluster, source, dst, options.protocol);
  const client = options.client ?? defaultClient(cluster, source.id);
  const input: FlowInput = {
    from: target.from,
    to: target.to,
    port: target.port,
    protocol: target.protocol,
    client,
    ...(client === "curl" ? { userAgent: curlUserAgent(podByKey(cluster, source.id)?.containers[0]?.image) } : {}),
    ...(options.request !== undefined ? { request: options.request.replace(/\\r\\n|\\n/g, "\r\n") } : {}),
  };
  return { target, input };
}

/** A busybox pod has wget, not curl; everything else is asked with curl. */
export function defaultClient(cluster: Cluster, id: string): HttpClientKind {
  const pod = podByKey(cluster, id);
  return pod?.containers.some((c) => /busybox/.test(c.image ?? "")) ? "wget" : "curl";
}

export function toTrace(cluster: Cluster, target: FlowTarget, r: FlowResult): Trace {
  const backendPod = r.server ? podByKey(cluster, r.server.netns) : undefined;
  return {
    flow: { src: target.from, dst: target.to, protocol: target.protocol, port: target.port },
    verdict: r.verdict,
    reason: r.reason,
    ...(r.server ? { backend: { ip: formatIp4(r.server.ip), port: r.server.port, ...(backendPod ? { pod: `${backendPod.namespace}/${backendPod.name}` } : {}) } } : {}),
    packets: r.packets,
    steps: r.steps,
  };
}
