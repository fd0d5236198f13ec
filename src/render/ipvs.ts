// `ipset list` (ipset 7.17) and `ipvsadm -Ln` (ipvsadm 1.2x/1.31) text for
// kube-proxy's IPVS mode.
//
// ipset: verified against the real tool in a network namespace (ipvs.test.ts).
// Three fields are the kernel's own and cannot be reproduced exactly offline:
// - `initval` is random per set; we derive a stable one from the set name;
// - `Size in memory` follows the kernel's per-type base + per-entry sizes
//   measured on kernel 6.x, assuming no two members share a hash bucket;
// - members of hash sets are listed in hash-bucket order on a real node; we
//   keep the order the compiler gave.
//
// ipvsadm cannot run here (no ip_vs module), so its layout follows ipvsadm.c
// print_title/print_service_entry: `%s  %s` protocol and address (cut to 33
// characters), scheduler, ` persistent N`; destinations `  -> %-28s %-7s %-6d
// %-10u %-10u`. Services and destinations are sorted by ipvs_cmp_services /
// ipvs_cmp_dests, which compare addresses as `(int)(ntohl(a) - ntohl(b))`: a
// wrapped 32-bit difference, so 192.168.0.10 sorts BEFORE 10.96.0.50.

import { formatIp4 } from "../model/addr.js";
import type { IpSet, IpvsService } from "../model/kernel.js";
import type { Tables } from "../netfilter/rule.js";
import { UsageError } from "../model/diagnostics.js";

/** Kernel set-type revisions and memory sizes (base, per entry) measured on Linux 6.x. */
const SET_TYPES: Record<string, { revision: number; base: number; perEntry: number }> = {
  "hash:ip": { revision: 6, base: 216, perEntry: 40 },
  "hash:ip,port": { revision: 7, base: 216, perEntry: 48 },
  "hash:ip,port,ip": { revision: 6, base: 208, perEntry: 56 },
  "hash:ip,port,net": { revision: 8, base: 464, perEntry: 56 },
  "hash:net": { revision: 7, base: 456, perEntry: 48 },
  "bitmap:port": { revision: 3, base: 8264, perEntry: 0 },
};

export interface IpsetListOptions {
  /** `ipset list NAME`: only this set. */
  name?: string;
  /** Rules referencing each set (`-m set --match-set NAME`) give `References:`. */
  tables?: Tables;
}

export function ipsetList(sets: readonly IpSet[], options: IpsetListOptions = {}): string {
  const chosen = options.name === undefined ? sets : sets.filter((s) => s.name === options.name);
  if (options.name !== undefined && chosen.length === 0) {
    throw new UsageError(`ipset v7.17: The set with the given name does not exist`);
  }
  const refs = setReferences(options.tables);
  return chosen.map((s) => setBlock(s, refs.get(s.name) ?? 0)).join("\n");
}

function setBlock(set: IpSet, references: number): string {
  const kind = SET_TYPES[set.type];
  const hashed = set.type.startsWith("hash:");
  const header = hashed ? `${set.header} bucketsize 12 initval ${initval(set.name)}` : set.header;
  const size = kind ? kind.base + kind.perEntry * set.members.length : 0;
  let out = `Name: ${set.name}\nType: ${set.type}\nRevision: ${kind?.revision ?? 0}\nHeader: ${header}\n`;
  out += `Size in memory: ${size}\nReferences: ${references}\nNumber of entries: ${set.members.length}\nMembers:\n`;
  for (const m of set.members) out += m + "\n";
  return out;
}

/** A stable stand-in for the kernel's random jhash initval (FNV-1a of the name). */
function initval(name: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return "0x" + h.toString(16).padStart(8, "0");
}

function setReferences(tables: Tables | undefined): Map<string, number> {
  const refs = new Map<string, number>();
  for (const t of tables?.values() ?? []) {
    for (const c of t.chains.values()) {
      for (const r of c.rules) for (const m of r.matches) if (m.m === "set") refs.set(m.name, (refs.get(m.name) ?? 0) + 1);
    }
  }
  return refs;
}

const PROTO_NUM: Record<IpvsService["proto"], number> = { TCP: 6, UDP: 17, SCTP: 132 };

/** ipvs_cmp_*: `(int)(ntohl(a) - ntohl(b))`, the wrapped difference as a signed 32-bit value. */
function addrCmp(a: number, b: number): number {
  return (a - b) | 0;
}

/** ActiveConn / InActConn of one real server, by `PROTO/VIP:PORT>RIP:PORT`. */
export type IpvsCounters = ReadonlyMap<string, { active: number; inactive: number }>;

export function counterKey(proto: string, vip: number, port: number, rip: number, rport: number): string {
  return `${proto.toUpperCase()}/${vip}:${port}>${rip}:${rport}`;
}

/** `ipvsadm -Ln`: every virtual service with its real servers and their connection counters. */
export function ipvsadmLn(services: readonly IpvsService[], counters: IpvsCounters = new Map()): string {
  let out = "IP Virtual Server version 1.2.1 (size=4096)\n";
  out += "Prot LocalAddress:Port Scheduler Flags\n";
  out += "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n";
  const sorted = [...services].sort(
    (a, b) => PROTO_NUM[a.proto] - PROTO_NUM[b.proto] || addrCmp(a.vip, b.vip) || a.port - b.port,
  );
  for (const s of sorted) {
    const name = `${s.proto}  ${formatIp4(s.vip)}:${s.port}`.slice(0, 33);
    out += `${name} ${s.scheduler}${s.persistent !== undefined ? ` persistent ${s.persistent}` : ""}\n`;
    const dests = [...s.dests].sort((a, b) => addrCmp(a.ip, b.ip) || a.port - b.port);
    for (const d of dests) {
      const addr = `${formatIp4(d.ip)}:${d.port}`.slice(0, 28);
      const n = counters.get(counterKey(s.proto, s.vip, s.port, d.ip, d.port));
      out += `  -> ${addr.padEnd(28)} ${d.forward.padEnd(7)} ${String(d.weight).padEnd(6)} ${String(n?.active ?? 0).padEnd(10)} ${String(n?.inactive ?? 0).padEnd(10)}\n`;
    }
  }
  return out;
}

export interface IpvsConnEntry {
  proto: "TCP" | "UDP";
  client: string;
  virtual: string;
  destination: string;
  state: string;
  /** Seconds until the entry's timer fires, as /proc/net/ip_vs_conn rounds them down. */
  expires: number;
}

/** `ipvsadm -Lnc` (ipvsadm.c list_conn / print_conn): `%-3s %-6s %-11s %-18s %-18s %s`, expiry as MM:SS. */
export function ipvsadmLnc(entries: readonly IpvsConnEntry[]): string {
  let out = "IPVS connection entries\n";
  out += `pro expire ${"state".padEnd(11)} ${"source".padEnd(18)} ${"virtual".padEnd(18)} destination\n`;
  for (const e of entries) {
    const expire = `${String(Math.floor(e.expires / 60)).padStart(2, "0")}:${String(e.expires % 60).padStart(2, "0")}`;
    out += `${e.proto.padEnd(3)} ${expire.padEnd(6)} ${e.state.padEnd(11)} ${e.client.padEnd(18)} ${e.virtual.padEnd(18)} ${e.destination}\n`;
  }
  return out;
}
