// Real tcpdump reading our pcap files prints exactly the lines our renderer
// prints for the same interface: the pcap bytes and the text agree.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { oracleSkip } from "./support/oracle.js";
import { runCli } from "./support/cli.js";

const FLOWS: string[][] = [
  ["trace", "client", "web"],
  ["trace", "-f", "test/fixtures/trace/udp.yaml", "client-a", "web-b"],
  ["trace", "-f", "test/fixtures/trace/small.yaml", "web-a", "10.96.0.3", "--seed", "2"],
  ["trace", "-f", "test/fixtures/trace/small.yaml", "client-a", "empty"],
  ["trace", "-f", "test/fixtures/trace/small.yaml", "laptop", "node-a:30082"],
  // A RELATED ICMP error whose quoted packet NAT rewrote: real tcpdump -v checks the checksums.
  ["trace", "-f", "test/fixtures/trace/udp-closed.yaml", "client-a", "stats:8125"],
  // IPVS: the same error rewritten by ip_vs_out_icmp (quoted IP checksum redone, quoted UDP checksum left alone),
  // and a node's own request sent on by IPVS (TTL 63, checksums still partial on the way out).
  ["trace", "-f", "test/fixtures/trace/udp-closed-ipvs.yaml", "client-a", "stats:8125"],
  ["trace", "-f", "test/fixtures/trace/ipvs.yaml", "node-a", "10.96.0.3", "--seed", "4"],
];

const FLAG_SETS: string[][] = [["-n"], ["-n", "-e"], ["-n", "-v"], ["-n", "-e", "-v"], ["-n", "-tt"]];

for (const flow of FLOWS) {
  test(`real tcpdump -r agrees with our text: ${flow.slice(1).join(" ")}`, { skip: oracleSkip("tcpdump") }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "nettrace-pcap-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    await runCli([...flow, "--pcap", dir]);
    const files = readdirSync(dir).sort();
    assert.ok(files.length >= 2, "one pcap per interface");
    for (const flags of FLAG_SETS) {
      for (const file of files) {
        const real = spawnSync("tcpdump", ["-r", join(dir, file), ...flags], { encoding: "utf8", env: { ...process.env, TZ: "UTC" } });
        assert.equal(real.status, 0, real.stderr);
        const [netns, dev] = splitName(file);
        const tFlags = flags.filter((f) => f !== "-n");
        const ours = await runCli([...flow, "-n", ...tFlags, "--on", netns, "-i", dev]);
        assert.equal(ours.stdout, real.stdout, `${file} ${flags.join(" ")}`);
      }
    }
  });
}

/** `default_client-eth0.pcap` → ["default/client", "eth0"]; interface names never contain "-"... except veths, which have no dots either. */
function splitName(file: string): [string, string] {
  const base = file.replace(/\.pcap$/, "");
  const m = /^(.*)-((?:eth|cni|docker|flannel|veth|lo)[\w.]*)$/.exec(base)!;
  return [m[1]!.replace(/_/g, "/"), m[2]!];
}
