// The command-line entry: a routing table from commands to adapters, and the
// one place that turns errors into exit codes. Nothing else touches `process`.

import { Command, CommanderError, Option } from "commander";
import { formatDiagnostics } from "../render/diagnostics.js";
import type { Context } from "./context.js";
import { paintFor } from "./context.js";
import { ExitError } from "./errors.js";
import { defineCheck, defineDiff, defineReach } from "./suite-commands.js";

/**
 * Each command's implementation, imported only when that command runs:
 * `check` loads neither the shell and its tools nor the pcap writer. `run`
 * imports the one named on the command line before parsing, so that actions
 * and help texts find it loaded and can run synchronously (the shell's
 * `trace` does, through runSync).
 */
const IMPLEMENTATIONS = {
  validate: () => import("./commands/validate.js"),
  exec: () => import("./commands/exec.js"),
  trace: () => import("./commands/trace.js"),
  shell: () => import("./commands/shell.js"),
  check: () => import("./commands/check.js"),
  reach: () => import("./commands/reach.js"),
  diff: () => import("./commands/diff.js"),
  examples: () => import("./commands/examples.js"),
  generate: () => import("./commands/generate.js"),
};

type CommandName = keyof typeof IMPLEMENTATIONS;
type Implementations = { [K in CommandName]: Awaited<ReturnType<(typeof IMPLEMENTATIONS)[K]>> };
const loaded: Partial<Implementations> = {};

async function load(name: string): Promise<void> {
  if (!Object.hasOwn(IMPLEMENTATIONS, name)) return;
  const k = name as CommandName;
  (loaded as Record<CommandName, unknown>)[k] ??= await IMPLEMENTATIONS[k]();
}

/** A command's implementation, which `run` (or the shell, for `trace`) has imported. */
function impl<K extends CommandName>(name: K): Implementations[K] {
  const m = loaded[name];
  if (!m) throw new Error(`internal: the ${name} command runs before its module was imported`);
  return m;
}

/** The command a command line names, and for `help NAME` the one it asks about. */
function commandsIn(argv: readonly string[]): string[] {
  const words = argv.filter((a) => !a.startsWith("-"));
  return words[0] === "help" ? words.slice(0, 2) : words.slice(0, 1);
}

const fileOption = () => new Option("-f, --file <FILE>", "cluster description (YAML or JSON), or example:NAME [default: example:lab]");

export function buildProgram(ctx: Context): Command {
  const program = new Command("k8s-nettrace")
    .description("Where did my packet go, and why? Simulates Kubernetes node networking (flannel, kube-proxy, iptables) offline.")
    .version("0.1.0", "-V, --version")
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) })
    .exitOverride();

  program
    .command("validate")
    .description("check a cluster description and report every problem with file:line:col")
    .addOption(fileOption())
    .action((opts) => impl("validate").validateCommand(ctx, opts));

  program
    .command("exec")
    .description("run a Linux tool inside a node's or pod's simulated namespace")
    .argument("<target>", "node name, pod (namespace/name or unique name) or external host")
    .argument("[command...]", "the command, after --")
    .addOption(fileOption())
    .option("-c, --container <NAME>", "a container of the pod (all containers share the pod's network namespace)")
    .passThroughOptions()
    .option("--seed <N>", "seed for the random choices of network clients (curl, ping…)", "1")
    .addHelpText("after", () => `\nThe node's programs run in the target's network namespace, as nsenter --net does.\nSupported commands:\n${impl("exec").execSupportedList()}\n\nExamples:\n  k8s-nettrace exec node-a -- iptables-save -t nat\n  k8s-nettrace exec client -- curl -s web\n`)
    .action((target: string, command: string[], opts) => impl("exec").execCommand(ctx, target, command, opts));

  const count = (_value: string, previous: number) => previous + 1;
  program
    .command("trace")
    .description("simulate one flow packet by packet and show what tcpdump would print on every interface")
    .argument("<src>", "where the client runs: a pod (namespace/name or unique name), a node, an external host, or an address one of them owns")
    .argument("<dst>", "DST[:PORT]: a service name (web, web.ns, web.ns.svc.cluster.local), ClusterIP, pod, node, external host or IP")
    .argument("[filter...]", "a pcap-filter expression applied to what is printed, as tcpdump takes it")
    .addOption(fileOption())
    .option("-p, --protocol <PROTO>", "tcp, udp or icmp [default: the service port's, else tcp]")
    .option("--on <TARGET>", "show only the interfaces of this node, pod or external host")
    .option("-i, --interface <IFACE>", "show only this interface (with --on: print exactly what tcpdump -i IFACE prints there)")
    .option("-n", "do not convert addresses and ports to names (tcpdump -n)")
    .option("-e", "print the link-level header (tcpdump -e)")
    .option("-v", "verbose decode; -vv for more (tcpdump -v)", count, 0)
    .option("-t", "timestamps: -t none, -tt epoch, -ttt delta, -tttt date, -ttttt since first (tcpdump -t)", count, 0)
    .option("--pcap <DIR>", "write one pcap file per interface into DIR")
    .option("-o, --output <FORMAT>", "text or json", "text")
    .option("--seed <N>", "seed for every random choice (ports, sequence numbers, load balancing)", "1")
    .option("--all-paths", "enumerate every backend the random load balancing can pick, with its probability")
    .option("--request <TEXT>", "send TEXT instead of the HTTP request (\\r\\n for line ends)")
    .option("--client <NAME>", "the HTTP client to imitate: curl (keeps the connection alive) or wget (busybox, Connection: close)")
    .addHelpText("after", "\nExamples:\n  k8s-nettrace trace client web\n  k8s-nettrace trace client web --on node-b -i flannel.1 'host 10.244.0.3 and tcp'\n  k8s-nettrace trace laptop node-a:30080 -n --pcap ./caps\n\nExit status: 0 delivered, 1 not delivered, 2 bad input.\n")
    .action((src: string, dst: string, filter: string[], opts) =>
      impl("trace").traceCommand(ctx, src, dst, filter, { ...opts, numeric: opts.n, ether: opts.e, verbose: opts.v, timestamps: opts.t }),
    );

  program
    .command("shell")
    .description("log into the simulated cluster: ssh between nodes, kubectl/docker exec into pods, run ip, iptables, tcpdump, curl, dig…")
    .addOption(fileOption())
    .option("--script <FILE>", "run the command lines in FILE and print a transcript (also when stdin is not a terminal)")
    .option("--on <TARGET>", "start on this node, external host or pod [default: the first node]")
    .option("--seed <N>", "seed for every random choice (ports, sequence numbers, load balancing)", "1")
    .addHelpText("after", "\nExamples:\n  k8s-nettrace shell\n  k8s-nettrace shell -f example:seed-001-vxlan --on meizu\n  printf 'kubectl get pods -o wide\\nip route\\n' | k8s-nettrace shell\n\nHistory is kept in $XDG_CACHE_HOME/k8s-nettrace/shell_history (K8S_NETTRACE_HISTORY overrides; empty disables).\n")
    .action(async (opts) => {
      // The shell runs `trace` synchronously (runSync): its module must be loaded first.
      await load("trace");
      return impl("shell").shellCommand(ctx, opts, runSync);
    });

  defineCheck(program.command("check"), fileOption(), (files, opts) => impl("check").checkCommand(ctx, files, opts));
  defineReach(program.command("reach"), fileOption(), (opts) => impl("reach").reachCommand(ctx, opts));
  defineDiff(program.command("diff"), (before, after, opts) => impl("diff").diffCommand(ctx, before, after, opts));

  program
    .command("examples")
    .description("list the bundled example clusters (use with -f example:NAME)")
    .action(() => impl("examples").examplesCommand(ctx));

  program
    .command("generate")
    .description("write a synthetic cluster description of a given size (deterministic), for scale tests")
    .option("--size <S|M|L>", "preset: S 100 nodes/3,000 pods/200 services, M 500/15,000/1,000, L 5,000/150,000/10,000 (15 endpoints each)")
    .option("--nodes <N>", "number of nodes")
    .option("--pods-per-node <P>", "pods on every node")
    .option("--services <S>", "services, the first being kube-system/kube-dns")
    .option("--endpoints <E>", "pods selected by each service")
    .option("--format <FORMAT>", "yaml or json [default: json for -o *.json, else yaml]")
    .option("-o, --output <FILE>", "write to FILE instead of stdout")
    .addHelpText("after", "\nExamples:\n  k8s-nettrace generate --size M -o m.yaml\n  k8s-nettrace generate --nodes 5000 --pods-per-node 30 --services 10000 --endpoints 15 -o l.json\n")
    .action((opts) => impl("generate").generateCommand(ctx, opts));

  return program;
}

/** Runs the CLI; returns the exit code. */
export async function run(ctx: Context, argv: string[]): Promise<number> {
  const program = buildProgram(ctx);
  try {
    for (const name of commandsIn(argv)) await load(name);
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    return exitCodeFor(ctx, error);
  }
}

/** Runs a command whose action is synchronous (the shell's `trace`); returns the exit code. */
export function runSync(ctx: Context, argv: string[]): number {
  try {
    buildProgram(ctx).parse(argv, { from: "user" });
    return 0;
  } catch (error) {
    return exitCodeFor(ctx, error);
  }
}

/** The one place errors become exit codes (and messages). */
function exitCodeFor(ctx: Context, error: unknown): number {
  if (error instanceof CommanderError) {
    // help and version "errors" are successful exits
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return 0;
    return 2;
  }
  if (error instanceof ExitError) {
    if (error.diagnostics.length) ctx.stderr.write(formatDiagnostics(error.diagnostics, paintFor(ctx, ctx.stderr)));
    else if (error.message) ctx.stderr.write(`k8s-nettrace: ${error.message}\n`);
    return error.code;
  }
  const e = error as Error;
  ctx.stderr.write(`k8s-nettrace: internal error (this is a bug in k8s-nettrace, please report it with the command you ran):\n${e.stack ?? String(e)}\n`);
  return 70;
}
