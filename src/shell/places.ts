// Where a shell user is: a node (or an external host) they ssh'd to, or a
// container they exec'd into. The place decides the prompt, the network
// namespace the tools read, and which tools exist at all.

import type { Cluster, Container, Pod } from "../model/cluster.js";

/** The command interpreter inside a container: busybox's ash, Debian's dash as sh, or bash. */
export type Interpreter = "ash" | "dash" | "bash";

export type Place =
  /** `login`: reached by ssh, so the shell is a login shell ("-bash" in its messages). */
  | { kind: "node"; name: string; login?: boolean }
  | { kind: "external"; name: string; login?: boolean }
  | { kind: "pod"; pod: Pod; container: Container; interpreter: Interpreter; via: "kubectl" | "docker" };

/** Which programs exist in a place (see `help`). */
export type Toolset = "node" | "busybox" | "image";

/** Images whose userland is busybox: busybox itself, alpine, and images built on alpine. */
export function isBusyboxImage(image: string | null): boolean {
  return /(^|\/)(busybox|alpine)(:|@|$)/.test(image ?? "") || /(^|\/)curlimages\/curl(:|@|$)/.test(image ?? "");
}

/** Programs an image adds to its base userland (curlimages/curl: curl on alpine). */
export function extraProgramsOf(image: string | null): string[] {
  return /(^|\/)curlimages\/curl(:|@|$)/.test(image ?? "") ? ["curl"] : [];
}

export function toolsetOf(place: Place): Toolset {
  if (place.kind !== "pod") return "node";
  return isBusyboxImage(place.container.image) ? "busybox" : "image";
}

/** The namespace the place's tools see: a hostNetwork pod shares its node's. */
export function netnsOf(place: Place): string {
  if (place.kind !== "pod") return place.name;
  return place.pod.hostNetwork ? place.pod.node : `${place.pod.namespace}/${place.pod.name}`;
}

/** The hostname a program in the place reports (a pod's is its name, as kubelet sets it). */
export function hostnameOf(place: Place): string {
  return place.kind === "pod" ? (place.pod.hostNetwork ? place.pod.node : place.pod.name) : place.name;
}

/**
 * The prompt, as the report transcripts show it: `[root@meizu ~]$ ` on a node;
 * in a container what its shell prints — busybox ash `/ # `, dash `# `, bash
 * `root@POD:/# ` — with the pod named in front when the shell's own prompt
 * does not name it (as Debian's PS1 shows a chroot's name in parentheses).
 */
export function promptOf(place: Place): string {
  if (place.kind !== "pod") return `[root@${place.name} ~]$ `;
  const id = `${place.pod.namespace}/${place.pod.name}`;
  if (place.interpreter === "bash") return `root@${hostnameOf(place)}:/# `;
  return `(${id}) ${place.interpreter === "ash" ? "/ # " : "# "}`;
}

/** What `kubectl exec POD -- sh` starts: busybox images have ash as sh; others Debian's dash. */
export function interpreterFor(container: Container, program: string): Interpreter | undefined {
  const busybox = isBusyboxImage(container.image);
  if (program === "sh" || program === "/bin/sh") return busybox ? "ash" : "dash";
  if (program === "ash" || program === "/bin/ash") return busybox ? "ash" : undefined;
  if (program === "bash" || program === "/bin/bash") return busybox ? undefined : "bash";
  return undefined;
}

export function describePlace(place: Place): string {
  if (place.kind === "node") return `node ${place.name}`;
  if (place.kind === "external") return `external host ${place.name}`;
  return `container ${place.container.name} of pod ${place.pod.namespace}/${place.pod.name} (on ${place.pod.node})`;
}

export function firstPlace(cluster: Cluster): Place {
  const node = cluster.nodes[0];
  if (node) return { kind: "node", name: node.name };
  const ext = cluster.externals[0];
  if (ext) return { kind: "external", name: ext.name };
  throw new Error("internal: a cluster without nodes reached the shell");
}
