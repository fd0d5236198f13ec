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
}

function byDevice<T extends { dev: string }>(cache: WeakMap<readonly T[], ByDevice>, list: readonly T[], key: (item: T) => number | undefined): ByDevice {
  let index = cache.get(list);
  if (!index || index.length !== list.length) {
    const devices = new Map<string, SortedIndex>();
    for (const dev of new Set(list.map((item) => item.dev))) devices.set(dev, SortedIndex.build(list.length, (i) => (list[i]!.dev === dev ? key(list[i]!) : undefined)));
    cache.set(list, (index = { length: list.length, devices }));
  }
  return index;
}

function at<T>(list: readonly T[], position: number | undefined): T | undefined {
  return position === undefined || position < 0 ? undefined : list[position];
}

const neighbours = new WeakMap<readonly Neigh[], ByDevice>();

/** `neigh.find((n) => n.dev === dev && n.ip === ip && n.lladdr)` */
export function staticNeighbour(neigh: readonly Neigh[], dev: string, ip: Ip4): Neigh | undefined {
  if (neigh.length < INDEX_MIN) return neigh.find((n) => n.dev === dev && n.ip === ip && n.lladdr);
  return at(neigh, byDevice(neighbours, neigh, (n) => (n.lladdr ? n.ip : undefined)).devices.get(dev)?.first(ip));
}

/** A MAC as a number (48 bits are exact in a double); undefined for text that is not one. */
function macNumber(mac: Mac): number | undefined {
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac)) return undefined;
  return parseInt(mac.replace(/:/g, ""), 16);
}

const byMac = new WeakMap<readonly FdbEntry[], ByDevice>();
/** Whether every VTEP entry's MAC is in the lower-case colon form the compiler writes (else: scans). */
const macsIndexable = new WeakMap<readonly FdbEntry[], { length: number; ok: boolean }>();

/** `fdb.find((f) => f.dev === dev && f.mac === mac && f.dst !== undefined)`: a VXLAN device's remote VTEP for a MAC. */
export function vtepByMac(fdb: readonly FdbEntry[], dev: string, mac: Mac): FdbEntry | undefined {
  const wanted = macNumber(mac);
  let indexable = macsIndexable.get(fdb);
  if (!indexable || indexable.length !== fdb.length) {
    macsIndexable.set(fdb, (indexable = { length: fdb.length, ok: fdb.every((f) => f.dst === undefined || macNumber(f.mac) !== undefined) }));
  }
  if (fdb.length < INDEX_MIN || wanted === undefined || !indexable.ok) return fdb.find((f) => f.dev === dev && f.mac === mac && f.dst !== undefined);
  return at(fdb, byDevice(byMac, fdb, (f) => (f.dst !== undefined ? macNumber(f.mac) : undefined)).devices.get(dev)?.first(wanted));
}

const byDst = new WeakMap<readonly FdbEntry[], ByDevice>();

/** `fdb.find((f) => f.dev === dev && f.dst === dst)`: the entry for a remote VTEP address. */
export function vtepByAddress(fdb: readonly FdbEntry[], dev: string, dst: Ip4): FdbEntry | undefined {
  if (fdb.length < INDEX_MIN) return fdb.find((f) => f.dev === dev && f.dst === dst);
  return at(fdb, byDevice(byDst, fdb, (f) => f.dst).devices.get(dev)?.first(dst));
}
