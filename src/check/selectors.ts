// Which places `reach` puts in its matrix. A selector is `[KIND:]PATTERN`:
//
//   KIND     pod | svc | node | ext (external host); default pod for --from, svc for --to
//   PATTERN  NAMESPACE/NAME with * and ? globs (default/*, */web-*), for pods and services
//            NAME glob: pods and services in any namespace, nodes, external hosts
//            a label selector as `kubectl -l` takes it (app=web, tier!=db, 'env in (a,b)',
//            'env notin (x)', !legacy; a comma means "and"): pods by their labels,
//            services by their selector. A pattern with = ( or a leading ! is a label selector.

import type { Cluster } from "../model/cluster.js";

export type PlaceKind = "pod" | "svc" | "node" | "ext";
const KINDS: readonly PlaceKind[] = ["pod", "svc", "node", "ext"];

export interface Selector {
  kind: PlaceKind;
  text: string;
  /** Name/namespace glob, or label requirements (all must hold). */
  names?: RegExp;
  withNamespace?: boolean;
  labels?: Requirement[];
}

interface Requirement {
  key: string;
  op: "=" | "!=" | "in" | "notin" | "exists" | "!exists";
  values: string[];
}

export class SelectorError extends Error {
  constructor(message: string, readonly hint: string) {
    super(message);
  }
}

const HINT = "a selector is [pod:|svc:|node:|ext:]PATTERN: NAMESPACE/NAME or NAME with * and ? globs, or a label selector such as app=web,tier!=db";

export function parseSelector(text: string, defaultKind: PlaceKind): Selector {
  const m = /^(pod|svc|node|ext):(.*)$/.exec(text);
  const kind = (m?.[1] as PlaceKind | undefined) ?? defaultKind;
  const pattern = (m ? m[2]! : text).trim();
  if (pattern === "") throw new SelectorError(`selector "${text}" selects nothing: the pattern is empty`, HINT);
  if (/^[a-z]+:/.test(pattern) && !m) throw new SelectorError(`"${pattern.split(":")[0]}" is not a kind of place`, `kinds: ${KINDS.join(", ")}`);
  if (/[=(]/.test(pattern) || pattern.startsWith("!")) {
    if (kind === "node" || kind === "ext") throw new SelectorError(`${kind === "node" ? "nodes" : "external hosts"} have no labels here: "${text}"`, "select them by name (globs work)");
    return { kind, text, labels: parseLabels(pattern) };
  }
  if (!/^[a-z0-9*?.\-/]+$/.test(pattern)) throw new SelectorError(`"${pattern}" is not a name pattern`, HINT);
  const withNamespace = pattern.includes("/");
  if (withNamespace && (kind === "node" || kind === "ext")) throw new SelectorError(`${kind === "node" ? "nodes" : "external hosts"} have no namespace: "${text}"`, "write the name alone");
  return { kind, text, names: glob(pattern), withNamespace };
}

function glob(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

/** kubectl's label selector grammar (k8s.io/apimachinery/pkg/labels), without its bare-key lists inside sets. */
function parseLabels(text: string): Requirement[] {
  const terms = text.split(/,(?![^(]*\))/).map((t) => t.trim());
  return terms.map((term) => {
    let m = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(term);
    if (m) return { key: m[1]!, op: m[2] === "!=" ? "!=" : "=", values: [m[3]!] };
    m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m) return { key: m[1]!, op: m[2] as "in" | "notin", values: m[3]!.split(",").map((v) => v.trim()).filter((v) => v !== "") };
    m = /^(!?)([\w./-]+)$/.exec(term);
    if (m) return { key: m[2]!, op: m[1] ? "!exists" : "exists", values: [] };
    throw new SelectorError(`"${term}" is not a label requirement`, "key=value, key!=value, 'key in (a,b)', 'key notin (a,b)', key or !key; a comma means and");
  });
}

function labelsMatch(reqs: readonly Requirement[], labels: Record<string, string> | null): boolean {
  if (!labels) return false;
  return reqs.every((r) => {
    const v = labels[r.key];
    switch (r.op) {
      case "=":
        return v === r.values[0];
      case "!=":
        return v !== r.values[0];
      case "in":
        return v !== undefined && r.values.includes(v);
      case "notin":
        return v === undefined || !r.values.includes(v);
      case "exists":
        return v !== undefined;
      case "!exists":
        return v === undefined;
    }
  });
}

function named(s: Selector, namespace: string | null, name: string): boolean {
  if (!s.names) return false;
  return s.names.test(s.withNamespace ? `${namespace}/${name}` : name);
}

/** A place selected for one side of the matrix, by the name `trace` would take for it. */
export interface Place {
  kind: PlaceKind;
  /** `ns/name` for pods and services, the name for nodes and external hosts. */
  id: string;
}

/** Every place any selector picks, in description order (pods, services, nodes, external hosts), each once. */
export function selectPlaces(cluster: Cluster, selectors: readonly Selector[]): Place[] {
  const hit = (kind: PlaceKind, test: (s: Selector) => boolean) => selectors.some((s) => s.kind === kind && test(s));
  return [
    ...cluster.pods.filter((p) => hit("pod", (s) => (s.labels ? labelsMatch(s.labels, p.labels) : named(s, p.namespace, p.name)))).map((p) => ({ kind: "pod" as const, id: `${p.namespace}/${p.name}` })),
    // default/kubernetes is implied by every cluster; it appears only when asked for by name.
    ...cluster.services.filter((v) => hit("svc", (s) => (s.labels ? labelsMatch(s.labels, v.selector) : named(s, v.namespace, v.name) && (!v.implicit || !/[*?]/.test(s.text))))).map((v) => ({ kind: "svc" as const, id: `${v.namespace}/${v.name}` })),
    ...cluster.nodes.filter((n) => hit("node", (s) => named(s, null, n.name))).map((n) => ({ kind: "node" as const, id: n.name })),
    ...cluster.externals.filter((e) => hit("ext", (s) => named(s, null, e.name))).map((e) => ({ kind: "ext" as const, id: e.name })),
  ];
}
