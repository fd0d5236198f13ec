import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseIp4 } from "../model/addr.js";
import { readPcap } from "../render/pcap.js";
import { type DnsMessage, decodeDns, ednsOpt, encodeDns } from "./dns.js";

const FIXTURES = join(process.cwd(), "test", "fixtures", "tcpdump");
const NGINX = "nginx.default.svc.cluster.local";

/** The DNS bytes of a sample frame (Ethernet 14 + IPv4 20 + UDP 8). */
function sampleDns(index: number): Uint8Array {
  return readPcap(readFileSync(join(FIXTURES, "dns_udp.pcap"))).records[index]!.data.subarray(42);
}

test("an NXDOMAIN with SOA is byte-identical to the sample responder's (compression included)", () => {
  const msg: DnsMessage = {
    kind: "dns", id: 12346, flags: { qr: true, aa: true, rd: true, rcode: 3 },
    questions: [{ name: `${NGINX}.default.svc.cluster.local`, type: "A" }],
    authority: [{
      name: "cluster.local", ttl: 30,
      data: { type: "SOA", mname: "ns.dns.cluster.local", rname: "hostmaster.cluster.local", serial: 1700000000, refresh: 7200, retry: 1800, expire: 86400, minimum: 30 },
    }],
  };
  assert.deepEqual(encodeDns(msg), sampleDns(3));
});

test("a two-answer reply points both owner names at the question", () => {
  const msg: DnsMessage = {
    kind: "dns", id: 12348, flags: { qr: true, aa: true, rd: true }, questions: [{ name: "web.default.svc.cluster.local", type: "A" }],
    answers: ["10.244.1.5", "10.244.2.7"].map((a) => ({ name: "web.default.svc.cluster.local", ttl: 30, data: { type: "A" as const, address: parseIp4(a)! } })),
  };
  const bytes = encodeDns(msg);
  assert.deepEqual(bytes, sampleDns(5));
  assert.equal(bytes.length, 79);
});

test("compression is case-insensitive, and SRV targets are written in full (RFC 2782)", () => {
  const msg: DnsMessage = {
    kind: "dns", id: 1, flags: { qr: true }, questions: [{ name: "_http._tcp.Web.example.com", type: "SRV" }],
    answers: [{ name: "_http._tcp.web.example.com", ttl: 5, data: { type: "SRV", priority: 1, weight: 2, port: 80, target: "web.example.com" } }],
  };
  const bytes = encodeDns(msg);
  const text = Buffer.from(bytes).toString("latin1");
  assert.equal(text.split("example").length - 1, 2, "question name and SRV target spell example.com; the owner name is a pointer");
  assert.deepEqual(bytes.subarray(44, 46), Uint8Array.from([0xc0, 12]), "answer owner points at offset 12");
});

test("decode inverts encode for every record type", () => {
  const msg: DnsMessage = {
    kind: "dns", id: 7, flags: { qr: true, opcode: 0, aa: true, tc: false, rd: true, ra: true, ad: false, cd: false, rcode: 0 },
    questions: [{ name: "a.example", type: "ANY" }],
    answers: [
      { name: "a.example", ttl: 1, data: { type: "A", address: parseIp4("10.0.0.1")! } },
      { name: "a.example", ttl: 1, data: { type: "AAAA", address: "fd00::1" } },
      { name: "a.example", ttl: 1, data: { type: "CNAME", target: "b.example" } },
      { name: "a.example", ttl: 1, data: { type: "MX", preference: 10, exchange: "mx.a.example" } },
      { name: "a.example", ttl: 1, data: { type: "TXT", strings: ["x", ""] } },
      { name: "a.example", ttl: 1, data: { type: 99, rdata: Uint8Array.from([1, 2]) } },
    ],
    authority: [{ name: "example", ttl: 1, data: { type: "NS", target: "ns.example" } }],
    additional: [ednsOpt(1232, true)],
  };
  const decoded = decodeDns(encodeDns(msg))!;
  assert.deepEqual(encodeDns(decoded), encodeDns(msg));
  assert.deepEqual(decoded.answers!.map((a) => a.data.type), ["A", "AAAA", "CNAME", "MX", "TXT", 99]);
  assert.deepEqual(decoded.additional, [{ name: "", class: 1232, ttl: 0x8000, data: { type: "OPT" } }]);
});

test("malformed messages do not decode", () => {
  const header = [0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0];
  assert.equal(decodeDns(Uint8Array.from([...header, 0xc0, 12, 0, 1, 0, 1])), undefined, "pointer to itself");
  assert.equal(decodeDns(Uint8Array.from([...header, 3, 97, 98])), undefined, "name runs off the end");
  assert.equal(decodeDns(Uint8Array.from([...header, 0, 0, 1, 0, 1, 9])), undefined, "trailing garbage");
});
