// `exec` golden cases: the exact text each tool prints in a simulated
// namespace, across example clusters and kube-proxy generations.

import { test } from "node:test";
import assert from "node:assert/strict";
import { assertGolden } from "./support/golden.js";
import { runCli, transcript } from "./support/cli.js";

const CASES: [string, string[]][] = [
  ["lab-node-iptables-save", ["exec", "node-a", "--", "iptables-save"]],
  ["lab-node-nat", ["exec", "node-b", "--", "iptables-save", "-t", "nat"]],
  ["lab-node-ip-addr", ["exec", "node-a", "--", "ip", "addr"]],
  ["lab-node-ip-link", ["exec", "node-a", "--", "ip", "link"]],
  ["lab-node-ip-route", ["exec", "node-b", "--", "ip", "route"]],
  ["lab-node-ip-route-local", ["exec", "node-b", "--", "ip", "route", "show", "table", "local"]],
  ["lab-node-ip-neigh", ["exec", "node-a", "--", "ip", "neigh"]],
  ["lab-node-bridge-fdb", ["exec", "node-a", "--", "bridge", "fdb"]],
  ["lab-node-route-n", ["exec", "node-a", "--", "route", "-n"]],
  ["lab-node-brctl", ["exec", "node-a", "--", "brctl", "show"]],
  ["lab-node-ifconfig-cni0", ["exec", "node-a", "--", "ifconfig", "cni0"]],
  ["lab-node-iptables-L", ["exec", "node-a", "--", "iptables", "-t", "nat", "-L", "KUBE-SERVICES", "-n", "--line-numbers"]],
  ["lab-node-iptables-S", ["exec", "node-a", "--", "iptables", "-t", "filter", "-S"]],
  ["lab-node-subnet-env", ["exec", "node-b", "--", "cat", "/run/flannel/subnet.env"]],
  ["lab-node-conflist", ["exec", "node-b", "--", "cat", "/etc/cni/net.d/10-flannel.conflist"]],
  ["lab-pod-ip-addr", ["exec", "client", "--", "ip", "addr"]],
  ["lab-pod-ip-route", ["exec", "default/client", "--", "ip", "route"]],
  ["lab-pod-resolv-conf", ["exec", "client", "--", "cat", "/etc/resolv.conf"]],
  ["lab-pod-iptables-save", ["exec", "client", "--", "iptables-save"]],
  ["lab-external-ip-route", ["exec", "laptop", "--", "ip", "route"]],
  ["ipvs-ipvsadm", ["exec", "-f", "test/fixtures/eras/f.yaml", "node2", "--", "ipvsadm", "-Ln"]],
  ["ipvs-ipset", ["exec", "-f", "test/fixtures/eras/f.yaml", "node2", "--", "ipset", "list", "KUBE-CLUSTER-IP"]],
  ["ipvs-ip-addr-kube-ipvs0", ["exec", "-f", "test/fixtures/eras/f.yaml", "node2", "--", "ip", "addr", "show", "kube-ipvs0"]],
  ["ipvs-policies-ipvsadm", ["exec", "-f", "test/fixtures/trace/ipvs-policies.yaml", "node-a", "--", "ipvsadm", "-Ln"]],
  ["ipvs-policies-nat", ["exec", "-f", "test/fixtures/trace/ipvs-policies.yaml", "node-a", "--", "iptables-save", "-t", "nat"]],
  ["ipvs-policies-ipset-node-port-local", ["exec", "-f", "test/fixtures/trace/ipvs-policies.yaml", "node-a", "--", "ipset", "list", "KUBE-NODE-PORT-LOCAL-TCP"]],
  ["ipvs-policies-ip-addr-kube-ipvs0", ["exec", "-f", "test/fixtures/trace/ipvs-policies.yaml", "node-a", "--", "ip", "-4", "addr", "show", "kube-ipvs0"]],
  ["docker-bridge-ip-addr", ["exec", "-f", "test/fixtures/eras/a.yaml", "node2", "--", "ip", "addr"]],
  ["docker-bridge-pod-route", ["exec", "-f", "test/fixtures/eras/a.yaml", "kube-system/coredns", "--", "route", "-n"]],
  ["udp-backend-ip-route", ["exec", "-f", "test/fixtures/trace/udp.yaml", "node-a", "--", "ip", "route"]],
  ["hostgw-backend-ip-route", ["exec", "-f", "test/fixtures/trace/hostgw.yaml", "node-a", "--", "ip", "route"]],
  ["error-unknown-device", ["exec", "node-a", "--", "ip", "addr", "show", "dev", "eth9"]],
  ["error-unknown-command", ["exec", "node-a", "--", "tcpflow"]],
  ["error-unknown-target", ["exec", "node-z", "--", "ip", "addr"]],
  ["error-no-command", ["exec", "node-a"]],
  ["error-unknown-file", ["exec", "node-a", "--", "cat", "/etc/shadow"]],
];

for (const [name, argv] of CASES) {
  test(`exec ${name}`, async () => {
    const r = await runCli(argv);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    if (name.startsWith("error-")) assert.notEqual(r.code, 0);
    else assert.equal(r.code, 0, r.stderr);
    assertGolden(`exec/${name}.txt`, transcript(argv, r));
  });
}
