// Tab completion as bash-completion does it for these tools: command names
// first; then, by command and position, node names (ssh), pods (kubectl
// exec), resource kinds and namespaces (kubectl get/describe), container IDs
// (docker), interfaces (tcpdump -i, ip … dev, ifconfig), file paths (cat),
// service and host names (curl, dig, ping, nc, trace).

import type { Cluster } from "../model/cluster.js";
import type { Netns } from "../model/kernel.js";

export interface CompletionSource {
  cluster: Cluster;
  commands: string[];
  ns: Netns;
  /** Container IDs of the current node (docker ps). */
  containerIds(): string[];
}

const KUBECTL_VERBS = ["describe", "exec", "get"];
const KUBECTL_KINDS = ["endpoints", "nodes", "pods", "services", "svc", "po", "ep", "no"];

/** Candidates for the last word of `line`, and that word (readline's completer contract). */
export function complete(line: string, src: CompletionSource): [string[], string] {
  const words = line.split(/\s+/);
  const current = words[words.length - 1] ?? "";
  const before = words.slice(0, -1).filter((w) => w !== "");
  // After a pipe, a new command starts.
  const pipe = before.lastIndexOf("|");
  const args = pipe >= 0 ? before.slice(pipe + 1) : before;
  const candidates = args.length === 0 ? src.commands : argumentCandidates(args, src);
  const hits = [...new Set(candidates)].filter((c) => c.startsWith(current)).sort();
  return [hits, current];
}

function argumentCandidates(args: string[], src: CompletionSource): string[] {
  const [command, ...rest] = args as [string, ...string[]];
  const previous = rest[rest.length - 1];
  const c = src.cluster;
  const interfaces = src.ns.links.map((l) => l.name);
  const pods = c.pods.map((p) => p.name);
  const hosts = [...c.nodes.map((n) => n.name), ...c.externals.map((e) => e.name)];
  const services = c.services.flatMap((s) => [s.name, `${s.name}.${s.namespace}`, `${s.name}.${s.namespace}.svc.${c.dns.domain}`]);
  switch (command) {
    case "ssh":
      return hosts;
    case "kubectl":
      return kubectl(rest, src);
    case "docker":
      return rest.length === 0 ? ["exec", "inspect", "ps"] : src.containerIds();
    case "tcpdump":
      return previous === "-i" ? [...interfaces, "any"] : [];
    case "ifconfig":
      return interfaces;
    case "ip":
      return previous === "dev" ? interfaces : rest.length === 0 ? ["addr", "link", "neigh", "route"] : ["show", "dev"];
    case "cat":
    case "grep":
    case "head":
    case "tail":
      return [...src.ns.files.keys()];
    case "iptables":
    case "iptables-save":
      return previous === "-t" ? ["filter", "mangle", "nat", "raw"] : ["-t", "-S", "-L", "-n", "-v"];
    case "curl":
    case "wget":
    case "dig":
    case "nslookup":
    case "ping":
    case "nc":
      return [...services, ...pods, ...hosts];
    case "trace":
      return rest.length === 0 ? [...pods, ...hosts] : [...services, ...pods, ...hosts];
    default:
      return [];
  }
}

function kubectl(rest: string[], src: CompletionSource): string[] {
  const c = src.cluster;
  const previous = rest[rest.length - 1];
  const namespaces = [...new Set([...c.pods.map((p) => p.namespace), ...c.services.map((s) => s.namespace)])];
  if (previous === "-n" || previous === "--namespace") return namespaces;
  if (rest.length === 0) return KUBECTL_VERBS;
  const verb = rest[0];
  const positional = rest.slice(1).filter((w) => !w.startsWith("-"));
  if (verb === "exec") return positional.length === 0 ? c.pods.map((p) => p.name) : ["--", "sh", "-c", "-it"];
  if (verb === "get" || verb === "describe") {
    if (positional.length === 0) return KUBECTL_KINDS;
    const kind = positional[0];
    if (kind === "pods" || kind === "pod" || kind === "po") return c.pods.map((p) => p.name);
    if (kind === "svc" || kind === "service" || kind === "services" || kind === "endpoints" || kind === "ep") return c.services.map((s) => s.name);
    if (kind === "nodes" || kind === "node" || kind === "no") return c.nodes.map((n) => n.name);
  }
  return [];
}
