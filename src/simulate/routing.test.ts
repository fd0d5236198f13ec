// The FIB index must pick the route the linear longest-prefix match picks, for
// any table: overlapping prefixes, metrics, ties, host bits, other tables.

import { test } from "node:test";
import assert from "node:assert/strict";
import { broadcastOf } from "../model/addr.js";
import type { Link, Netns, Route } from "../model/kernel.js";
import { bestRoute, indexedBest, isBroadcastAddress, localAddressDev } from "./routing.js";
import { SeededRandom } from "./rng.js";

/** A seeded stream in [0, 1): the random cases are the same run after run. */
function rng(seed: number): () => number {
  const random = new SeededRandom(seed);
  return () => random.fraction();
}

test("random routing tables: the indexed lookup is the linear lookup", () => {
  const r = rng(5);
  const bases = [0x0a000000, 0x0a800000, 0x0a810200, 0xc0a80000, 0x00000000];
  for (let t = 0; t < 300; t++) {
    const routes: Route[] = [];
    for (let i = 0, n = 64 + Math.floor(r() * 200); i < n; i++) {
      const len = [0, 8, 9, 16, 24, 24, 24, 32][Math.floor(r() * 8)]!;
      const addr = (bases[Math.floor(r() * bases.length)]! + Math.floor(r() * 4096) * (r() < 0.5 ? 256 : 1)) >>> 0;
      routes.push({
        table: r() < 0.9 ? "main" : "local",
        type: r() < 0.9 ? "unicast" : "blackhole",
        dst: { addr, len },
        dev: `d${i}`,
        scope: "global",
        ...(r() < 0.3 ? { metric: Math.floor(r() * 3) * 100 } : {}),
      } as Route);
    }
    for (let q = 0; q < 50; q++) {
      const dst = (bases[Math.floor(r() * bases.length)]! + Math.floor(r() * 2 ** 20)) >>> 0;
      assert.equal(indexedBest(routes, dst), bestRoute(routes, dst));
    }
  }
});

test("random namespaces: the address index answers as scanning the links in order does", () => {
  const r = rng(9);
  for (let t = 0; t < 200; t++) {
    const links: Link[] = [];
    for (let i = 0, n = 1 + Math.floor(r() * 12); i < n; i++) {
      const addrs = [];
      for (let k = 0, m = Math.floor(r() * 3); k < m; k++) {
        const len = [8, 16, 24, 24, 30, 31, 32][Math.floor(r() * 7)]!;
        addrs.push({ cidr: { addr: (0x0a000000 + Math.floor(r() * 1024)) >>> 0, len } });
      }
      links.push({ name: `d${i}`, kind: i === 0 && r() < 0.7 ? "loopback" : "veth", addrs } as unknown as Link);
    }
    const ns = { links } as unknown as Netns;
    for (let q = 0; q < 60; q++) {
      const ip = q % 10 === 0 ? (0x7f000001 >>> 0) : (0x0a000000 + Math.floor(r() * 1100)) >>> 0;
      const local = ip >>> 24 === 127 ? links.find((l) => l.kind === "loopback") : links.find((l) => l.addrs.some((a) => a.cidr.addr === ip));
      assert.equal(localAddressDev(ns, ip), local);
      const broadcast = ip === 0xffffffff || links.some((l) => l.addrs.some((a) => a.cidr.len < 31 && broadcastOf(a.cidr) === ip));
      assert.equal(isBroadcastAddress(ns, ip), broadcast);
    }
  }
});
