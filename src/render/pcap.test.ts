import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { PcapFormatError, readPcap, writePcap } from "./pcap.js";

const FIXTURES = join(process.cwd(), "test", "fixtures", "tcpdump");

test("the global header is what tcpdump -w writes on x86", () => {
  const file = writePcap("EN10MB", []);
  assert.equal(file.toString("hex"), "d4c3b2a1" + "0200" + "0400" + "00000000" + "00000000" + "00000400" + "01000000");
  assert.equal(writePcap("RAW", []).readUInt32LE(20), 101);
  assert.equal(writePcap("LINUX_SLL2", []).readUInt32LE(20), 276);
});

test("records carry seconds, microseconds, captured and wire lengths", () => {
  const file = writePcap("EN10MB", [{ tsMicros: 1_795_288_752_934_563n, data: new Uint8Array(42).fill(7) }, { tsMicros: 5, data: new Uint8Array(100), wireLength: 1500 }], 60);
  assert.equal(file.length, 24 + 16 + 42 + 16 + 60);
  assert.deepEqual([file.readUInt32LE(24), file.readUInt32LE(28), file.readUInt32LE(32), file.readUInt32LE(36)], [1795288752, 934563, 42, 42]);
  assert.deepEqual([file.readUInt32LE(82), file.readUInt32LE(86), file.readUInt32LE(90), file.readUInt32LE(94)], [0, 5, 60, 1500]);
  const back = readPcap(file);
  assert.equal(back.snaplen, 60);
  assert.deepEqual(back.records.map((r) => [r.tsMicros, r.data.length, r.wireLength]), [[1_795_288_752_934_563n, 42, 42], [5n, 60, 1500]]);
});

test("every reference capture reads back and re-writes to the same bytes", () => {
  for (const file of ["tcp_http_mss1460.pcap", "sll2_any.pcap", "lab/flannel0-tun.pcap", "lab/node1-eth0.pcap"]) {
    const bytes = readFileSync(join(FIXTURES, file));
    const pcap = readPcap(bytes);
    assert.deepEqual(writePcap(pcap.linkType, pcap.records, pcap.snaplen), bytes, file);
  }
  assert.equal(readPcap(readFileSync(join(FIXTURES, "lab", "node1-eth0.pcap"))).records[0]!.tsMicros, 1_795_288_752_934_695n);
});

test("big-endian and nanosecond files are read too", () => {
  const be = Buffer.alloc(24 + 16 + 4);
  be.writeUInt32BE(0xa1b23c4d, 0);
  be.writeUInt16BE(2, 4);
  be.writeUInt16BE(4, 6);
  be.writeUInt32BE(65535, 16);
  be.writeUInt32BE(1, 20);
  be.writeUInt32BE(10, 24);
  be.writeUInt32BE(123_456_789, 28);
  be.writeUInt32BE(4, 32);
  be.writeUInt32BE(4, 36);
  const pcap = readPcap(be);
  assert.equal(pcap.linkType, 1);
  assert.equal(pcap.records[0]!.tsMicros, 10_123_456n);
});

test("garbage is refused with a format error", () => {
  assert.throws(() => readPcap(new Uint8Array(10)), PcapFormatError);
  assert.throws(() => readPcap(new Uint8Array(24)), PcapFormatError);
  const cut = writePcap("EN10MB", [{ tsMicros: 1, data: new Uint8Array(20) }]).subarray(0, 50);
  assert.throws(() => readPcap(cut), PcapFormatError);
});
