// The commands that move the user or talk about the session itself: ssh,
// exit, hostname, history, help. (kubectl exec and docker exec move too; they
// live with kubectl and docker.)

import type { Cluster } from "../model/cluster.js";
import { closest } from "../load/check.js";
import { describePlace, type Place, toolsetOf } from "./places.js";
import type { CommandResult, ShellCommand, ShellCommandEnv } from "./session.js";

const out = (stdout: string, code = 0): CommandResult => ({ stdout, stderr: "", code });
const err = (stderr: string, code = 1): CommandResult => ({ stdout: "", stderr: stderr.endsWith("\n") ? stderr : `${stderr}\n`, code });

/** `ssh NODE` (or an external host, or an address of one): a login shell there. */
export const sshCommand: ShellCommand = (argv, env) => {
  const words = argv.filter((a) => !a.startsWith("-"));
  const target = words[0];
  if (!target) return err("usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface] [-b bind_address] [-c cipher_spec] destination [command [argument ...]]", 255);
  if (words.length > 1) return err("k8s-nettrace: ssh HOST COMMAND is not simulated; ssh HOST, then run the command", 255);
  const host = target.replace(/^[^@]*@/, "");
  const place = placeOfHost(env.cluster, host);
  if (!place) {
    const names = [...env.cluster.nodes.map((n) => n.name), ...env.cluster.externals.map((e) => e.name)];
    const hint = closest(host, names);
    return err(`ssh: Could not resolve hostname ${host}: Name or service not known${hint ? `\n(k8s-nettrace: did you mean ${hint}?)` : ""}`, 255);
  }
  env.session.enter(place);
  return out(`Last login: ${lastLogin(env)} from ${loginSource(env)}\n`);
};

function placeOfHost(cluster: Cluster, host: string): Place | undefined {
  const node = cluster.nodes.find((n) => n.name === host || formatIp(n.ip) === host);
  if (node) return { kind: "node", name: node.name, login: true };
  const ext = cluster.externals.find((e) => e.name === host || formatIp(e.ip) === host);
  if (ext) return { kind: "external", name: ext.name, login: true };
  return undefined;
}

function formatIp(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join(".");
}

/** sshd's banner line, dated by the simulated clock. */
function lastLogin(env: ShellCommandEnv): string {
  const d = new Date(1_700_000_000_000 + Math.floor(env.live.now() / 1000) - 3_600_000);
  const day = d.toUTCString().slice(0, 3);
  const month = d.toUTCString().slice(8, 11);
  const time = d.toISOString().slice(11, 19);
  return `${day} ${month} ${String(d.getUTCDate()).padStart(2, " ")} ${time} ${d.getUTCFullYear()}`;
}

function loginSource(env: ShellCommandEnv): string {
  const p = env.place;
  if (p.kind === "node") return formatIp(env.cluster.nodes.find((n) => n.name === p.name)?.ip ?? 0);
  return env.cluster.underlay.gateway !== null ? formatIp(env.cluster.underlay.gateway) : "192.168.1.1";
}

export const exitCommand: ShellCommand = (argv, env) => {
  const code = argv[0] !== undefined && /^\d+$/.test(argv[0]) ? Number(argv[0]) & 255 : 0;
  const from = env.place;
  env.session.leave();
  if (env.session.ended) return out(from.kind === "pod" ? "" : "logout\n", code);
  // ssh prints where the connection ends; kubectl exec and docker exec print nothing.
  if (from.kind !== "pod") return out(`logout\nConnection to ${from.name} closed.\n`, code);
  return out("", code);
};

export const hostnameCommand: ShellCommand = (argv, env) => {
  if (argv.includes("-i") || argv.includes("-I")) {
    const addrs = env.ns.links.filter((l) => l.name !== "lo").flatMap((l) => l.addrs.map((a) => formatIp(a.cidr.addr)));
    return out(`${addrs.join(" ")} \n`);
  }
  return out(`${env.hostname}\n`);
};

export const historyCommand: ShellCommand = (_argv, env) => {
  const lines = env.session.history.map((h, i) => `${String(i + 1).padStart(5)}  ${h}`);
  return out(lines.join("\n") + "\n");
};

export const clearCommand: ShellCommand = () => out("\u001b[H\u001b[2J");

/** One line per command available here, with the forms that are simulated. */
export function helpText(place: Place, usage: ReadonlyMap<string, string>, available: string[]): string {
  const where = describePlace(place);
  const toolset = toolsetOf(place);
  const note =
    toolset === "busybox"
      ? "This image's tools are busybox applets (no curl, dig or tcpdump: use wget and nslookup).\n"
      : toolset === "image"
        ? "Inside an application image the usual debugging tools are assumed present (as in a netshoot-style image).\n"
        : "";
  const width = Math.max(...available.map((n) => n.length));
  const rows = available.map((name) => `  ${name.padEnd(width)}  ${usage.get(name) ?? ""}`.trimEnd());
  return (
    `You are on ${where}.\n${note}` +
    `Commands here:\n${rows.join("\n")}\n` +
    `Pipes (| grep, head, tail, wc -l, sort, less), ; && ||, for VAR in …; do …; done, and >/dev/null work as in bash.\n` +
    `ssh NODE, kubectl exec -it POD -- sh and docker exec -it ID sh move you; exit goes back.\n`
  );
}
