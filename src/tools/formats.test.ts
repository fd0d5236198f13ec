// The shell tools' text against the real outputs recorded in
// docs/facts/shell-tools.md (captured from Debian 12's tools in a namespace
// lab, kubectl/docker layouts from upstream source and seed transcripts).

import { test } from "node:test";
import assert from "node:assert/strict";
import { parseIp4 } from "../model/addr.js";
import type { DnsMessage } from "../packet/dns.js";
import { digAnswer } from "../render/dig.js";
import { age } from "../render/kubectl-get.js";
import { tabwrite, tabwriter } from "../render/tabwriter.js";
import type { Conn } from "../simulate/conntrack.js";
import { trackPacket } from "../simulate/conntrack.js";
import { humanDuration } from "../shell/docker.js";
import { conntrackLine } from "./conntrack.js";
import { breToRegExpSource } from "./filters.js";

const ip = (s: string) => parseIp4(s)!;

test("conntrack -L line: §4's DNAT entry, after the kernel's own TCP state walk", () => {
  const conn: Conn = {
    id: 1, orig: { proto: "tcp", src: ip("10.244.1.5"), sport: 59244, dst: ip("10.96.0.50"), dport: 80 },
    reply: { proto: "tcp", src: ip("10.244.2.7"), sport: 8080, dst: ip("10.244.1.5"), dport: 59244 },
    seenReply: false, assured: false, dnatDone: true, snatDone: false, dstNat: true, srcNat: false, confirmed: true, mark: 0, tcpState: "NONE", expires: 0,
  };
  const s = 1_000_000;
  trackPacket(conn, "orig", { syn: true }, 0);
  trackPacket(conn, "reply", { syn: true, ack: true }, 1000);
  trackPacket(conn, "orig", { ack: true }, 2000);
  assert.equal(conntrackLine(conn, 2000 + 11 * s),
    "tcp      6 431989 ESTABLISHED src=10.244.1.5 dst=10.96.0.50 sport=59244 dport=80 src=10.244.2.7 dst=10.244.1.5 sport=8080 dport=59244 [ASSURED] mark=0 use=1");
  // The client closes: FIN, ACK, FIN back, last ACK -> TIME_WAIT for 120 s.
  trackPacket(conn, "orig", { fin: true, ack: true }, 3000);
  trackPacket(conn, "reply", { ack: true }, 4000);
  trackPacket(conn, "reply", { fin: true, ack: true }, 5000);
  trackPacket(conn, "orig", { ack: true }, 6000);
  assert.equal(conn.tcpState, "TIME_WAIT");
  assert.match(conntrackLine(conn, 6000 + 4 * s), /^tcp {6}6 116 TIME_WAIT /);
});

test("conntrack: a DNS exchange is 30 s and not ASSURED; an unanswered SYN says [UNREPLIED]", () => {
  const dns: Conn = {
    id: 2, orig: { proto: "udp", src: ip("10.244.1.5"), sport: 55618, dst: ip("10.96.0.10"), dport: 53 },
    reply: { proto: "udp", src: ip("10.244.2.3"), sport: 53, dst: ip("10.244.1.5"), dport: 55618 },
    seenReply: false, assured: false, dnatDone: true, snatDone: false, dstNat: true, srcNat: false, confirmed: true, mark: 0, tcpState: "NONE", expires: 0,
  };
  trackPacket(dns, "orig", undefined, 0);
  trackPacket(dns, "reply", undefined, 500);
  assert.equal(conntrackLine(dns, 1_000_000), "udp      17 29 src=10.244.1.5 dst=10.96.0.10 sport=55618 dport=53 src=10.244.2.3 dst=10.244.1.5 sport=53 dport=55618 mark=0 use=1");
  const syn: Conn = { ...dns, id: 3, orig: { ...dns.orig, proto: "tcp", dst: ip("10.96.0.12"), dport: 80 }, reply: { ...dns.reply, proto: "tcp", src: ip("10.244.2.99"), sport: 80 }, seenReply: false, tcpState: "NONE", expires: 0 };
  trackPacket(syn, "orig", { syn: true }, 0);
  assert.match(conntrackLine(syn, 3_000_000), /^tcp {6}6 117 SYN_SENT src=\S+ dst=10\.96\.0\.12 sport=\d+ dport=80 \[UNREPLIED\] src=10\.244\.2\.99 /);
});

test("dig 9.18: fields at columns 24/32/40/48 with tabs, one space once a column is passed (§5.1)", () => {
  const message: DnsMessage = {
    kind: "dns", id: 61225, flags: { qr: true, aa: true, rd: true, ra: true, rcode: 0 },
    questions: [{ name: "web.default.svc.cluster.local.", type: "A", class: 1 }],
    answers: [{ name: "web.default.svc.cluster.local.", class: 1, ttl: 30, data: { type: "A", address: ip("10.96.0.50") } }],
    authority: [],
    additional: [{ name: "", class: 1232, ttl: 0, data: { type: "OPT" } }],
  };
  const text = digAnswer("9.18", { message, server: "10.96.0.10", queryMs: 0, when: new Date(Date.UTC(2026, 10, 21, 20, 22, 19)) });
  assert.equal(text, [
    ";; WARNING: .local is reserved for Multicast DNS",
    ";; You are currently testing what happens when an mDNS query is leaked to DNS",
    ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 61225",
    ";; flags: qr aa rd ra; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1",
    "",
    ";; OPT PSEUDOSECTION:",
    "; EDNS: version: 0, flags:; udp: 1232",
    ";; QUESTION SECTION:",
    ";web.default.svc.cluster.local.\tIN\tA",
    "",
    ";; ANSWER SECTION:",
    "web.default.svc.cluster.local. 30 IN\tA\t10.96.0.50",
    "",
    ";; Query time: 0 msec",
    ";; SERVER: 10.96.0.10#53(10.96.0.10) (UDP)",
    ";; WHEN: Sat Nov 21 20:22:19 UTC 2026",
    ";; MSG SIZE  rcvd: 74",
    "",
    "",
  ].join("\n"));
});

test("kubectl tables: 1.28's minwidth 6 (§11.1) and 1.1's minwidth 10 (seed 000)", () => {
  assert.equal(tabwrite([["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], ["kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP", "5d"]], { minwidth: 6, padding: 3 }),
    "NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\nkubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   5d\n");
  assert.equal(tabwrite([["NAME", "READY", "STATUS", "RESTARTS", "AGE"], ["busybox", "1/1", "Running", "224", "9d"]], { minwidth: 10, padding: 3 }),
    "NAME      READY     STATUS    RESTARTS   AGE\nbusybox   1/1       Running   224        9d\n");
});

test("kubectl 1.1 describe pads with tabs to the next multiple of 8 (seed 000's Name:\\t\\t\\t\\t)", () => {
  const out = tabwriter("Name:\tbusybox\nReplication Controllers:\t<none>\nConditions:\n  Type\tStatus\n  Ready \tTrue \n", { minwidth: 0, tabwidth: 8, padding: 1, padchar: "\t" });
  assert.equal(out, "Name:\t\t\t\tbusybox\nReplication Controllers:\t<none>\nConditions:\n  Type\t\tStatus\n  Ready \tTrue \n");
});

test("AGE: the short form before 1.11, HumanDuration after (§11.2); docker's go-units durations", () => {
  const cases: [number, number, string][] = [[1, 14 * 86400, "14d"], [1, 330, "5m"], [28, 330, "5m30s"], [28, 3 * 3600 + 60, "3h1m"], [28, 2 * 86400 + 5 * 3600, "2d5h"], [28, 14 * 86400, "14d"], [28, 100, "100s"]];
  for (const [minor, seconds, text] of cases) assert.equal(age({ minor }, seconds), text, `${minor} ${seconds}`);
  assert.equal(humanDuration(37 * 60), "37 minutes");
  assert.equal(humanDuration(9 * 86400), "9 days");
  assert.equal(humanDuration(14 * 86400), "2 weeks");
  assert.equal(humanDuration(8 * 3600), "8 hours");
});

test("grep's basic regular expressions: + ? | ( ) { } are literal unless escaped", () => {
  assert.equal(new RegExp(breToRegExpSource("a+b")).test("a+b"), true);
  assert.equal(new RegExp(breToRegExpSource("a+b")).test("aab"), false);
  assert.equal(new RegExp(breToRegExpSource("a\\+b")).test("aab"), true);
  assert.equal(new RegExp(breToRegExpSource("tcp\\|udp")).test("udp"), true);
});
