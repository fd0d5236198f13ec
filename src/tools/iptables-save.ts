// iptables-save [-t TABLE] [-c]: iptables-nft-save v1.8.9 output.

import { simDate } from "../model/clock.js";
import { iptablesSave } from "../netfilter/save.js";
import type { TableName } from "../netfilter/rule.js";
import { fail, ok, type Tool } from "./tool.js";

const TABLES = ["raw", "mangle", "nat", "filter", "security"];

export const iptablesSaveTool: Tool = (argv, { ns }) => {
  let table: string | undefined;
  let counters = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-t" || a === "--table") table = argv[++i];
    else if (a.startsWith("--table=")) table = a.slice(8);
    else if (a === "-c" || a === "--counters") counters = true;
    else return fail(`iptables-save: unrecognized option '${a}'\nUsage: iptables-save [-c] [-t TABLE]`, 1);
  }
  if (table !== undefined && !TABLES.includes(table)) return fail(`iptables-save: Table \`${table}' does not exist`, 1);
  if (table === "security") return ok("");
  return ok(iptablesSave(ns.tables(), { date: simDate(), counters, ...(table ? { table: table as TableName } : {}) }));
};
