// The local routing table the kernel builds from interface addresses
// (fib_add_ifaddr; docs/kernel-facts.md §4): `local A` for every address
// (even on a link that is down), and for a primary address on an up link the
// subnet broadcast route when the prefix is shorter than /31. Loopback's
// prefix is itself a `local` route.

import { broadcastOf, networkOf } from "../model/addr.js";
import type { Link, Route } from "../model/kernel.js";

export function localTable(links: Link[]): Route[] {
  const out: Route[] = [];
  for (const link of links) {
    const up = link.flags.includes("UP");
    for (const a of link.addrs) {
      const c = a.cidr;
      if (link.kind === "loopback" && c.len < 32) {
        out.push({ table: "local", type: "local", dst: { addr: networkOf(c), len: c.len }, dev: link.name, proto: "kernel", scope: "host", src: c.addr });
      }
      out.push({ table: "local", type: "local", dst: { addr: c.addr, len: 32 }, dev: link.name, proto: "kernel", scope: "host", src: c.addr });
      if (up && c.len < 31) out.push({ table: "local", type: "broadcast", dst: { addr: broadcastOf(c), len: 32 }, dev: link.name, proto: "kernel", scope: "link", src: c.addr });
    }
  }
  return out;
}
