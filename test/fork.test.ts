// A check simulates each connection choice behind a DNS lookup on a fork of
// the network taken where the lookup answered (FlowSimulation.fork). That is
// only sound if a fork runs exactly as the network it was taken from would
// have: here every connection choice of several flows, in iptables and IPVS
// mode, is simulated both ways with the whole story told (steps, every
// captured frame's bytes, timings, what the client saw) and must agree.
// Judged runs also keep only sightings of their packets, not captures: the
// judge must see in them what it sees in the captures of a narrated run.

import { test } from "node:test";
import assert from "node:assert/strict";
import { observe } from "../src/check/judge.js";
import { CompiledCluster } from "../src/compile/compiled-cluster.js";
import { ClusterWorld } from "../src/compile/world.js";
import { describe } from "../src/generate/plan.js";
import { writeDescription } from "../src/generate/write.js";
import { loadCluster } from "../src/load/load-cluster.js";
import type { World } from "../src/model/kernel.js";
import { type FlowInput, type FlowResult, FlowSimulation, runFlow, seededNetwork } from "../src/simulate/flow.js";
import type { Chooser } from "../src/simulate/network.js";

/** Answers from a script ("match" past its end) and records every choice with the packet that made it. */
class Scripted implements Chooser {
  readonly made: { choice: boolean; probability: number; packet: number }[];
  constructor(private readonly script: readonly boolean[], made: Scripted["made"] = []) {
    this.made = [...made];
  }
  decide(probability: number, _where: string, packet = 0): boolean {
    const choice = probability >= 1 ? true : probability <= 0 ? false : (this.script[this.made.length] ?? true);
    this.made.push({ choice, probability, packet });
    return choice;
  }
}

function world(mode: "iptables" | "ipvs"): { w: World; pods: string[] } {
  // Three CoreDNS replicas and three backends per service on four nodes: lookups and connections both choose.
  const description = JSON.parse(writeDescription(describe({ nodes: 4, podsPerNode: 4, services: 4, endpoints: 3 }), "json").join(""));
  description.kubeProxy.mode = mode;
  const loaded = loadCluster(`fork-${mode}.json`, new TextEncoder().encode(JSON.stringify(description)));
  assert.ok(loaded.cluster, loaded.diagnostics.map((d) => d.message).join("; "));
  return { w: new ClusterWorld(new CompiledCluster(loaded.cluster)), pods: loaded.cluster.pods.map((p) => `${p.namespace}/${p.name}`) };
}

/** Everything a trace prints or judges, with each captured frame as bytes. */
function told(r: FlowResult): unknown {
  return JSON.parse(JSON.stringify({ ...r, packets: r.packets.map((p) => ({ ...p, frame: Buffer.from(p.frame).toString("hex") })) }));
}

/** Every script for the connection's choices, given the lookup's: depth first, as check explores them. */
function* connectionScripts(world: World, input: FlowInput, lookup: boolean[]): Generator<boolean[]> {
  for (let script: boolean[] | undefined = lookup; script; ) {
    const chooser: Scripted = new Scripted(script);
    runFlow(world, input, { seed: 7, chooser, narrate: false });
    yield chooser.made.map((m) => m.choice);
    let flip = -1;
    for (let i = chooser.made.length - 1; i >= lookup.length; i--) {
      const m = chooser.made[i]!;
      if (m.choice && m.probability < 1) {
        flip = i;
        break;
      }
    }
    script = flip < 0 ? undefined : [...chooser.made.slice(0, flip).map((m) => m.choice), false];
  }
}

for (const mode of ["iptables", "ipvs"] as const) {
  test(`${mode}: every connection choice simulated on a fork of the looked-up network tells the same story as from the start`, () => {
    const { w, pods } = world(mode);
    const client = pod(pods, "ns-0/app-1", 0);
    const inputs: FlowInput[] = [
      { from: client, to: "app-2.ns-0", port: 80, protocol: "tcp", client: "curl" },
      { from: client, to: "app-3.ns-0.svc.cluster.local", port: 80, protocol: "tcp", client: "wget" },
      { from: pod(pods, "ns-0/app-2", 1), to: "app-3.ns-0", port: 9, protocol: "tcp", client: "curl", connectOnly: true },
      { from: pod(pods, "default/client", 2), to: "kube-dns.kube-system", port: 53, protocol: "udp", client: "curl" },
      { from: pod(pods, "ns-0/app-3", 0), to: "app-1.ns-0", port: null, protocol: "icmp", client: "curl", pings: 2 },
    ];
    const forks: number[] = [];
    for (const input of inputs) {
      let n = 0;
      // The lookup's choices: the second replica (the first choice declined, the next taken).
      const lookupChooser = new Scripted([false, true]);
      const lookup = FlowSimulation.start(seededNetwork(w, { seed: 7, chooser: lookupChooser }), input);
      assert.ok(lookup.lookUp(), `${input.to}: stops where the lookup answered`);
      const prefix = lookupChooser.made;
      assert.ok(prefix.length >= 2, `${input.to}: the lookup chose among the replicas`);
      // A copy kept aside (as check keeps its first run's lookup) forks as the original does.
      const kept = lookup.fork(new Scripted([]));
      assert.ok(kept, `${input.to}: a copy can be kept`);
      for (const script of connectionScripts(w, input, prefix.map((m) => m.choice))) {
        const chooser = new Scripted(script, prefix);
        const fork = (n % 2 === 0 ? lookup : kept).fork(chooser);
        assert.ok(fork, `${input.to}: the looked-up network can be forked`);
        const fromStart = runFlow(w, input, { seed: 7, chooser: new Scripted(script) });
        assert.deepEqual(told(fork.complete()), told(fromStart), `${input.to} with choices ${script.map(Number).join("")}`);
        n++;
      }
      forks.push(n);
    }
    // The HTTP flows chose among the service's three backends.
    assert.deepEqual(forks.slice(0, 2), [3, 3]);
  });
}

test("a flow to an address has no lookup to fork from", () => {
  const { w, pods } = world("iptables");
  const flow = FlowSimulation.start(seededNetwork(w, { seed: 1 }), { from: pod(pods, "ns-0/app-1", 0), to: "10.96.0.10", port: 53, protocol: "udp", client: "curl" });
  assert.equal(flow.lookUp(), false);
  assert.equal(flow.fork(new Scripted([])), undefined);
});

/** The i-th pod of a generated app (their names end in hashes). */
function pod(pods: string[], app: string, i: number): string {
  const found = pods.filter((id) => id.startsWith(`${app}-`))[i];
  assert.ok(found, `a pod ${app} #${i}`);
  return found;
}

test("a run nobody narrates is judged from its sightings as a narrated run is from its captures", () => {
  for (const mode of ["iptables", "ipvs"] as const) {
    const { w, pods } = world(mode);
    const client = pod(pods, "default/client", 0);
    const inputs: FlowInput[] = [
      { from: client, to: "app-2.ns-0", port: 80, protocol: "tcp", client: "curl" },
      { from: client, to: pod(pods, "ns-0/app-3", 1).split("/")[1]!, port: 80, protocol: "tcp", client: "curl" },
      { from: client, to: "app-1.ns-0", port: 9, protocol: "tcp", client: "curl" },
      { from: client, to: "kube-dns.kube-system", port: 53, protocol: "udp", client: "curl" },
      { from: client, to: "app-1.ns-0", port: 7, protocol: "udp", client: "curl" },
      { from: pod(pods, "ns-0/app-3", 0), to: "app-2.ns-0", port: null, protocol: "icmp", client: "curl" },
      { from: client, to: "no-such-service", port: 80, protocol: "tcp", client: "curl" },
    ];
    for (const input of inputs) {
      for (const seed of [1, 2, 3]) {
        const judged = runFlow(w, input, { seed, narrate: false });
        assert.equal(judged.packets.length, 0, "no captures kept");
        const narrated = runFlow(w, input, { seed });
        assert.ok(narrated.packets.length > 0 || narrated.verdict === "no-route", `${mode} ${input.to}: captures kept`);
        assert.deepEqual(observe(judged), observe(narrated), `${mode} ${input.to} seed ${seed}`);
      }
    }
  }
});

test("check judges the flow's packets until the client has its answer, not the teardown after it", () => {
  const { w, pods } = world("iptables");
  const input: FlowInput = { from: pod(pods, "default/client", 0), to: "app-2.ns-0", port: 80, protocol: "tcp", client: "curl" };
  const r = runFlow(w, input, { seed: 1 });
  assert.equal(r.verdict, "delivered");
  const after = r.packets.slice(r.answered).filter((p) => p.ip?.payload.kind === "tcp" && p.ip.payload.flags.fin);
  assert.ok(after.length > 0, "the FINs come after the answer");
  // A teardown packet seen somewhere the answer never went must not count as the flow's.
  const stray = { ...after[0]!, point: { netns: "elsewhere", dev: "eth9", linkType: "EN10MB" as const }, frame: after[0]!.frame, ip: after[0]!.ip };
  const observed = observe({ ...r, packets: [...r.packets, stray] });
  assert.equal(observed.points.has("elsewhere/eth9"), false);
  assert.deepEqual(observed, observe(r));
});
