// sha256 in one call. The compiler derives every identifier a real node
// picks at random (veth names, MACs, kube-proxy's chain names, container IDs)
// from a hash of what it belongs to: tens of thousands per cluster, and a Hash
// object per name costs more than the hashing itself. crypto.hash is the
// one-shot form (Node ≥ 20.12); older Node 20 releases get the Hash object.

import crypto from "node:crypto";

const oneShot = typeof crypto.hash === "function";

export function sha256(text: string): Buffer {
  return oneShot ? (crypto.hash("sha256", text, "buffer") as unknown as Buffer) : crypto.createHash("sha256").update(text).digest();
}

export function sha256Hex(text: string): string {
  return oneShot ? crypto.hash("sha256", text, "hex") : crypto.createHash("sha256").update(text).digest("hex");
}
