// The Trace: what happened to each packet of a simulated flow, where, and why.
// JSON output is this type serialised; the text renderers read it too.

import type { Origin } from "../netfilter/rule.js";
import type { Ipv4Packet } from "../packet/ipv4.js";

/** How many runs one flow's path enumeration makes at most, unless --max-paths says otherwise. */
export const MAX_PATHS = 256;

/** Where a capture was taken: an interface in a namespace (node, `ns/pod`, external host). */
export interface CapturePoint {
  netns: string;
  dev: string;
  /** EN10MB (Ethernet) or RAW (TUN devices such as flannel0). */
  linkType: "EN10MB" | "RAW";
}

export interface CapturedPacket {
  /** Microseconds since the simulated epoch. */
  time: number;
  point: CapturePoint;
  /** Received on the interface, or sent out of it (tcpdump -i any shows In/Out/P). */
  direction: "in" | "out";
  /** The bytes on the wire at that point, exactly what a pcap record holds. */
  frame: Uint8Array;
  /** Which logical packet of the flow (the same number at every hop). */
  packet: number;
  /** The IPv4 packet in `frame` (undefined for ARP), to read headers without decoding the bytes; checksums are computed when `frame` is read. */
  ip: Ipv4Packet | undefined;
  /**
   * A copy a bridge or the underlay switch flooded to this port (a broadcast, or an unknown
   * destination) rather than forwarded there by its FDB: the ARP request every other pod sees.
   */
  flooded: boolean;
}

export type StepKind =
  | "send" | "route" | "rule" | "nat" | "conntrack" | "bridge" | "neighbour" | "encap" | "decap"
  | "forward" | "deliver" | "socket" | "drop" | "reject" | "app" | "dns";

/** One line of the narrative: what the kernel did to a packet and which rule or route made it. */
export interface Step {
  time: number;
  packet: number;
  netns: string;
  kind: StepKind;
  text: string;
  dev?: string;
  hook?: string;
  table?: string;
  chain?: string;
  /** 1-based, as `iptables -L --line-numbers` counts. */
  ruleNumber?: number;
  /** The rule as iptables-save prints it. */
  rule?: string;
  origin?: Origin;
}

export type Verdict = "delivered" | "refused" | "rejected" | "dropped" | "timeout" | "no-route";

export interface FlowSpec {
  src: string;
  dst: string;
  protocol: "tcp" | "udp" | "icmp";
  port: number | null;
}

export interface Trace {
  flow: FlowSpec;
  verdict: Verdict;
  /** Why the verdict is what it is, in one sentence. */
  reason: string;
  /** The endpoint that answered, when a service picked one. */
  backend?: { ip: string; port: number; pod?: string };
  packets: CapturedPacket[];
  steps: Step[];
}
