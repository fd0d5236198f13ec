#!/usr/bin/env node
// Writes an Expectations file for a cluster made by `k8s-nettrace generate`:
// the benchmark is a 200-check suite on a 100-node cluster in < 2 s.
//
//   node scripts/bench-check-suite.mjs CLUSTER.yaml [-n 200] [-o FILE]
//   k8s-nettrace generate --size S -o s.yaml
//   node scripts/bench-check-suite.mjs s.yaml -o s.expect.yaml
//   time k8s-nettrace check s.expect.yaml -f s.yaml
//
// The checks are a CI suite's usual mix, chosen deterministically from the
// description: a client pod to another app's Service by name (DNS lookup
// first, so every CoreDNS replica × every backend is a path), by
// NAME.NAMESPACE with its allowed backends, pod to pod across nodes with the
// VXLAN device it must cross, and a closed port that must be refused.
import { readFileSync, writeFileSync } from "node:fs";
import { load } from "js-yaml";

function args(argv) {
  const out = { count: 200 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "-n") out.count = Number(argv[++i]);
    else if (argv[i] === "-o") out.output = argv[++i];
    else if (!out.cluster) out.cluster = argv[i];
    else throw new Error(`unexpected argument ${argv[i]}`);
  }
  if (!out.cluster || !Number.isInteger(out.count) || out.count < 1) {
    console.error("usage: bench-check-suite.mjs CLUSTER.yaml [-n COUNT] [-o FILE]");
    process.exit(2);
  }
  return out;
}

/** Each service with the pods it selects (the generated description lists them in order). */
function servicesWithPods(cluster) {
  const pods = cluster.pods.filter((p) => !p.hostNetwork);
  const matches = (sel, labels) => sel && Object.entries(sel).every(([k, v]) => (labels ?? {})[k] === v);
  return cluster.services
    .filter((s) => s.selector && s.ports?.some((p) => (p.protocol ?? "TCP") === "TCP"))
    .map((s) => ({ svc: s, pods: pods.filter((p) => (p.namespace ?? "default") === (s.namespace ?? "default") && matches(s.selector, p.labels)) }))
    .filter((x) => x.pods.length > 0 && x.svc.namespace !== "kube-system");
}

const id = (p) => `${p.namespace ?? "default"}/${p.name}`;

function checks(cluster, count) {
  const apps = servicesWithPods(cluster);
  if (apps.length < 2) throw new Error("the cluster needs at least two services with pods");
  const out = [];
  for (let i = 0; i < count; i++) {
    const a = apps[i % apps.length];
    const b = apps[(i * 7 + 3) % apps.length];
    const client = a.pods[i % a.pods.length];
    const port = b.svc.ports.find((p) => (p.protocol ?? "TCP") === "TCP").port;
    const ns = b.svc.namespace ?? "default";
    const server = b.pods[(i + 1) % b.pods.length];
    switch (i % 4) {
      case 0:
        out.push({ name: `${i}: ${id(client)} reaches ${b.svc.name} by name`, from: id(client), to: `${b.svc.name}.${ns}:${port}`, expect: "delivered", sourceSeenByBackend: "preserved" });
        break;
      case 1:
        out.push({ name: `${i}: ${id(client)} reaches ${b.svc.name} on one of its pods`, from: id(client), to: `${b.svc.name}.${ns}.svc.cluster.local:${port}`, expect: "delivered", backend: b.pods.map(id) });
        break;
      case 2: {
        const check = { name: `${i}: ${id(client)} reaches pod ${id(server)}`, from: id(client), to: `${id(server)}`, expect: "delivered" };
        if (server.node !== client.node) check.via = [`${client.node}/flannel.1`];
        out.push(check);
        break;
      }
      default:
        out.push({ name: `${i}: nothing listens on ${id(server)} port 9`, from: id(client), to: `${id(server)}:9`, expect: ["refused", "rejected"] });
    }
  }
  return out;
}

const { cluster: file, count, output } = args(process.argv.slice(2));
const cluster = load(readFileSync(file, "utf8"));
const lines = [
  `# ${count} checks for ${file}, written by scripts/bench-check-suite.mjs`,
  "apiVersion: k8s-nettrace/v1",
  "kind: Expectations",
  "defaults: {protocol: tcp}",
  "checks:",
  ...checks(cluster, count).map((c) => `  - ${JSON.stringify(c)}`),
];
const text = lines.join("\n") + "\n";
if (output) writeFileSync(output, text);
else process.stdout.write(text);
