// Real tcpdump is the judge: every expression of test/fixtures/filter/expressions.txt
// runs through `tcpdump -r ALL.pcap -w - EXPR` and through compileFilter(), and
// the selected packets (or the error line) must be identical. ALL.pcap is every
// fixture capture plus the crafted frames, one file per link type, with each
// record's timestamp rewritten to its index so tcpdump's output names the packets.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { oracleSkip } from "../../test/support/oracle.js";
import { compileFilter, FilterError, type FilterLinkType } from "./filter.js";
import {
  CRAFTED_EN10MB, CRAFTED_RAW, LINKTYPE_ETHERNET, LINKTYPE_RAW, readPcap, writePcap, type PcapRecord,
} from "./filter-frames.fixture.js";
import { lookupService, SERVICE_NAMES } from "./filter-names.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/filter/", import.meta.url));
const skip = oracleSkip("tcpdump");

interface Sample {
  label: string;
  rec: PcapRecord;
}

/** Every fixture record of one link type, then the crafted frames, labelled for messages. */
function samples(linkType: number): Sample[] {
  const out: Sample[] = [];
  for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith(".pcap")).sort()) {
    const pcap = readPcap(readFileSync(join(FIXTURES, file)));
    if (pcap.linkType !== linkType) continue;
    pcap.records.forEach((rec, i) => out.push({ label: `${file}#${i + 1}`, rec }));
  }
  const crafted = linkType === LINKTYPE_ETHERNET ? CRAFTED_EN10MB : CRAFTED_RAW;
  for (const f of crafted) {
    out.push({ label: `crafted:${f.name}`, rec: { tsSec: 0, tsUsec: 0, bytes: f.bytes, wireLen: f.wireLen ?? f.bytes.length } });
  }
  return out;
}

const LINKS: Array<{ link: FilterLinkType; dlt: number }> = [
  { link: "EN10MB", dlt: LINKTYPE_ETHERNET },
  { link: "RAW", dlt: LINKTYPE_RAW },
];
const dir = mkdtempSync(join(tmpdir(), "filter-oracle-"));
const corpora = LINKS.map(({ link, dlt }) => {
  const list = samples(dlt);
  const path = join(dir, `${link}.pcap`);
  writeFileSync(path, writePcap(dlt, list.map((s, i) => ({ ...s.rec, tsSec: i, tsUsec: 0 }))));
  return { link, path, list };
});

type Outcome = { error: string } | { selected: number[] };

function tcpdump(args: string[], env?: NodeJS.ProcessEnv): Promise<{ status: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    execFile("tcpdump", args, { encoding: "buffer", maxBuffer: 1 << 28, env: env ?? process.env }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ status, stdout, stderr: stderr.toString() });
    });
  });
}

async function theirs(path: string, expr: string, hostsFile?: string): Promise<Outcome> {
  const args = ["-r", path, "-w", "-", expr];
  const r = hostsFile ? withHosts(hostsFile, args) : await tcpdump(args);
  if (r.status !== 0) return { error: r.stderr.split("\n").find((l) => l.startsWith("tcpdump: ")) ?? r.stderr };
  return { selected: readPcap(r.stdout).records.map((rec) => rec.tsSec) };
}

/** tcpdump in a private mount namespace where `hostsFile` is /etc/hosts. */
function withHosts(hostsFile: string, args: string[]) {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
  // tcpdump drops root privileges when it is uid 0; a nested namespace makes it uid 1000 instead.
  const script = `mount --bind '${hostsFile}' /etc/hosts && exec unshare --map-user=1000 --map-group=1000 tcpdump ${quoted}`;
  const r = spawnSync("unshare", ["-rm", "sh", "-c", script], { maxBuffer: 1 << 28 });
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr.toString() };
}

function ours(corpus: (typeof corpora)[number], expr: string, resolveHost?: (n: string) => number | undefined): Outcome {
  try {
    const f = compileFilter(expr, { linkType: corpus.link, ...(resolveHost ? { resolveHost } : {}) });
    return { selected: corpus.list.flatMap((s, i) => (f.matches(s.rec.bytes, corpus.link, s.rec.wireLen) ? [i] : [])) };
  } catch (e) {
    if (e instanceof FilterError) return { error: e.message };
    throw e;
  }
}

/** One line per disagreement, naming the packets that only one side selected. */
function compare(corpus: (typeof corpora)[number], expr: string, want: Outcome, got: Outcome): string | undefined {
  const where = `${corpus.link} [${expr}]`;
  if ("error" in want || "error" in got) {
    const w = "error" in want ? want.error : "(accepted)";
    const g = "error" in got ? got.error : "(accepted)";
    return w === g ? undefined : `${where}: tcpdump says ${w} / we say ${g}`;
  }
  const only = (a: number[], b: number[]) => a.filter((i) => !b.includes(i)).map((i) => corpus.list[i]!.label);
  const missing = only(want.selected, got.selected);
  const extra = only(got.selected, want.selected);
  if (!missing.length && !extra.length) return undefined;
  return `${where}: we miss [${missing.join(", ")}] and wrongly select [${extra.join(", ")}]`;
}

function sections(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let current = "";
  for (const line of readFileSync(join(FIXTURES, "expressions.txt"), "utf8").split("\n")) {
    const head = /^\[(\w+)\]$/.exec(line);
    if (head) current = head[1]!;
    else if (current && !line.startsWith("#") && (line !== "" || current === "select")) (out[current] ??= []).push(line);
  }
  // The blank line right after the header is the empty expression; trailing blanks are not.
  out.select = [...new Set(out.select ?? [])];
  return out;
}

/** Runs `jobs` with a few tcpdump processes at a time. */
async function pool<T>(jobs: Array<() => Promise<T>>, width = 8): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

const CASES = sections();

test("the expression list is the one the brief asks for", () => {
  assert.ok(CASES.select!.length >= 60, `only ${CASES.select!.length} selecting expressions`);
  assert.ok(CASES.error!.length >= 10);
  assert.ok(corpora[0]!.list.length > 300 && corpora[1]!.list.length >= 6, "fixture captures went missing");
});

test("selections agree with tcpdump on every fixture packet", { skip }, async () => {
  const jobs = corpora.flatMap((c) => CASES.select!.map((e) => async () => ({ c, e, want: await theirs(c.path, e) })));
  const problems: string[] = [];
  let nonTrivial = 0;
  for (const { c, e, want } of await pool(jobs)) {
    // Some expressions are refused on one link type only (`arp` on RAW rejects everything).
    if (c.link === "EN10MB") assert.ok(!("error" in want), `tcpdump refused [${e}] on Ethernet: ${"error" in want && want.error}`);
    if ("selected" in want && want.selected.length > 0 && want.selected.length < c.list.length) nonTrivial++;
    const diff = compare(c, e, want, ours(c, e));
    if (diff) problems.push(diff);
  }
  assert.deepEqual(problems, []);
  assert.ok(nonTrivial >= 100, `only ${nonTrivial} expression/link pairs select a proper subset`);
});

test("error messages agree with tcpdump", { skip }, async () => {
  const c = corpora[0]!;
  const problems: string[] = [];
  for (const { e, want } of await pool(CASES.error!.map((e) => async () => ({ e, want: await theirs(c.path, e) })))) {
    assert.ok("error" in want, `tcpdump accepted [${e}], which the list says is an error`);
    const diff = compare(c, e, want, ours(c, e));
    if (diff) problems.push(diff);
  }
  assert.deepEqual(problems, []);
});

test("constructs we do not model are refused by name, never guessed", { skip }, async () => {
  const c = corpora[0]!;
  for (const { e, want } of await pool(CASES.unsupported!.map((e) => async () => ({ e, want: await theirs(c.path, e) })))) {
    assert.ok("selected" in want, `tcpdump refuses [${e}]; it belongs in [error]`);
    assert.throws(() => compileFilter(e), (err: unknown) => err instanceof FilterError && err.code === "filter-unsupported", e);
  }
});

test("service names mean what this host's /etc/services says", { skip }, async () => {
  const c = corpora[0]!;
  const names = [...new Set(SERVICE_NAMES.flatMap((s) => s.names))].filter((n) => n !== "otv" && n !== "vxlan");
  const code = async (expr: string) => (await tcpdump(["-r", c.path, "-d", expr])).stdout.toString();
  const problems: string[] = [];
  await pool(names.map((name) => async () => {
    const svc = lookupService(name)!;
    const equivalent = `${svc.proto === "any" ? "" : `${svc.proto} `}port ${svc.port}`;
    if ((await code(`port ${name}`)) !== (await code(equivalent))) problems.push(`port ${name} is not ${equivalent}`);
  }));
  assert.deepEqual(problems, []);
});

const HOSTS: Record<string, string> = {
  "client-7d9f8b6c5-x2x4q": "10.244.1.5", "nginx-6799fc88d8-abcde": "10.244.2.7",
  xiaomi: "192.168.56.11", meizu: "192.168.56.12",
};
const NAMED = ["host xiaomi", "src meizu and udp", "host nginx-6799fc88d8-abcde", "ip host xiaomi",
  "arp host meizu", "dst client-7d9f8b6c5-x2x4q or meizu", "ip6 host xiaomi", "net xiaomi", "host no-such-pod"];

test("host names resolve like /etc/hosts entries", { skip: skip ?? oracleSkip("unshare") }, async () => {
  const hostsFile = join(dir, "hosts");
  writeFileSync(hostsFile, Object.entries(HOSTS).map(([n, a]) => `${a}\t${n}\n`).join(""));
  const resolve = (n: string) => {
    const a = HOSTS[n]?.split(".").map(Number);
    return a ? ((a[0]! << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!) >>> 0 : undefined;
  };
  const problems: string[] = [];
  for (const c of corpora) {
    for (const e of NAMED) {
      const want = await theirs(c.path, e, hostsFile);
      const diff = compare(c, e, want, ours(c, e, resolve));
      if (diff) problems.push(diff);
    }
  }
  assert.deepEqual(problems, []);
});
