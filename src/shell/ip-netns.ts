// `ip netns [list]` and `ip netns exec NAME CMD…` on a node: containerd (the
// runtime from Kubernetes 1.24) names each pod's namespace cni-<uuid> under
// /run/netns; docker never did, so there `ip netns` lists nothing. `exec`
// runs the node's program in the pod's namespace, as nsenter does.

import { ipTool } from "../tools/ip.js";
import type { CommandResult, ShellCommand, ShellCommandEnv } from "./session.js";

const is = (word: string | undefined, keyword: string) => word !== undefined && word.length > 0 && keyword.startsWith(word);

/** The node's named namespaces: the pod ends of its veths, newest first (tmpfs lists the latest entry first). */
function namedNamespaces(env: ShellCommandEnv): { name: string; id: number; pod: string }[] {
  return env.ns.links
    .flatMap((l) => (l.peerNetnsName && l.peer ? [{ name: l.peerNetnsName, id: l.peerNetnsId ?? 0, pod: l.peer.netns }] : []))
    .reverse();
}

export const ipCommand: ShellCommand = (argv, env) => {
  const object = argv.findIndex((a) => !a.startsWith("-"));
  const word = argv[object];
  if (object < 0 || !is(word, "netns") || word!.length < 2 || env.place.kind === "pod") return ipTool(argv, env);
  const [verb, ...rest] = argv.slice(object + 1);
  const spaces = namedNamespaces(env);
  if (verb === undefined || is(verb, "list") || verb === "show") {
    return { stdout: spaces.map((s) => `${s.name} (id: ${s.id})\n`).join(""), stderr: "", code: 0 };
  }
  if (verb === "exec") return execIn(env, spaces, rest);
  return { stdout: "", stderr: `Command "${verb}" is unknown, try "ip netns help".\n`, code: 255 };
};

function execIn(env: ShellCommandEnv, spaces: ReturnType<typeof namedNamespaces>, rest: string[]): CommandResult {
  const [name, ...command] = rest;
  if (!name) return { stdout: "", stderr: "No netns name specified\n", code: 255 };
  const target = spaces.find((s) => s.name === name);
  if (!target) return { stdout: "", stderr: `Cannot open network namespace "${name}": No such file or directory\n`, code: 255 };
  if (command.length === 0) return { stdout: "", stderr: "No command specified\n", code: 255 };
  return env.session.runInNamespace(target.pod, command);
}
