import assert from "node:assert/strict";
import { test } from "node:test";
import { formatIp6, parseIp6 } from "./ipv6-text.js";

const cases: ReadonlyArray<readonly [string, string]> = [
  ["2001:db8::ff00:42:8329", "2001:db8::ff00:42:8329"],
  ["::1", "::1"],
  ["::", "::"],
  ["fe80::1:0:0:1", "fe80::1:0:0:1"], // the longer zero run compresses
  ["1:0:0:2:0:0:0:3", "1:0:0:2::3"], // longest run wins
  ["1:0:0:2:0:0:3:4", "1::2:0:0:3:4"], // first run wins a tie
  ["1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"], // a single zero word is not compressed
  ["::ffff:10.96.0.10", "::ffff:10.96.0.10"],
  ["::10.96.0.10", "::10.96.0.10"],
  ["fd00:10:96::a", "fd00:10:96::a"],
];

test("addrtostr6 formatting", () => {
  for (const [input, expected] of cases) assert.equal(formatIp6(parseIp6(input)!), expected, input);
});

test("parse rejects malformed text", () => {
  for (const bad of ["1::2::3", "1:2:3:4:5:6:7", "12345::", "g::1", "1:2:3:4:5:6:7:8:9"]) assert.equal(parseIp6(bad), undefined, bad);
});
