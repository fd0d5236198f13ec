// kube-proxy's chain names: prefix + the first 16 characters of
// base32(sha256(svcPortName + protocol [+ endpoint])), RFC 4648 alphabet.
// The scheme is unchanged since v1.1 (pkg/proxy/iptables servicePortChainName,
// servicePortEndpointChainName); see reference kube-proxy.md §4.

import { createHash } from "node:crypto";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Base32 of the first 10 bytes of sha256 = exactly 16 characters, no padding. */
export function hash16(text: string): string {
  const digest = createHash("sha256").update(text).digest();
  let out = "";
  let bits = 0;
  let value = 0;
  for (let i = 0; out.length < 16; i++) {
    value = (value << 8) | digest[i]!;
    bits += 8;
    while (bits >= 5 && out.length < 16) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

export type ServiceChainPrefix = "KUBE-SVC-" | "KUBE-SVL-" | "KUBE-EXT-" | "KUBE-FW-" | "KUBE-XLB-";

/** `svcPortName` is `ns/name:port` (or `ns/name` / `ns/name:` for unnamed ports, by version). */
export function serviceChain(prefix: ServiceChainPrefix, svcPortName: string, protocol: string): string {
  return prefix + hash16(svcPortName + protocol.toLowerCase());
}

export function endpointChain(svcPortName: string, protocol: string, endpoint: string): string {
  return "KUBE-SEP-" + hash16(svcPortName + protocol.toLowerCase() + endpoint);
}
