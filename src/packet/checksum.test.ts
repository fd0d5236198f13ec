import assert from "node:assert/strict";
import { test } from "node:test";
import { parseIp4 } from "../model/addr.js";
import { checksumShouldBe, fold, internetChecksum, onesSum, partialChecksum, pseudoHeaderSum } from "./checksum.js";

test("RFC 1071 worked example: sum 0xddf2, checksum 0x220d", () => {
  const bytes = Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
  assert.equal(fold(onesSum(bytes)), 0xddf2);
  assert.equal(internetChecksum(bytes), 0x220d);
});

test("an odd trailing byte is padded with zero", () => {
  assert.equal(fold(onesSum(Uint8Array.from([0x12, 0x34, 0x56]))), 0x1234 + 0x5600);
});

test("a correct header sums to zero (the IPv4 header of the sample SYN)", () => {
  const header = Uint8Array.from(Buffer.from("4500003c2b6740004006f6610af401050af40207", "hex"));
  assert.equal(internetChecksum(header), 0);
});

test("offload leaves the pseudo-header sum: 0x1922 for 10.244.1.5 > 10.244.2.7, 40 bytes of TCP (lab)", () => {
  assert.equal(partialChecksum(parseIp4("10.244.1.5")!, parseIp4("10.244.2.7")!, 6, 40), 0x1922);
  assert.equal(partialChecksum(parseIp4("10.244.1.5")!, parseIp4("10.96.100.200")!, 6, 40), 0x7b4f);
  assert.equal(pseudoHeaderSum(1, 2, 6, 40), 1 + 2 + 6 + 40);
});

test("checksumShouldBe reproduces tcpdump's `incorrect -> 0x7cd0` for the lab SYN", () => {
  // Field 0x1922; the correct value 0x7cd0 makes the sum 0, so the computed
  // checksum over the packet with the wrong field is ~(0x1922 - 0x7cd0).
  const computed = ~fold(0x1922 + (~0x7cd0 & 0xffff)) & 0xffff;
  assert.equal(checksumShouldBe(0x1922, computed), 0x7cd0);
});
