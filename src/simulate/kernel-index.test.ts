// Indexed neighbour and FDB lookups return the entry a scan in listed order returns.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { FdbEntry, Neigh } from "../model/kernel.js";
import { staticNeighbour, vtepByAddress, vtepByMac } from "./kernel-index.js";
import { SeededRandom } from "./rng.js";

/** A seeded stream in [0, 1): the random cases are the same run after run. */
function rng(seed: number): () => number {
  const random = new SeededRandom(seed);
  return () => random.fraction();
}

test("random neighbour and FDB tables: the first match, as a scan finds it", () => {
  const r = rng(9);
  const devs = ["flannel.1", "eth0", "cni0"];
  const lower = ["aa:00:00:00:00:01", "aa:00:00:00:00:02", "aa:00:00:00:00:03", "aa:00:00:00:00:04"];
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  for (let t = 0; t < 100; t++) {
    // Every other table holds a MAC not in the compiler's lower-case form: it is scanned, with the same answers.
    const macs = t % 2 === 0 ? lower : [...lower, "AA:00:00:00:00:05"];
    const neigh: Neigh[] = [];
    const fdb: FdbEntry[] = [];
    for (let i = 0, n = 64 + Math.floor(r() * 100); i < n; i++) {
      neigh.push({ dev: pick(devs), ip: Math.floor(r() * 40), ...(r() < 0.8 ? { lladdr: pick(macs) } : {}), state: "PERMANENT", origin: String(i) });
      fdb.push({ mac: pick(macs), dev: pick(devs), ...(r() < 0.7 ? { dst: Math.floor(r() * 40) } : {}), self: true, permanent: true, origin: String(i) });
    }
    for (let q = 0; q < 60; q++) {
      const dev = pick(devs);
      const ip = Math.floor(r() * 45);
      const mac = pick(macs);
      assert.equal(staticNeighbour(neigh, dev, ip), neigh.find((n) => n.dev === dev && n.ip === ip && n.lladdr));
      assert.equal(vtepByMac(fdb, dev, mac), fdb.find((f) => f.dev === dev && f.mac === mac && f.dst !== undefined));
      assert.equal(vtepByAddress(fdb, dev, ip), fdb.find((f) => f.dev === dev && f.dst === ip));
    }
  }
});
