// The shell replayed from scripts: the seed investigations on their example
// clusters (the lines the reports print must come out verbatim) and a tour of
// the lab cluster, each with a golden transcript.

import { test } from "node:test";
import assert from "node:assert/strict";
import { assertGolden } from "./support/golden.js";
import { runCli, transcript } from "./support/cli.js";

const SESSIONS: [string, string[]][] = [
  ["seed-000", ["shell", "-f", "example:seed-000-userspace", "--on", "centos7-node-224", "--script", "fixtures/sessions/seed-000.sh"]],
  ["seed-001", ["shell", "-f", "example:seed-001-vxlan", "--on", "meizu", "--script", "fixtures/sessions/seed-001.sh"]],
  ["lab-tour", ["shell", "--script", "fixtures/sessions/lab-tour.sh"]],
  // IPVS mode: kube-ipvs0 and its local routes, and the connection table and counters two curls leave behind.
  ["lab-ipvs", ["shell", "-f", "example:lab-ipvs", "--script", "fixtures/sessions/lab-ipvs.sh"]],
];

for (const [name, argv] of SESSIONS) {
  test(`session ${name}`, async () => {
    const r = await runCli(argv);
    assertGolden(`shell/${name}.txt`, transcript(argv, r));
  });
}

async function session(argv: string[]): Promise<string> {
  const r = await runCli(argv);
  return r.stdout;
}

/** The lines of a transcript, trailing blanks removed (the reports were pasted without them). */
function lines(text: string): string[] {
  return text.split("\n").map((l) => l.trimEnd());
}

test("seed 000: the report's lines come out verbatim", async () => {
  const out = lines(await session(SESSIONS[0]![1]));
  const expected = [
    "-A KUBE-PORTALS-CONTAINER -d 10.254.24.205/32 -p tcp -m comment --comment \"kube-system/elasticsearch-logging:\" -m tcp --dport 9200 -j REDIRECT --to-ports 36967",
    "-A KUBE-PORTALS-HOST -d 10.254.24.205/32 -p tcp -m comment --comment \"kube-system/elasticsearch-logging:\" -m tcp --dport 9200 -j DNAT --to-destination 192.168.1.224:36967",
    "tcp6       0      0 :::36967                :::*                    LISTEN      930/kube-proxy",
    "NAMESPACE     NAME                             READY     STATUS    RESTARTS   AGE",
    "IP:\t\t\t\t172.16.77.4",
    "        \"IPAddress\": \"172.16.60.2\",",
    "        \"SecondaryIPAddresses\": null,",
    "default via 172.16.60.1 dev eth0",
    "172.16.60.0/24 dev eth0  proto kernel  scope link  src 172.16.60.2",
    "; <<>> DiG 9.9.5-3ubuntu0.5-Ubuntu <<>> elasticsearch-logging",
    ";; flags: qr rd ra; QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 0",
    ";elasticsearch-logging.\t\tIN\tA",
    ";; SERVER: 10.254.0.10#53(10.254.0.10)",
    ";; MSG SIZE  rcvd: 39",
  ];
  for (const line of expected) assert.ok(out.includes(line), `missing: ${JSON.stringify(line)}`);
  assert.ok(out.some((l) => /^;; ->>HEADER<<- opcode: QUERY, status: SERVFAIL, id: \d+$/.test(l)));
  // The service row: the report's cells, in the 1.1 column order (CLUSTER_IP … SELECTOR AGE).
  assert.ok(out.some((l) => /^kube-system {3}elasticsearch-logging {3}10\.254\.24\.205 +<none> +9200\/TCP +k8s-app=elasticsearch-logging {3}14d$/.test(l)));
  // docker 1.8's ps: 20-wide columns, the command cut at 20 bytes without a closing quote.
  assert.ok(out.some((l) => /^[0-9a-f]{12} {8}gcr\.io\/google_containers\/pause:0\.8\.0 {18}"\/pause" {15}/.test(l)));
});

test("seed 001: after the client's wget, tcpdump on meizu shows what the report shows", async () => {
  const out = await session(SESSIONS[1]![1]);
  const blocks = out.split(/^\[root@meizu ~\]\$ /m);
  const block = (command: string) => blocks.find((b) => b.startsWith(command))!;
  assert.doesNotMatch(block("sudo tcpdump -i enp4s0 'dst 172.30.20.2'"), /^\d\d:/m, "no packet for the pod address on the NIC");
  assert.doesNotMatch(block("sudo tcpdump -i enp4s0 'dst 10.254.40.119'"), /^\d\d:/m, "no packet for the service address on the NIC");
  assert.doesNotMatch(block("sudo tcpdump -i enp4s0 'src 10.167.226.38 and port 8472 and tcp'"), /^\d\d:/m);
  const udp = block("sudo tcpdump -i enp4s0 'src 10.167.226.38 and port 8472 and udp'");
  assert.match(udp, /^\d\d:\d\d:\d\d\.\d{6} IP xiaomi\.\d+ > meizu\.otv: OTV, flags \[I\] \(0x08\), overlay 0, instance 1\nIP 172\.30\.83\.0\.\d+ > 172\.30\.20\.2\.http: Flags \[S\]/m);
  for (const dev of ["flannel.1", "docker0"]) {
    const b = block(`sudo tcpdump -i ${dev} 'host 172.30.83.0 and tcp'`);
    assert.match(b, new RegExp(`listening on ${dev.replace(".", "\\.")}, link-type EN10MB \\(Ethernet\\)`));
    assert.match(b, /Flags \[P\.\], seq 1:82, ack 1, .* length 81: HTTP: GET \/ HTTP\/1\.1/);
    assert.match(b, /Flags \[FP\.\], seq 234:846, ack 82, .* length 612: HTTP/);
    assert.match(b, /^11 packets captured$/m);
  }
});

test("a bad line never ends the session; the status of the last command is the exit code", async () => {
  const r = await runCli(["shell", "--script", "test/fixtures/shell/mistakes.sh"]);
  assertGolden("shell/mistakes.txt", transcript(["shell", "--script", "test/fixtures/shell/mistakes.sh"], r));
  assert.equal(r.code, 1, "grep found nothing in the last line");
});
