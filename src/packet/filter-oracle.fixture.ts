// The tcpdump oracle used by filter-oracle.test.ts and filter-fuzz.test.ts:
// every fixture capture plus the crafted frames, written as one pcap per link
// type (Ethernet, RAW, Linux cooked v2) with each record's timestamp replaced by its index (so tcpdump's `-w -`
// output names the packets it kept), and the two verdicts to compare.

import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compileFilter, FilterError, type FilterLinkType } from "./filter.js";
import {
  CRAFTED_EN10MB, CRAFTED_RAW, CRAFTED_SLL2, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW, readPcap,
  writePcap, type PcapRecord,
} from "./filter-frames.fixture.js";

export const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/filter/", import.meta.url));

interface Sample {
  label: string;
  rec: PcapRecord;
}

export interface Corpus {
  link: FilterLinkType;
  path: string;
  list: Sample[];
}

/** Every fixture record of one link type, then the crafted frames, labelled for messages. */
function samples(linkType: number): Sample[] {
  const out: Sample[] = [];
  for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith(".pcap")).sort()) {
    const pcap = readPcap(readFileSync(join(FIXTURES, file)));
    if (pcap.linkType !== linkType) continue;
    pcap.records.forEach((rec, i) => out.push({ label: `${file}#${i + 1}`, rec }));
  }
  const crafted = { [LINKTYPE_ETHERNET]: CRAFTED_EN10MB, [LINKTYPE_RAW]: CRAFTED_RAW, [LINKTYPE_LINUX_SLL2]: CRAFTED_SLL2 }[linkType] ?? [];
  for (const f of crafted) {
    out.push({ label: `crafted:${f.name}`, rec: { tsSec: 0, tsUsec: 0, bytes: f.bytes, wireLen: f.wireLen ?? f.bytes.length } });
  }
  return out;
}

/** [Ethernet, RAW, LINUX_SLL2] corpora written into `dir`. */
export function buildCorpora(dir: string): Corpus[] {
  const links: Array<[FilterLinkType, number]> = [
    ["EN10MB", LINKTYPE_ETHERNET], ["RAW", LINKTYPE_RAW], ["LINUX_SLL2", LINKTYPE_LINUX_SLL2],
  ];
  return links.map(([link, dlt]) => {
    const list = samples(dlt);
    const path = join(dir, `${link}.pcap`);
    writeFileSync(path, writePcap(dlt, list.map((s, i) => ({ ...s.rec, tsSec: i, tsUsec: 0 }))));
    return { link, path, list };
  });
}

export type Outcome = { error: string } | { selected: number[] };

export function tcpdump(args: string[]): Promise<{ status: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    execFile("tcpdump", args, { encoding: "buffer", maxBuffer: 1 << 28 }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ status, stdout, stderr: stderr.toString() });
    });
  });
}

/** What tcpdump keeps of the corpus, or the error line it prints. */
export async function theirs(path: string, expr: string, hostsFile?: string): Promise<Outcome> {
  const args = ["-r", path, "-w", "-", expr];
  const r = hostsFile ? withHosts(hostsFile, args) : await tcpdump(args);
  if (r.status !== 0) return { error: r.stderr.split("\n").find((l) => l.startsWith("tcpdump: ")) ?? r.stderr };
  return { selected: readPcap(r.stdout).records.map((rec) => rec.tsSec) };
}

/**
 * Many expressions against one capture: a few shells each run their share of
 * tcpdumps (forking a small shell is far cheaper than spawning from node), with
 * scratch files in memory when the host offers /dev/shm.
 */
export async function theirsMany(path: string, exprs: readonly string[], workers = 4): Promise<Outcome[]> {
  const dir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "filter-oracle-"));
  const script = 'i=0; while IFS= read -r e; do tcpdump -r "$PCAP" -w "$W.$i.pcap" "$e" 2> "$W.$i.err"; echo $? > "$W.$i.rc"; i=$((i+1)); done < "$W"';
  try {
    const share = (w: number) => exprs.flatMap((e, i) => (i % workers === w ? [e] : []));
    await Promise.all(Array.from({ length: workers }, (_, w) => new Promise<void>((resolve, reject) => {
      const list = join(dir, `w${w}`);
      writeFileSync(list, share(w).map((e) => `${e}\n`).join(""));
      execFile("sh", ["-c", script], { env: { ...process.env, PCAP: path, W: list } }, (err) => (err ? reject(err) : resolve()));
    })));
    return exprs.map((_, i) => {
      const base = join(dir, `w${i % workers}.${Math.floor(i / workers)}`);
      if (readFileSync(`${base}.rc`, "utf8").trim() !== "0") {
        const stderr = readFileSync(`${base}.err`, "utf8");
        return { error: stderr.split("\n").find((l) => l.startsWith("tcpdump: ")) ?? stderr };
      }
      return { selected: readPcap(readFileSync(`${base}.pcap`)).records.map((rec) => rec.tsSec) };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** tcpdump in a private mount namespace where `hostsFile` is /etc/hosts. */
function withHosts(hostsFile: string, args: string[]) {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
  // tcpdump drops root privileges when it is uid 0; a nested namespace makes it uid 1000 instead.
  const script = `mount --bind '${hostsFile}' /etc/hosts && exec unshare --map-user=1000 --map-group=1000 tcpdump ${quoted}`;
  const r = spawnSync("unshare", ["-rm", "sh", "-c", script], { maxBuffer: 1 << 28 });
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** What compileFilter() keeps of the corpus, or its error line. */
export function ours(corpus: Corpus, expr: string, resolveHost?: (n: string) => number | undefined): Outcome {
  try {
    const f = compileFilter(expr, { linkType: corpus.link, ...(resolveHost ? { resolveHost } : {}) });
    return { selected: corpus.list.flatMap((s, i) => (f.matches(s.rec.bytes, corpus.link, s.rec.wireLen) ? [i] : [])) };
  } catch (e) {
    if (e instanceof FilterError) return { error: e.message };
    throw e;
  }
}

/** One line per disagreement, naming the packets that only one side selected. */
export function compare(corpus: Corpus, expr: string, want: Outcome, got: Outcome): string | undefined {
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

/** Runs `jobs` with a few tcpdump processes at a time. */
export async function pool<T>(jobs: Array<() => Promise<T>>, width = 8): Promise<T[]> {
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
