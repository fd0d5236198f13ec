// Seeded random expressions against real tcpdump. The hand-written list shows
// intent; this finds what nobody thought to write: error precedence in odd
// token sequences, qualifier inheritance through parentheses, and which
// contradictions libpcap's optimizer proves ("expression rejects all packets")
// or misses. Deterministic: a failure names the expression, rerun to reproduce.

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { oracleSkip } from "../../test/support/oracle.js";
import { buildCorpora, compare, ours, theirsMany } from "./filter-oracle.fixture.js";

const skip = oracleSkip("tcpdump");
const dir = mkdtempSync(join(tmpdir(), "filter-fuzz-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** mulberry32: small, seedable, good enough to spread choices. */
function random(seed: number): <T>(items: readonly T[]) => T {
  let s = seed;
  const next = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
  return (items) => items[next() % items.length]!;
}

const HOSTS = ["10.244.1.5", "10.244.2.7", "192.168.56.12", "10.96.0.10", "10.244", "10"];
const DIRS = ["", "", "src ", "dst ", "src or dst ", "src and dst "];

/** Primitives in many spellings, some deliberately wrong (bad qualifiers, stray ids). */
function primitive(pick: ReturnType<typeof random>): string {
  return pick<() => string>([
    () => `${pick(["", "", "ip ", "arp ", "rarp ", "tcp "])}${pick(DIRS)}host ${pick(HOSTS)}`,
    () => `${pick(["", "ip ", "udp "])}${pick(DIRS)}net ${pick(["10", "10.244", "10.244.1.0/24", "0.0.0.0/0", "192.168.56.0 mask 255.255.255.0"])}`,
    () => `${pick(["", "", "tcp ", "udp ", "sctp ", "ip "])}${pick(DIRS)}port ${pick(["80", "53", "8472", "443", "http", "domain", "0"])}`,
    () => `${pick(["", "tcp ", "udp "])}${pick(DIRS)}portrange ${pick(["50-60", "1-1024", "60-50", "80"])}`,
    () => pick(["tcp", "udp", "icmp", "ip", "ip6", "arp", "rarp", "sctp", "icmp6", "igmp", "esp", "stp", "vrrp"]),
    () => `${pick(["", "ip ", "ip6 ", "ether ", "arp ", "tcp "])}proto ${pick(["6", "17", "47", "\\tcp", "\\udp", "0x800", "\\arp"])}`,
    () => `${pick(["", "ether ", "ip ", "ip6 ", "tcp "])}${pick(["broadcast", "multicast"])}`,
    () => `${pick(["less", "greater"])} ${pick(["60", "100", "1000"])}`,
    () => `ether ${pick(DIRS)}${pick(["host ", ""])}${pick(["52:54:00:aa:00:11", "ff:ff:ff:ff:ff:ff", "5e:d1:9c:01:05:05"])}`,
    () => `${pick(["src", "dst"])} ${pick(HOSTS)}`,
  ])();
}

function expression(pick: ReturnType<typeof random>, depth: number): string {
  const term = () => (depth > 0 && pick([0, 0, 0, 1]) ? `(${expression(pick, depth - 1)})` : primitive(pick));
  let e = pick(["", "", "", "not "]) + term();
  for (let n = pick([0, 1, 2, 3]); n > 0; n--) {
    e += ` ${pick(["and", "or", "&&", "||", "and not", "or not"])} ${pick([0, 0, 1]) ? pick(HOSTS.concat(["80", "53"])) : term()}`;
  }
  return e;
}

/** Conjunctions over a few values, where the optimizer's proofs of "nothing matches" live. */
const SMALL = ["tcp", "udp", "icmp", "arp", "rarp", "ip", "ip6", "src port 1", "src port 2", "port 53",
  "src host 1.1.1.1", "src host 2.2.2.2", "dst host 1.1.1.1", "host 10.244.1.5", "ether src 1:1:1:1:1:1",
  "ether src 2:2:2:2:2:2", "src net 10.0.0.0/8", "src net 11.0.0.0/8", "less 100", "greater 100",
  "broadcast", "ip proto 6", "udp port 53", "src portrange 1-2", "ip multicast", "ether proto 0x806"];

function contradiction(pick: ReturnType<typeof random>, depth: number): string {
  const term = () => (depth > 0 && pick([0, 0, 1]) ? `(${contradiction(pick, depth - 1)})` : pick(SMALL));
  let e = pick(["", "", "not "]) + term();
  for (let n = pick([1, 2, 3, 4]); n > 0; n--) e += ` ${pick(["and", "and", "or", "and not", "or not"])} ${term()}`;
  return e;
}

test("seeded random expressions agree with tcpdump", { skip }, async () => {
  const pick = random(20240611);
  const exprs = [
    ...Array.from({ length: 300 }, () => expression(pick, 2)),
    ...Array.from({ length: 300 }, () => contradiction(pick, 2)),
  ];
  const corpora = buildCorpora(dir);
  const results: Array<{ kind: string; diff: string | undefined }> = [];
  for (const c of corpora) {
    const wants = await theirsMany(c.path, exprs);
    exprs.forEach((e, i) => {
      const want = wants[i]!;
      const kind = "error" in want ? (want.error.endsWith("rejects all packets") ? "rejects" : "error") : "selects";
      results.push({ kind, diff: compare(c, e, want, ours(c, e)) });
    });
  }
  assert.deepEqual(results.flatMap((r) => r.diff ?? []), []);
  // The mix must stay meaningful: plenty of selections, refusals and optimizer proofs.
  const count = (kind: string) => results.filter((r) => r.kind === kind).length;
  assert.ok(count("selects") >= 300 && count("error") >= 100 && count("rejects") >= 30,
    `selects ${count("selects")}, errors ${count("error")}, rejects ${count("rejects")}`);
});
