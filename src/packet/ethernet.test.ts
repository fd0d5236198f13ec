// Real captured bytes (the crafted samples and every frame of the flannel
// lab) decode into our types and encode back to the very same bytes.

import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { formatIp4 } from "../model/addr.js";
import { readPcap } from "../render/pcap.js";
import { decodeFrame, encodeFrame } from "./ethernet.js";

const FIXTURES = join(process.cwd(), "test", "fixtures", "tcpdump");

function ethernetCaptures(): Array<{ file: string; frames: Uint8Array[] }> {
  return [FIXTURES, join(FIXTURES, "lab")].flatMap((dir) =>
    readdirSync(dir).filter((f) => f.endsWith(".pcap")).map((f) => ({ file: f, pcap: readPcap(readFileSync(join(dir, f))) }))
      .filter(({ pcap }) => pcap.linkType === 1)
      .map(({ file, pcap }) => ({ file, frames: pcap.records.map((r) => r.data) })));
}

test("every captured Ethernet frame round-trips byte for byte", () => {
  let frames = 0;
  for (const { file, frames: list } of ethernetCaptures()) {
    list.forEach((bytes, i) => {
      const decoded = decodeFrame(bytes);
      assert.ok(decoded, `${file} #${i + 1} decodes`);
      assert.deepEqual(encodeFrame(decoded), bytes, `${file} #${i + 1} re-encodes`);
      frames++;
    });
  }
  assert.ok(frames > 300, `only ${frames} frames checked`);
});

test("the sample SYN decodes into the fields tcpdump printed", () => {
  const pcap = readPcap(readFileSync(join(FIXTURES, "tcp_http_mss1460.pcap")));
  const frame = decodeFrame(pcap.records[0]!.data)!;
  assert.equal(frame.src, "5e:d1:9c:01:05:05");
  assert.equal(frame.dst, "ce:7d:3a:11:11:02");
  assert.equal(frame.payload.kind, "ipv4");
  if (frame.payload.kind !== "ipv4") return;
  assert.equal(formatIp4(frame.payload.src), "10.244.1.5");
  assert.deepEqual({ id: frame.payload.id, ttl: frame.payload.ttl, df: frame.payload.df }, { id: 11111, ttl: 64, df: true });
  assert.deepEqual(frame.payload.payload, {
    kind: "tcp", sport: 43210, dport: 80, seq: 1234567890, ack: 0, flags: { syn: true }, window: 64240,
    options: [{ kind: "mss", value: 1460 }, { kind: "sackOK" }, { kind: "timestamps", value: 3001, echo: 0 }, { kind: "nop" }, { kind: "wscale", shift: 7 }],
  });
});

test("DNS and VXLAN payloads decode structurally (our compression matches the real responders')", () => {
  const kinds = new Set<string>();
  for (const file of ["dns_udp.pcap", "vxlan_8472.pcap", "vxlan_4789.pcap", "lab/node1-eth0.pcap"]) {
    for (const r of readPcap(readFileSync(join(FIXTURES, file))).records) {
      const f = decodeFrame(r.data)!;
      if (f.payload.kind !== "ipv4" || f.payload.payload.kind !== "udp") continue;
      const p = f.payload.payload.payload;
      assert.ok(!(p instanceof Uint8Array), `${file}: UDP ${f.payload.payload.sport} > ${f.payload.payload.dport} stayed raw`);
      kinds.add(p.kind);
    }
  }
  assert.deepEqual([...kinds].sort(), ["dns", "vxlan"]);
});
