import assert from "node:assert/strict";
import { test } from "node:test";
import { internetChecksum } from "./checksum.js";
import { type IcmpMessage, UNREACH, decodeIcmp, encodeIcmp, linuxQuote } from "./icmp.js";

test("Linux quotes at most 548 bytes so the error fits in 576", () => {
  assert.equal(linuxQuote(new Uint8Array(1500)).length, 548);
  assert.equal(linuxQuote(new Uint8Array(34)).length, 34);
});

test("encode/decode round trips with a verifying checksum", () => {
  const messages: IcmpMessage[] = [
    { kind: "icmp", type: "echo-request", id: 19082, seq: 1, data: Uint8Array.from({ length: 56 }, (_, i) => i) },
    { kind: "icmp", type: "echo-reply", id: 1, seq: 65535, data: new Uint8Array(0) },
    { kind: "icmp", type: "dest-unreachable", code: UNREACH.port, quoted: Uint8Array.from([0x45, 0, 0, 34]) },
    { kind: "icmp", type: "dest-unreachable", code: UNREACH.needFrag, mtu: 1450, quoted: new Uint8Array(28) },
    { kind: "icmp", type: "time-exceeded", code: 0, quoted: new Uint8Array(28) },
  ];
  for (const m of messages) {
    const bytes = encodeIcmp(m);
    assert.equal(internetChecksum(bytes), 0, m.type);
    assert.deepEqual(decodeIcmp(bytes), m, m.type);
  }
});
