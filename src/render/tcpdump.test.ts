// Our printer against what real tcpdump 4.99.3 printed for the reference
// captures (test/fixtures/tcpdump/: crafted samples and the flannel namespace
// lab). Every `$ tcpdump -r FILE FLAGS` section of the observed transcripts is
// replayed through readPcap + TcpdumpPrinter and compared byte for byte.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseIp4 } from "../model/addr.js";
import { encodeFrame } from "../packet/ethernet.js";
import { type PcapFile, LINKTYPE, readPcap } from "./pcap.js";
import {
  type LinkType, type TcpdumpOptions, TcpdumpPrinter, captureSummary, listeningBanner, readingFromFileBanner,
} from "./tcpdump.js";
import { optionsFromFlags } from "./tcpdump.fixture.js";

const FIXTURES = join(process.cwd(), "test", "fixtures", "tcpdump");

interface Section {
  readonly command: string;
  readonly output: string;
}

/** Splits a render.sh transcript into `$ tcpdump ...` sections (output ends before the echo'd blank line). */
function sections(transcript: string): Section[] {
  const out: Section[] = [];
  const lines = transcript.replace(/\n$/, "").split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith("$ ")) continue;
    let j = i + 1;
    while (j < lines.length && !lines[j]!.startsWith("$ ") && !lines[j]!.startsWith("################")) j++;
    // Drop the one blank line render.sh echoes after each command's output.
    let body = lines.slice(i + 1, j);
    if (body[body.length - 1] === "") body = body.slice(0, -1);
    out.push({ command: lines[i]!.slice(2), output: body.join("\n") });
    i = j - 1;
  }
  return out;
}

interface Replay {
  readonly file: string;
  readonly options: TcpdumpOptions;
  readonly count?: number;
}

/** A transcript command -> what to replay; a string is the reason it cannot be. */
function replayOf(command: string, names: Pick<TcpdumpOptions, "resolveHost" | "resolvePort">): Replay | string {
  const args = command.replace(/^.*?tcpdump /, "").split(/\s+/).filter(Boolean);
  let file = "";
  let count: number | undefined;
  const flags: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "-r") file = args[++i]!;
    else if (args[i] === "-c") count = Number(args[++i]);
    else flags.push(args[i]!);
  }
  const options = optionsFromFlags(flags);
  if (typeof options === "string") return `flag ${options} is not implemented`;
  return { file, options: { ...options, ...names }, ...(count !== undefined ? { count } : {}) };
}

const LINK_NAMES = new Map<number, LinkType>([
  [LINKTYPE.EN10MB, "EN10MB"], [LINKTYPE.RAW, "RAW"], [LINKTYPE.LINUX_SLL, "LINUX_SLL"], [LINKTYPE.LINUX_SLL2, "LINUX_SLL2"],
]);

// if_indextoname where each transcript was made: the crafting host for the
// samples, inside the lab's rf-node1 namespace for node1-any.pcap.
const INTERFACES: Record<string, ReadonlyMap<number, string>> = {
  "sll2_any.pcap": new Map([[4, "eth0"]]),
  "node1-any.pcap": new Map([[2, "rf-eth0"], [3, "rf-flannel.1"], [4, "rf-cni0"], [5, "rf-veth3c9a1f2e"], [6, "rf-veth7b20d4a1"]]),
};

function render(dir: string, replay: Replay): string | undefined {
  const pcap: PcapFile = readPcap(readFileSync(join(dir, replay.file.replace(/^lab\//, ""))));
  const link = LINK_NAMES.get(pcap.linkType);
  if (!link) return undefined;
  const interfaces = INTERFACES[replay.file];
  const printer = new TcpdumpPrinter({ ...replay.options, interfaceName: (i) => interfaces?.get(i) });
  const records = pcap.records.slice(0, replay.count ?? pcap.records.length);
  const lines = readingFromFileBanner(replay.file, link, pcap.snaplen);
  for (const r of records) lines.push(printer.print(r.tsMicros, r.data, link, r.wireLength));
  return lines.join("\n");
}

function hostsFile(text: string): (ip: number) => string | undefined {
  const map = new Map<number, string>();
  for (const line of text.split("\n")) {
    const [addr, name] = line.replace(/#.*/, "").trim().split(/\s+/);
    const ip = addr ? parseIp4(addr) : undefined;
    if (ip !== undefined && name && !map.has(ip)) map.set(ip, name);
  }
  return (ip) => map.get(ip);
}

function servicesFile(text: string): (port: number, proto: "tcp" | "udp") => string | undefined {
  const map = new Map<string, string>();
  for (const line of text.split("\n")) {
    const [name, spec] = line.replace(/#.*/, "").trim().split(/\s+/);
    if (name && spec && !map.has(spec)) map.set(spec, name);
  }
  return (port, proto) => map.get(`${port}/${proto}`);
}

function replayTranscript(dir: string, transcript: string, expectedSections: number): void {
  const labHosts = hostsFile(readFileSync(join(FIXTURES, "lab", "hosts"), "utf8"));
  const debian = readFileSync(join(FIXTURES, "lab", "services.debian"), "utf8");
  let compared = 0;
  const skipped: string[] = [];
  for (const s of sections(transcript)) {
    const services = s.command.startsWith("[debian services]") ? debian
      : s.command.startsWith("[rhel-like services]") ? `${debian}\notv 8472/udp\nvxlan 4789/udp\n` : undefined;
    const names = services ? { resolveHost: labHosts, resolvePort: servicesFile(services) } : {};
    const replay = replayOf(s.command, names);
    const actual = typeof replay === "string" ? undefined : render(dir, replay);
    if (actual === undefined) {
      skipped.push(`${s.command}: ${typeof replay === "string" ? replay : "link type not printed here"}`);
      continue;
    }
    assert.equal(actual, s.output, `tcpdump ${s.command}`);
    compared++;
  }
  // Every section must replay: a skipped one would be a comparison that cannot fail.
  assert.deepEqual(skipped, []);
  assert.equal(compared, expectedSections, "sections compared");
}

test("crafted samples print exactly as tcpdump 4.99.3 printed them", () => {
  replayTranscript(FIXTURES, readFileSync(join(FIXTURES, "observed-crafted.txt"), "utf8"), 45);
});

test("the replay would catch a one-character difference", () => {
  const transcript = readFileSync(join(FIXTURES, "observed-crafted.txt"), "utf8").replace("win 64240,", "win 64241,");
  assert.throws(() => replayTranscript(FIXTURES, transcript, 45), /tcpdump -r tcp_http_mss1460.pcap -n/);
});

test("flannel lab captures print exactly as tcpdump 4.99.3 printed them", () => {
  replayTranscript(join(FIXTURES, "lab"), readFileSync(join(FIXTURES, "lab", "observed-lab.txt"), "utf8"), 19);
});

// The banner and summary forms tcpdump writes to stderr (observed-live.txt).
test("live capture banners and the exit summary", () => {
  assert.deepEqual(listeningBanner("rf-eth0", "EN10MB"), [
    "tcpdump: verbose output suppressed, use -v[v]... for full protocol decode",
    "listening on rf-eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes",
  ]);
  assert.deepEqual(listeningBanner("rf-eth0", "EN10MB", { verbose: true }), ["tcpdump: listening on rf-eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes"]);
  assert.deepEqual(listeningBanner("rf-eth0", "EN10MB", { writing: true }), ["tcpdump: listening on rf-eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes"]);
  assert.deepEqual(listeningBanner("any", "LINUX_SLL2"), [
    "tcpdump: data link type LINUX_SLL2",
    "tcpdump: verbose output suppressed, use -v[v]... for full protocol decode",
    "listening on any, link-type LINUX_SLL2 (Linux cooked v2), snapshot length 262144 bytes",
  ]);
  assert.deepEqual(readingFromFileBanner("x.pcap", "RAW"), ["reading from file x.pcap, link-type RAW (Raw IP), snapshot length 262144"]);
  assert.deepEqual(captureSummary({ captured: 2, received: 2, droppedByKernel: 0 }), [
    "2 packets captured", "2 packets received by filter", "0 packets dropped by kernel",
  ]);
  assert.deepEqual(captureSummary({ captured: 1, received: 1, droppedByKernel: 1, droppedByInterface: 1 }), [
    "1 packet captured", "1 packet received by filter", "1 packet dropped by kernel", "1 packet dropped by interface",
  ]);
});

test("timestamps: delta modes, the all-zero reference quirk, dates past 2038", () => {
  const frame = encodeFrame({
    src: "5e:d1:9c:01:05:05", dst: "ff:ff:ff:ff:ff:ff",
    payload: { kind: "arp", op: "request", senderMac: "5e:d1:9c:01:05:05", senderIp: 1, targetMac: "00:00:00:00:00:00", targetIp: 2 },
  });
  const lines = (mode: TcpdumpOptions["timestamps"], stamps: bigint[]) => {
    const p = new TcpdumpPrinter({ numeric: true, timestamps: mode });
    return stamps.map((ts) => p.print(ts, frame, "EN10MB").split(" ARP")[0]);
  };
  assert.deepEqual(lines("delta", [5_000_000n, 4_000_000n, 90_065_000_001n]), [" 00:00:00.000000", "-00:00:01.000000", " 01:01:01.000001"]);
  assert.deepEqual(lines("since-first", [0n, 7n, 9n]), [" 00:00:00.000000", " 00:00:00.000000", " 00:00:00.000002"]);
  assert.deepEqual(lines("epoch", [2_147_483_648_000_000n]), ["[Error converting time]"]);
  assert.deepEqual(lines("date", [1_700_000_000_100_000n]), ["2023-11-14 22:13:20.100000"]);
});

