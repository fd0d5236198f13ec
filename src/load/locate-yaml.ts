// Maps paths (["services", 3, "ports", 0, "nodePort"]) to offsets in YAML text,
// from js-yaml's event stream, which references the source by offsets. Only
// run when a position is actually needed (a diagnostic, a provenance line).

import { getScalarValue, parseEvents } from "js-yaml";
import type { SourcePath } from "../model/cluster.js";
import type { Locator } from "./source.js";

const EVENT_SEQUENCE = 2;
const EVENT_MAPPING = 3;
const EVENT_SCALAR = 4;
const EVENT_ALIAS = 5;
const EVENT_POP = 6;

/** Files below this size get a full path index (instant repeated lookups). */
const FULL_INDEX_LIMIT = 2 * 1024 * 1024;

export type NodeVisitor = (pathKey: string, keyOffset: number, valueOffset: number) => void;

export function pathKey(path: SourcePath): string {
  return path.join("\u0000");
}

interface Frame {
  kind: "map" | "seq";
  path: string; // key of this collection
  depth: number; // number of components in `path`
  index: number; // next sequence index
  key: string | undefined; // pending mapping key (after the key scalar, before its value)
  keyOffset: number;
}

/**
 * Calls `visit` for every node with its path, the offset of its key (or `-` item) and of its value.
 * With `pathDepth`, only nodes at most that many levels deep are visited (and deeper paths never built).
 */
export function walkYaml(text: string, maxDepth: number, visit: NodeVisitor, pathDepth = Infinity): void {
  let events;
  try {
    events = parseEvents(text, { maxDepth });
  } catch {
    return; // syntax errors are reported by the loader; nothing to locate
  }
  const stack: Frame[] = [];
  const child = (offset: number): { path: string; depth: number; keyOffset: number } | undefined => {
    const top = stack[stack.length - 1];
    if (!top) return { path: "", depth: 0, keyOffset: offset };
    const depth = top.depth + 1;
    if (top.kind === "seq") {
      const path = depth > pathDepth ? "" : top.path === "" ? String(top.index) : `${top.path}\u0000${top.index}`;
      top.index++;
      return { path, depth, keyOffset: offset };
    }
    if (top.key === undefined) return undefined; // this node is a key
    const path = depth > pathDepth ? "" : top.path === "" ? top.key : `${top.path}\u0000${top.key}`;
    const keyOffset = top.keyOffset;
    top.key = undefined;
    return { path, depth, keyOffset };
  };
  for (const event of events) {
    switch (event.type) {
      case EVENT_MAPPING:
      case EVENT_SEQUENCE: {
        const at = child(event.start);
        const path = at?.path ?? "";
        if (at && at.depth <= pathDepth) visit(path, at.keyOffset, event.start);
        stack.push({ kind: event.type === EVENT_MAPPING ? "map" : "seq", path, depth: at?.depth ?? 0, index: 0, key: undefined, keyOffset: 0 });
        break;
      }
      case EVENT_SCALAR: {
        const top = stack[stack.length - 1];
        if (top?.kind === "map" && top.key === undefined) {
          top.key = top.depth < pathDepth ? getScalarValue(text, event) : "";
          top.keyOffset = event.valueStart;
          break;
        }
        const at = child(event.valueStart);
        if (at && at.depth <= pathDepth) visit(at.path, at.keyOffset, quotedStart(text, event.valueStart));
        break;
      }
      case EVENT_ALIAS: {
        const at = child(event.anchorStart);
        if (at && at.depth <= pathDepth) visit(at.path, at.keyOffset, Math.max(0, event.anchorStart - 1));
        break;
      }
      case EVENT_POP:
        stack.pop();
        break;
    }
  }
}

/** Quoted scalars start at their opening quote, which is where a user looks. */
function quotedStart(text: string, valueStart: number): number {
  const before = text[valueStart - 1];
  return before === '"' || before === "'" ? valueStart - 1 : valueStart;
}

/** `fullIndexLimit` is for tests, which check the large-file strategy against the full index on small files. */
export function locateYaml(text: string, maxDepth: number, fullIndexLimit = FULL_INDEX_LIMIT): Locator {
  if (text.length <= fullIndexLimit) {
    const index = new Map<string, [number, number]>();
    walkYaml(text, maxDepth, (key, k, v) => index.set(key, [k, v]));
    return (path, what) => index.get(pathKey(path))?.[what === "key" ? 0 : 1];
  }
  let coarse: CoarseIndex | undefined;
  return (path, what) => {
    coarse ??= coarseIndex(text, maxDepth);
    let found: readonly [number, number] | undefined | null = null;
    if (path.length <= COARSE_DEPTH) found = coarse.entry(pathKey(path));
    // Below the indexed levels: parse the second-level element alone, else its top-level entry.
    for (let level = COARSE_DEPTH; found === null && level >= 1 && path.length > level; level--) found = locateBelow(text, maxDepth, coarse, path, level);
    if (found === null) found = fullWalk(text, maxDepth, path);
    return found?.[what === "key" ? 0 : 1];
  };
}

// A large file (an L cluster is 30 MB, 1.3M lines) is parsed once more for
// positions, indexing only its top two levels (["pods", 1234]): the deeper
// part of a path is found by parsing just that element's lines. A full walk
// per lookup would take seconds each; a full index, hundreds of MB.

const COARSE_DEPTH = 2;

interface CoarseIndex {
  entry(key: string): readonly [number, number] | undefined;
  /** Document order of an entry. */
  order(key: string): number | undefined;
  /** [key, value] offsets and path depth of the entry at a position in document order. */
  at(order: number): { k: number; v: number; depth: number } | undefined;
}

function coarseIndex(text: string, maxDepth: number): CoarseIndex {
  const keys = new Map<string, number>();
  const entries: number[] = [];
  walkYaml(text, maxDepth, (key, k, v) => {
    keys.set(key, entries.length / 3);
    entries.push(k, v, key === "" ? 0 : key.split("\u0000").length);
  }, COARSE_DEPTH);
  const at = (order: number) => (order * 3 < entries.length ? { k: entries[order * 3]!, v: entries[order * 3 + 1]!, depth: entries[order * 3 + 2]! } : undefined);
  return {
    entry: (key) => {
      const order = keys.get(key);
      return order === undefined ? undefined : [at(order)!.k, at(order)!.v];
    },
    order: (key) => keys.get(key),
    at,
  };
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

/**
 * A path found by parsing only the lines of its ancestor at `level` (`  - {name: web, ...}`
 * parses on its own as a one-item sequence). undefined: no such node; null: those lines do
 * not parse to the same thing on their own (flow style across lines, aliases to anchors
 * elsewhere, the next entry on the same line), so the caller tries a wider slice.
 */
function locateBelow(text: string, maxDepth: number, coarse: CoarseIndex, path: SourcePath, level: number): readonly [number, number] | undefined | null {
  const order = coarse.order(pathKey(path.slice(0, level)));
  if (order === undefined) return undefined;
  const { k, v } = coarse.at(order)!;
  let next = order + 1;
  while (coarse.at(next) && coarse.at(next)!.depth > level) next++;
  const start = lineStart(text, k);
  const end = coarse.at(next) ? lineStart(text, coarse.at(next)!.k) : text.length;
  if (end <= k) return null;
  const slice = text.slice(start, end);
  const last = path[level - 1]!;
  const inner = (rest: SourcePath) => pathKey([typeof last === "number" ? 0 : last, ...rest]);
  const wanted = inner(path.slice(level));
  const self = inner([]);
  let found: readonly [number, number] | undefined;
  let selfAt: readonly [number, number] | undefined;
  let children = 0;
  walkYaml(slice, maxDepth, (key, ks, vs) => {
    if (key !== "" && !key.includes("\u0000")) children++;
    if (key === self) selfAt = [ks + start, vs + start];
    if (key === wanted) found = [ks + start, vs + start];
  });
  // Parsed alone, the ancestor must start where it starts in the whole file, and be alone.
  if (children !== 1 || !selfAt || selfAt[0] !== k || selfAt[1] !== v) return null;
  return found;
}

function fullWalk(text: string, maxDepth: number, path: SourcePath): readonly [number, number] | undefined {
  const wanted = pathKey(path);
  let found: readonly [number, number] | undefined;
  walkYaml(text, maxDepth, (key, k, v) => {
    if (found === undefined && key === wanted) found = [k, v];
  });
  return found;
}
