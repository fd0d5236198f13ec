// The compiled iptables of a node, per kube-proxy generation, against dumps
// produced by replaying the real programs (kubelet, dockerd, flanneld,
// kube-proxy) in a namespace: docs/facts/node-iptables-eras.md §4–9.
// Our dumps always carry the iptables-nft 1.8.9 banner and table order, so the
// comparison is per table, banners aside.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { runCli } from "./support/cli.js";

function tables(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | undefined;
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line === "") continue;
    if (line.startsWith("*")) {
      current = line.slice(1);
      out.set(current, "");
      continue;
    }
    if (current) out.set(current, out.get(current) + line + "\n");
  }
  return out;
}

const ERAS: [string, string][] = [
  ["a", "2015: kube-proxy 1.1 userspace, docker 1.8, flannel 0.5"],
  ["b", "2016: kube-proxy 1.2 iptables, docker 1.10, flannel 0.5"],
  ["c", "2019: kube-proxy 1.14, flannel 0.11, docker 18.09 beside cni0"],
  ["d", "2020: kube-proxy 1.19, flannel 0.12, docker 19.03"],
  ["e", "2023: kube-proxy 1.28, flannel 0.22, containerd"],
  ["f", "2023: kube-proxy 1.28 IPVS"],
];

for (const [era, title] of ERAS) {
  test(`iptables-save of ${title} matches the replayed real programs`, async () => {
    const r = await runCli(["exec", "-f", `test/fixtures/eras/${era}.yaml`, "node2", "--", "iptables-save"]);
    assert.equal(r.code, 0, r.stderr);
    const expected = tables(readFileSync(`test/fixtures/eras/${era}.iptables-save`, "utf8"));
    const actual = tables(r.stdout);
    assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort(), "same tables");
    for (const [name, body] of expected) assert.equal(actual.get(name), body, `table ${name}`);
  });
}
