// A compact multimap from numbers to positions in a list, for the indexes
// the simulator keeps per namespace (routes, neighbours, FDB entries, long
// chains). A node of an L cluster holds 5,000 of each; a Map per node costs
// ~0.5 MB and a string key per entry, this costs 12 bytes per entry.

export class SortedIndex {
  private constructor(
    /** Sorted ascending; equal keys keep their positions ascending. */
    private readonly keys: Float64Array,
    private readonly positions: Int32Array,
  ) {}

  /** Indexes positions 0..n-1 by keyAt(i); positions without a key are left out. */
  static build(n: number, keyAt: (position: number) => number | undefined): SortedIndex {
    const keys: number[] = [];
    const positions: number[] = [];
    for (let i = 0; i < n; i++) {
      const k = keyAt(i);
      if (k === undefined) continue;
      keys.push(k);
      positions.push(i);
    }
    return SortedIndex.of(keys, positions);
  }

  /** Indexes the given (key, position) pairs. */
  static of(keyList: readonly number[], positionList: readonly number[]): SortedIndex {
    const order = Array.from(keyList, (_, j) => j);
    order.sort((a, b) => keyList[a]! - keyList[b]! || positionList[a]! - positionList[b]!);
    const keys = new Float64Array(order.length);
    const positions = new Int32Array(order.length);
    for (let j = 0; j < order.length; j++) {
      keys[j] = keyList[order[j]!]!;
      positions[j] = positionList[order[j]!]!;
    }
    return new SortedIndex(keys, positions);
  }

  /** The first position ≥ from whose key is `key`, or -1. */
  first(key: number, from = 0): number {
    const keys = this.keys;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    for (let j = lo; j < keys.length && keys[j] === key; j++) if (this.positions[j]! >= from) return this.positions[j]!;
    return -1;
  }
}
