// The four field reports (../shared/seeds), replayed on their example
// clusters: each line the reports show must come out verbatim, and each
// walkthrough command has a golden transcript.

import { test } from "node:test";
import assert from "node:assert/strict";
import { assertGolden } from "./support/golden.js";
import { runCli, transcript } from "./support/cli.js";

async function run(argv: string[], code = 0): Promise<string> {
  const r = await runCli(argv);
  assert.equal(r.code, code, r.stderr);
  return r.stdout;
}

const grep = (text: string, ...words: string[]) => text.split("\n").filter((l) => words.every((w) => l.includes(w)));

test("000: iptables-save | grep 10.254.24.205 | grep 9200 prints exactly the report's two lines", async () => {
  const out = await run(["exec", "-f", "example:seed-000-userspace", "centos7-node-224", "--", "iptables-save"]);
  assert.deepEqual(grep(out, "10.254.24.205", "9200"), [
    '-A KUBE-PORTALS-CONTAINER -d 10.254.24.205/32 -p tcp -m comment --comment "kube-system/elasticsearch-logging:" -m tcp --dport 9200 -j REDIRECT --to-ports 36967',
    '-A KUBE-PORTALS-HOST -d 10.254.24.205/32 -p tcp -m comment --comment "kube-system/elasticsearch-logging:" -m tcp --dport 9200 -j DNAT --to-destination 192.168.1.224:36967',
  ]);
});

test("000: the fluentd pod's ip route is the report's", async () => {
  const out = await run(["exec", "-f", "example:seed-000-userspace", "fluentd-elasticsearch-centos7-node-224", "--", "ip", "route"]);
  // Verbatim from the report, double spaces included (iproute2 3.x printed " proto X " and friends).
  assert.equal(out, "default via 172.16.60.1 dev eth0 \n172.16.60.0/24 dev eth0  proto kernel  scope link  src 172.16.60.2 \n");
});

test("000: every container of kube-dns-v9-y05vd shows the same ip addr and routes (one network namespace)", async () => {
  const views = new Set<string>();
  for (const c of ["etcd", "kube2sky", "skydns", "healthz"]) {
    const addr = await run(["exec", "-f", "example:seed-000-userspace", "kube-dns-v9-y05vd", "-c", c, "--", "ip", "a"]);
    const route = await run(["exec", "-f", "example:seed-000-userspace", "kube-dns-v9-y05vd", "-c", c, "--", "ip", "route"]);
    assert.match(addr, /inet 172\.16\.60\.4\/24/);
    views.add(addr + route);
  }
  assert.equal(views.size, 1);
});

test("000: trace shows DNS via 10.254.0.10, the REDIRECT to kube-proxy, and kube-proxy's own connection crossing flannel to node 223", async () => {
  const out = await run(["trace", "-f", "example:seed-000-userspace", "fluentd-elasticsearch-centos7-node-224", "elasticsearch-logging:9200", "-n"]);
  assert.match(out, /IP 172\.16\.60\.2\.\d+ > 10\.254\.0\.10\.53: \d+\+ A\? elasticsearch-logging\.kube-system\.svc\.cluster\.local\./);
  assert.match(out, /REDIRECT --to-ports 36967/);
  assert.match(out, /REDIRECT: destination 10\.254\.24\.205:9200 → 172\.16\.60\.1:36967/);
  assert.match(out, /then kube-proxy's own connection from 172\.16\.60\.0:\d+ to 172\.16\.77\.4:9200/);
  assert.match(out, /--- centos7-node-223 flannel\.1 ---\n.*IP 172\.16\.60\.0\.\d+ > 172\.16\.77\.4\.9200: Flags \[S\]/);
  assert.match(out, /IP 192\.168\.1\.224\.\d+ > 192\.168\.1\.223\.8472: OTV/);
});

const SEED1 = ["trace", "-f", "example:seed-001-vxlan", "busybox", "10.254.40.119:4432", "--on", "meizu"];

test("001: on meizu enp4s0, 'src 10.167.226.38 and port 8472 and udp' shows xiaomi > meizu.otv with the masqueraded inner packet", async () => {
  const out = await run([...SEED1, "-i", "enp4s0", "src 10.167.226.38 and port 8472 and udp"]);
  const lines = out.trimEnd().split("\n");
  assert.ok(lines.length >= 10 && lines.length % 2 === 0);
  for (let i = 0; i < lines.length; i += 2) {
    assert.match(lines[i]!, /^\d\d:\d\d:\d\d\.\d{6} IP xiaomi\.\d+ > meizu\.otv: OTV, flags \[I\] \(0x08\), overlay 0, instance 1$/);
    assert.match(lines[i + 1]!, /^IP 172\.30\.83\.0\.\d+ > 172\.30\.20\.2\.http: Flags \[/);
  }
  assert.match(out, /Flags \[P\.\], seq 0:81, ack 1, .* length 81: HTTP: GET \/ HTTP\/1\.1/);
});

test("001: on meizu flannel.1 and docker0, 'host 172.30.83.0 and tcp' shows the whole conversation as the report does", async () => {
  for (const dev of ["flannel.1", "docker0"]) {
    const out = await run([...SEED1, "-i", dev, "host 172.30.83.0 and tcp"]);
    // Ports are ephemeral and initial sequence numbers seeded: compare the
    // rest, token by token, with the report's conversation.
    const shape = out.trimEnd().split("\n").map((l) => {
      const m = /IP (\S+?)\.(?:\d+|http) > (\S+?)\.(?:\d+|http): Flags \[([^\]]+)\](?:, seq (\S+?))?(?:, ack (\d+))?,.* length (\d+)(?:: (.*))?$/.exec(l);
      assert.ok(m, l);
      const [, src, dst, flags, seq, ack, len, decode] = m;
      const handshake = flags!.startsWith("S");
      return [src, dst, flags, handshake ? "-" : seq ?? "-", handshake ? "-" : ack ?? "-", len, decode ?? ""].join(" ").trimEnd();
    });
    const c = "172.30.83.0", s = "172.30.20.2";
    assert.deepEqual(shape, [
      `${c} ${s} S - - 0`,
      `${s} ${c} S. - - 0`,
      `${c} ${s} . - 1 0`,
      `${c} ${s} P. 1:82 1 81 HTTP: GET / HTTP/1.1`,
      `${s} ${c} . - 82 0`,
      `${s} ${c} P. 1:234 82 233 HTTP: HTTP/1.1 200 OK`,
      `${s} ${c} FP. 234:846 82 612 HTTP`,
      `${c} ${s} . - 234 0`,
      `${c} ${s} . - 847 0`,
      `${c} ${s} F. 82 847 0`,
      `${s} ${c} . - 83 0`,
    ], dev);
  }
});

test("001: nothing on enp4s0 for dst 172.30.20.2, dst 10.254.40.119, or port 8472 and tcp", async () => {
  for (const filter of ["dst 172.30.20.2", "dst 10.254.40.119", "port 8472 and tcp"]) {
    assert.equal(await run([...SEED1, "-i", "enp4s0", filter]), "", filter);
  }
});

test("002: the container's route -n and docker's nat rules", async () => {
  const route = await run(["exec", "-f", "example:seed-002-docker", "busybox1", "--", "route", "-n"]);
  assert.match(route, /^0\.0\.0\.0 +172\.17\.0\.1 +0\.0\.0\.0 +UG .* eth0$/m);
  assert.match(route, /^172\.17\.0\.0 +0\.0\.0\.0 +255\.255\.0\.0 +U .* eth0$/m);
  const nat = await run(["exec", "-f", "example:seed-002-docker", "minikube", "--", "iptables", "-t", "nat", "-S"]);
  assert.ok(nat.includes("-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE\n"));
  assert.ok(nat.includes("-A DOCKER -i docker0 -j RETURN\n"));
});

test("003: the report's kube-proxy lines, verbatim", async () => {
  const out = await run(["exec", "-f", "example:seed-003-nodeport", "k8s-node1", "--", "iptables-save"]);
  for (const line of [
    '-A KUBE-SEP-6XCC4VJACKOMSYVV -s 10.20.92.11/32 -m comment --comment "hyjx--hyjx-group3/mysql-demo:mysqld-demo" -j KUBE-MARK-MASQ',
    '-A KUBE-SEP-6XCC4VJACKOMSYVV -p tcp -m comment --comment "hyjx--hyjx-group3/mysql-demo:mysqld-demo" -m tcp -j DNAT --to-destination 10.20.92.11:3306',
    '-A KUBE-SERVICES -d 10.10.147.26/32 -p tcp -m comment --comment "hyjx--hyjx-group3/mysql-demo:mysqld-demo cluster IP" -m tcp --dport 13306 -j KUBE-SVC-DM5EMDBLORDRGWLL',
    '-A KUBE-SVC-DM5EMDBLORDRGWLL -m comment --comment "hyjx--hyjx-group3/mysql-demo:mysqld-demo" -j KUBE-SEP-6XCC4VJACKOMSYVV',
    '-A KUBE-NODEPORTS -p tcp -m comment --comment "hyjx--hyjx-group3/mysql-demo2:mysqld-demo2" -m tcp --dport 30016 -j KUBE-MARK-MASQ',
    '-A KUBE-NODEPORTS -p tcp -m comment --comment "hyjx--hyjx-group3/mysql-demo2:mysqld-demo2" -m tcp --dport 30016 -j KUBE-SVC-NVNGTMQMPFTQA6YS',
    '-A KUBE-SEP-7MWHP37XXE3W6QI4 -s 10.20.92.11/32 -m comment --comment "hyjx--hyjx-group3/mysql-demo2:mysqld-demo2" -j KUBE-MARK-MASQ',
    '-A KUBE-SEP-7MWHP37XXE3W6QI4 -p tcp -m comment --comment "hyjx--hyjx-group3/mysql-demo2:mysqld-demo2" -m tcp -j DNAT --to-destination 10.20.92.11:3306',
    '-A KUBE-SERVICES -d 10.10.95.1/32 -p tcp -m comment --comment "hyjx--hyjx-group3/mysql-demo2:mysqld-demo2 cluster IP" -m tcp --dport 23306 -j KUBE-SVC-NVNGTMQMPFTQA6YS',
    '-A KUBE-SVC-NVNGTMQMPFTQA6YS -m comment --comment "hyjx--hyjx-group3/mysql-demo2:mysqld-demo2" -j KUBE-SEP-7MWHP37XXE3W6QI4',
  ]) assert.ok(out.split("\n").includes(line), line);
});

test("003: a NodePort trace from outside shows the mark, the SNAT and the backend", async () => {
  const out = await run(["trace", "-f", "example:seed-003-nodeport", "workstation", "k8s-node1:30016", "-n"]);
  assert.match(out, /nat KUBE-NODEPORTS #1 .* --dport 30016 -j KUBE-MARK-MASQ/);
  assert.match(out, /nat KUBE-MARK-MASQ #1 .*-j MARK --set-xmark 0x4000\/0x4000/);
  assert.match(out, /MASQUERADE: source 192\.168\.10\.100:\d+ → 10\.20\.37\.0:\d+/);
  assert.match(out, /backend pod hyjx--hyjx-group3\/mysql-demo-7d4b9c8f6-2xkq9 \(10\.20\.92\.11:3306\)/);
});

const WALKTHROUGH: [string, string[]][] = [
  ["000-portals", ["exec", "-f", "example:seed-000-userspace", "centos7-node-224", "--", "iptables", "-t", "nat", "-S", "KUBE-PORTALS-CONTAINER"]],
  ["000-ifconfig-docker0", ["exec", "-f", "example:seed-000-userspace", "centos7-node-224", "--", "ifconfig", "docker0"]],
  ["000-trace", ["trace", "-f", "example:seed-000-userspace", "fluentd-elasticsearch-centos7-node-224", "elasticsearch-logging:9200", "-n"]],
  ["001-enp4s0", [...SEED1, "-i", "enp4s0", "src 10.167.226.38 and port 8472 and udp"]],
  ["001-flannel", [...SEED1, "-i", "flannel.1", "host 172.30.83.0 and tcp"]],
  ["001-docker0", [...SEED1, "-i", "docker0", "host 172.30.83.0 and tcp"]],
  ["002-route", ["exec", "-f", "example:seed-002-docker", "busybox1", "--", "route", "-n"]],
  ["002-nat", ["exec", "-f", "example:seed-002-docker", "minikube", "--", "iptables", "-t", "nat", "-S"]],
  ["003-nodeport-trace", ["trace", "-f", "example:seed-003-nodeport", "workstation", "k8s-node1:30016", "-n"]],
];

for (const [name, argv] of WALKTHROUGH) {
  test(`walkthrough ${name}`, async () => {
    assertGolden(`seeds/${name}.txt`, transcript(argv, await runCli(argv)));
  });
}
