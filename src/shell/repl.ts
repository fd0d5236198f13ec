// The interactive shell on a terminal: readline's line editing, history that
// persists between sessions, tab completion, Ctrl-C to abandon a line, Ctrl-D
// or `exit` on the first host to leave.

import { createInterface } from "node:readline";
import type { Paint } from "../render/diagnostics.js";
import { complete } from "./completion.js";
import type { Chunk, Session } from "./session.js";

export interface TerminalIo {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Where stderr chunks go (the same terminal, usually). */
  writeErr(text: string): void;
  /** Lines of earlier sessions, oldest first. */
  history: string[];
  /** Called with each line the user runs, to persist it. */
  remember(line: string): void;
  paint: Paint;
}

const HISTORY_SIZE = 1000;

/** Runs until the session ends; resolves with the last command's status. */
export function interactive(session: Session, io: TerminalIo, banner: string): Promise<number> {
  return new Promise((resolve) => {
    const rl = createInterface({
      input: io.input,
      output: io.output,
      terminal: true,
      historySize: HISTORY_SIZE,
      history: [...io.history].reverse().slice(0, HISTORY_SIZE),
      removeHistoryDuplicates: false,
      completer: (line: string) => complete(line, completionSource(session)),
    });
    const prompt = (): void => {
      rl.setPrompt(colourPrompt(session.prompt(), io.paint));
      rl.prompt();
    };
    io.output.write(banner);
    rl.on("line", (line) => {
      if (line.trim()) io.remember(line.trim());
      for (const chunk of session.run(line)) write(io, chunk);
      if (session.ended) rl.close();
      else prompt();
    });
    // Ctrl-C: bash prints ^C, drops the line and prompts again; the session goes on.
    rl.on("SIGINT", () => {
      io.output.write("^C\n");
      rl.write(null, { ctrl: true, name: "u" });
      prompt();
    });
    rl.on("close", () => {
      // Ctrl-D on an empty line: bash says logout.
      if (!session.ended) io.output.write("logout\n");
      resolve(session.lastStatus);
    });
    prompt();
  });
}

function write(io: TerminalIo, chunk: Chunk): void {
  // A terminal wants CR LF only from the line discipline; Node's stream writes go through it as is.
  if (chunk.stream === "stdout") io.output.write(chunk.text);
  else io.writeErr(chunk.text);
}

/** user@host in green and the path in blue, as distribution bashrc files colour PS1. */
function colourPrompt(prompt: string, paint: Paint): string {
  const m = /^(\[)(\S+)( )(\S+)(\]\$ )$/.exec(prompt);
  if (m) return `${m[1]}${paint.hint(m[2]!)}${m[3]}${paint.bold(m[4]!)}${m[5]}`;
  return paint.bold(prompt.trimEnd()) + " ";
}

function completionSource(session: Session) {
  return {
    cluster: session.cluster,
    commands: session.commandNames(),
    ns: session.netns(),
    containerIds: () => session.containerIds(),
  };
}
