// `docker ps|inspect|exec` on a node whose runtime is docker (Kubernetes
// before 1.24): the pause ("POD") container of each pod holds the network
// namespace, the others join it (NetworkMode container:<id>). Layouts by
// era: docker 1.8's padded table and inspect indentation, docker-cli's
// after 1.13 (docs/facts/shell-tools.md §12).

import { dockerEra } from "../compile/docker.js";
import { dockerIsRuntime, nodeContainers, type RuntimeContainer } from "../compile/containers.js";
import { formatIp4 } from "../model/addr.js";
import { simDate } from "../model/clock.js";
import type { Cluster, Node } from "../model/cluster.js";
import { OBJECT_AGE_SECONDS } from "../render/kubectl-get.js";
import { tabwrite } from "../render/tabwriter.js";
import { enterOrRun } from "./kubectl.js";
import type { CommandResult, ShellCommand, ShellCommandEnv } from "./session.js";

const error = (stderr: string, code = 1): CommandResult => ({ stdout: "", stderr: stderr.endsWith("\n") ? stderr : `${stderr}\n`, code });

function nodeOf(env: ShellCommandEnv): Node | undefined {
  const p = env.place;
  return p.kind === "node" ? env.cluster.nodes.find((n) => n.name === p.name) : undefined;
}

/** docker 1.8/1.10 printed the old table; 17.06 and 18.09 are docker-cli's. */
function modern(cluster: Cluster): boolean {
  const era = dockerEra(cluster);
  return era === "17.06" || era === "18.09";
}

/** go-units HumanDuration, as "CREATED … ago" and "Up …" use it. */
export function humanDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const hours = Math.round(seconds / 3600);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(hours / 24 / 365)} years`;
}

function quoteGo(text: string): string {
  return JSON.stringify(text);
}

export const dockerCommand: ShellCommand = (argv, env) => {
  const node = nodeOf(env);
  if (!node || !dockerIsRuntime(env.cluster)) return error("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?");
  const [verb, ...rest] = argv;
  // docker lists the newest container first.
  const containers = nodeContainers(env.cluster, node).reverse();
  if (verb === "ps") return ps(env.cluster, containers, rest);
  if (verb === "inspect") return inspect(env, containers, rest);
  if (verb === "exec") return exec(env, containers, rest);
  if (verb === undefined) return error("Usage:  docker [OPTIONS] COMMAND\n\nThe simulated docker knows: ps, inspect, exec.");
  return error(`docker: '${verb}' is not a docker command.\nSee 'docker --help'`);
};

function ps(cluster: Cluster, containers: RuntimeContainer[], args: string[]): CommandResult {
  const noTrunc = args.includes("--no-trunc");
  const quiet = args.includes("-q") || args.includes("--quiet");
  const unknown = args.find((a) => !["-a", "--all", "--no-trunc", "-q", "--quiet"].includes(a));
  if (unknown) return error(`unknown flag: ${unknown}\nSee 'docker ps --help'.`, 125);
  const ids = containers.map((c) => (noTrunc ? c.id : c.id.slice(0, 12)));
  if (quiet) return { stdout: ids.map((i) => `${i}\n`).join(""), stderr: "", code: 0 };
  const ago = `${humanDuration(OBJECT_AGE_SECONDS)} ago`;
  const up = `Up ${humanDuration(OBJECT_AGE_SECONDS)}`;
  const header = ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"];
  if (!modern(cluster)) {
    // docker 1.8: quote, then cut to 20 bytes (no closing quote); rows end with a tab, so NAMES is padded too.
    const rows = containers.map((c, i) => [ids[i]!, c.image, noTrunc ? quoteGo(c.command) : quoteGo(c.command).slice(0, 20), ago, up, "", c.name, ""]);
    return { stdout: tabwrite([header, ...rows], { minwidth: 20, padding: 3 }), stderr: "", code: 0 };
  }
  // docker-cli: cut to 19 characters and an ellipsis, then quote; minwidth 20 until docker 20.10.
  const rows = containers.map((c, i) => [ids[i]!, c.image, quoteGo(noTrunc || [...c.command].length <= 20 ? c.command : [...c.command].slice(0, 19).join("") + "…"), ago, up, "", c.name]);
  return { stdout: tabwrite([header, ...rows], { minwidth: 20, padding: 3 }), stderr: "", code: 0 };
}

function find(containers: RuntimeContainer[], ref: string): RuntimeContainer | undefined {
  const byName = containers.find((c) => c.name === ref || c.name === ref.replace(/^\//, ""));
  if (byName) return byName;
  const matches = containers.filter((c) => c.id.startsWith(ref));
  return matches.length === 1 ? matches[0] : undefined;
}

function noSuch(cluster: Cluster, ref: string): CommandResult {
  return error(modern(cluster) ? `Error response from daemon: No such container: ${ref}` : `Error response from daemon: no such id: ${ref}`);
}

function inspect(env: ShellCommandEnv, containers: RuntimeContainer[], refs: string[]): CommandResult {
  if (refs.length === 0) return error('"docker inspect" requires at least 1 argument.\nSee \'docker inspect --help\'.');
  const found: RuntimeContainer[] = [];
  for (const ref of refs) {
    const c = find(containers, ref);
    if (!c) return { ...noSuch(env.cluster, ref), stdout: "[]\n" };
    found.push(c);
  }
  const docs = found.map((c) => inspectDocument(env.cluster, c, containers));
  if (modern(env.cluster)) return { stdout: JSON.stringify(docs, null, 4) + "\n", stderr: "", code: 0 };
  // docker 1.8 wrote "[", then each object indented on its own, then "]".
  return { stdout: `[\n${docs.map((d) => JSON.stringify(d, null, 4)).join(",\n")}\n]\n`, stderr: "", code: 0 };
}

/** The fields of `docker inspect` people grep for, in docker's order (HostConfig, Config, NetworkSettings). */
function inspectDocument(cluster: Cluster, c: RuntimeContainer, all: RuntimeContainer[]): Record<string, unknown> {
  const started = simDate(-OBJECT_AGE_SECONDS * 1_000_000).toISOString().replace("Z", "000000Z");
  const pause = all.find((x) => x.pod === c.pod && x.container === "POD")!;
  const ip = c.ipAddress !== undefined ? formatIp4(c.ipAddress) : "";
  const [path, ...args] = c.command.split(" ");
  const network: Record<string, unknown> = {
    Bridge: "",
    Gateway: c.ipAddress !== undefined ? formatIp4(((c.ipAddress & ~0xff) | 1) >>> 0) : "",
    IPAddress: ip,
    IPPrefixLen: c.ipAddress !== undefined ? 24 : 0,
    MacAddress: "",
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
  };
  return {
    Id: c.id,
    Created: started,
    Path: path,
    Args: args,
    State: { Status: "running", Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 2000 + (parseInt(c.id.slice(0, 4), 16) % 30000), ExitCode: 0, Error: "", StartedAt: started, FinishedAt: "0001-01-01T00:00:00Z" },
    Image: `sha256:${c.id.split("").reverse().join("")}`,
    Name: `/${c.name}`,
    RestartCount: 0,
    // docker's HostConfig order: NetworkMode, then the other namespaces a container may share.
    HostConfig: { NetworkMode: c.networkMode, IpcMode: c.container !== "POD" ? `container:${pause.id}` : "", PidMode: "", UTSMode: "", RestartPolicy: { Name: "", MaximumRetryCount: 0 } },
    Config: { Hostname: c.pod.hostNetwork ? c.pod.node : c.pod.name, Image: c.image, Cmd: args.length ? [path, ...args] : [path], Labels: { "io.kubernetes.container.name": c.container, "io.kubernetes.pod.name": c.pod.name, "io.kubernetes.pod.namespace": c.pod.namespace } },
    NetworkSettings: c.networkMode === "bridge" ? network : { ...network, Gateway: "", IPPrefixLen: 0 },
  };
}

function exec(env: ShellCommandEnv, containers: RuntimeContainer[], args: string[]): CommandResult {
  let interactive = false;
  let i = 0;
  for (; i < args.length && args[i]!.startsWith("-"); i++) {
    if (/^-[it]+$/.test(args[i]!)) interactive ||= args[i]!.includes("i");
    else return error(`unknown shorthand flag: '${args[i]!.slice(1, 2)}' in ${args[i]}\nSee 'docker exec --help'.`, 125);
  }
  const ref = args[i];
  const command = args.slice(i + 1);
  if (!ref || command.length === 0) return error('"docker exec" requires at least 2 arguments.\nSee \'docker exec --help\'.', 1);
  const c = find(containers, ref);
  if (!c) return noSuch(env.cluster, ref);
  if (c.container === "POD") {
    // The pause image holds nothing but /pause.
    return error(`OCI runtime exec failed: exec failed: unable to start container process: exec: "${command[0]}": executable file not found in $PATH: unknown`, 126);
  }
  const container = c.pod.containers.find((x) => x.name === c.container)!;
  return enterOrRun(env, c.pod, container, command, interactive, "", "docker");
}
