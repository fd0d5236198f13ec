// net-tools and bridge-utils printers against the lab transcripts, byte for byte.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ifconfig, nstrcmp, scaledBytes } from "./nettools.js";
import { DeviceNotFoundError } from "./iproute2.js";
import { LAB_CASES, readFixture } from "../../test/support/lab-cases.js";
import { labNode } from "../../test/support/lab-node.js";

for (const c of LAB_CASES.filter((x) => x.tool === "nettools")) {
  test(`net-tools reproduces ${c.file}`, () => {
    assert.equal(c.run(), readFixture(c.file));
  });
}

test("ifconfig of a missing device gives net-tools' message", () => {
  const expected = readFixture("details/no-such-device.txt").split("\n")[2] + "\n";
  assert.throws(() => ifconfig(labNode(), "nope"), (e: unknown) => e instanceof DeviceNotFoundError && e.stderr === expected);
});

test("nstrcmp orders unit numbers numerically, as ifconfig lists links", () => {
  const names = ["eth10", "veth1", "eth2", "flannel.1", "flannel0", "lo", "eth0:1", "eth0", "cni0"];
  assert.deepEqual([...names].sort(nstrcmp), ["cni0", "eth0", "eth0:1", "eth2", "eth10", "flannel0", "flannel.1", "lo", "veth1"]);
});

test("byte counts scale like ife_print_long: strict '>' and truncation", () => {
  assert.equal(scaledBytes(0), "0.0 B");
  assert.equal(scaledBytes(1024), "1024.0 B");
  assert.equal(scaledBytes(1025), "1.0 KiB");
  assert.equal(scaledBytes(2026), "1.9 KiB");
  assert.equal(scaledBytes(1048577), "1.0 MiB");
  assert.equal(scaledBytes(5 * 2 ** 30 + 2 ** 29), "5.5 GiB");
});
