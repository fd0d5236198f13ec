// `trace` golden cases: the narrative and what tcpdump prints on every
// interface, for the situations the issue lists. Read the golden files: they
// are the tour of what the simulator does.

import { test } from "node:test";
import assert from "node:assert/strict";
import { assertGolden } from "./support/golden.js";
import { runCli, transcript } from "./support/cli.js";

const S = "test/fixtures/trace/small.yaml";
/** The same cluster with kube-proxy in IPVS mode. */
const V = "test/fixtures/trace/ipvs.yaml";

const CASES: [string, string[], number][] = [
  ["lab-dns-service-cross-node", ["trace", "client", "web"], 0],
  ["same-node-pod-to-pod", ["trace", "-f", S, "client-a", "web-a", "-n"], 0],
  ["cross-node-pod-to-pod-vxlan", ["trace", "-f", S, "client-a", "web-b", "-n"], 0],
  ["cross-node-pod-to-pod-host-gw", ["trace", "-f", "test/fixtures/trace/hostgw.yaml", "client-a", "web-b", "-n"], 0],
  ["cross-node-pod-to-pod-udp", ["trace", "-f", "test/fixtures/trace/udp.yaml", "client-a", "web-b", "-n"], 0],
  // The backend's port unreachable comes back RELATED and un-DNATed: from the ClusterIP, about the packet the client sent.
  ["udp-service-closed-port-icmp-related", ["trace", "-f", "test/fixtures/trace/udp-closed.yaml", "client-a", "stats:8125", "-n"], 1],
  ["clusterip-backend-same-node", ["trace", "-f", S, "client-a", "10.96.0.3", "-n", "--seed", "2"], 0],
  ["clusterip-backend-other-node", ["trace", "-f", S, "client-a", "10.96.0.3", "-n", "--seed", "1"], 0],
  ["clusterip-all-paths", ["trace", "-f", S, "client-a", "10.96.0.3", "--all-paths"], 0],
  // kube-proxy's userspace proxy shuffles a service's endpoints when it learns them (LoadBalancerRR): the first connection may go to any.
  ["userspace-all-paths", ["trace", "-f", "fixtures/seed-000-userspace.yaml", "kube-system/fluentd-elasticsearch-centos7-node-224", "elasticsearch-logging.kube-system:9200", "--all-paths"], 0],
  ["hairpin", ["trace", "-f", S, "web-a", "10.96.0.3", "-n", "--seed", "2"], 0],
  ["masquerade-all", ["trace", "-f", "test/fixtures/trace/masqall.yaml", "client-a", "10.96.0.3", "-n", "--seed", "1"], 0],
  ["nodeport-no-local-endpoint", ["trace", "-f", S, "laptop", "node-a:30082", "-n"], 0],
  ["external-traffic-policy-local-dropped", ["trace", "-f", S, "laptop", "node-a:30081", "-n"], 1],
  ["external-traffic-policy-local-delivered", ["trace", "-f", S, "laptop", "node-b:30081", "-n"], 0],
  ["no-endpoints-reject", ["trace", "-f", S, "client-a", "empty", "-n"], 1],
  ["closed-port", ["trace", "-f", S, "client-a", "web-b:81", "-n"], 1],
  ["pod-to-external-masquerade", ["trace", "-f", S, "client-a", "laptop:8080", "-n"], 0],
  ["icmp-to-clusterip", ["trace", "-f", S, "client-a", "10.96.0.3", "-p", "icmp", "-n"], 1],
  ["br-netfilter-off-same-node-service", ["trace", "-f", "test/fixtures/trace/nobrnf.yaml", "client-a", "10.96.0.3", "-n", "--seed", "2"], 1],
  ["single-interface", ["trace", "-f", S, "client-a", "web-b", "--on", "node-b", "-i", "flannel.1", "host 10.244.0.2 and tcp"], 0],
  ["single-interface-e-v", ["trace", "-f", S, "client-a", "web-b", "--on", "node-a", "-i", "eth0", "-e", "-v", "-n", "arp or tcp port 80"], 0],
  ["names-without-n", ["trace", "-f", S, "client-a", "web-b", "--on", "node-b", "-i", "eth0"], 0],
  // IPVS mode: the ClusterIP is local (kube-ipvs0); IPVS schedules in LOCAL_IN and sends on through LOCAL_OUT.
  ["ipvs-lab-dns-service-cross-node", ["trace", "-f", "example:lab-ipvs", "client", "web"], 0],
  ["ipvs-clusterip-backend-same-node", ["trace", "-f", V, "client-a", "10.96.0.3", "-n", "--seed", "1"], 0],
  ["ipvs-clusterip-backend-other-node", ["trace", "-f", V, "client-a", "10.96.0.3", "-n", "--seed", "4"], 0],
  ["ipvs-clusterip-all-paths", ["trace", "-f", V, "client-a", "10.96.0.3", "--all-paths"], 0],
  // KUBE-LOOP-BACK masquerades the pod reaching itself; the reply is bridged back and IPVS restores the ClusterIP in FORWARD.
  ["ipvs-hairpin", ["trace", "-f", V, "web-a", "10.96.0.3", "-n", "--seed", "1"], 0],
  // IPVS decrements the TTL of this host's own packets too (__ip_vs_get_out_rt), and the source (the ClusterIP itself) is masqueraded.
  ["ipvs-node-to-clusterip", ["trace", "-f", V, "node-a", "10.96.0.3", "-n", "-v", "--seed", "4", "--on", "node-a"], 0],
  ["ipvs-nodeport-no-local-endpoint", ["trace", "-f", V, "laptop", "node-a:30082", "-n"], 0],
  // externalTrafficPolicy: Local with no endpoint here: kube-proxy falls back to every endpoint (syncEndpoint, kubernetes#97081)
  // and KUBE-NODE-PORT-LOCAL-TCP skips its masquerade mark; flannel's "! -s 10.244.0.0/16 -d 10.244.0.0/16" MASQUERADE still
  // rewrites the source, so the reply comes back through node-a and the flow is delivered.
  ["ipvs-external-traffic-policy-local-no-endpoint", ["trace", "-f", V, "laptop", "node-a:30081", "-n"], 0],
  ["ipvs-external-traffic-policy-local-delivered", ["trace", "-f", V, "laptop", "node-b:30081", "-n"], 0],
  // A Service with endpoints nowhere: the virtual server has no real server, ip_vs_leave answers port unreachable.
  ["ipvs-no-endpoints", ["trace", "-f", V, "client-a", "empty", "-n"], 1],
  // KUBE-IPVS-FILTER rejects what is for a service address but no virtual server: a ping, or a port the service does not have.
  ["ipvs-icmp-to-clusterip", ["trace", "-f", V, "client-a", "10.96.0.3", "-p", "icmp", "-n"], 1],
  // The backend's port unreachable leaves node-a rewritten by IPVS (ip_vs_out_icmp): from the ClusterIP, quoting the ClusterIP and service port.
  ["ipvs-udp-service-closed-port-icmp", ["trace", "-f", "test/fixtures/trace/udp-closed-ipvs.yaml", "client-a", "stats:8125", "-n", "-v"], 1],
  ["ipvs-clusterip-wrong-port", ["trace", "-f", V, "client-a", "10.96.0.3:81", "-n"], 1],
  ["error-bad-filter", ["trace", "-f", S, "client-a", "web-b", "host"], 2],
  ["error-unknown-destination", ["trace", "-f", S, "client-a", "wbe"], 2],
  ["error-ambiguous-interface", ["trace", "-f", S, "client-a", "web-b", "-i", "eth0"], 2],
];

for (const [name, argv, code] of CASES) {
  test(`trace ${name}`, async () => {
    const r = await runCli(argv);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.equal(r.code, code, r.stderr || r.stdout.slice(0, 500));
    assertGolden(`trace/${name}.txt`, transcript(argv, r));
  });
}

test("trace output is byte-identical run to run", async () => {
  const argv = ["trace", "client", "web", "-v", "-e"];
  const a = await runCli(argv);
  const b = await runCli(argv);
  assert.equal(a.stdout, b.stdout);
});

test("a different seed changes what is random and nothing else", async () => {
  const a = await runCli(["trace", "-f", S, "client-a", "web-b", "-n", "--on", "client-a"]);
  const b = await runCli(["trace", "-f", S, "client-a", "web-b", "-n", "--on", "client-a", "--seed", "7"]);
  assert.notEqual(a.stdout, b.stdout);
  const shape = (s: string) => s.replace(/\d+/g, "N");
  assert.equal(shape(a.stdout), shape(b.stdout));
});

test("interfaces that only saw flooded broadcasts: counted in the overview, shown with --on, kept in -o json", async () => {
  const all = await runCli(["trace", "-f", S, "client-a", "web-b", "-n"]);
  assert.doesNotMatch(all.stdout, /^--- node-a veth7ded3168 ---$/m);
  assert.match(all.stdout, /^5 more interfaces saw only flooded copies of broadcasts .*: 2 on node-a and its pods, 2 on node-b and its pods, 1 on laptop;/m);
  const onNode = await runCli(["trace", "-f", S, "client-a", "web-b", "-n", "--on", "node-a"]);
  assert.match(onNode.stdout, /^--- node-a veth7ded3168 ---\n\S+ ARP, Request who-has 10\.244\.0\.1 tell 10\.244\.0\.2, length 28\n/m);
  assert.doesNotMatch(onNode.stdout, /flooded copies/);
  const json = JSON.parse((await runCli(["trace", "-f", S, "client-a", "web-b", "-o", "json"])).stdout) as { captures: { netns: string; dev: string }[] };
  assert.ok(json.captures.some((c) => c.netns === "node-a" && c.dev === "veth7ded3168"));
});
