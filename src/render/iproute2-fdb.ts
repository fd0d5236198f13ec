// `bridge fdb` (= `bridge fdb show`) as iproute2 6.1 prints it (bridge/fdb.c
// print_fdb) over the kernel's rtnl_fdb_dump walk:
//
//   for each device, in device order:
//     if it is a bridge port: the bridge's entries pointing at it (br_fdb_dump)
//     then its own dump: vxlan -> its FDB (vxlan_fdb_dump);
//                        bridge -> its multicast list, then entries with no port;
//                        anything else Ethernet -> its multicast list (ndo_dflt_fdb_dump).
//
// The bridge and vxlan drivers add new entries at the head of their lists
// (hlist_add_head), so each device's entries print newest first. The model keeps
// FdbEntry[] in the order they were created; we reverse per device here.

import type { FdbEntry, Link, Netns } from "../model/kernel.js";
import { formatIp4 } from "../model/addr.js";
import { multicastListOf } from "./kernel-derived.js";

export function bridgeFdb(ns: Netns): string {
  return ns.links.map((l) => deviceEntries(ns, l)).join("");
}

function deviceEntries(ns: Netns, l: Link): string {
  let out = "";
  if (l.master !== undefined) {
    out += newestFirst(ns.fdb.filter((e) => e.dev === l.name && e.master === l.master)).map(entryLine).join("");
  }
  if (l.kind === "vxlan") {
    return out + newestFirst(ns.fdb.filter((e) => e.dev === l.name && e.self)).map(entryLine).join("");
  }
  out += multicastListOf(l, ns).map((mac) => `${mac} dev ${l.name} self permanent\n`).join("");
  if (l.kind === "bridge") {
    out += newestFirst(ns.fdb.filter((e) => e.dev === l.name && e.master === l.name)).map(entryLine).join("");
  }
  return out;
}

function newestFirst(entries: FdbEntry[]): FdbEntry[] {
  return [...entries].reverse();
}

/** MAC, dev, dst, vlan, flags (self), master, state: "permanent", or "" for a learned entry. */
function entryLine(e: FdbEntry): string {
  let line = `${e.mac} dev ${e.dev} `;
  if (e.dst !== undefined) line += `dst ${formatIp4(e.dst)} `;
  if (e.vlan) line += `vlan ${e.vlan} `;
  if (e.self) line += "self ";
  if (e.master !== undefined) line += `master ${e.master} `;
  return line + (e.permanent ? "permanent" : "") + "\n";
}
