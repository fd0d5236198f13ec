// kube-proxy's chain names: prefix + the first 16 characters of
// base32(sha256(svcPortName + protocol [+ endpoint])), RFC 4648 alphabet.
// The scheme is unchanged since v1.1 (pkg/proxy/iptables servicePortChainName,
// servicePortEndpointChainName); see reference kube-proxy.md §4.

import { sha256Hex } from "../sha256.js";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const CODES = Array.from(BASE32, (c) => c.charCodeAt(0));

/** Base32 of the first 10 bytes of sha256 = exactly 16 characters, no padding. */
export function hash16(text: string): string {
  return hashedName("", text);
}

/**
 * `prefix` + hash16(text), built as one flat string: `"KUBE-SEP-" + hash` would be a
 * two-part rope that every later read (the save printer, the sort) has to flatten.
 */
function hashedName(prefix: string, text: string): string {
  const hex = sha256Hex(text);
  const p = prefix.length;
  const out = new Array<number>(p + 16);
  for (let i = 0; i < p; i++) out[i] = prefix.charCodeAt(i);
  // 80 bits = 4 groups of 20 bits (5 hex digits), each giving 4 base32 digits.
  for (let g = 0; g < 4; g++) {
    const v = parseInt(hex.slice(g * 5, g * 5 + 5), 16);
    out[p + g * 4] = CODES[(v >>> 15) & 31]!;
    out[p + g * 4 + 1] = CODES[(v >>> 10) & 31]!;
    out[p + g * 4 + 2] = CODES[(v >>> 5) & 31]!;
    out[p + g * 4 + 3] = CODES[v & 31]!;
  }
  return String.fromCharCode(...out);
}

/** A chain name from a prefix and a hash16 already computed, as one flat string. */
export function chainName(prefix: ServiceChainPrefix, hash: string): string {
  const out = new Array<number>(prefix.length + hash.length);
  for (let i = 0; i < prefix.length; i++) out[i] = prefix.charCodeAt(i);
  for (let i = 0; i < hash.length; i++) out[prefix.length + i] = hash.charCodeAt(i);
  return String.fromCharCode(...out);
}

export type ServiceChainPrefix = "KUBE-SVC-" | "KUBE-SVL-" | "KUBE-EXT-" | "KUBE-FW-" | "KUBE-XLB-";

/** `svcPortName` is `ns/name:port` (or `ns/name` / `ns/name:` for unnamed ports, by version). */
export function serviceChain(prefix: ServiceChainPrefix, svcPortName: string, protocol: string): string {
  return hashedName(prefix, svcPortName + protocol.toLowerCase());
}

export function endpointChain(svcPortName: string, protocol: string, endpoint: string): string {
  return hashedName("KUBE-SEP-", svcPortName + protocol.toLowerCase() + endpoint);
}
