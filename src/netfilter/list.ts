// `iptables -t T -S [CHAIN]` and `iptables -t T -L [CHAIN] -n [--line-numbers] [-v]`
// as iptables 1.8.9 prints them (xshared.c print_header/print_rule_details/
// print_ifaces/print_ipv4_addresses, nft-ipv4.c nft_ipv4_print_rule). Note that
// 1.8.9 prints the protocol as a number with -n (`6`, not `tcp`) and always
// shows `--` in the opt column.

import { formatIp4 } from "../model/addr.js";
import { UsageError } from "../model/diagnostics.js";
import { emptyTable, isBuiltin, type Chain, type Rule, type Table, type TableName, type Tables } from "./rule.js";
import { chainsInSaveOrder, saveRuleBody } from "./save.js";
import { printMatch, printTarget, targetName } from "./list-match.js";
import { protoNumber } from "./names.js";

function tableOf(tables: Tables, name: TableName): Table {
  return tables.get(name) ?? emptyTable(name);
}

function chainOrFail(table: Table, chain: string): Chain {
  const c = table.chains.get(chain) ?? (isBuiltin(table.name, chain) ? { name: chain, policy: "ACCEPT" as const, rules: [] } : undefined);
  if (!c) {
    throw new UsageError([
      { severity: "error", code: "no-such-chain", message: "iptables: No chain/target/match by that name.", notes: [`table ${table.name} has no chain ${chain}`] },
    ]);
  }
  return c;
}

/** `iptables -t TABLE -S [CHAIN]`: -P lines, -N lines, then -A rules in save order. */
export function iptablesS(tables: Tables, table: TableName, chain?: string, backend: "nft" | "legacy" = "nft"): string {
  const t = tableOf(tables, table);
  const chains = chain === undefined ? chainsInSaveOrder(t) : [chainOrFail(t, chain)];
  let out = "";
  for (const c of chains) out += isBuiltin(table, c.name) ? `-P ${c.name} ${c.policy ?? "ACCEPT"}\n` : `-N ${c.name}\n`;
  for (const c of chains) for (const r of c.rules) out += "-A " + c.name + saveRuleBody(r, backend) + "\n";
  return out;
}

export interface ListOptions {
  chain?: string;
  /** Only the numeric form (-n) is modelled: no DNS or service-name lookups offline. */
  numeric: true;
  lineNumbers?: boolean;
  verbose?: boolean;
  /** Default nft. Legacy shows a bare `-i +` as `+` where nft shows `*`. */
  backend?: "nft" | "legacy";
}

/** `iptables -t TABLE -L [CHAIN] -n [--line-numbers] [-v]`; chains separated by a blank line. */
export function iptablesL(tables: Tables, table: TableName, options: ListOptions): string {
  const t = tableOf(tables, table);
  const chains = options.chain === undefined ? chainsInSaveOrder(t) : [chainOrFail(t, options.chain)];
  const refs = referenceCounts(t);
  return chains.map((c) => chainBlock(t, c, refs.get(c.name) ?? 0, options)).join("\n");
}

/** Rules jumping or going to each chain (the `(N references)` of a user chain). */
function referenceCounts(table: Table): Map<string, number> {
  const refs = new Map<string, number>();
  for (const c of table.chains.values()) {
    for (const r of c.rules) {
      if (r.target?.t === "jump" || r.target?.t === "goto") refs.set(r.target.chain, (refs.get(r.target.chain) ?? 0) + 1);
    }
  }
  return refs;
}

function chainBlock(table: Table, c: Chain, refs: number, o: ListOptions): string {
  let out = "Chain " + c.name;
  if (isBuiltin(table.name, c.name)) out += ` (policy ${c.policy ?? "ACCEPT"}${o.verbose ? " 0 packets, 0 bytes" : ""})\n`;
  else out += ` (${refs} references)\n`;
  out += header(o);
  c.rules.forEach((r, i) => (out += ruleLine(r, i + 1, o)));
  return out;
}

/** print_header column titles with their printf widths. */
function header(o: ListOptions): string {
  let out = o.lineNumbers ? "num".padEnd(4) + " " : "";
  if (o.verbose) out += "pkts".padStart(5) + " " + "bytes".padStart(5) + " ";
  out += "target".padEnd(9) + " " + " prot " + "opt";
  if (o.verbose) out += " " + "in".padEnd(6) + " " + "out".padEnd(6) + " ";
  out += " " + "source".padEnd(19) + " " + " " + "destination".padEnd(19) + " ";
  return out + "\n";
}

/** One rule: print_rule_details, print_fragment, print_ifaces, print_ipv4_addresses, matches, target. */
function ruleLine(r: Rule, num: number, o: ListOptions): string {
  let out = o.lineNumbers ? String(num).padEnd(4) + " " : "";
  if (o.verbose) out += "0".padStart(5) + " " + "0".padStart(5) + " ";
  out += targetName(r.target).padEnd(9) + " ";
  out += (r.proto?.neg ? "!" : " ") + String(r.proto ? protoNumber(r.proto.name) ?? r.proto.name : 0).padEnd(4) + " ";
  out += "-- ";
  if (o.verbose) {
    const legacy = o.backend === "legacy";
    out += " " + iface(r.inIface, legacy).padEnd(6) + " " + iface(r.outIface, legacy).padEnd(6) + " ";
  }
  out += (r.src?.neg ? "!" : " ") + address(r.src?.cidr).padEnd(19) + " ";
  out += (r.dst?.neg ? "!" : " ") + address(r.dst?.cidr).padEnd(19) + " ";
  if (r.target?.t === "goto") out += "[goto] ";
  for (const m of r.matches) out += printMatch(m);
  return out + printTarget(r.target) + "\n";
}

/** print_ifaces: `*` for any; nft also shows a bare `+` as `*`, legacy keeps `+`. */
function iface(i: { name: string; neg: boolean } | undefined, legacy: boolean): string {
  if (!i || (i.name === "+" && !i.neg && !legacy)) return "*";
  return (i.neg ? "!" : "") + i.name;
}

/** xtables_ipaddr_to_numeric + xtables_ipmask_to_numeric: /32 prints no suffix. */
function address(c: { addr: number; len: number } | undefined): string {
  if (!c) return "0.0.0.0/0";
  const mask = c.len === 0 ? 0 : (0xffffffff << (32 - c.len)) >>> 0;
  const net = formatIp4((c.addr & mask) >>> 0);
  return c.len === 32 ? net : net + "/" + c.len;
}
