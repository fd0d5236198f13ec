// iptables -S / -L print forms on hand-built rules (the oracle test compares
// every fixture with the real tool; these pin the forms that need care).

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { iptablesL, iptablesS } from "./list.js";
import { emptyTable, type Rule, type Tables } from "./rule.js";
import { parseRestore } from "./parse.js";
import { UsageError } from "../model/diagnostics.js";
import { assertGolden } from "../../test/support/golden.js";

function natWith(rules: Rule[]): Tables {
  const nat = emptyTable("nat");
  nat.chains.set("KUBE-A-VERY-LONG-CHAIN-NAME", { name: "KUBE-A-VERY-LONG-CHAIN-NAME", rules: [] });
  nat.chains.get("POSTROUTING")!.rules.push(...rules);
  return new Map([["nat", nat]]);
}

const body = (out: string) => out.split("\n").slice(2, -1);

describe("iptables -L -n", () => {
  it("prints MARK as and/or/xor/set/xset the way mark_tg_print chooses", () => {
    const marks = [[0, 0xffff7fff], [0x4000, 0x4000], [0x4000, 0], [0x5, 0xffffffff], [0x1, 0x3]].map(
      ([value, mask]): Rule => ({ matches: [], target: { t: "MARK", value: value!, mask: mask! } }),
    );
    assert.deepEqual(body(iptablesL(natWith(marks), "nat", { chain: "POSTROUTING", numeric: true })).map((l) => l.slice(l.indexOf(" MARK ") + 1)), [
      "MARK and 0x8000",
      "MARK or 0x4000",
      "MARK xor 0x4000",
      "MARK set 0x5",
      "MARK xset 0x1/0x3",
    ]);
  });

  it("lets a long target name push the columns, marks goto, counts references", () => {
    const rules: Rule[] = [
      { matches: [], target: { t: "jump", chain: "KUBE-A-VERY-LONG-CHAIN-NAME" } },
      { matches: [], target: { t: "goto", chain: "KUBE-A-VERY-LONG-CHAIN-NAME" } },
    ];
    const out = iptablesL(natWith(rules), "nat", { numeric: true });
    assert.match(out, /^KUBE-A-VERY-LONG-CHAIN-NAME  0    --  0\.0\.0\.0\/0            0\.0\.0\.0\/0           $/m);
    assert.match(out, /0\.0\.0\.0\/0           \[goto\] $/m);
    assert.match(out, /^Chain KUBE-A-VERY-LONG-CHAIN-NAME \(2 references\)$/m);
    assert.ok(out.endsWith("destination         \n"), "no blank line after the last chain");
  });

  it("shows policy counters with -v and prints the verbose header", () => {
    const out = iptablesL(natWith([]), "nat", { chain: "POSTROUTING", numeric: true, verbose: true, lineNumbers: true });
    assert.equal(
      out,
      "Chain POSTROUTING (policy ACCEPT 0 packets, 0 bytes)\nnum   pkts bytes target     prot opt in     out     source               destination         \n",
    );
  });

  it("refuses an unknown chain like iptables does", () => {
    assert.throws(() => iptablesL(natWith([]), "nat", { chain: "NOPE", numeric: true }), (e: unknown) => e instanceof UsageError && /No chain\/target\/match by that name/.test(e.message));
    assert.throws(() => iptablesS(natWith([]), "nat", "NOPE"), UsageError);
  });

  it("lists a table that does not exist yet as its empty builtins", () => {
    assert.equal(iptablesS(new Map(), "raw"), "-P PREROUTING ACCEPT\n-P OUTPUT ACCEPT\n");
  });

  it("golden: the 1.28 worked example's nat table", () => {
    const text = readFileSync(join(process.cwd(), "test", "fixtures", "netfilter", "kube-proxy-1.28.dump"), "utf8");
    const { tables } = parseRestore(text);
    assertGolden("netfilter/kube-proxy-1.28.nat.L-n-line-numbers.txt", iptablesL(tables, "nat", { numeric: true, lineNumbers: true }));
    assertGolden("netfilter/kube-proxy-1.28.filter.S.txt", iptablesS(tables, "filter"));
  });
});
