// The state two matches consult besides the packet: ipsets (`-m set`, which
// kube-proxy's IPVS mode lives on) and xt_recent's address lists (`-m recent`).

import { type Cidr, contains, formatIp4, parseCidr } from "../model/addr.js";
import type { IpSet } from "../model/kernel.js";
import type { Ipv4Packet } from "../packet/ipv4.js";
import type { Network } from "./network.js";
import type { NsState } from "./state.js";

/** A set's members as the kernel looks them up: whole keys, and for hash:ip,port,net (hash:net) the networks under each ip,port (under ""). */
interface SetIndex {
  keys: Set<string>;
  nets: Map<string, Cidr[]>;
}

const setIndexes = new WeakMap<readonly IpSet[], Map<string, { set: IpSet; index: SetIndex }>>();

function setByName(sets: readonly IpSet[], name: string): { set: IpSet; index: SetIndex } | undefined {
  let byName = setIndexes.get(sets);
  if (!byName) {
    byName = new Map();
    for (const set of sets) {
      const index: SetIndex = { keys: new Set(set.members), nets: new Map() };
      if (set.type === "hash:ip,port,net" || set.type === "hash:net") {
        for (const m of set.members) {
          const cut = m.lastIndexOf(",");
          const net = parseCidr(m.slice(cut + 1).includes("/") ? m.slice(cut + 1) : `${m.slice(cut + 1)}/32`);
          if (!net) continue;
          const head = cut < 0 ? "" : m.slice(0, cut);
          const nets = index.nets.get(head);
          if (nets) nets.push(net);
          else index.nets.set(head, [net]);
        }
      }
      byName.set(set.name, { set, index });
    }
    setIndexes.set(sets, byName);
  }
  return byName.get(name);
}

/** `-m set --match-set NAME FLAGS`: the packet's fields in the set type's order, looked up as ipset does (ip_set_test). */
export function inSet(sets: readonly IpSet[], name: string, flags: readonly ("src" | "dst")[], ip: Ipv4Packet): boolean {
  const found = setByName(sets, name);
  if (!found) return false;
  const { set, index } = found;
  const p = ip.payload;
  const proto = p.kind === "ipv4" ? "ipencap" : p.kind;
  const port = (which: "src" | "dst") => (p.kind === "tcp" || p.kind === "udp" ? (which === "src" ? p.sport : p.dport) : 0);
  const addr = (which: "src" | "dst") => (which === "src" ? ip.src : ip.dst);
  switch (set.type) {
    case "hash:ip":
      return index.keys.has(formatIp4(addr(flags[0]!)));
    case "bitmap:port":
      return index.keys.has(String(port(flags[0]!)));
    case "hash:ip,port":
      return index.keys.has(`${formatIp4(addr(flags[0]!))},${proto}:${port(flags[1]!)}`);
    case "hash:ip,port,ip":
      return index.keys.has(`${formatIp4(addr(flags[0]!))},${proto}:${port(flags[1]!)},${formatIp4(addr(flags[2]!))}`);
    case "hash:net":
      return (index.nets.get("") ?? []).some((n) => contains(n, addr(flags[0]!)));
    case "hash:ip,port,net": {
      const nets = index.nets.get(`${formatIp4(addr(flags[0]!))},${proto}:${port(flags[1]!)}`);
      const third = addr(flags[2]!);
      return nets !== undefined && nets.some((n) => contains(n, third));
    }
    default:
      throw new Error(`-m set: the set type ${set.type} (${set.name}) is not simulated`);
  }
}

/** `-m recent`: check or update the named list for the packet's source (or destination), as xt_recent does. */
export function recent(net: Network, st: NsState, m: { op: string; name: string; seconds?: number; side: string }, ip: Ipv4Packet): boolean {
  const addr = m.side === "rdest" ? ip.dst : ip.src;
  const nowS = net.now / 1e6;
  const list = st.recentList(m.name);
  const entry = list.find((e) => e.addr === addr);
  if (m.op === "set") {
    if (entry) entry.last = nowS;
    else list.push({ addr, last: nowS });
    return true;
  }
  if (!entry) return false;
  const fresh = m.seconds === undefined || nowS - entry.last <= m.seconds;
  if (fresh && m.op === "update") entry.last = nowS;
  if (m.op === "remove") list.splice(list.indexOf(entry), 1);
  return fresh;
}
