// `kubectl get|describe|exec` on the simulated cluster, in the output of the
// kubectl generation that matches the cluster's version. `exec` with a shell
// moves the user into the container (the pod's network namespace); with any
// other command it runs that command there and comes back.

import { containerId as runtimeId, podUid, uuid4 } from "../compile/naming.js";
import { dockerIsRuntime } from "../compile/containers.js";
import { sha256, sha256Hex } from "../compile/sha256.js";
import { minorOf } from "../compile/kube-proxy/features.js";
import type { Cluster, Node, Pod, Service } from "../model/cluster.js";
import { describePod, describeService } from "../render/kubectl-describe.js";
import { getTable, type Kind, type KubectlEra, OBJECT_AGE_SECONDS } from "../render/kubectl-get.js";
import { endpointsObject, listObject, nodeObject, type ObjectIds, podObject, serviceObject, toJson, toYaml } from "../render/kubectl-objects.js";
import { parseKubectl, parseSelector, type KubectlArgs, selects } from "./kubectl-args.js";
import { interpreterFor, type Place } from "./places.js";
import type { CommandResult, ShellCommand, ShellCommandEnv } from "./session.js";

const KINDS: Record<string, Kind> = {
  pods: "pods", pod: "pods", po: "pods",
  services: "services", service: "services", svc: "services",
  nodes: "nodes", node: "nodes", no: "nodes",
  endpoints: "endpoints", ep: "endpoints",
};
const SINGULAR: Record<Kind, string> = { pods: "pods", services: "services", nodes: "nodes", endpoints: "endpoints" };
const TYPE_PREFIX: Record<Kind, string> = { pods: "pod", services: "service", nodes: "node", endpoints: "endpoints" };

const ok = (stdout: string, stderr = ""): CommandResult => ({ stdout, stderr, code: 0 });
const error = (stderr: string, code = 1): CommandResult => ({ stdout: "", stderr: stderr.endsWith("\n") ? stderr : `${stderr}\n`, code });

function eraOf(cluster: Cluster): KubectlEra {
  return { minor: minorOf(cluster.kubeProxy.version) };
}

export function objectIds(cluster: Cluster): ObjectIds & { tokenSuffix(pod: Pod): string } {
  const runtime = dockerIsRuntime(cluster) ? "docker" : "containerd";
  return {
    runtime,
    containerId: (pod, c) => runtimeId(cluster, pod, c),
    uid: (kind, ns, name) => {
      const pod = kind === "Pod" ? cluster.pods.find((p) => p.namespace === ns && p.name === name) : undefined;
      if (pod) return podUid(cluster, pod);
      return uuid4(sha256Hex(`uid/${cluster.name}/${kind}/${ns}/${name}`));
    },
    tokenSuffix: (pod) => {
      const alphabet = "bcdfghjklmnpqrstvwxz2456789";
      const h = sha256(`token/${cluster.name}/${pod.namespace}`);
      return [...h.subarray(0, 5)].map((b) => alphabet[b % alphabet.length]).join("");
    },
  };
}

/** "Error from server (NotFound)" appeared around 1.6; 1.2 printed "Error from server:" alone. */
function notFound(era: KubectlEra, kind: Kind, name: string): CommandResult {
  return error(`Error from server${era.minor >= 6 ? " (NotFound)" : ""}: ${SINGULAR[kind]} "${name}" not found`);
}

export const kubectlCommand: ShellCommand = (argv, env) => {
  const args = parseKubectl(argv);
  if (typeof args === "string") return error(args);
  const [verb, ...rest] = args.positional;
  if (verb === undefined) return error("kubectl controls the Kubernetes cluster manager.\n\nThe simulated kubectl knows: get, describe, exec, version.\n\nUsage:\n  kubectl [flags] [options]");
  if (verb === "get") return get(env, args, rest);
  if (verb === "describe") return describe(env, args, rest);
  if (verb === "exec") return exec(env, args, rest);
  if (verb === "version") return ok(`Client Version: v${env.cluster.kubeProxy.version}.0\nServer Version: v${env.cluster.kubeProxy.version}.0\n`);
  return error(`error: unknown command "${verb}" for "kubectl"\nRun 'kubectl --help' for usage.`);
};

function namespaceOf(args: KubectlArgs): string {
  return args.namespace ?? "default";
}

/** The apiserver lists objects in key order: by namespace, then name. */
function itemsOf(cluster: Cluster, kind: Kind): (Pod | Service | Node)[] {
  const key = (it: Pod | Service | Node) => `${"namespace" in it ? it.namespace : ""}/${it.name}`;
  const items: (Pod | Service | Node)[] = kind === "pods" ? [...cluster.pods] : kind === "nodes" ? [...cluster.nodes] : [...cluster.services];
  return items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function labelsOf(item: Pod | Service | Node, kind: Kind): Record<string, string> {
  if (kind === "pods") return (item as Pod).labels;
  if (kind === "nodes") return { "kubernetes.io/hostname": (item as Node).name };
  const s = item as Service;
  return s.namespace === "default" && s.name === "kubernetes" ? { component: "apiserver", provider: "kubernetes" } : {};
}

function get(env: ShellCommandEnv, args: KubectlArgs, rest: string[]): CommandResult {
  const era = eraOf(env.cluster);
  if (rest.length === 0) return error(`You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples`);
  // `pod/NAME` or `KIND NAME…` or `KIND,KIND`.
  let kinds: Kind[];
  let names: string[];
  if (rest[0]!.includes("/")) {
    const [k, n] = rest[0]!.split("/", 2) as [string, string];
    const kind = KINDS[k];
    if (!kind) return error(`error: the server doesn't have a resource type "${k}"`);
    kinds = [kind];
    names = [n, ...rest.slice(1)];
  } else {
    const typed = rest[0]!.split(",");
    const unknown = typed.find((t) => !KINDS[t]);
    if (unknown) return error(`error: the server doesn't have a resource type "${unknown}"`);
    kinds = [...new Set(typed.map((t) => KINDS[t]!))];
    names = rest.slice(1);
  }
  const selector = args.selector !== undefined ? parseSelector(args.selector) : [];
  if (typeof selector === "string") return error(selector);
  const ns = namespaceOf(args);
  const format = args.output ?? "";
  if (!["", "wide", "yaml", "json", "name"].includes(format)) return error(`error: unable to match a printer suitable for the output format "${format}", allowed formats are: json,name,wide,yaml`);
  const ids = objectIds(env.cluster);
  let stdout = "";
  let stderr = "";
  let code = 0;
  const objects: unknown[] = [];
  for (const kind of kinds) {
    const cluster = env.cluster;
    let items = itemsOf(cluster, kind).filter((it) => kind === "nodes" || args.allNamespaces || (it as Pod).namespace === ns);
    items = items.filter((it) => selects(selector, labelsOf(it, kind)));
    if (names.length) {
      const found: (Pod | Service | Node)[] = [];
      for (const n of names) {
        const hit = items.find((it) => it.name === n);
        if (hit) found.push(hit);
        else {
          stderr += notFound(era, kind, n).stderr;
          code = 1;
        }
      }
      items = found;
    }
    if (items.length === 0) continue;
    if (format === "name") stdout += items.map((it) => `${TYPE_PREFIX[kind]}/${it.name}\n`).join("");
    else if (format === "yaml" || format === "json") objects.push(...items.map((it) => toObject(era, ids, cluster, kind, it)));
    else {
      const table = getTable(era, cluster, kind, items, {
        allNamespaces: args.allNamespaces, wide: format === "wide", showLabels: args.showLabels, noHeaders: args.noHeaders, ageSeconds: OBJECT_AGE_SECONDS,
        ...(kinds.length > 1 ? { namePrefix: `${TYPE_PREFIX[kind]}/` } : {}),
      });
      stdout += (stdout ? "\n" : "") + table;
    }
  }
  if (format === "yaml" || format === "json") {
    const single = names.length === 1 && objects.length === 1 && kinds.length === 1;
    const value = (single ? objects[0] : listObject(objects as never[])) as never;
    if (objects.length) stdout = format === "json" ? toJson(value) : toYaml(value);
  }
  if (stdout === "" && code === 0 && era.minor >= 5) {
    const namespaced = kinds.every((k) => k !== "nodes") && !args.allNamespaces;
    stderr += era.minor >= 17 && namespaced ? `No resources found in ${ns} namespace.\n` : era.minor >= 17 ? "No resources found\n" : "No resources found.\n";
  }
  return { stdout, stderr, code };
}

function toObject(era: KubectlEra, ids: ObjectIds, cluster: Cluster, kind: Kind, it: Pod | Service | Node) {
  if (kind === "pods") return podObject(era, ids, cluster, it as Pod);
  if (kind === "nodes") return nodeObject(era, ids, cluster, it as Node);
  if (kind === "endpoints") return endpointsObject(ids, it as Service);
  return serviceObject(era, ids, it as Service);
}

function describe(env: ShellCommandEnv, args: KubectlArgs, rest: string[]): CommandResult {
  const era = eraOf(env.cluster);
  const [kindText, ...names] = rest[0]?.includes("/") ? [rest[0].split("/")[0]!, rest[0].split("/")[1]!, ...rest.slice(1)] : rest;
  const kind = kindText ? KINDS[kindText] : undefined;
  if (!kindText) return error("You must specify the type of resource to describe. Use \"kubectl api-resources\" for a complete list of supported resources.");
  if (!kind) return error(`error: the server doesn't have a resource type "${kindText}"`);
  if (kind !== "pods" && kind !== "services") return error(`k8s-nettrace: kubectl describe ${kindText} is not simulated (pods and services are); kubectl get ${kindText} -o yaml shows the object`);
  const ns = namespaceOf(args);
  const ids = objectIds(env.cluster);
  const items = itemsOf(env.cluster, kind).filter((it) => (it as Pod).namespace === ns || args.allNamespaces);
  const chosen = names.length ? names.map((n) => items.find((it) => it.name === n) ?? n) : items;
  let stdout = "";
  let stderr = "";
  for (const it of chosen) {
    if (typeof it === "string") {
      stderr += notFound(era, kind, it).stderr;
      continue;
    }
    stdout += (stdout ? "\n\n" : "") + (kind === "pods" ? describePod(era, env.cluster, it as Pod, ids) : describeService(era, it as Service));
  }
  return { stdout, stderr, code: stderr ? 1 : 0 };
}

const SHELLS = ["sh", "bash", "ash", "/bin/sh", "/bin/bash", "/bin/ash"];

function exec(env: ShellCommandEnv, args: KubectlArgs, rest: string[]): CommandResult {
  const era = eraOf(env.cluster);
  const [podName, ...legacy] = rest;
  if (!podName) return error("error: pod, type/name or --filename must be specified");
  const name = podName.replace(/^(pod|po|pods)\//, "");
  const pod = env.cluster.pods.find((p) => p.namespace === namespaceOf(args) && p.name === name);
  if (!pod) return notFound(era, "pods", name);
  let stderr = "";
  const command = args.command ?? legacy;
  if (!args.command && legacy.length && era.minor >= 17) stderr += "kubectl exec [POD] [COMMAND] is DEPRECATED and will be removed in a future version. Use kubectl exec [POD] -- [COMMAND] instead.\n";
  if (command.length === 0) return error("error: you must specify at least one command for the container");
  let container = pod.containers[0]!;
  if (args.container !== undefined) {
    const c = pod.containers.find((x) => x.name === args.container);
    if (!c) return error(era.minor >= 24 ? `error: container ${args.container} not found in pod ${pod.name}` : `Error from server${era.minor >= 6 ? " (BadRequest)" : ""}: container ${args.container} is not valid for pod ${pod.name}`);
    container = c;
  } else if (pod.containers.length > 1) {
    const all = pod.containers.map((c) => c.name);
    stderr += era.minor >= 24 ? `Defaulted container "${container.name}" out of: ${all.join(", ")}\n` : `Defaulting container name to ${container.name}.\nUse 'kubectl describe pod/${pod.name} -n ${pod.namespace}' to see all of the containers in this pod.\n`;
  }
  return enterOrRun(env, pod, container, command, args.stdin, stderr, "kubectl");
}

/** `… -- sh` with -i opens a shell there; any other command runs once in the container. */
export function enterOrRun(env: ShellCommandEnv, pod: Pod, container: Pod["containers"][number], command: string[], interactive: boolean, stderr: string, via: "kubectl" | "docker"): CommandResult {
  const [program, ...programArgs] = command as [string, ...string[]];
  const interpreter = interpreterFor(container, program);
  if (SHELLS.includes(program) && programArgs.length === 0) {
    if (!interpreter) return missing(program, via, stderr);
    // Without -i the shell reads an empty stdin and exits at once.
    if (interactive) env.session.enter({ kind: "pod", pod, container, interpreter, via });
    return { stdout: "", stderr, code: 0 };
  }
  if (SHELLS.includes(program) && programArgs[0] === "-c" && programArgs[1] !== undefined) {
    if (!interpreter) return missing(program, via, stderr);
    return runInside(env, { kind: "pod", pod, container, interpreter, via }, programArgs[1], stderr, via, false);
  }
  return runInside(env, { kind: "pod", pod, container, interpreter: interpreterFor(container, "sh") ?? "dash", via }, command.map(quote).join(" "), stderr, via, true);
}

function quote(word: string): string {
  return /^[\w./:=@,+%-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/** Runs `line` in the container; `direct`: the runtime starts the program itself (no shell to say "not found"). */
function runInside(env: ShellCommandEnv, place: Place, line: string, stderr: string, via: "kubectl" | "docker", direct: boolean): CommandResult {
  const session = env.session;
  const first = line.split(/\s+/)[0]!;
  session.enter(place);
  try {
    if (direct && !session.hasCommand(first)) return missing(first, via, stderr);
    const chunks = session.run(line, { record: false });
    const stdout = chunks.filter((c) => c.stream === "stdout").map((c) => c.text).join("");
    const err = chunks.filter((c) => c.stream === "stderr").map((c) => c.text).join("");
    const code = session.lastStatus;
    const tail = code !== 0 && via === "kubectl" ? `command terminated with exit code ${code}\n` : "";
    return { stdout, stderr: stderr + err + tail, code };
  } finally {
    session.leaveTo(env.place);
  }
}

/** The runtime cannot start a program the image does not have. */
function missing(program: string, via: "kubectl" | "docker", stderr: string): CommandResult {
  const oci = `OCI runtime exec failed: exec failed: unable to start container process: exec: "${program}": executable file not found in $PATH: unknown\n`;
  return { stdout: "", stderr: stderr + oci + (via === "kubectl" ? "command terminated with exit code 126\n" : ""), code: 126 };
}
