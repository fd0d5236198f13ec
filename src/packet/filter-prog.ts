// The code generator's output: a tree of the same tests libpcap's gencode.c
// emits as BPF blocks (loads at fixed offsets, or relative to the IPv4 header
// length as BPF's `ldxb 4*([14]&0xf)` does, compared with a constant), joined
// by and/or/not in gencode's order. filter-optimize.ts turns it into the
// program that actually runs.

export type CmpOp = "eq" | "gt" | "ge" | "set";

export interface Load {
  off: number;
  size: 1 | 2 | 4;
  /** Offset of the IPv4 header whose IHL is added (BPF X register), if indexed. */
  ihlAt?: number;
}

export type Prog =
  | { t: "cmp"; ld: Load; mask: number; op: CmpOp; k: number }
  | { t: "len"; op: "gt" | "ge"; k: number }
  | { t: "const"; v: boolean }
  | { t: "and" | "or"; a: Prog; b: Prog }
  | { t: "not"; a: Prog };

export const ALL_BITS = 0xffffffff;

export function cmp(off: number, size: 1 | 2 | 4, k: number, mask = ALL_BITS, op: CmpOp = "eq"): Prog {
  return { t: "cmp", ld: { off, size }, mask: mask >>> 0, op, k: k >>> 0 };
}
export const and = (a: Prog, b: Prog): Prog => ({ t: "and", a, b });
export const or = (a: Prog, b: Prog): Prog => ({ t: "or", a, b });
export const not = (a: Prog): Prog => ({ t: "not", a });
export const TRUE: Prog = { t: "const", v: true };
export const FALSE: Prog = { t: "const", v: false };

/** One BPF load; undefined when it reaches past the captured bytes (BPF then rejects the packet). */
export function loadAt(pkt: Uint8Array, ld: Load): number | undefined {
  let off = ld.off;
  if (ld.ihlAt !== undefined) {
    if (ld.ihlAt >= pkt.length) return undefined;
    off += (pkt[ld.ihlAt]! & 0x0f) * 4; // ldxb 4*([ihlAt]&0xf)
  }
  if (off + ld.size > pkt.length) return undefined;
  let v = 0;
  for (let i = 0; i < ld.size; i++) v = v * 256 + pkt[off + i]!;
  return v;
}
