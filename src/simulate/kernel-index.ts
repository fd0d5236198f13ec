// Lookups into a namespace's static neighbour and FDB entries. flanneld gives
// every node one of each per other node (5,000 at the Kubernetes limits), and
// every VXLAN packet looks up both; these return exactly the first entry a
// scan in listed order returns, from a map built on first use.

import type { Ip4, Mac } from "../model/addr.js";
import type { FdbEntry, Neigh } from "../model/kernel.js";

/** Lists shorter than this are scanned. */
const INDEX_MIN = 64;

interface Keyed<T> {
  length: number;
  map: Map<string, T>;
}

function firstBy<T>(cache: WeakMap<readonly T[], Keyed<T>>, list: readonly T[], key: (item: T) => string | undefined, wanted: string): T | undefined {
  let index = cache.get(list);
  if (!index || index.length !== list.length) {
    index = { length: list.length, map: new Map() };
    for (const item of list) {
      const k = key(item);
      if (k !== undefined && !index.map.has(k)) index.map.set(k, item);
    }
    cache.set(list, index);
  }
  return index.map.get(wanted);
}

const neighbours = new WeakMap<readonly Neigh[], Keyed<Neigh>>();

/** `neigh.find((n) => n.dev === dev && n.ip === ip && n.lladdr)` */
export function staticNeighbour(neigh: readonly Neigh[], dev: string, ip: Ip4): Neigh | undefined {
  if (neigh.length < INDEX_MIN) return neigh.find((n) => n.dev === dev && n.ip === ip && n.lladdr);
  return firstBy(neighbours, neigh, (n) => (n.lladdr ? `${n.dev}\u0000${n.ip}` : undefined), `${dev}\u0000${ip}`);
}

const byMac = new WeakMap<readonly FdbEntry[], Keyed<FdbEntry>>();

/** `fdb.find((f) => f.dev === dev && f.mac === mac && f.dst !== undefined)`: a VXLAN device's remote VTEP for a MAC. */
export function vtepByMac(fdb: readonly FdbEntry[], dev: string, mac: Mac): FdbEntry | undefined {
  if (fdb.length < INDEX_MIN) return fdb.find((f) => f.dev === dev && f.mac === mac && f.dst !== undefined);
  return firstBy(byMac, fdb, (f) => (f.dst !== undefined ? `${f.dev}\u0000${f.mac}` : undefined), `${dev}\u0000${mac}`);
}

const byDst = new WeakMap<readonly FdbEntry[], Keyed<FdbEntry>>();

/** `fdb.find((f) => f.dev === dev && f.dst === dst)`: the entry for a remote VTEP address. */
export function vtepByAddress(fdb: readonly FdbEntry[], dev: string, dst: Ip4): FdbEntry | undefined {
  if (fdb.length < INDEX_MIN) return fdb.find((f) => f.dev === dev && f.dst === dst);
  return firstBy(byDst, fdb, (f) => (f.dst !== undefined ? `${f.dev}\u0000${f.dst}` : undefined), `${dev}\u0000${dst}`);
}
