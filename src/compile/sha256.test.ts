import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { sha256, sha256Hex } from "./sha256.js";

test("sha256 and sha256Hex give the bytes and hex of node:crypto's sha256, for any text", () => {
  for (const text of ["", "veth/lab/default/client", "KUBE-SVC default/web:http tcp", "pod-eth0/ünïcode/名前"]) {
    const want = createHash("sha256").update(text).digest();
    assert.deepEqual(Buffer.from(sha256(text)), want, text);
    assert.equal(sha256Hex(text), want.toString("hex"), text);
  }
});
