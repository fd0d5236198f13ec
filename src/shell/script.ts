// Non-interactive shell: run command lines from a file or a pipe, echoing
// each after its prompt, so the output reads like a terminal transcript and
// can be replayed in CI and diffed. A terminal shows stdout and stderr in the
// order they come, so the transcript does too.

import type { Session } from "./session.js";

/** Lines ending in a backslash continue on the next, as in bash. */
export function scriptLines(text: string): string[] {
  const out: string[] = [];
  let pending = "";
  for (const raw of text.replace(/\r\n/g, "\n").split("\n")) {
    if (raw.endsWith("\\")) {
      pending += raw.slice(0, -1);
      continue;
    }
    out.push(pending + raw);
    pending = "";
  }
  if (pending) out.push(pending);
  while (out.length && out[out.length - 1] === "") out.pop();
  return out;
}

/** Runs every line until the end or an `exit` on the first host; returns the last status, as bash does. */
export function runScript(session: Session, text: string, write: (text: string) => void): number {
  for (const line of scriptLines(text)) {
    write(`${session.prompt()}${line}\n`);
    for (const chunk of session.run(line)) write(chunk.text);
    if (session.ended) break;
  }
  return session.lastStatus;
}
