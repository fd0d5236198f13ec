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
  index: number; // next sequence index
  key: string | undefined; // pending mapping key (after the key scalar, before its value)
  keyOffset: number;
}

/** Calls `visit` for every node with its path, the offset of its key (or `-` item) and of its value. */
export function walkYaml(text: string, maxDepth: number, visit: NodeVisitor): void {
  let events;
  try {
    events = parseEvents(text, { maxDepth });
  } catch {
    return; // syntax errors are reported by the loader; nothing to locate
  }
  const stack: Frame[] = [];
  const child = (offset: number): { path: string; keyOffset: number } | undefined => {
    const top = stack[stack.length - 1];
    if (!top) return { path: "", keyOffset: offset };
    if (top.kind === "seq") {
      const path = top.path === "" ? String(top.index) : `${top.path}\u0000${top.index}`;
      top.index++;
      return { path, keyOffset: offset };
    }
    if (top.key === undefined) return undefined; // this node is a key
    const path = top.path === "" ? top.key : `${top.path}\u0000${top.key}`;
    const keyOffset = top.keyOffset;
    top.key = undefined;
    return { path, keyOffset };
  };
  for (const event of events) {
    switch (event.type) {
      case EVENT_MAPPING:
      case EVENT_SEQUENCE: {
        const at = child(event.start);
        const path = at?.path ?? "";
        if (at) visit(path, at.keyOffset, event.start);
        stack.push({ kind: event.type === EVENT_MAPPING ? "map" : "seq", path, index: 0, key: undefined, keyOffset: 0 });
        break;
      }
      case EVENT_SCALAR: {
        const top = stack[stack.length - 1];
        if (top?.kind === "map" && top.key === undefined) {
          top.key = getScalarValue(text, event);
          top.keyOffset = event.valueStart;
          break;
        }
        const at = child(event.valueStart);
        if (at) visit(at.path, at.keyOffset, quotedStart(text, event.valueStart));
        break;
      }
      case EVENT_ALIAS: {
        const at = child(event.anchorStart);
        if (at) visit(at.path, at.keyOffset, Math.max(0, event.anchorStart - 1));
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

export function locateYaml(text: string, maxDepth: number): Locator {
  if (text.length <= FULL_INDEX_LIMIT) {
    const index = new Map<string, [number, number]>();
    walkYaml(text, maxDepth, (key, k, v) => index.set(key, [k, v]));
    return (path, what) => index.get(pathKey(path))?.[what === "key" ? 0 : 1];
  }
  return (path, what) => {
    const wanted = pathKey(path);
    let found: number | undefined;
    walkYaml(text, maxDepth, (key, k, v) => {
      if (found === undefined && key === wanted) found = what === "key" ? k : v;
    });
    return found;
  };
}
