// One shell session on a simulated cluster: where the user is (a stack of
// places: node → ssh → kubectl exec …), the live network their commands run
// flows on, history, and the interpreter for the command lines they type.

import { CompiledCluster } from "../compile/compiled-cluster.js";
import { dockerIsRuntime, nodeContainers } from "../compile/containers.js";
import { minorOf } from "../compile/kube-proxy/features.js";
import { ClusterWorld } from "../compile/world.js";
import type { Cluster } from "../model/cluster.js";
import type { Netns } from "../model/kernel.js";
import { LiveNetwork } from "../simulate/live.js";
import { NotSimulated } from "../tools/net-client.js";
import type { ToolEnv } from "../tools/tool.js";
import { type CommandList, expandWords, type Item, parseLine, ParseError, type SimpleCommand } from "./parse.js";
import { extraProgramsOf, firstPlace, hostnameOf, netnsOf, type Place, promptOf, type Toolset, toolsetOf } from "./places.js";

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

  /** Back to `place` after a command ran elsewhere (kubectl exec POD -- CMD). */
  leaveTo(place: Place): void {
    while (this.stack.length > 1 && this.place !== place) this.stack.pop();
  }

  hasCommand(name: string): boolean {
    return this.lookup(name) !== undefined;
  }

  /** The program by name in the current place: its toolset, plus what the image adds. */
  private lookup(name: string): ShellCommand | undefined {
    if (!this.installed(name)) return undefined;
    const found = this.commands.lookup(name, this.toolset());
    if (found) return found;
    const p = this.place;
    if (p.kind === "pod" && !this.options.nsenter && extraProgramsOf(p.container.image).includes(name)) return this.commands.lookup(name, "image");
    return undefined;
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
    const p = this.place;
    const extra = p.kind === "pod" && !this.options.nsenter ? extraProgramsOf(p.container.image) : [];
    return [...new Set([...this.commands.names(this.toolset()), ...extra])].filter((n) => this.installed(n)).sort();
  }

  /** docker is on a node only while it is the container runtime (Kubernetes before 1.24). */
  private installed(name: string): boolean {
    return name !== "docker" || dockerIsRuntime(this.cluster);
  }

  /** `ip netns exec`: one of the node's programs, run in another network namespace. */
  runInNamespace(netnsId: string, words: string[]): CommandResult {
    const ns = this.world.netns(netnsId);
    const [name, ...args] = words;
    const command = name === undefined ? undefined : this.commands.lookup(name, "node");
    if (!ns || !command) return { stdout: "", stderr: `exec of "${name ?? ""}" failed: No such file or directory\n`, code: 255 };
    return command(args, { ...this.env(), ns });
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
    const command = name === undefined ? undefined : this.lookup(name);
    if (!command) return { ...this.notFound(name ?? ""), found: false };
    let r: CommandResult;
    try {
      r = command(args, this.env());
    } catch (error) {
      if (!(error instanceof NotSimulated)) throw error;
      r = { stdout: "", stderr: `${error.message}\n`, code: 1 };
    }
    const later = this.pending.splice(0).join("");
    return { ...r, stdout: r.stdout + later, found: true };
  }

  /** Runs one command line; the chunks are what the terminal shows. A nested run (kubectl exec POD -- CMD) is not typed: no history, no typing time. */
  run(line: string, options: { record?: boolean } = {}): Chunk[] {
    const trimmed = line.trim();
    if (trimmed === "") return [];
    if (options.record !== false) {
      this.history.push(trimmed);
      this.live.wait(TYPING_MICROS);
    }
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
    if (options.record !== false) for (const text of this.pending.splice(0)) out.push({ stream: "stdout", text });
    return out;
  }

  /** The name the current interpreter uses in its own messages: ssh gives a login shell, "-bash". */
  shellName(): string {
    const p = this.place;
    if (p.kind !== "pod") return p.login ? "-bash" : "bash";
    return p.interpreter === "bash" ? "bash" : "sh";
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
      for (const value of expandWords(item.values, this.withStatus(vars), (c) => this.capture(c, vars, out))) {
        const inner = new Map(vars).set(item.variable, value);
        this.runList(item.body, inner, out);
        if (this.ended) return;
      }
      return;
    }
    let stdin: string | undefined;
    // What a command in the middle of a pipe writes to stderr after its output (tcpdump's ^C and counts) shows after the pipe's output.
    const afterwards: Chunk[] = [];
    item.commands.forEach((cmd, i) => {
      const last = i === item.commands.length - 1;
      const r = this.runSimple(cmd, vars, stdin, out);
      if (r.ordered && !cmd.discardStderr && !cmd.discardStdout && !cmd.stderrToStdout) {
        if (last) {
          for (const chunk of r.ordered) if (chunk.text) out.push(chunk);
          this.status = r.code;
          return;
        }
        const firstOut = r.ordered.findIndex((c) => c.stream === "stdout" && c.text);
        r.ordered.forEach((c, k) => {
          if (c.stream === "stderr" && c.text) (firstOut < 0 || k < firstOut ? out : afterwards).push(c);
        });
        stdin = r.stdout;
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
    out.push(...afterwards);
  }

  /** $(…): runs the command line and returns what it printed; its errors reach the terminal. */
  private capture(line: string, vars: Map<string, string>, out: Chunk[]): string {
    let list: CommandList;
    try {
      list = parseLine(line);
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      out.push({ stream: "stderr", text: `${this.shellName()}: ${error.message}\n` });
      return "";
    }
    const inner: Chunk[] = [];
    this.runList(list, vars, inner);
    for (const c of inner) if (c.stream === "stderr") out.push(c);
    return inner.filter((c) => c.stream === "stdout").map((c) => c.text).join("");
  }

  private withStatus(vars: Map<string, string>): Map<string, string> {
    return new Map(vars).set("?", String(this.status)).set("HOSTNAME", hostnameOf(this.place));
  }

  private runSimple(cmd: SimpleCommand, vars: Map<string, string>, stdin: string | undefined, out: Chunk[]): CommandResult {
    let words = expandWords(cmd.words, this.withStatus(vars), (c) => this.capture(c, vars, out));
    // Everyone here is root already: `sudo CMD` runs CMD.
    while (words[0] === "sudo") words = words.slice(1).filter((w, i) => !(i === 0 && /^-[iEHs]+$/.test(w)));
    const [name, ...args] = words;
    if (name === undefined) return { stdout: "", stderr: "", code: 0 };
    const command = this.lookup(name);
    if (!command) return this.notFound(name, true);
    try {
      return command(args, this.env(stdin));
    } catch (error) {
      if (error instanceof NotSimulated) return { stdout: "", stderr: `${error.message}\n`, code: 1 };
      throw error;
    }
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
      ...(place.kind === "pod" && !this.options.nsenter && place.container.image ? { image: place.container.image } : {}),
      flavour: this.toolset() === "busybox" ? "busybox" : "gnu",
      era: minorOf(this.cluster.kubeProxy.version) <= 9 ? "legacy" : "current",
      notify: (text) => void this.pending.push(text),
      ...(stdin !== undefined ? { stdin } : {}),
    };
  }

  /** What each shell prints for a name it cannot find (bash, dash as sh, busybox ash as sh), and the status 127. */
  private notFound(name: string, hint = false): CommandResult {
    const p = this.place;
    let text: string;
    if (p.kind !== "pod" || p.interpreter === "bash") text = `${this.shellName()}: ${name}: command not found\n`;
    else if (p.interpreter === "ash") text = `sh: ${name}: not found\n`;
    else text = `sh: 1: ${name}: not found\n`;
    if (hint) text += `k8s-nettrace: here you can run ${this.commandNames().join(", ")} (help says how)\n`;
    return { stdout: "", stderr: text, code: 127 };
  }
}
