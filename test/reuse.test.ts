// A check takes a DNS choice's connection from its first run's when the
// network, where the lookup answered, agrees with the first run's wherever
// that run's connection looked (FlowSimulation.continuesAs, reads.ts). That is
// only sound if nothing the connection depends on escapes the comparison:
// here every enumeration is made both ways and must be the same, and each
// kind of runtime state is shown to be logged when read and compared.

import { test } from "node:test";
import assert from "node:assert/strict";
import { enumerationData, enumeratePaths } from "../src/check/enumerate.js";
import { CompiledCluster } from "../src/compile/compiled-cluster.js";
import { ClusterWorld } from "../src/compile/world.js";
import { describe } from "../src/generate/plan.js";
import { writeDescription } from "../src/generate/write.js";
import { loadCluster } from "../src/load/load-cluster.js";
import type { Listener, World } from "../src/model/kernel.js";
import { type FlowInput, FlowSimulation, runFlow, runFlowOn, seededNetwork } from "../src/simulate/flow.js";
import { ipvsState } from "../src/simulate/ipvs.js";
import type { Network } from "../src/simulate/network.js";
import { ReadLog } from "../src/simulate/reads.js";
import type { NsState } from "../src/simulate/state.js";

function cluster(mode: "iptables" | "ipvs" | "userspace"): { w: World; pods: string[]; nodes: string[] } {
  // Three CoreDNS replicas and three backends per service on four nodes: some replicas share a node
  // with a client or a backend (the lookup leaves state the connection reads), some do not.
  const description = JSON.parse(writeDescription(describe({ nodes: 4, podsPerNode: 4, services: 4, endpoints: 3 }), "json").join(""));
  description.kubeProxy.mode = mode;
  // The userspace proxier's last release.
  if (mode === "userspace") description.kubeProxy.version = "1.25";
  const loaded = loadCluster(`reuse-${mode}.json`, new TextEncoder().encode(JSON.stringify(description)));
  assert.ok(loaded.cluster, loaded.diagnostics.map((d) => d.message).join("; "));
  const c = loaded.cluster;
  return { w: new ClusterWorld(new CompiledCluster(c)), pods: c.pods.map((p) => `${p.namespace}/${p.name}`), nodes: c.nodes.map((n) => n.name) };
}

/** An enumeration as plain data, observations' point sets as sorted lists. */
function plain(world: World, input: FlowInput, reuse: boolean): string {
  const e = enumeratePaths(world, input, 5, 1000, { reuse });
  return JSON.stringify(enumerationData(e), (_k, v: unknown) => (v instanceof Set ? [...(v as Set<string>)].sort() : v));
}

/** Counts what continuesAs answers while `body` runs. */
function counting(body: () => void): { reused: number; refused: number } {
  const original = FlowSimulation.prototype.continuesAs;
  const counts = { reused: 0, refused: 0 };
  FlowSimulation.prototype.continuesAs = function (this: FlowSimulation, ...args: Parameters<FlowSimulation["continuesAs"]>) {
    const shift = original.apply(this, args);
    counts[shift ? "reused" : "refused"]++;
    return shift;
  };
  try {
    body();
  } finally {
    FlowSimulation.prototype.continuesAs = original;
  }
  return counts;
}

for (const mode of ["iptables", "ipvs", "userspace"] as const) {
  test(`${mode}: reusing the first run's connection gives every enumeration exactly as simulating each one`, () => {
    const { w, pods } = cluster(mode);
    const clients = pods.filter((id) => /^(default\/client|ns-0\/app-1)-/.test(id));
    const inputs: FlowInput[] = clients.flatMap((from): FlowInput[] => [
      { from, to: "app-2.ns-0", port: 80, protocol: "tcp", client: "curl" },
      { from, to: "app-3.ns-0.svc.cluster.local", port: 80, protocol: "tcp", client: "wget" },
      { from, to: "app-1.ns-0", port: 9, protocol: "tcp", client: "curl", connectOnly: true },
      { from, to: "app-1.ns-0", port: 7, protocol: "udp", client: "curl" },
      { from, to: "kube-dns.kube-system", port: 53, protocol: "udp", client: "curl" },
      { from, to: "app-2.ns-0", port: null, protocol: "icmp", client: "curl", pings: 2 },
    ]);
    const counts = counting(() => {
      for (const input of inputs) assert.equal(plain(w, input, true), plain(w, input, false), `${input.from} → ${input.to}:${input.port}/${input.protocol}`);
    });
    // Both answers were given, and often: the comparison decided something (12 to 25 reused of 84 to 144 here).
    assert.ok(counts.reused >= 10, `reused ${counts.reused}`);
    assert.ok(counts.refused >= 20, `refused ${counts.refused}`);
  });
}

/**
 * Each kind of runtime state: a read through the accessor the simulation uses
 * (logged), and a write that changes what that read sees. Networks that differ
 * there disagree; networks that differ only elsewhere agree.
 */
const KINDS: { kind: string; read: (st: NsState, net: Network, ns: string) => unknown; write: (st: NsState, net: Network, ns: string, other: boolean) => void }[] = [
  { kind: "neighbour", read: (st) => st.neighbour("eth0", 0x0a000001), write: (st, _n, _ns, other) => st.learnNeighbour("eth0", other ? 0x0a000002 : 0x0a000001, "02:00:00:00:00:01") },
  { kind: "neighbour state", read: (st) => st.learnNeighbour("eth0", 0x0a000001, "02:00:00:00:00:01", "STALE"), write: (st, _n, _ns, other) => st.learnNeighbour("eth0", other ? 0x0a000002 : 0x0a000001, "02:00:00:00:00:01") },
  { kind: "fdb", read: (st) => st.fdbPort("cni0", "02:00:00:00:00:01"), write: (st, _n, _ns, other) => st.learnFdb(other ? "docker0" : "cni0", "02:00:00:00:00:01", "veth1") },
  {
    kind: "conntrack tuple",
    read: (st) => st.conntrack.lookup(TUPLE, 0),
    write: (st, _n, _ns, other) => st.conntrack.confirm(st.conntrack.create(other ? { ...TUPLE, sport: 4000 } : TUPLE)),
  },
  { kind: "conntrack reply in use", read: (st) => st.conntrack.replyInUse({ ...TUPLE, src: TUPLE.dst, sport: TUPLE.dport, dst: TUPLE.src, dport: TUPLE.sport }), write: (st, _n, _ns, other) => st.conntrack.confirm(st.conntrack.create(other ? { ...TUPLE, sport: 4000 } : TUPLE)) },
  { kind: "recent", read: (st) => st.recentList("ssh"), write: (st, _n, _ns, other) => st.recentList(other ? "web" : "ssh").push({ addr: 1, last: 0 }) },
  {
    kind: "ipvs connection",
    read: (st) => ipvsState(st).connIn("tcp", 1, 2, SERVICE.vip, 80, 0),
    write: (st, _n, _ns, other) => ipvsState(st).add({ proto: "tcp", caddr: 1, cport: other ? 3 : 2, vaddr: SERVICE.vip, vport: 80, daddr: 3, dport: 80, service: SERVICE, dest: 0, state: 0, inactive: true, expires: 9 }),
  },
  { kind: "ipvs scheduler", read: (st) => ipvsState(st).schedule(SERVICE, 1, () => true), write: (st, _n, _ns, other) => void ipvsState(st).schedule(other ? { ...SERVICE } : SERVICE, 1, () => true) },
  {
    kind: "userspace proxy round robin",
    read: (st) => st.nextProxyPick(PROXY, () => true),
    write: (st, _n, _ns, other) => void st.nextProxyPick(other ? { ...PROXY } : PROXY, () => true),
  },
  {
    kind: "sockets",
    read: (_st, net, ns) => net.socketsOf(ns),
    write: (_st, net, ns, other) => void net.socketsOf(other ? `${ns}-other` : ns).push({ proto: "udp", localIp: 0, localPort: 53, shareable: true, receive: () => {} }),
  },
];

const SERVICE = { proto: "TCP" as const, vip: 0x0a600001, port: 80, scheduler: "rr", dests: [{ ip: 0x0af40003, port: 80, weight: 1, forward: "Masq" as const }] };
/** A kube-proxy userspace proxy port with two endpoints. */
const PROXY: Listener = { proto: "tcp", addr: 0, port: 30080, pid: 1, program: "kube-proxy", app: "proxy", proxyTo: [{ ip: 0x0af40003, port: 80 }, { ip: 0x0af40004, port: 80 }] };
const TUPLE = { proto: "tcp" as const, src: 0x0af40002, sport: 3000, dst: 0x0a600001, dport: 80 };

test("each kind of runtime state is logged when read and compared where it was read", () => {
  const { w, nodes } = cluster("iptables");
  const ns = nodes[0]!;
  // `${ns}-other` stands for a namespace the logged run never looked at; the world need not know it.
  const fresh = (): Network => {
    const net = seededNetwork(w, { seed: 1, narrate: false });
    const known = net.ns.bind(net);
    net.ns = (id: string) => known(id.endsWith("-other") ? id.slice(0, -"-other".length) : id);
    return net;
  };
  for (const { kind: what, read, write } of KINDS) for (const before of [true, false]) {
    // The namespace's state made before the watch began, or during it.
    const kind = `${what} (state made ${before ? "before" : "while"} watched)`;
    const log = new ReadLog();
    const watched = fresh();
    if (before) watched.state(ns);
    watched.watch(log);
    read(watched.state(ns), watched, ns);
    watched.watch(undefined);
    assert.ok(log.size > 0, `${kind}: the read was logged`);
    const a = fresh();
    const same = fresh();
    const differs = fresh();
    write(differs.state(ns), differs, ns, false);
    const elsewhere = fresh();
    write(elsewhere.state(ns), elsewhere, ns, true);
    assert.equal(log.agrees(a, same), true, `${kind}: equal networks agree`);
    assert.equal(log.agrees(a, differs), false, `${kind}: a change where the run read is seen`);
    assert.equal(log.agrees(differs, a), false, `${kind}: either way round`);
    assert.equal(log.agrees(a, elsewhere), true, `${kind}: a change elsewhere is not`);
  }
});

/** What `read` reads of namespace `ns`'s state on a fresh watched network. */
function logged(w: World, ns: string, read: (st: NsState) => unknown): ReadLog {
  const log = new ReadLog();
  const watched = seededNetwork(w, { seed: 1, narrate: false });
  watched.watch(log);
  read(watched.state(ns));
  watched.watch(undefined);
  return log;
}

test("IP ids and conntrack ids are not compared: they name packets and entries, and nothing decides on them", () => {
  const { w, nodes } = cluster("iptables");
  const ns = nodes[0]!;
  const log = logged(w, ns, (st) => {
    st.nextIpId();
    st.conntrack.lookup(TUPLE, 0);
  });
  const a = seededNetwork(w, { seed: 1, narrate: false });
  const b = seededNetwork(w, { seed: 1, narrate: false });
  // The same entry under another id, and the counters moved on.
  a.state(ns).conntrack.confirm(a.state(ns).conntrack.create(TUPLE));
  b.state(ns).conntrack.create({ ...TUPLE, sport: 4000 });
  b.state(ns).conntrack.confirm(b.state(ns).conntrack.create(TUPLE));
  b.state(ns).nextIpId();
  assert.equal(log.agrees(a, b), true);
});

test("a network a fixed time later agrees where its conntrack entries expire that much later, and only there", () => {
  const { w, nodes } = cluster("iptables");
  const ns = nodes[0]!;
  const log = logged(w, ns, (st) => st.conntrack.lookup(TUPLE, 0));
  const entry = (net: Network, expires: number): void => {
    const ct = net.state(ns).conntrack;
    const conn = ct.create(TUPLE);
    conn.expires = expires;
    ct.confirm(conn);
  };
  const early = seededNetwork(w, { seed: 1, narrate: false });
  const late = seededNetwork(w, { seed: 1, narrate: false });
  entry(early, 30_000_000);
  entry(late, 30_000_500);
  assert.equal(log.agrees(late, early, 500), true, "500 µs later, expiring 500 µs later");
  assert.equal(log.agrees(late, early, 0), false, "not at the same moment");
  assert.equal(log.agrees(late, early, 400), false, "nor 400 µs later");
});

test("two looked-up flows at different moments are not taken for one another", () => {
  const { w, pods } = cluster("iptables");
  const from = pods.find((id) => id.startsWith("default/client-"))!;
  const input: FlowInput = { from, to: "app-2.ns-0", port: 80, protocol: "tcp", client: "curl" };
  const first = FlowSimulation.start(seededNetwork(w, { seed: 5, narrate: false }), input);
  assert.ok(first.lookUp());
  const again = FlowSimulation.start(seededNetwork(w, { seed: 5, narrate: false }), input);
  assert.ok(again.lookUp());
  assert.deepEqual(again.continuesAs(first, new ReadLog(), undefined), { time: 0, packets: 0 }, "the same lookup: the same moment");
  const later = FlowSimulation.start(seededNetwork(w, { seed: 5, narrate: false }), input);
  assert.ok(later.lookUp());
  later.net.advance(1);
  assert.equal(later.continuesAs(first, new ReadLog(), undefined), undefined, "the clock a microsecond on, its schedule not");
  const otherSeed = FlowSimulation.start(seededNetwork(w, { seed: 6, narrate: false }), input);
  assert.ok(otherSeed.lookUp());
  assert.equal(otherSeed.continuesAs(first, new ReadLog(), undefined), undefined, "another generator state");
  const other = FlowSimulation.start(seededNetwork(w, { seed: 5, narrate: false }), { ...input, port: 81 });
  assert.ok(other.lookUp());
  assert.equal(other.continuesAs(first, new ReadLog(), undefined), undefined, "another flow");
});

test("runtime state lives in the network: a fresh network starts the userspace proxy's round robin afresh", async () => {
  // kube-proxy's userspace proxy once kept its round robin in a module-wide map, so the second
  // simulation of a flow in one process went to another backend: a check's verdicts then depended
  // on the checks before it, and nothing the reuse compares could see it.
  const { readFileSync } = await import("node:fs");
  const file = "fixtures/seed-000-userspace.yaml";
  const loaded = loadCluster(file, readFileSync(file));
  assert.ok(loaded.cluster);
  const w = new ClusterWorld(new CompiledCluster(loaded.cluster));
  const input: FlowInput = { from: "kube-system/fluentd-elasticsearch-centos7-node-224", to: "elasticsearch-logging.kube-system", port: 9200, protocol: "tcp", client: "curl" };
  const servers = [1, 2, 3].map(() => runFlow(w, input, { seed: 1, narrate: false }).server?.netns);
  assert.ok(servers[0], "the flow reaches a backend");
  assert.deepEqual(servers, [servers[0], servers[0], servers[0]]);
  // Within one network the proxy still rotates, as LoadBalancerRR does from connection to connection.
  const net = seededNetwork(w, { seed: 1, narrate: false });
  const first = runFlowOn(net, input).server?.netns;
  const second = runFlowOn(net, input).server?.netns;
  assert.notEqual(first, second);
});
