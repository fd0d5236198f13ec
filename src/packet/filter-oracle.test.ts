// Real tcpdump is the judge: every expression of test/fixtures/filter/expressions.txt
// runs through `tcpdump -r ALL.pcap -w - EXPR` and through compileFilter() over
// every fixture capture plus the crafted frames (filter-oracle.fixture.ts), and
// the selected packets (or the error line) must be identical.

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { oracleSkip } from "../../test/support/oracle.js";
import { compileFilter, FilterError } from "./filter.js";
import { lookupService, SERVICE_NAMES } from "./filter-names.js";
import {
  buildCorpora, compare, FIXTURES, ours, pool, tcpdump, theirs, theirsMany, type Corpus, type Outcome,
} from "./filter-oracle.fixture.js";

const skip = oracleSkip("tcpdump");
const dir = mkdtempSync(join(tmpdir(), "filter-oracle-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const corpora = buildCorpora(dir);

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

const CASES = sections();

test("the expression list is the one the brief asks for", () => {
  assert.ok(CASES.select!.length >= 60, `only ${CASES.select!.length} selecting expressions`);
  assert.ok(CASES.error!.length >= 10);
  const sizes = corpora.map((c) => c.list.length);
  assert.ok(sizes[0]! > 300 && sizes[1]! >= 6 && sizes[2]! > 100, `fixture captures went missing: ${sizes.join(", ")}`);
});

/** tcpdump's verdict on each expression for one corpus, paired with the expression. */
async function verdicts(c: Corpus, exprs: string[]): Promise<Array<{ c: Corpus; e: string; want: Outcome }>> {
  const wants = await theirsMany(c.path, exprs);
  return exprs.map((e, i) => ({ c, e, want: wants[i]! }));
}

test("selections agree with tcpdump on every fixture packet", { skip }, async () => {
  const problems: string[] = [];
  let nonTrivial = 0;
  for (const { c, e, want } of (await Promise.all(corpora.map((c) => verdicts(c, CASES.select!)))).flat()) {
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
  for (const { e, want } of await verdicts(c, CASES.error!)) {
    assert.ok("error" in want, `tcpdump accepted [${e}], which the list says is an error`);
    const diff = compare(c, e, want, ours(c, e));
    if (diff) problems.push(diff);
  }
  assert.deepEqual(problems, []);
});

test("-i any captures (LINUX_SLL2): direction, interface index and cooked-header quirks", { skip }, async () => {
  const c = corpora.find((x) => x.link === "LINUX_SLL2")!;
  const problems: string[] = [];
  for (const { e, want } of await verdicts(c, CASES.sll2!)) {
    const diff = compare(c, e, want, ours(c, e));
    if (diff) problems.push(diff);
  }
  assert.deepEqual(problems, []);
});

test("constructs we do not model are refused by name, never guessed", { skip }, async () => {
  const c = corpora[0]!;
  for (const { e, want } of await verdicts(c, CASES.unsupported!)) {
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

/** Host-name checks need a private mount namespace (for our /etc/hosts); some sandboxes forbid them. */
function namespaceSkip(): string | undefined {
  const missing = skip ?? oracleSkip("unshare");
  if (missing) return missing;
  const probe = spawnSync("unshare", ["-rm", "sh", "-c", "exec unshare --map-user=1000 --map-group=1000 true"]);
  return probe.status === 0 ? undefined : `user/mount namespaces unavailable: ${probe.stderr.toString().trim()}`;
}

test("host names resolve like /etc/hosts entries", { skip: namespaceSkip() }, async () => {
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
