// Lookups into a namespace's static neighbour and FDB entries. flanneld gives
// every node one of each per other node (5,000 at the Kubernetes limits), and
// every VXLAN packet looks up both; these return exactly the first entry a
// scan in listed order returns, from a compact index built on first use.

import type { Ip4, Mac } from "../model/addr.js";
import type { FdbEntry, Neigh } from "../model/kernel.js";
import { SortedIndex } from "./sorted-index.js";

/** Lists shorter than this are scanned. */
const INDEX_MIN = 64;

/** Per device, the positions of the entries that have a key, sorted by key (see SortedIndex). */
interface ByDevice {
  length: number;
  devices: Map<string, SortedIndex>;
  /** False when some entry's key could not be computed (the lookup then scans). */
  complete: boolean;
}

/** `key` returns undefined for entries that are not looked up this way, NaN for ones it cannot index. */
function byDevice<T extends { dev: string }>(cache: WeakMap<readonly T[], ByDevice>, list: readonly T[], key: (item: T) => number | undefined): ByDevice {
  let index = cache.get(list);
  if (!index || index.length !== list.length) {
    const groups = new Map<string, { keys: number[]; positions: number[] }>();
    let complete = true;
    for (let i = 0; i < list.length; i++) {
      const item = list[i]!;
      const k = key(item);
      if (k === undefined) continue;
      if (Number.isNaN(k)) complete = false;
      let group = groups.get(item.dev);
      if (!group) groups.set(item.dev, (group = { keys: [], positions: [] }));
      group.keys.push(k);
      group.positions.push(i);
    }
    const devices = new Map<string, SortedIndex>();
    for (const [dev, g] of groups) devices.set(dev, SortedIndex.of(g.keys, g.positions));
    cache.set(list, (index = { length: list.length, devices, complete }));
  }
  return index;
}

function at<T>(list: readonly T[], position: number | undefined): T | undefined {
  return position === undefined || position < 0 ? undefined : list[position];
}

const neighbours = new WeakMap<readonly Neigh[], ByDevice>();

/** `neigh.find((n) => n.dev === dev && n.ip === ip && n.lladdr)` */
export function staticNeighbour(neigh: readonly Neigh[], dev: string, ip: Ip4): Neigh | undefined {
  if (neigh.length < INDEX_MIN) {
    for (const n of neigh) if (n.dev === dev && n.ip === ip && n.lladdr) return n;
    return undefined;
  }
  return at(neigh, byDevice(neighbours, neigh, (n) => (n.lladdr ? n.ip : undefined)).devices.get(dev)?.first(ip));
}

/** A MAC in the lower-case colon form the compiler writes, as a number (48 bits are exact in a double); NaN otherwise. */
function macNumber(mac: Mac): number {
  if (mac.length !== 17) return NaN;
  let value = 0;
  for (let i = 0; i < 17; i++) {
    const c = mac.charCodeAt(i);
    if (i % 3 === 2) {
      if (c !== 58) return NaN;
      continue;
    }
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (digit < 0) return NaN;
    value = value * 16 + digit;
  }
  return value;
}

const byMac = new WeakMap<readonly FdbEntry[], ByDevice>();

/** `fdb.find((f) => f.dev === dev && f.mac === mac && f.dst !== undefined)`: a VXLAN device's remote VTEP for a MAC. */
export function vtepByMac(fdb: readonly FdbEntry[], dev: string, mac: Mac): FdbEntry | undefined {
  const wanted = macNumber(mac);
  if (fdb.length >= INDEX_MIN && !Number.isNaN(wanted)) {
    const index = byDevice(byMac, fdb, (f) => (f.dst !== undefined ? macNumber(f.mac) : undefined));
    if (index.complete) return at(fdb, index.devices.get(dev)?.first(wanted));
  }
  return fdb.find((f) => f.dev === dev && f.mac === mac && f.dst !== undefined);
}

const byDst = new WeakMap<readonly FdbEntry[], ByDevice>();

/** `fdb.find((f) => f.dev === dev && f.dst === dst)`: the entry for a remote VTEP address. */
export function vtepByAddress(fdb: readonly FdbEntry[], dev: string, dst: Ip4): FdbEntry | undefined {
  if (fdb.length < INDEX_MIN) return fdb.find((f) => f.dev === dev && f.dst === dst);
  return at(fdb, byDevice(byDst, fdb, (f) => f.dst).devices.get(dev)?.first(dst));
}
