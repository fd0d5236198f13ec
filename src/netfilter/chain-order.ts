// User chains in iptables-save order: sorted by name as strcmp compares them
// (libiptc / nft both print user chains sorted). An L node has 160,000 of
// them (KUBE-SVC-*, KUBE-SEP-*), and a comparison sort of that many strings
// scattered over a 300 MB heap costs ~150 ms of cache misses per dump; a
// radix sort over their bytes copied into one array costs a fraction.

import type { Chain } from "./rule.js";

/** Below this many chains the comparison sort is as fast and simpler. */
const RADIX_MIN = 2048;
/** iptables chain names have at most 28 characters; longer ones (parsed from anywhere) take the plain sort. */
const RADIX_MAX_LENGTH = 64;

const byName = (a: Chain, b: Chain): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Chains sorted by name in UTF-16 code unit order, which is strcmp's byte order for the Latin-1 names chains have. */
export function sortByName(chains: Chain[]): Chain[] {
  const n = chains.length;
  if (n < RADIX_MIN) return chains.sort(byName);
  let width = 0;
  for (let i = 0; i < n; i++) width = Math.max(width, chains[i]!.name.length);
  if (width > RADIX_MAX_LENGTH) return chains.sort(byName);
  // Column-major: column j holds byte j of every name (0 past its end, so a name sorts before
  // any longer name it begins). Each pass then reads one n-byte column, which stays in cache.
  const bytes = new Uint8Array(n * width);
  for (let i = 0; i < n; i++) {
    const name = chains[i]!.name;
    for (let j = 0; j < name.length; j++) {
      const c = name.charCodeAt(j);
      if (c === 0 || c > 255) return chains.sort(byName);
      bytes[j * n + i] = c;
    }
  }
  // LSD radix sort of row numbers: a stable counting sort by each column, last column first.
  let order = new Uint32Array(n);
  let next = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const count = new Uint32Array(257);
  for (let col = width - 1; col >= 0; col--) {
    const base = col * n;
    count.fill(0);
    for (let i = 0; i < n; i++) count[bytes[base + i]! + 1]!++;
    if (count.includes(n)) continue; // every name has the same byte here ("KUBE-SE...")
    for (let b = 1; b < 257; b++) count[b]! += count[b - 1]!;
    for (let i = 0; i < n; i++) {
      const row = order[i]!;
      next[count[bytes[base + row]!]!++] = row;
    }
    [order, next] = [next, order];
  }
  const out = new Array<Chain>(n);
  for (let i = 0; i < n; i++) out[i] = chains[order[i]!]!;
  return out;
}
