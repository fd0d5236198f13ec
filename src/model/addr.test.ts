import { test } from "node:test";
import assert from "node:assert/strict";
import { contains, formatCidr, formatIp4, formatMask, overlaps, parseCidr, parseIp4 } from "./addr.js";

test("parses and prints dotted quads, rejecting near misses", () => {
  assert.equal(formatIp4(parseIp4("192.168.1.221")!), "192.168.1.221");
  for (const bad of ["1.2.3", "1.2.3.256", "01.2.3.4", "a.b.c.d", "1.2.3.4.5", ""]) assert.equal(parseIp4(bad), undefined, bad);
});

test("CIDR containment, overlap and masks", () => {
  const pod = parseCidr("172.30.0.0/16")!;
  assert.ok(contains(pod, parseIp4("172.30.83.9")!));
  assert.ok(!contains(pod, parseIp4("172.31.0.1")!));
  assert.ok(overlaps(pod, parseCidr("172.30.20.0/24")!));
  assert.ok(!overlaps(pod, parseCidr("10.254.0.0/16")!));
  assert.equal(formatMask(16), "255.255.0.0");
  assert.equal(formatCidr(parseCidr("0.0.0.0/0")!), "0.0.0.0/0");
  assert.equal(parseCidr("10.0.0.0/33"), undefined);
});
