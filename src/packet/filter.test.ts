// What the filter does, pinned without tcpdump installed. Each expectation here
// was first observed with real tcpdump 4.99.3 (filter-oracle.test.ts keeps
// checking the same behaviour against it wherever tcpdump exists).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { compileFilter, FilterError, type CompileOptions, type FilterLinkType } from "./filter.js";
import { CRAFTED_EN10MB, CRAFTED_RAW, CRAFTED_SLL2, readPcap, type Frame } from "./filter-frames.fixture.js";

const fixture = (name: string) => readPcap(readFileSync(new URL(`../../../test/fixtures/filter/${name}`, import.meta.url)));

/** Names of the crafted frames the expression selects. */
function picks(expr: string | string[], frames: Frame[] = CRAFTED_EN10MB, link: FilterLinkType = "EN10MB", opts: CompileOptions = {}): string[] {
  const f = compileFilter(expr, { ...opts, linkType: link });
  return frames.filter((fr) => f.matches(fr.bytes, link, fr.wireLen)).map((fr) => fr.name);
}

function errorOf(expr: string, opts: CompileOptions = {}): string {
  try {
    compileFilter(expr, opts);
  } catch (e) {
    if (e instanceof FilterError) return e.message;
    throw e;
  }
  return "(accepted)";
}

test("host matches IPv4 source/destination and ARP/RARP sender/target addresses", () => {
  assert.deepEqual(picks("host 192.168.56.12"), ["arp-request", "arp-reply", "gre", "esp"]);
  assert.deepEqual(picks("host 10.9.9.10"), ["rarp-request"]);
  assert.deepEqual(picks("ip host 192.168.56.12"), ["gre", "esp"]);
  assert.deepEqual(picks("arp src 192.168.56.12"), ["arp-reply"]);
});

test("only outer headers count: VXLAN-encapsulated pod traffic is invisible to pod filters", () => {
  const { records } = fixture("vxlan_8472.pcap");
  const count = (expr: string) => records.filter((r) => compileFilter(expr).matches(r.bytes, "EN10MB")).length;
  assert.equal(records.length, 1);
  assert.equal(count("host 10.244.1.5"), 0);
  assert.equal(count("tcp"), 0);
  assert.equal(count("udp and host 192.168.56.12 and port 8472"), 1);
});

test("ports honour the IPv4 header length and skip non-first fragments", () => {
  assert.ok(picks("port 80").includes("tcp-ip-options"));
  assert.deepEqual(picks("port 53"), ["udp-fragment-1"]);
  assert.ok(picks("udp").includes("udp-fragment-2"));
  assert.deepEqual(picks("port 80", CRAFTED_RAW, "RAW"), ["raw-tcp-options"]);
});

test("port covers TCP, UDP and SCTP over IPv4 and IPv6, but not behind IPv6 extension headers", () => {
  const port80 = picks("port 80");
  for (const name of ["sctp", "ipv6-tcp", "tcp-80-to-443"]) assert.ok(port80.includes(name), name);
  assert.ok(!picks("tcp port 80").includes("sctp"));
  assert.ok(picks("udp").includes("ipv6-frag-udp"));
  assert.ok(!picks("port 53").includes("ipv6-frag-udp"));
  assert.ok(!picks("tcp").includes("vlan-tcp"), "no look past an 802.1Q tag without `vlan`");
});

test("and/or share one precedence and group left; not binds tighter", () => {
  const same = (a: string, b: string) => assert.deepEqual(picks(a), picks(b), `${a} vs ${b}`);
  same("host 10.244.1.5 or 10.244.2.7 and icmp", "(host 10.244.1.5 or host 10.244.2.7) and icmp");
  same("tcp or udp and host 10.244.2.7", "(tcp or udp) and host 10.244.2.7");
  same("not host 10.244.1.5 and port 53", "(not host 10.244.1.5) and port 53");
  assert.notDeepEqual(picks("tcp or udp and host 10.244.2.7"), picks("tcp or (udp and host 10.244.2.7)"));
});

test("bare ids inherit the qualifiers before them", () => {
  const same = (a: string, b: string) => assert.deepEqual(picks(a), picks(b), `${a} vs ${b}`);
  same("port 80 or 443", "port 80 or port 443");
  same("tcp dst port 80 or 443", "tcp dst port 80 or tcp dst port 443");
  same("host 10.244.1.5 and not 10.244.2.7", "host 10.244.1.5 and not host 10.244.2.7");
  same("src 10.244.1.5", "src host 10.244.1.5");
  assert.equal(errorOf("tcp or 10.0.0.1"), "tcpdump: syntax error in filter expression");
});

test("short network and host forms follow libpcap, not intuition", () => {
  assert.deepEqual(picks("net 10"), picks("net 10.0.0.0/8"));
  assert.deepEqual(picks("net 10.244"), picks("net 10.244.0.0/16"));
  assert.deepEqual(picks("net 10.96.0.10"), picks("host 10.96.0.10")); // a /32, not a network
  assert.deepEqual(picks("host 10.1"), ["short-form-addrs"]); // really 10.1.0.0/16
  assert.deepEqual(picks("host 10"), ["short-form-addrs"]); // 0.0.0.10
});

test("a load past the captured bytes rejects the packet, even under not", () => {
  assert.ok(picks("src host 10.244.1.5").includes("truncated-syn"));
  assert.ok(!picks("not dst host 10.244.2.7").includes("truncated-syn"));
  assert.ok(!picks("not port 80").includes("truncated-syn"));
  assert.ok(picks("greater 1000").includes("big-truncated"), "length is the wire length");
});

test("service names: /etc/services protocols, plus otv and vxlan", () => {
  assert.deepEqual(picks("port http"), picks("tcp port 80"));
  assert.deepEqual(picks("port domain"), picks("port 53"));
  assert.deepEqual(picks("port otv"), picks("port 8472"));
  assert.deepEqual(picks("port vxlan"), picks("udp port 4789"));
  assert.equal(errorOf("udp port http"), "tcpdump: port 'http' is tcp");
  assert.equal(errorOf("tcp port vxlan"), "tcpdump: port 'vxlan' is udp");
  assert.equal(errorOf("port nosuch"), "tcpdump: unknown port 'nosuch'");
});

test("host names go through resolveHost; RAW links look at IPv4 only", () => {
  const resolveHost = (n: string) => (n === "nginx" ? 0x0af40207 : undefined);
  assert.deepEqual(picks("src nginx", CRAFTED_EN10MB, "EN10MB", { resolveHost }), picks("src 10.244.2.7"));
  assert.equal(errorOf("host web"), "tcpdump: unknown host 'web'");
  assert.equal(errorOf("ip6 host nginx", { resolveHost }), "tcpdump: unknown host 'nginx' for specified address family");
  assert.deepEqual(picks("host nginx", CRAFTED_RAW, "RAW", { resolveHost }), ["raw-icmp", "raw-tcp-options"]);
});

test("argv words are joined with spaces, as tcpdump does", () => {
  assert.equal(compileFilter(["host", "10.244.1.5", "and", "tcp"]).expression, "host 10.244.1.5 and tcp");
  assert.deepEqual(picks(["port", "80", "or", "443"]), picks("port 80 or 443"));
  assert.deepEqual(picks([]), CRAFTED_EN10MB.map((f) => f.name));
});

test("errors read exactly as tcpdump prints them", () => {
  const cases: Record<string, string> = {
    host: "can't parse filter expression: syntax error",
    "port 99999": "illegal port number 99999 > 65535",
    "net 10.0.0.1/8": 'non-network bits set in "10.0.0.1/8"',
    "net 10.1.0.0 mask 255.0.0.0": 'non-network bits set in "10.1.0.0 mask 255.0.0.0"',
    "host 10.0.0.0/8": "Mask syntax for networks only",
    "10.1.2.3": "can't parse filter expression: syntax error",
    "port 08": "number 08 contains non-octal digit",
    "host 256.1.1.1": "invalid IPv4 address '256.1.1.1'",
    "tcp host 1.2.3.4": "'tcp' modifier applied to host",
    "ip6 host 1.2.3.4": "'ip6' modifier applied to ip host",
    "ip port 80": "illegal qualifier of 'port'",
    "host aa:bb:cc:dd:ee:ff": "ethernet address used in non-ether expression",
    "ether host 1.2.3.4": "illegal link layer address",
    "ether host a:b:c": "bogus ethernet address a:b:",
    "ip proto tcp": "can't parse filter expression: syntax error",
    "tcp proto 6": "'tcp proto' is bogus",
    "portrange 1--2": "illegal port number -2 < 0",
    "tcp and udp": "expression rejects all packets",
    "src port 80 and src port 443": "expression rejects all packets",
    "gateway foo": "'gateway' not supported in this configuration",
  };
  for (const [expr, detail] of Object.entries(cases)) assert.equal(errorOf(expr), `tcpdump: ${detail}`, expr);
});

test("'rejects all packets' is what libpcap's optimizer can prove, no more", () => {
  for (const proved of ["tcp and udp", "ip and arp", "tcp and not tcp", "src port 80 and src port 443",
    "(src host 1.1.1.1 or src host 2.2.2.2) and src host 3.3.3.3", "not src or dst net 0.0.0.0/0 and src net 10"]) {
    assert.equal(errorOf(proved), "tcpdump: expression rejects all packets", proved);
  }
  // Contradictions the optimizer cannot see compile fine and simply match nothing.
  for (const missed of ["less 10 and greater 20", "src net 10.0.0.0/8 and src net 11.0.0.0/16", "ip proto 300",
    "src port 443 and ether src 5e:d1:9c:01:05:05 and rarp"]) {
    assert.equal(errorOf(missed), "(accepted)", missed);
    assert.deepEqual(picks(missed), [], missed);
  }
});

test("what only a link type can refuse is refused when compiling for it", () => {
  const f = compileFilter("arp or ether host 52:54:00:aa:00:11");
  assert.throws(() => f.check("RAW"), /ethernet addresses supported only on ethernet/);
  assert.throws(() => f.matches(CRAFTED_RAW[0]!.bytes, "RAW"), FilterError);
  assert.equal(errorOf("arp", { linkType: "RAW" }), "tcpdump: expression rejects all packets");
  assert.equal(errorOf("broadcast", { linkType: "RAW" }), "tcpdump: not a broadcast link");
  assert.deepEqual(picks("ip", CRAFTED_RAW, "RAW"), ["raw-icmp", "raw-tcp-options", "raw-udp-fragment-2"]);
});

test("-i any (LINUX_SLL2): same IP semantics behind the cooked header, plus direction", () => {
  const sll = (expr: string) => picks(expr, CRAFTED_SLL2, "LINUX_SLL2").map((n) => n.replace(/^sll2-/, ""));
  for (const expr of ["host 10.244.1.5", "port 80", "tcp", "udp and not port 53", "arp or rarp"]) {
    assert.deepEqual(sll(expr), picks(expr), expr);
  }
  assert.deepEqual(sll("outbound"), ["udp-fragment-2", "ipv6-icmp6-multicast", "igmp-multicast", "tcp-80-to-443", "icmp-ihl-15"]);
  assert.equal(errorOf("ether host 52:54:00:aa:00:11", { linkType: "LINUX_SLL2" }),
    "tcpdump: ethernet addresses supported only on ethernet/FDDI/token ring/802.11/ATM LANE/Fibre Channel");
  assert.throws(() => compileFilter("inbound"), (e: unknown) => e instanceof FilterError && e.code === "filter-unsupported");
});

test("valid constructs we do not model fail loudly and name themselves", () => {
  for (const [expr, named] of [["vlan 100", "'vlan'"], ["tcp[13] & 2 != 0", "tcp[...]"], ["host ::1", "IPv6 address ::1"],
    ["len > 100", "'len'"], ["protochain 6", "'protochain'"]] as const) {
    assert.throws(() => compileFilter(expr), (e: unknown) =>
      e instanceof FilterError && e.code === "filter-unsupported" && e.message.startsWith("k8s-nettrace: ") && e.message.includes(named), expr);
  }
});
