// The Internet checksum (RFC 1071) as IPv4, ICMP, TCP and UDP use it, plus the
// two helpers a packet printer needs to judge a checksum the way tcpdump does.
//
// Shape: sums are plain numbers holding an unfolded 32-bit one's-complement
// accumulator; `fold` reduces one to 16 bits. Encoders call `internetChecksum`
// over a pseudo-header sum and the segment; printers call the same function over
// the received bytes (checksum field included) and expect 0 for a good packet,
// exactly as tcpdump's in_cksum() does.

import type { Ip4 } from "../model/addr.js";

/** Adds the big-endian 16-bit words of bytes[start, end) to `sum` (odd tail padded with 0). */
export function onesSum(bytes: Uint8Array, start = 0, end = bytes.length, sum = 0): number {
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  // Keep the accumulator small so very long inputs never lose carries.
  return sum > 0xffffffff ? fold(sum) : sum;
}

/** Folds carries back into 16 bits (end-around carry). */
export function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** The one's complement of the folded sum: the value a checksum field carries. */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  return ~fold(onesSum(bytes, start, end, initial)) & 0xffff;
}

/** Sum of the IPv4 pseudo-header used by TCP and UDP (RFC 793 / RFC 768). */
export function pseudoHeaderSum(src: Ip4, dst: Ip4, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}

/**
 * What a checksum field should have held, given the field value and the checksum
 * computed over the packet with that field in place (tcpdump in_cksum_shouldbe():
 * "-(-computed - field)" in one's-complement arithmetic).
 */
export function checksumShouldBe(field: number, computed: number): number {
  let shouldBe = field + computed;
  shouldBe = (shouldBe & 0xffff) + (shouldBe >>> 16);
  shouldBe = (shouldBe & 0xffff) + (shouldBe >>> 16);
  return shouldBe & 0xffff;
}

/**
 * The value Linux leaves in a TCP/UDP checksum field under checksum offload
 * (CHECKSUM_PARTIAL): the folded pseudo-header sum, not complemented, waiting
 * for the NIC to finish it. Captures on the sending host show exactly this, so
 * tcpdump -v prints `cksum 0x1922 (incorrect -> 0x7cd0)` there.
 */
export function partialChecksum(src: Ip4, dst: Ip4, protocol: number, length: number): number {
  return fold(pseudoHeaderSum(src, dst, protocol, length));
}
