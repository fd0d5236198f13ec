// libpcap's BPF optimizer (optimize.c), as far as branches are concerned. It
// matters twice: pcap_compile() refuses a program whose root collapsed to
// `ret #0` ("expression rejects all packets": `tcp and udp` is refused, while
// `src port 443 and ether src X and rarp` merely matches nothing), and a load
// past the captured bytes rejects the packet at the point the *optimized*
// program makes it, so the order of tests decides truncated packets.
//
// The unoptimized program is a DAG of blocks, one comparison each, wired as
// gencode's gen_and/gen_or/gen_not do. Then, until nothing changes:
//  - opt_j() jump threading: an edge skips a block whose test is decided by the
//    edges dominating it (fold_edge(): the same test of the same value gives the
//    same answer; after `A == k1` held, `A == k2` is false);
//  - or_pullup()/and_pullup(): in a chain of tests sharing one exit, a later
//    test of the value already in A is moved up next to the first one.
// Values are numbered by load instruction (offset, size, mask, IHL indexing).

import { loadAt, type Load, type Prog } from "./filter-prog.js";

const ACCEPT = -1;
const REJECT = -2;

interface Block {
  /** Value number of A after this block's load. */
  val: string;
  ld: Load | "len" | "none";
  mask: number;
  op: string;
  k: number;
  jt: number;
  jf: number;
}

export interface Program {
  root: number;
  blocks: Block[];
}

/**
 * Lays the tree out as gencode does: every test its own block, `and`/`or` by
 * wiring exits. Constant tests stay blocks too (gen_true/gen_false, `and #0`):
 * libpcap folds them only after the first pass has computed dominators.
 */
function build(p: Prog, yes: number, no: number, blocks: Block[]): number {
  switch (p.t) {
    case "not": return build(p.a, no, yes, blocks);
    case "and": return build(p.a, build(p.b, yes, no, blocks), no, blocks);
    case "or": return build(p.a, yes, build(p.b, yes, no, blocks), blocks);
    case "const": blocks.push(constant(p.v, yes, no)); break;
    case "len": blocks.push({ val: "len", ld: "len", mask: 0xffffffff, op: p.op, k: p.k, jt: yes, jf: no }); break;
    case "cmp": {
      const ld = `${p.ld.ihlAt ?? "-"}:${p.ld.off}:${p.ld.size}:`;
      if (p.op === "eq" && p.k === 0 && p.mask !== 0xffffffff) {
        // opt_peep(): `and #m; jeq #0` becomes `jset #m` with the branches swapped;
        // `jset #0` can never hold (that is how `net 0.0.0.0/0` turns into "always").
        const b: Block = { val: `${ld}${0xffffffff}`, ld: p.ld, mask: 0xffffffff, op: "set", k: p.mask, jt: no, jf: yes };
        blocks.push(p.mask === 0 ? constant(true, yes, no) : b);
      } else {
        blocks.push({ val: `${ld}${p.mask}`, ld: p.ld, mask: p.mask, op: p.op, k: p.k, jt: yes, jf: no });
      }
    }
  }
  return blocks.length - 1;
}

/** gen_true/gen_false: `ld #k; jeq #0`, a test whose outcome opt_peep() knows. */
function constant(v: boolean, yes: number, no: number): Block {
  return { val: `K${v ? 0 : 1}`, ld: "none", mask: 0xffffffff, op: v ? "true" : "false", k: 0, jt: yes, jf: no };
}

const succ = (b: Block, branch: 0 | 1) => (branch === 0 ? b.jt : b.jf);
const setSucc = (b: Block, branch: 0 | 1, to: number) => (branch === 0 ? (b.jt = to) : (b.jf = to));

/** find_levels(): per height, blocks in the order libpcap links them (last finished first). */
function levels(blocks: Block[], root: number): number[][] {
  const level = new Map<number, number>();
  const lists: number[][] = [];
  const visit = (b: number): number => {
    if (b < 0) return 0;
    const known = level.get(b);
    if (known !== undefined) return known;
    level.set(b, 0);
    const lv = Math.max(visit(blocks[b]!.jt), visit(blocks[b]!.jf)) + 1;
    level.set(b, lv);
    (lists[lv] ??= []).unshift(b);
    return lv;
  };
  visit(root);
  return Array.from(lists, (l) => l ?? []);
}

/** find_dom() and find_edom(): blocks / edges (block*2+branch) on every path from the root. */
function dominators(blocks: Block[], lv: number[][], root: number) {
  const dom = new Map<number, Set<number>>([[root, new Set()]]);
  const edom = new Map<number, Set<number>>([[root, new Set()]]);
  const meet = (m: Map<number, Set<number>>, at: number, via: Set<number>) => {
    const old = m.get(at);
    m.set(at, old ? new Set([...old].filter((x) => via.has(x))) : via);
  };
  for (let i = lv.length - 1; i >= 1; i--) {
    for (const b of lv[i]!) {
      const d = new Set(dom.get(b)).add(b);
      dom.set(b, d);
      for (const branch of [0, 1] as const) {
        const s = succ(blocks[b]!, branch);
        if (s < 0) continue;
        meet(dom, s, d);
        meet(edom, s, new Set(edom.get(b)).add(b * 2 + branch));
      }
    }
  }
  return { dom, edom };
}

/** fold_edge(): what the test of `child` must give after edge `e` was taken, if known. */
function foldEdge(blocks: Block[], child: Block, e: number): number | undefined {
  const pred = blocks[e >> 1]!;
  const held = (e & 1) === 0;
  if (pred.op !== child.op || pred.val !== child.val) return undefined;
  if (pred.k === child.k) return held ? child.jt : child.jf;
  if (held && child.op === "eq") return child.jf;
  return undefined;
}

/** opt_j(): thread one edge as far as its dominating edges decide the tests on its way. */
function optJ(blocks: Block[], from: number, branch: 0 | 1, edom: Set<number>): boolean {
  const start = succ(blocks[from]!, branch);
  let target = start;
  if (target < 0) return false;
  if (blocks[target]!.jt === blocks[target]!.jf) target = blocks[target]!.jt;
  const facts = [...edom, from * 2 + branch].sort((a, b) => a - b);
  for (let moved = true; moved && target >= 0; ) {
    moved = false;
    for (const e of facts) {
      const next = foldEdge(blocks, blocks[target]!, e);
      if (next !== undefined) {
        target = next;
        moved = true;
        break;
      }
    }
  }
  setSucc(blocks[from]!, branch, target);
  return target !== start;
}

/** find_inedges(): predecessors of each block, most recently linked first. */
function inEdges(blocks: Block[], lv: number[][]): Map<number, number[]> {
  const ins = new Map<number, number[]>();
  for (let i = lv.length - 1; i >= 1; i--) {
    for (const b of lv[i]!) {
      for (const branch of [0, 1] as const) {
        const s = succ(blocks[b]!, branch);
        if (s >= 0) ins.set(s, [b * 2 + branch, ...(ins.get(s) ?? [])]);
      }
    }
  }
  return ins;
}

/**
 * or_pullup() (`side` 1: chains linked by false branches sharing b's true exit)
 * and and_pullup() (`side` 0: chains linked by true branches sharing b's false exit).
 */
function pullup(blocks: Block[], b: number, ins: Map<number, number[]>, dom: Map<number, Set<number>>, side: 0 | 1): boolean {
  const edges = ins.get(b);
  if (!edges?.length) return false;
  const val = blocks[edges[0]! >> 1]!.val;
  if (edges.some((e) => blocks[e >> 1]!.val !== val)) return false;
  const exit = 1 - side as 0 | 1;
  const shared = succ(blocks[b]!, exit);
  const fits = (x: number) => x >= 0 && succ(blocks[x]!, exit) === shared && dom.get(x)?.has(b) === true;
  // diff: the first block down the chain (from b) whose value differs from the one in A.
  let diffOwner = edges[0]!; // an edge (block*2+branch) or, once inside the chain, a block's `side` link
  let diff = b;
  let atTop = true;
  for (;;) {
    if (!fits(diff)) return false;
    if (blocks[diff]!.val !== val) break;
    diffOwner = diff * 2 + side;
    diff = succ(blocks[diff]!, side);
    atTop = false;
  }
  let sameOwner = diff;
  let same = succ(blocks[diff]!, side);
  for (;;) {
    if (!fits(same)) return false;
    if (blocks[same]!.val === val) break;
    sameOwner = same;
    same = succ(blocks[same]!, side);
  }
  setSucc(blocks[sameOwner]!, side, succ(blocks[same]!, side));
  setSucc(blocks[same]!, side, diff);
  if (atTop) for (const e of edges) setSucc(blocks[e >> 1]!, (e & 1) as 0 | 1, same);
  else setSucc(blocks[diffOwner >> 1]!, side, same);
  return true;
}

/** One opt_loop() iteration of opt_blks(): thread every edge, then pull up. */
function pass(prog: Program): boolean {
  const { blocks } = prog;
  let changed = false;
  // Levels and dominators are computed once per pass and go stale as edges move, as in libpcap.
  const lv = levels(blocks, prog.root);
  const { dom, edom } = dominators(blocks, lv, prog.root);
  // opt_blk() -> opt_peep(): a test with a known outcome sends both branches the same way.
  for (const level of lv) {
    for (const b of level) {
      const blk = blocks[b]!;
      if (blk.op === "true" && blk.jf !== blk.jt) [blk.jf, changed] = [blk.jt, true];
      if (blk.op === "false" && blk.jt !== blk.jf) [blk.jt, changed] = [blk.jf, true];
    }
  }
  for (let i = 1; i < lv.length; i++) {
    for (const b of lv[i]!) {
      for (const branch of [0, 1] as const) changed = optJ(blocks, b, branch, edom.get(b) ?? new Set()) || changed;
    }
  }
  const ins = inEdges(blocks, lv);
  for (let i = 1; i < lv.length; i++) {
    for (const b of lv[i]!) {
      changed = pullup(blocks, b, ins, dom, 1) || changed;
      changed = pullup(blocks, b, ins, dom, 0) || changed;
    }
  }
  return changed;
}

const MAX_PASSES = 100;

export function optimize(p: Prog): Program {
  const blocks: Block[] = [];
  const prog: Program = { root: build(p, ACCEPT, REJECT, blocks), blocks };
  if (prog.root >= 0) for (let i = 0; i < MAX_PASSES && pass(prog); i++);
  // opt_root(): a root whose branches agree is replaced by its target.
  while (prog.root >= 0 && blocks[prog.root]!.jt === blocks[prog.root]!.jf) prog.root = blocks[prog.root]!.jt;
  return prog;
}

/** pcap_compile()'s "expression rejects all packets": the accept leaf is unreachable. */
export function rejectsAll(prog: Program): boolean {
  const seen = new Set<number>();
  const reaches = (b: number): boolean => {
    if (b === ACCEPT) return true;
    if (b < 0 || seen.has(b)) return false;
    seen.add(b);
    return reaches(prog.blocks[b]!.jt) || reaches(prog.blocks[b]!.jf);
  };
  return !reaches(prog.root);
}

/** Runs the optimized program like BPF; a load past the captured bytes rejects. */
export function run(prog: Program, pkt: Uint8Array, wireLen: number): boolean {
  let b = prog.root;
  while (b >= 0) {
    const blk = prog.blocks[b]!;
    if (blk.ld === "none") {
      b = blk.op === "true" ? blk.jt : blk.jf;
      continue;
    }
    const a = blk.ld === "len" ? wireLen : loadAt(pkt, blk.ld);
    if (a === undefined) return false;
    const v = (a & blk.mask) >>> 0;
    const hit = blk.op === "eq" ? v === blk.k : blk.op === "gt" ? v > blk.k : blk.op === "ge" ? v >= blk.k : (v & blk.k) !== 0;
    b = hit ? blk.jt : blk.jf;
  }
  return b === ACCEPT;
}
