// Names a user gives for a place in the cluster: a node, a pod (`ns/name` or a
// unique name), or an external host. One resolver for exec, trace and shell.

import type { Cluster } from "../model/cluster.js";
import { closest } from "../load/check.js";
import { usage } from "./errors.js";
import { podByKey } from "../load/cluster-index.js";

export type Target = { kind: "node"; id: string } | { kind: "pod"; id: string } | { kind: "external"; id: string };

export function resolveTarget(cluster: Cluster, text: string): Target {
  if (cluster.nodes.some((n) => n.name === text)) return { kind: "node", id: text };
  if (cluster.externals.some((e) => e.name === text)) return { kind: "external", id: text };
  if (text.includes("/")) {
    if (podByKey(cluster, text)) return { kind: "pod", id: text };
  } else {
    const pods = cluster.pods.filter((p) => p.name === text);
    if (pods.length === 1) return { kind: "pod", id: `${pods[0]!.namespace}/${pods[0]!.name}` };
    if (pods.length > 1) throw usage(`pod name "${text}" is ambiguous`, `say which: ${pods.map((p) => `${p.namespace}/${p.name}`).join(", ")}`);
  }
  const names = [...cluster.nodes.map((n) => n.name), ...cluster.externals.map((e) => e.name), ...cluster.pods.map((p) => `${p.namespace}/${p.name}`), ...cluster.pods.map((p) => p.name)];
  const guess = closest(text, names);
  const some = cluster.nodes.slice(0, 4).map((n) => n.name).join(", ");
  throw usage(`no node, pod or external host called "${text}"`, guess ? `did you mean "${guess}"?` : `nodes include ${some}; pods are namespace/name or a unique name`);
}
