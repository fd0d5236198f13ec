// Correctness at the Kubernetes limits (issue 7): the L cluster (5,000 nodes,
// 150,000 pods, 10,000 services × 15 endpoints), generated in memory.
// 1. A trace pod → ClusterIP → remote pod on L agrees with the same flow in a
//    cluster made of only the nodes it touched: same packets on every
//    interface, byte for byte, and the same steps (rule positions in
//    KUBE-SERVICES, comments and provenance aside: they depend on how many
//    services exist, and kube-proxy drops per-endpoint comments above 1,000
//    endpoints).
// 2. A node's iptables-save, restored by the real iptables-legacy-restore in a
//    fresh namespace and saved back by iptables-legacy-save, is identical
//    (comment lines aside), table by table. (nft is judged at L by `npm run
//    bench`; rootless, its netlink batches do not take 630,000 lines at once.)

import { test } from "node:test";
import assert from "node:assert/strict";
import { CompiledCluster } from "../src/compile/compiled-cluster.js";
import { ClusterWorld } from "../src/compile/world.js";
import { planFlow, toTrace } from "../src/cli/flow-plan.js";
import { describe, type Entity } from "../src/generate/plan.js";
import { SIZES } from "../src/generate/shape.js";
import { writeDescription } from "../src/generate/write.js";
import { loadCluster } from "../src/load/load-cluster.js";
import { podByKey } from "../src/load/cluster-index.js";
import { formatCidr, formatIp4 } from "../src/model/addr.js";
import type { Cluster } from "../src/model/cluster.js";
import type { Trace } from "../src/model/trace.js";
import { iptablesSave } from "../src/netfilter/save.js";
import { runFlow } from "../src/simulate/flow.js";
import { oracleSkip } from "./support/oracle.js";
import { realRestore } from "./support/netfilter-oracle.js";

const L = SIZES.L;
const description = describe(L);
let large: Cluster | undefined;

function load(name: string, text: string): Cluster {
  const result = loadCluster(name, new TextEncoder().encode(text));
  assert.ok(result.cluster, `${name}: ${result.diagnostics.map((d) => d.message).join("; ")}`);
  return result.cluster;
}

function clusterL(): Cluster {
  return (large ??= load("L.json", writeDescription(description, "json").join("")));
}

function trace(cluster: Cluster, src: string, dst: string): Trace {
  const { target, input } = planFlow(cluster, src, dst);
  return toTrace(cluster, target, runFlow(new ClusterWorld(new CompiledCluster(cluster)), input, { seed: 1 }));
}

/** What must be the same on both clusters: positions in KUBE-SERVICES, comments and source positions left out. */
function comparable(t: Trace): unknown {
  const steps = t.steps.map(({ origin, ruleNumber, rule, ...s }) => ({
    ...s,
    ...(ruleNumber !== undefined && s.chain !== "KUBE-SERVICES" ? { ruleNumber } : {}),
    ...(rule !== undefined ? { rule: rule.replace(/ -m comment --comment ("(\\.|[^"\\])*"|\S+)/g, "") } : {}),
    ...(origin ? { by: origin.by, object: origin.object } : {}),
  }));
  return { verdict: t.verdict, reason: t.reason, backend: t.backend, packets: t.packets, steps };
}

test("L: a trace pod → ClusterIP → remote pod agrees with the same flow on a cluster of only the nodes it touches", () => {
  const cluster = clusterL();
  // The first app pod of node 0 (pod number `nodes` of the generated layout), to the last service.
  const src = cluster.pods[L.nodes]!;
  const svc = cluster.services[cluster.services.length - 1]!;
  assert.notEqual(src.node, svc.ports[0]!.endpoints[0]!.node, "the backends are on other nodes");
  const dst = `${formatIp4(svc.clusterIP!)}:80`;
  const onL = trace(cluster, `${src.namespace}/${src.name}`, dst);
  assert.equal(onL.verdict, "delivered", onL.reason);

  // The nodes the flow touched, with their pods, subnets and addresses pinned as on L.
  const touched = new Set<string>();
  for (const p of onL.packets) {
    const pod = podByKey(cluster, p.point.netns);
    touched.add(pod ? pod.node : p.point.netns);
  }
  const nodes = cluster.nodes.filter((n) => touched.has(n.name));
  assert.ok(nodes.length >= 2 && nodes.length < 5, `a handful of nodes: ${[...touched].join(", ")}`);
  const port = svc.ports[0]!;
  const small: Entity = {
    ...description.head,
    nodes: nodes.map((n) => ({ name: n.name, ip: formatIp4(n.ip), podSubnet: formatCidr(n.podSubnet) })),
    pods: [...description.pods()].filter((p) => touched.has(p.node as string)).map((p) => ({ ...p, ip: formatIp4(podByKey(cluster, `${p.namespace}/${p.name}`)!.ip) })),
    services: [
      [...description.services()][0]!,
      // All 15 endpoints, as on L (the KUBE-SVC chain, and so the load-balancing draw, must not change).
      { name: svc.name, namespace: svc.namespace, clusterIP: formatIp4(svc.clusterIP!), endpoints: port.endpoints.map((e) => ({ ip: formatIp4(e.ip), port: e.port })), ports: [{ name: port.name!, port: port.port, targetPort: port.port }] },
    ],
  };
  const onSmall = trace(load("small.json", JSON.stringify(small)), `${src.namespace}/${src.name}`, dst);
  assert.deepEqual(comparable(onSmall), comparable(onL));
});

test("L: a node's iptables-save survives the real iptables-legacy-restore and -save unchanged", { skip: oracleSkip("iptables-legacy-restore", "iptables-legacy-save", "unshare") }, () => {
  const cluster = clusterL();
  const ours = iptablesSave(new CompiledCluster(cluster).node(cluster.nodes[1]!.name)!.tables(), { date: "D", backend: "legacy" });
  assert.ok(ours.split("\n").length > 600_000, "the full L ruleset");
  const real = realRestore("legacy", ours);
  assert.equal(real.status, 0, real.stderr);
  const tables = (text: string) => new Map(text.split(/^(?=\*)/m).filter((b) => b.startsWith("*")).map((b) => [b.slice(1, b.indexOf("\n")), b.split("\n").filter((l) => !l.startsWith("#")).join("\n")]));
  const want = tables(ours);
  const got = tables(real.stdout);
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [name, text] of want) assert.ok(got.get(name) === text, `table ${name} differs after the real round trip`);
});
