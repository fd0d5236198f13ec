// Chain names in strcmp order, fast enough for kube-proxy's 160k chains.
//
// iptables-save lists user chains sorted by name. Array#sort spends ~80 ns a
// comparison here (2.8M comparisons for 160k names, a quarter of a dump), while
// KUBE-SEP-/KUBE-SVC- names share long prefixes and then differ in random
// base32 characters: a most-significant-digit radix sort walks each name once
// per distinguishing character instead. Names are compared by UTF-16 code
// unit, which is strcmp's byte order for the ASCII names chains have.

const SMALL = 24;

/** Returns the names sorted as strcmp would order them (the input is not changed). */
export function sortNames(names: readonly string[]): string[] {
  const a = names.slice();
  const aux = new Array<string>(a.length);
  radix(a, aux, 0, a.length, 0);
  return a;
}

function radix(a: string[], aux: string[], lo: number, hi: number, d: number): void {
  if (hi - lo <= SMALL) return insertion(a, lo, hi);
  // Bucket 0: names that end at d; 1..256: character code + 1; 257: anything wider (rare).
  const count = new Int32Array(259);
  for (let i = lo; i < hi; i++) count[bucket(a[i]!, d) + 1]!++;
  for (let b = 0; b < 258; b++) count[b + 1]! += count[b]!;
  for (let i = lo; i < hi; i++) aux[count[bucket(a[i]!, d)]!++] = a[i]!;
  for (let i = lo; i < hi; i++) a[i] = aux[i - lo]!;
  // After the scatter count[b] is the end of bucket b, relative to lo.
  let start = count[0]!;
  for (let b = 1; b < 258; b++) {
    const end = count[b]!;
    if (end - start > 1) {
      if (b === 257) wide(a, lo + start, lo + end);
      else radix(a, aux, lo + start, lo + end, d + 1);
    }
    start = end;
  }
}

function bucket(s: string, d: number): number {
  if (d >= s.length) return 0;
  const c = s.charCodeAt(d);
  return c < 256 ? c + 1 : 257;
}

function insertion(a: string[], lo: number, hi: number): void {
  for (let i = lo + 1; i < hi; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= lo && a[j]! > v) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = v;
  }
}

/** Names with a non-Latin-1 character at this depth: plain comparison sort. */
function wide(a: string[], lo: number, hi: number): void {
  const part = a.slice(lo, hi).sort();
  for (let i = 0; i < part.length; i++) a[lo + i] = part[i]!;
}
