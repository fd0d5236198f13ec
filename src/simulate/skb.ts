// Making an skb. Every skb has every field, in one order, from the start: a
// packet's skb is read at each hook and hop, and skbs built in different
// shapes (fields added later, or spread from one another) made those reads
// polymorphic in V8. Absent and undefined mean the same to every reader.

import type { Ipv4Packet } from "../packet/ipv4.js";
import type { Skb } from "./state.js";

interface SkbFields {
  mark?: number;
  csumPartial: boolean;
  innerCsumPartial?: boolean;
  flowHash: number;
  bridgePrerouted?: boolean;
}

export function newSkb(id: number, ip: Ipv4Packet, fields: SkbFields): Skb {
  return { id, ip, mark: fields.mark ?? 0, ct: undefined, ctstate: undefined, csumPartial: fields.csumPartial, innerCsumPartial: fields.innerCsumPartial, flowHash: fields.flowHash, ipvsProperty: undefined, bridgePrerouted: fields.bridgePrerouted, physIn: undefined };
}

/** The packet crossing into another namespace over a veth (skb_scrub_packet): no conntrack, no mark, no bridge state. */
export function crossedVeth(skb: Skb): Skb {
  return newSkb(skb.id, skb.ip, { csumPartial: skb.csumPartial, innerCsumPartial: skb.innerCsumPartial, flowHash: skb.flowHash });
}

/** The packet on the wire: scrubbed too, and its offloaded checksums now complete (the NIC filled them in). */
export function onWire(skb: Skb): Skb {
  return newSkb(skb.id, skb.ip, { csumPartial: false, innerCsumPartial: false, flowHash: skb.flowHash, bridgePrerouted: skb.bridgePrerouted });
}
