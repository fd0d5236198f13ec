// A table's chains as one node's own chains over a base shared by many
// nodes. kube-proxy gives every node the same KUBE-SVC-* and KUBE-SEP-*
// chains for services with a Cluster traffic policy: 160,000 chains at the
// Kubernetes limits, identical on 5,000 nodes. Copying them into each node's
// Map costs ~10 MB and ~50 ms per node; layering costs nothing per node.
//
// It is a Map (every reader — the save printer, the listings, the rule walk —
// uses get/values/keys as on any table): reads see the own chains first, then
// the base; writes go to the own layer. Base chains are frozen, so a write
// that reached one by mistake throws instead of changing every node at once.

import type { Chain } from "./rule.js";

export class LayeredChains extends Map<string, Chain> {
  constructor(
    private readonly base: ReadonlyMap<string, Chain>,
    own: Iterable<readonly [string, Chain]> = [],
  ) {
    super();
    for (const [name, chain] of own) super.set(name, chain);
  }

  /** The node's own chains only. */
  own(): MapIterator<Chain> {
    return super.values();
  }

  override get(name: string): Chain | undefined {
    return super.get(name) ?? this.base.get(name);
  }

  override has(name: string): boolean {
    return super.has(name) || this.base.has(name);
  }

  override get size(): number {
    let n = super.size;
    for (const name of this.base.keys()) if (!super.has(name)) n++;
    return n;
  }

  override delete(name: string): boolean {
    if (!super.has(name) && this.base.has(name)) throw new Error(`internal: chain ${name} is shared between nodes and cannot be deleted from one`);
    return super.delete(name);
  }

  override *entries(): MapIterator<[string, Chain]> {
    yield* super.entries();
    for (const entry of this.base) if (!super.has(entry[0])) yield [entry[0], entry[1]];
  }

  override *keys(): MapIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  override *values(): MapIterator<Chain> {
    yield* super.values();
    for (const [name, chain] of this.base) if (!super.has(name)) yield chain;
  }

  override [Symbol.iterator](): MapIterator<[string, Chain]> {
    return this.entries();
  }

  override forEach(callback: (value: Chain, key: string, map: Map<string, Chain>) => void, thisArg?: unknown): void {
    for (const [name, chain] of this.entries()) callback.call(thisArg, chain, name, this);
  }
}

/** Freezes chains (and their rule lists) that go into a shared base. */
export function freezeChain(chain: Chain): Chain {
  Object.freeze(chain.rules);
  return Object.freeze(chain);
}
