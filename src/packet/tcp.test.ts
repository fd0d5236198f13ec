import assert from "node:assert/strict";
import { test } from "node:test";
import { parseIp4 } from "../model/addr.js";
import { internetChecksum, pseudoHeaderSum } from "./checksum.js";
import { decodeTcp, encodeTcp, linuxOptions } from "./tcp.js";

const [A, B] = [parseIp4("10.244.1.5")!, parseIp4("10.244.2.7")!];

test("Linux option layouts (tcp_options_write order)", () => {
  const kinds = (o: ReturnType<typeof linuxOptions>) => o.map((x) => x.kind).join(",");
  assert.equal(kinds(linuxOptions({ mss: 1460, sackPermitted: true, timestamps: { value: 1, echo: 0 }, wscale: 7 })), "mss,sackOK,timestamps,nop,wscale");
  assert.equal(kinds(linuxOptions({ mss: 1460, sackPermitted: true, wscale: 7 })), "mss,nop,nop,sackOK,nop,wscale");
  assert.equal(kinds(linuxOptions({ mss: 1460, timestamps: { value: 1, echo: 0 }, wscale: 7 })), "mss,nop,nop,timestamps,nop,wscale");
  assert.equal(kinds(linuxOptions({ timestamps: { value: 1, echo: 2 }, sackBlocks: [[1, 2]] })), "nop,nop,timestamps,nop,nop,sack");
});

test("encode derives data offset and a checksum that verifies", () => {
  const bytes = encodeTcp({
    kind: "tcp", sport: 43210, dport: 80, seq: 1234567890, ack: 0, flags: { syn: true }, window: 64240,
    options: linuxOptions({ mss: 1460, sackPermitted: true, timestamps: { value: 3001, echo: 0 }, wscale: 7 }),
  }, A, B);
  assert.equal(bytes.length, 40);
  assert.equal(bytes[12], 10 << 4);
  assert.equal(internetChecksum(bytes, 0, 40, pseudoHeaderSum(A, B, 6, 40)), 0);
  assert.equal(new DataView(bytes.buffer).getUint16(16), 0x32e0, "the value tcpdump printed for the sample SYN");
});

test("partial checksums and odd options survive a round trip; odd checksums do not decode", () => {
  const seg = {
    kind: "tcp" as const, sport: 1, dport: 2, seq: 3, ack: 4, flags: { ack: true, psh: true, ece: true }, window: 5, urgent: 6,
    options: [{ kind: "nop" as const }, { kind: "eol" as const }, { kind: "nop" as const }, { kind: "nop" as const }],
    payload: Uint8Array.from([1, 2, 3]), checksum: "partial" as const,
  };
  const bytes = encodeTcp(seg, A, B);
  assert.deepEqual(decodeTcp(bytes, A, B), seg);
  bytes[16] ^= 0xff;
  assert.equal(decodeTcp(bytes, A, B), undefined);
});
