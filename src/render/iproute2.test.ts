// The iproute2 printers against the transcripts captured in the lab
// (test/oracle/lab-node.sh -> test/fixtures/iproute2/), byte for byte.

import { test } from "node:test";
import assert from "node:assert/strict";
import { DeviceNotFoundError, ipAddr, ipLink } from "./iproute2.js";
import { fixtureFiles, LAB_CASES, readFixture } from "../../test/support/lab-cases.js";
import { labNode } from "../../test/support/lab-node.js";
import { eui64LinkLocal } from "./kernel-derived.js";

for (const c of LAB_CASES.filter((x) => x.tool === "iproute2")) {
  test(`iproute2 reproduces ${c.file}`, () => {
    assert.equal(c.run(), readFixture(c.file));
  });
}

test("every lab transcript is checked by a printer test", () => {
  const checked = new Set(LAB_CASES.map((c) => c.file));
  assert.deepEqual(fixtureFiles().filter((f) => f !== "versions.txt" && !checked.has(f)), []);
});

test("a missing device gives iproute2's message and status", () => {
  const expected = readFixture("details/no-such-device.txt").split("\n")[0] + "\n";
  for (const run of [() => ipAddr(labNode(), { dev: "nope" }), () => ipLink(labNode(), { dev: "nope" })]) {
    assert.throws(run, (e: unknown) => e instanceof DeviceNotFoundError && e.stderr === expected && e.code === 1);
  }
});

test("EUI-64 link-local flips the U/L bit and compresses like inet_ntop", () => {
  assert.equal(eui64LinkLocal("62:03:84:ad:2b:01"), "fe80::6003:84ff:fead:2b01");
  assert.equal(eui64LinkLocal("0e:1e:04:bd:cb:82"), "fe80::c1e:4ff:febd:cb82");
  assert.equal(eui64LinkLocal("02:00:00:00:00:00"), "fe80::ff:fe00:0");
});
