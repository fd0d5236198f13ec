// The command-line entry: a routing table from commands to adapters, and the
// one place that turns errors into exit codes. Nothing else touches `process`.

import { Command, CommanderError, Option } from "commander";
import { formatDiagnostics } from "../render/diagnostics.js";
import type { Context } from "./context.js";
import { paintFor } from "./context.js";
import { ExitError } from "./errors.js";
import { examplesCommand } from "./commands/examples.js";
import { execCommand } from "./commands/exec.js";
import { validateCommand } from "./commands/validate.js";
import { traceCommand } from "./commands/trace.js";
import { supportedList } from "../tools/registry.js";

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
    .action((opts) => validateCommand(ctx, opts));

  program
    .command("exec")
    .description("run a Linux tool inside a node's or pod's simulated namespace")
    .argument("<target>", "node name, pod (namespace/name or unique name) or external host")
    .argument("[command...]", "the command, after --")
    .addOption(fileOption())
    .option("-c, --container <NAME>", "a container of the pod (all containers share the pod's network namespace)")
    .passThroughOptions()
    .addHelpText("after", `\nSupported commands:\n${supportedList()}\n\nExample:\n  k8s-nettrace exec node-a -- iptables-save -t nat\n`)
    .action((target: string, command: string[], opts) => execCommand(ctx, target, command, opts));

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
      traceCommand(ctx, src, dst, filter, { ...opts, numeric: opts.n, ether: opts.e, verbose: opts.v, timestamps: opts.t }),
    );

  program
    .command("examples")
    .description("list the bundled example clusters (use with -f example:NAME)")
    .action(() => examplesCommand(ctx));

  return program;
}

/** Runs the CLI; returns the exit code. */
export async function run(ctx: Context, argv: string[]): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
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
}
