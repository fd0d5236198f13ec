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
  return make(id, ip, fields.mark ?? 0, fields.csumPartial, fields.innerCsumPartial, fields.flowHash, fields.bridgePrerouted);
}

// The copies below pass fields, not an object of them: the callers' objects
// come in many shapes, and reading them was as polymorphic as the skbs had been.
function make(id: number, ip: Ipv4Packet, mark: number, csumPartial: boolean, innerCsumPartial: boolean | undefined, flowHash: number, bridgePrerouted: boolean | undefined): Skb {
  return { id, ip, mark, ct: undefined, ctstate: undefined, csumPartial, innerCsumPartial, flowHash, ipvsProperty: undefined, bridgePrerouted, physIn: undefined };
}

/** The packet crossing into another namespace over a veth (skb_scrub_packet): no conntrack, no mark, no bridge state. */
export function crossedVeth(skb: Skb): Skb {
  return make(skb.id, skb.ip, 0, skb.csumPartial, skb.innerCsumPartial, skb.flowHash, undefined);
}

/** The packet on the wire: scrubbed too, and its offloaded checksums now complete (the NIC filled them in). */
export function onWire(skb: Skb): Skb {
  return make(skb.id, skb.ip, 0, false, false, skb.flowHash, skb.bridgePrerouted);
}

/** A tunnel's inner packet, decapsulated or about to be encapsulated: a fresh skb with the outer one's id and flow hash. */
export function innerSkb(skb: Skb, ip: Ipv4Packet, flowHash: number): Skb {
  return make(skb.id, ip, 0, false, undefined, flowHash, undefined);
}
