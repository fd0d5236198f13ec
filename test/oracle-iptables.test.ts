// Every fixture node's iptables-save survives a real round trip: restored by
// iptables-nft-restore in a fresh namespace and saved back by iptables-nft-save,
// it is the same text (banner lines aside). Runs without root (unshare -rn).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { loadCluster } from "../src/load/load-cluster.js";
import { CompiledCluster } from "../src/compile/compiled-cluster.js";
import { iptablesSave } from "../src/netfilter/save.js";
import { simDate } from "../src/model/clock.js";
import { oracleSkip } from "./support/oracle.js";
import { realRestore } from "./support/netfilter-oracle.js";

const FILES = [
  ...readdirSync("fixtures").filter((f) => f.endsWith(".yaml")).map((f) => `fixtures/${f}`),
  ...readdirSync("test/fixtures/eras").filter((f) => f.endsWith(".yaml")).map((f) => `test/fixtures/eras/${f}`),
  ...readdirSync("test/fixtures/trace").filter((f) => f.endsWith(".yaml")).map((f) => `test/fixtures/trace/${f}`),
];

const strip = (text: string) => text.split("\n").filter((l) => !l.startsWith("#")).join("\n");

for (const file of FILES) {
  test(`iptables-save of every node in ${file} round-trips through real iptables-nft`, { skip: oracleSkip("iptables-nft-restore", "unshare", "ipset") }, () => {
    const result = loadCluster(file, readFileSync(file));
    assert.ok(result.cluster, `${file} loads`);
    const compiled = new CompiledCluster(result.cluster!);
    for (const node of result.cluster!.nodes) {
      const ours = iptablesSave(compiled.node(node.name)!.tables(), { date: simDate() });
      const real = realRestore("nft", ours);
      assert.equal(real.status, 0, `${file} ${node.name}: ${real.stderr}`);
      assert.equal(strip(real.stdout), strip(ours), `${file} ${node.name}`);
    }
  });
}
