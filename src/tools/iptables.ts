// `iptables [-t TABLE] -S [CHAIN]` and `iptables [-t TABLE] -L [CHAIN] -n [-v] [--line-numbers]`,
// with short options combined the way people type them (-nL, -nvL, -t nat -nvL).

import { iptablesL, iptablesS } from "../netfilter/list.js";
import type { TableName } from "../netfilter/rule.js";
import { UsageError } from "../model/diagnostics.js";
import { fail, ok, type Tool } from "./tool.js";

const TABLES: readonly string[] = ["raw", "mangle", "nat", "filter"];

export const iptablesTool: Tool = (argv, { ns }) => {
  let table = "filter";
  let command: "S" | "L" | undefined;
  let chain: string | undefined;
  let numeric = false;
  let verbose = false;
  let lineNumbers = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-t" || a === "--table") table = argv[++i] ?? "";
    else if (a === "--line-numbers") lineNumbers = true;
    else if (a === "--list") command = "L";
    else if (a === "--list-rules") command = "S";
    else if (a === "--numeric") numeric = true;
    else if (a === "--verbose") verbose = true;
    else if (/^-[a-zA-Z]+$/.test(a)) {
      for (const c of a.slice(1)) {
        if (c === "n") numeric = true;
        else if (c === "v") verbose = true;
        else if (c === "L" || c === "S") command = c;
        else if (c === "t") table = argv[++i] ?? "";
        else return fail(`iptables v1.8.9 (nf_tables): unknown option "-${c}"\nTry \`iptables -h' or 'iptables --help' for more information.`, 2);
      }
    } else if (!a.startsWith("-") && chain === undefined) chain = a;
    else return fail(`iptables v1.8.9 (nf_tables): unknown option "${a}"\nTry \`iptables -h' or 'iptables --help' for more information.`, 2);
  }
  if (!TABLES.includes(table)) return fail(`iptables v1.8.9 (nf_tables): table '${table}' does not exist\nPerhaps iptables or your kernel needs to be upgraded.`, 3);
  if (!command) return fail("k8s-nettrace: iptables is supported for listing: -S [CHAIN] or -L [CHAIN] -n [-v] [--line-numbers]; the full dump is iptables-save", 2);
  try {
    if (command === "S") return ok(iptablesS(ns.tables(), table as TableName, chain));
    if (!numeric) return fail("k8s-nettrace: use iptables -L with -n (without it a real node looks every address up in DNS)", 2);
    return ok(iptablesL(ns.tables(), table as TableName, { numeric: true, ...(chain ? { chain } : {}), verbose, lineNumbers }));
  } catch (error) {
    if (error instanceof UsageError) return fail(`${error.diagnostics[0]?.message ?? error.message}`, 1);
    throw error;
  }
};
