// One shell session on a simulated cluster: where the user is (a stack of
// places: node → ssh → kubectl exec …), the live network their commands run
// flows on, history, and the interpreter for the command lines they type.

import { CompiledCluster } from "../compile/compiled-cluster.js";
import { dockerIsRuntime, nodeContainers } from "../compile/containers.js";
import { ClusterWorld } from "../compile/world.js";
import type { Cluster } from "../model/cluster.js";
import type { Netns } from "../model/kernel.js";
import { LiveNetwork } from "../simulate/live.js";
import type { ToolEnv } from "../tools/tool.js";
import { type CommandList, expandWords, type Item, parseLine, ParseError, type SimpleCommand } from "./parse.js";
import { firstPlace, hostnameOf, netnsOf, type Place, promptOf, type Toolset, toolsetOf } from "./places.js";

/** One piece of output, in the order the terminal would show it. */
export interface Chunk {
  stream: "stdout" | "stderr";
  text: string;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
  ordered?: Chunk[];
}

export interface ShellCommandEnv extends ToolEnv {
  session: Session;
  place: Place;
}

export type ShellCommand = (argv: string[], env: ShellCommandEnv) => CommandResult;

export interface CommandTable {
  /** The command by name if the toolset has it; `undefined` = "command not found". */
  lookup(name: string, toolset: Toolset): ShellCommand | undefined;
  /** Names available with a toolset (completion, help). */
  names(toolset: Toolset): string[];
}

/** Simulated seconds that pass between two command lines (the time to type one). */
const TYPING_MICROS = 2_000_000;

export class Session {
  readonly world: CompiledCluster;
  readonly live: LiveNetwork;
  private readonly stack: Place[];
  readonly history: string[] = [];
  private status = 0;
  /** Set by `exit` on the outermost place: the session is over. */
  ended = false;
  /** Output of background work (tcpdump -c) waiting to be shown after the current command. */
  private pending: string[] = [];

  constructor(
    readonly cluster: Cluster,
    private readonly commands: CommandTable,
    private readonly options: {
      seed: number;
      start?: Place;
      /** `exec` is nsenter: the node's programs run in the place's network namespace. */
      nsenter?: boolean;
    },
  ) {
    this.world = new CompiledCluster(cluster);
    this.live = new LiveNetwork(new ClusterWorld(this.world), options.seed);
    this.stack = [options.start ?? firstPlace(cluster)];
  }

  get place(): Place {
    return this.stack[this.stack.length - 1]!;
  }

  /** `$?`: the status of the last command. */
  get lastStatus(): number {
    return this.status;
  }

  get depth(): number {
    return this.stack.length;
  }

  prompt(): string {
    return promptOf(this.place);
  }

  enter(place: Place): void {
    this.stack.push(place);
  }

  /** `exit`: back to where the user came from; at the outermost place the session ends. */
  leave(): void {
    if (this.stack.length > 1) this.stack.pop();
    else this.ended = true;
  }

  netns(place: Place = this.place): Netns {
    const ns = this.world.netns(netnsOf(place));
    if (!ns) throw new Error(`internal: no namespace for ${netnsOf(place)}`);
    return ns;
  }

  /** The programs available here (nsenter uses the node's, whatever the namespace). */
  toolset(): Toolset {
    return this.options.nsenter ? "node" : toolsetOf(this.place);
  }

  commandNames(): string[] {
    return this.commands.names(this.toolset());
  }

  /** Short IDs of the containers on the current node (docker's, while docker is the runtime). */
  containerIds(): string[] {
    const p = this.place;
    const node = p.kind === "node" ? this.cluster.nodes.find((n) => n.name === p.name) : undefined;
    if (!node || !dockerIsRuntime(this.cluster)) return [];
    return nodeContainers(this.cluster, node).map((c) => c.id.slice(0, 12));
  }

  /** Runs one command given as argv (exec's `-- COMMAND ARGS`), without shell parsing. */
  runArgv(words: string[]): CommandResult & { found: boolean } {
    const [name, ...args] = words;
    const command = name === undefined ? undefined : this.commands.lookup(name, this.toolset());
    if (!command) return { ...this.notFound(name ?? ""), found: false };
    const r = command(args, this.env());
    const later = this.pending.splice(0).join("");
    return { ...r, stdout: r.stdout + later, found: true };
  }

  /** Runs one command line; the chunks are what the terminal shows. */
  run(line: string): Chunk[] {
    const trimmed = line.trim();
    if (trimmed === "") return [];
    this.history.push(trimmed);
    this.live.wait(TYPING_MICROS);
    let list: CommandList;
    try {
      list = parseLine(trimmed);
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      this.status = 2;
      return [{ stream: "stderr", text: `${this.shellName()}: ${error.message}\n` }];
    }
    const out: Chunk[] = [];
    this.runList(list, new Map(), out);
    for (const text of this.pending.splice(0)) out.push({ stream: "stdout", text });
    return out;
  }

  /** The name the current interpreter uses in its own messages. */
  shellName(): string {
    const p = this.place;
    return p.kind !== "pod" || p.interpreter === "bash" ? "-bash" : "sh";
  }

  private runList(list: CommandList, vars: Map<string, string>, out: Chunk[]): void {
    for (const { item, after } of list.items) {
      if (this.ended) return;
      if (after === "&&" && this.status !== 0) continue;
      if (after === "||" && this.status === 0) continue;
      this.runItem(item, vars, out);
    }
  }

  private runItem(item: Item, vars: Map<string, string>, out: Chunk[]): void {
    if (item.kind === "for") {
      for (const value of expandWords(item.values, this.withStatus(vars))) {
        const inner = new Map(vars).set(item.variable, value);
        this.runList(item.body, inner, out);
        if (this.ended) return;
      }
      return;
    }
    let stdin: string | undefined;
    const startedIn = this.place;
    item.commands.forEach((cmd, i) => {
      const last = i === item.commands.length - 1;
      const r = this.runSimple(cmd, vars, stdin);
      if (last && r.ordered && !cmd.discardStderr && !cmd.discardStdout && !cmd.stderrToStdout) {
        for (const chunk of r.ordered) if (chunk.text) out.push(chunk);
        this.status = r.code;
        return;
      }
      const stderrChunk = cmd.discardStderr ? "" : r.stderr;
      if (cmd.stderrToStdout) r.stdout = r.stdout + stderrChunk;
      else if (stderrChunk) out.push({ stream: "stderr", text: stderrChunk });
      const stdout = cmd.discardStdout ? "" : r.stdout;
      if (last) {
        if (stdout) out.push({ stream: "stdout", text: stdout });
        this.status = r.code;
      } else {
        stdin = stdout;
      }
    });
    void startedIn;
  }

  private withStatus(vars: Map<string, string>): Map<string, string> {
    return new Map(vars).set("?", String(this.status)).set("HOSTNAME", hostnameOf(this.place));
  }

  private runSimple(cmd: SimpleCommand, vars: Map<string, string>, stdin: string | undefined): CommandResult {
    let words = expandWords(cmd.words, this.withStatus(vars));
    // Everyone here is root already: `sudo CMD` runs CMD.
    while (words[0] === "sudo") words = words.slice(1).filter((w, i) => !(i === 0 && /^-[iEHs]+$/.test(w)));
    const [name, ...args] = words;
    if (name === undefined) return { stdout: "", stderr: "", code: 0 };
    const command = this.commands.lookup(name, this.toolset());
    if (!command) return this.notFound(name);
    return command(args, this.env(stdin));
  }

  env(stdin?: string): ShellCommandEnv {
    const place = this.place;
    return {
      session: this,
      place,
      world: this.world,
      ns: this.netns(place),
      cluster: this.cluster,
      live: this.live,
      hostname: this.options.nsenter && place.kind === "pod" ? place.pod.node : hostnameOf(place),
      flavour: this.toolset() === "busybox" ? "busybox" : "gnu",
      notify: (text) => void this.pending.push(text),
      ...(stdin !== undefined ? { stdin } : {}),
    };
  }

  /** What each shell prints for a name it cannot find (bash, dash, busybox ash), and the status 127. */
  private notFound(name: string): CommandResult {
    const p = this.place;
    let text: string;
    if (p.kind !== "pod" || p.interpreter === "bash") text = `-bash: ${name}: command not found\n`;
    else if (p.interpreter === "ash") text = `sh: ${name}: not found\n`;
    else text = `sh: 1: ${name}: not found\n`;
    return { stdout: "", stderr: text, code: 127 };
  }
}
