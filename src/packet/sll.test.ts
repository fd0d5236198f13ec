import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { readPcap } from "../render/pcap.js";
import { decodeCooked, encodeCooked } from "./sll.js";

const FIXTURES = join(process.cwd(), "test", "fixtures", "tcpdump");

test("cooked captures (tcpdump -i any) round-trip byte for byte", () => {
  for (const [file, version] of [["sll1_any.pcap", 1], ["sll2_any.pcap", 2], ["lab/node1-any.pcap", 2]] as const) {
    const records = readPcap(readFileSync(join(FIXTURES, file))).records;
    records.forEach((r, i) => {
      const decoded = decodeCooked(r.data, version);
      assert.ok(decoded, `${file} #${i + 1} decodes`);
      assert.deepEqual(encodeCooked(decoded), r.data, `${file} #${i + 1}`);
    });
  }
});

test("the lab's -i any header fields", () => {
  const first = decodeCooked(readPcap(readFileSync(join(FIXTURES, "lab", "node1-any.pcap"))).records[0]!.data, 2)!;
  assert.deepEqual({ ifindex: first.ifindex, direction: first.direction, address: first.address, kind: first.payload.kind },
    { ifindex: 5, direction: "broadcast", address: "5e:d1:9c:01:05:05", kind: "arp" });
});
