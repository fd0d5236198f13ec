// iptablesSave on rules built the way the compiler builds them (not parsed):
// canonical order, quoting, numbers, table order and banners. The oracle part
// restores our dump into the real iptables and requires the same text back.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ctime, iptablesSave, saveRule } from "./save.js";
import { saveString } from "./save-match.js";
import { emptyTable, formatProbability, probabilityFromText, type Rule, type TableName, type Tables } from "./rule.js";
import { oracleSkip } from "../../test/support/oracle.js";
import { realRestore, type Backend } from "../../test/support/netfilter-oracle.js";

const ip = (a: number, b: number, c: number, d: number) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

/** Compile-style rules with non-canonical data the printer must normalise. */
function compiledTables(order: TableName[] = ["nat", "filter", "mangle", "raw"]): Tables {
  const tables: Tables = new Map(order.map((n) => [n, emptyTable(n)]));
  const nat = tables.get("nat")!;
  nat.chains.set("KUBE-SVC-X", { name: "KUBE-SVC-X", rules: [] });
  nat.chains.set("KUBE-MARK-MASQ", { name: "KUBE-MARK-MASQ", rules: [{ matches: [], target: { t: "MARK", value: 0x4000, mask: 0x4000 } }] });
  const svc: Rule[] = [
    {
      matches: [{ m: "comment", comment: "default/nginx:http cluster IP" }, { m: "tcp", dport: { from: 80, to: 80, neg: false } }],
      proto: { name: "6", neg: false },
      dst: { cidr: { addr: ip(10, 96, 0, 50), len: 32 }, neg: false },
      src: { cidr: { addr: ip(10, 244, 3, 7), len: 16 }, neg: true },
      target: { t: "jump", chain: "KUBE-MARK-MASQ" },
    },
    {
      matches: [{ m: "comment", comment: "ns/svc -> 10.244.1.5:8080" }, { m: "statistic", mode: "random", probability: probabilityFromText("0.3333333333") }],
      target: { t: "jump", chain: "KUBE-MARK-MASQ" },
    },
    { proto: { name: "tcp", neg: false }, matches: [{ m: "tcp" }], target: { t: "DNAT", to: "10.244.1.5:8080", random: true } },
    { proto: { name: "udp", neg: false }, matches: [], target: { t: "REDIRECT", toPorts: "36967" } },
  ];
  nat.chains.get("KUBE-SVC-X")!.rules.push(...svc);
  nat.chains.get("PREROUTING")!.rules.push({ matches: [{ m: "addrtype", dst: { types: ["LOCAL", "UNICAST"], neg: false } }], target: { t: "jump", chain: "KUBE-SVC-X" } });
  nat.chains.get("POSTROUTING")!.rules.push(
    { outIface: { name: "cni0", neg: true }, proto: { name: "tcp", neg: false }, matches: [{ m: "mark", value: 0x4000, mask: 0xffffffff, neg: false }], target: { t: "MASQUERADE", randomFully: true, toPorts: "1024-65535" } },
    { matches: [], target: { t: "SNAT", to: "192.168.0.2", randomFully: true, persistent: true } },
  );
  const filter = tables.get("filter")!;
  filter.chains.get("INPUT")!.policy = "DROP";
  filter.chains.get("INPUT")!.rules.push(
    { matches: [{ m: "conntrack", ctstate: { states: ["ESTABLISHED", "RELATED", "NEW"], neg: false } }], target: { t: "ACCEPT" } },
    { matches: [{ m: "state", states: ["RELATED", "INVALID"], neg: true }], target: { t: "DROP" } },
    { proto: { name: "icmp", neg: false }, matches: [{ m: "icmp", type: "echo-request", neg: false }], target: { t: "ACCEPT" } },
    { inIface: { name: "eth0", neg: false }, proto: { name: "tcp", neg: false }, matches: [{ m: "multiport", dports: [80, 443], neg: false }], target: { t: "REJECT", with: "tcp-rst" } },
    { matches: [{ m: "set", name: "KUBE-CLUSTER-IP", flags: ["dst", "dst"], neg: false }, { m: "recent", op: "rcheck", name: "R", seconds: 60, reap: true, mask: "255.255.255.255", side: "rsource", neg: false }], target: { t: "LOG", prefix: "it's", level: 6 } },
  );
  return tables;
}

describe("iptablesSave prints compiled rules as iptables-save does", () => {
  it("puts header matches first, clears host bits, names protocols, orders kernel bits", () => {
    const t = compiledTables();
    const lines = [...t.get("nat")!.chains.get("KUBE-SVC-X")!.rules].map((r) => saveRule("KUBE-SVC-X", r));
    assert.deepEqual(lines, [
      '-A KUBE-SVC-X ! -s 10.244.0.0/16 -d 10.96.0.50/32 -p tcp -m comment --comment "default/nginx:http cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-X -m comment --comment "ns/svc -> 10.244.1.5:8080" -m statistic --mode random --probability 0.33333333349 -j KUBE-MARK-MASQ',
      "-A KUBE-SVC-X -p tcp -m tcp -j DNAT --to-destination 10.244.1.5:8080 --random",
      "-A KUBE-SVC-X -p udp -j REDIRECT --to-ports 36967",
    ]);
    const input = t.get("filter")!.chains.get("INPUT")!.rules.map((r) => saveRule("INPUT", r));
    assert.deepEqual(input, [
      "-A INPUT -m conntrack --ctstate NEW,RELATED,ESTABLISHED -j ACCEPT",
      "-A INPUT -m state ! --state INVALID,RELATED -j DROP",
      "-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT",
      "-A INPUT -i eth0 -p tcp -m multiport --dports 80,443 -j REJECT --reject-with tcp-reset",
      '-A INPUT -m set --match-set KUBE-CLUSTER-IP dst,dst -m recent --rcheck --seconds 60 --reap --name R --mask 255.255.255.255 --rsource -j LOG --log-prefix "it\\\'s" --log-level 6',
    ]);
  });

  it("quotes like xtables_save_string", () => {
    assert.deepEqual(
      ["abc_D-9", "", "a b", "ns/svc", 'say "hi"', "back\\slash", "it's", "ünï"].map(saveString),
      [" abc_D-9", ' ""', ' "a b"', ' "ns/svc"', ' "say \\"hi\\""', ' "back\\\\slash"', ' "it\\\'s"', ' "ünï"'],
    );
  });

  it("prints probabilities as glibc %.11f, ties to even", () => {
    assert.equal(formatProbability(2 ** 19), "0.00024414062"); // exact tie: toFixed would say ...63
    assert.equal(formatProbability(3 * 2 ** 19), "0.00073242188"); // tie rounding up to even
    assert.equal(formatProbability(2 ** 31), "1.00000000000");
    assert.equal(formatProbability(0), "0.00000000000");
    assert.equal(formatProbability(2 ** 31 - 1), "0.99999999953");
  });

  it("prints the banner date as ctime() does", () => {
    assert.equal(ctime(new Date(Date.UTC(2026, 10, 1, 9, 5, 3))), "Sun Nov  1 09:05:03 2026");
    const out = iptablesSave(new Map([["raw", emptyTable("raw")]]), { date: new Date(Date.UTC(2026, 10, 21, 19, 44, 9)) });
    assert.equal(
      out,
      "# Generated by iptables-nft-save v1.8.9 (nf_tables) on Sat Nov 21 19:44:09 2026\n*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n# Completed on Sat Nov 21 19:44:09 2026\n",
    );
  });

  it("table order: nft mangle, raw, filter, nat; legacy newest first", () => {
    const heads = (s: string) => s.split("\n").filter((l) => l.startsWith("*"));
    const t = compiledTables(["nat", "filter", "mangle", "raw"]);
    assert.deepEqual(heads(iptablesSave(t, { date: "D" })), ["*mangle", "*raw", "*filter", "*nat"]);
    assert.deepEqual(heads(iptablesSave(t, { date: "D", backend: "legacy" })), ["*raw", "*mangle", "*filter", "*nat"]);
    assert.match(iptablesSave(t, { date: "D", backend: "legacy" }), /^# Generated by iptables-save v1\.8\.9 on D\n/);
  });

  it("-t prints one table, with its builtin chains even when absent; -c prefixes [0:0]", () => {
    assert.equal(iptablesSave(new Map(), { date: "D", table: "mangle" }).split("\n").length, 10);
    assert.match(iptablesSave(compiledTables(), { date: "D", table: "nat", counters: true }), /^\[0:0\] -A PREROUTING -m addrtype --dst-type UNICAST,LOCAL -j KUBE-SVC-X$/m);
  });

  for (const backend of ["nft", "legacy"] as Backend[]) {
    it(`real iptables-${backend} restores our dump and saves it back unchanged`, { skip: oracleSkip(`iptables-${backend}-restore`, "ipset") }, () => {
      const dump = iptablesSave(compiledTables(["mangle", "raw", "filter", "nat"]), { date: "D", backend });
      const real = realRestore(backend, dump);
      assert.equal(real.status, 0, real.stderr);
      const back = real.stdout.replace(/^(# (?:Generated by .*|Completed) on ).*$/gm, "$1D");
      // Legacy lists the newest table first, so only nft keeps the table order through a restore.
      if (backend === "nft") assert.equal(back, dump);
      else assert.deepEqual(back.split("# Generated").sort(), dump.split("# Generated").sort());
    });
  }
});
