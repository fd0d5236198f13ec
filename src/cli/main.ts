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
    .passThroughOptions()
    .addHelpText("after", `\nSupported commands:\n${supportedList()}\n\nExample:\n  k8s-nettrace exec node-a -- iptables-save -t nat\n`)
    .action((target: string, command: string[], opts) => execCommand(ctx, target, command, opts));

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
