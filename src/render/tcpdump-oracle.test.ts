// Real tcpdump is the judge: captures built with our encoders are written with
// our pcap writer, read back by /usr/bin/tcpdump (4.99.3, TZ=UTC) under many
// flag sets, and compared byte for byte with TcpdumpPrinter, stdout and
// stderr. Name printing is compared with hosts/services files bind-mounted
// over /etc in a private mount + network namespace (no DNS can answer there),
// the services file being our own RHEL 7 default table.

import assert from "node:assert/strict";
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { formatIp4 } from "../model/addr.js";
import { oracleSkip } from "../../test/support/oracle.js";
import { writePcap } from "./pcap.js";
import { TcpdumpPrinter, readingFromFileBanner } from "./tcpdump.js";
import { DNS_SVC, POD_A, POD_B, type Scenario, ip, optionsFromFlags, otherScenarios, truncated } from "./tcpdump.fixture.js";
import { httpScenarios } from "./tcpdump.fixture-http.js";
import { rhel7ServicesFile } from "./tcpdump-services.js";

const NUMERIC_FLAGS = [
  ["-n"], ["-n", "-e"], ["-n", "-v"], ["-n", "-vv"], ["-n", "-t"], ["-n", "-e", "-v"], ["-n", "-q"], ["-n", "-S"],
  ["-n", "-X"], ["-n", "-A"], ["-n", "-xx"], ["-n", "-XX"], ["-n", "-ttt"], ["-n", "-tttt"], ["-n", "-ttttt", "-#"],
  ["-n", "-e", "-vv", "-tt"], ["-n", "-e", "-q", "-v"],
];
const NAME_FLAGS = [[], ["-e"], ["-vv"], ["-e", "-v"]];

const HOSTS = new Map([
  [POD_A, "client-7d9f8b6c5-x2x4q"], [POD_B, "nginx-6799fc88d8-abcde"], [DNS_SVC, "kube-dns.kube-system.svc.cluster.local"],
  [ip("192.168.56.11"), "node1"], [ip("192.168.56.12"), "node2"],
]);
// ifindex 1 is `lo` in every network namespace; the fixtures use 9000+ for the rest.
const interfaceName = (ifindex: number) => (ifindex === 1 ? "lo" : undefined);

const skip = oracleSkip("tcpdump");
const dir = mkdtempSync(join(tmpdir(), "nettrace-tcpdump-"));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "hosts"), [...HOSTS].map(([a, n]) => `${formatIp4(a)}\t${n}\n`).join(""));
writeFileSync(join(dir, "services"), rhel7ServicesFile());

const env = { ...process.env, TZ: "UTC" };

function realTcpdump(file: string, flags: readonly string[], withNames: boolean): SpawnSyncReturns<string> {
  const args = ["-r", file, ...flags];
  if (!withNames) return spawnSync("tcpdump", args, { cwd: dir, env, encoding: "utf8", maxBuffer: 1 << 28 });
  // tcpdump drops root for its own user after opening the file; inside a user
  // namespace (unshare -r) that setgroups() fails, so this needs real root.
  const script = 'mount --bind "$0/hosts" /etc/hosts && mount --bind "$0/services" /etc/services && exec tcpdump "$@"';
  return spawnSync("unshare", ["-mn", "sh", "-c", script, dir, ...args], { cwd: dir, env, encoding: "utf8", maxBuffer: 1 << 28 });
}

function ours(s: Scenario, file: string, flags: readonly string[], withNames: boolean): { stdout: string; stderr: string } {
  const options = optionsFromFlags(flags);
  if (typeof options === "string") throw new Error(`unsupported flag ${options}`);
  const printer = new TcpdumpPrinter({ ...options, interfaceName, ...(withNames ? { resolveHost: (a) => HOSTS.get(a) } : {}) });
  const snaplen = s.snaplen ?? 262144;
  const stdout = s.packets.map((p) => `${printer.print(p.tsMicros, p.data.subarray(0, snaplen), s.linkType, p.data.length)}\n`).join("");
  return { stdout, stderr: readingFromFileBanner(file, s.linkType, snaplen).map((l) => `${l}\n`).join("") };
}

/** The first differing line, for a readable failure list. */
function firstDifference(a: string, b: string): string {
  const [x, y] = [a.split("\n"), b.split("\n")];
  const i = x.findIndex((line, k) => line !== y[k]);
  const at = i === -1 ? x.length : i;
  return `line ${at + 1}:\n      ours: ${JSON.stringify(x[at])}\n    tcpdump: ${JSON.stringify(y[at])}`;
}

const CHECKSUM_COMPLAINT = /incorrect|bad udp cksum|wrong icmp cksum|bad cksum/;

function compare(s: Scenario, withNames: boolean): string[] {
  const file = `${s.name}.pcap`;
  writeFileSync(join(dir, file), writePcap(s.linkType, s.packets, s.snaplen));
  const problems: string[] = [];
  for (const flags of withNames ? NAME_FLAGS : NUMERIC_FLAGS) {
    const real = realTcpdump(file, flags, withNames);
    if (real.status !== 0) throw new Error(`tcpdump ${flags.join(" ")} failed (${real.status}): ${real.stderr}`);
    const mine = ours(s, file, flags, withNames);
    if (mine.stdout !== real.stdout) problems.push(`${s.name} ${flags.join(" ")}: ${firstDifference(mine.stdout, real.stdout)}`);
    if (mine.stderr !== real.stderr) problems.push(`${s.name} ${flags.join(" ")} (stderr): ${firstDifference(mine.stderr, real.stderr)}`);
    if (flags.includes("-vv") && !s.partialChecksums && CHECKSUM_COMPLAINT.test(real.stdout)) {
      problems.push(`${s.name}: tcpdump -vv complains about a checksum we computed:\n${real.stdout}`);
    }
  }
  return problems;
}

const base = [...httpScenarios(), ...otherScenarios()];
const all = [...base, ...truncated(base)];

test("our encodings print like real tcpdump with -n and many flag sets", { skip }, () => {
  const problems = all.flatMap((s) => compare(s, false));
  assert.deepEqual(problems, []);
});

test("host and port names print like real tcpdump (hosts + RHEL 7 services)", { skip }, (t) => {
  const probe = realTcpdump("none.pcap", [], true);
  if (/mount|unshare/.test(probe.stderr)) {
    const reason = `cannot bind-mount /etc files here: ${probe.stderr.trim()}`;
    if (process.env.CI) throw new Error(reason);
    return t.skip(reason);
  }
  const problems = base.flatMap((s) => compare(s, true));
  assert.deepEqual(problems, []);
});

test("the oracle comparison notices a one-character difference", { skip }, () => {
  // Guard against a comparison that cannot fail: flip one byte of one packet
  // for tcpdump only, and expect a reported difference.
  const s = base[0]!;
  const tampered: Scenario = { ...s, name: "tampered" };
  const file = "tampered.pcap";
  const packets = s.packets.map((p, i) => (i === 0 ? { ...p, data: Uint8Array.from(p.data, (b, k) => (k === 20 ? b ^ 1 : b)) } : p));
  writeFileSync(join(dir, file), writePcap(s.linkType, packets));
  const real = realTcpdump(file, ["-n", "-v"], false);
  assert.notEqual(ours(tampered, file, ["-n", "-v"], false).stdout, real.stdout);
});
