// The text filters people pipe tool output through: grep, head, tail, wc,
// sort, uniq, less/more (which only print here), echo. GNU coreutils/grep
// behaviour and messages; busybox's are the same for these options.

import { fail, ok, type Tool, type ToolEnv, type ToolResult } from "./tool.js";

function lines(text: string): string[] {
  if (text === "") return [];
  const all = text.split("\n");
  if (all[all.length - 1] === "") all.pop();
  return all;
}

function join(list: string[]): string {
  return list.length ? list.join("\n") + "\n" : "";
}

/** Input from the pipe; files are not part of the simulated filesystem for filters. */
function input(name: string, env: ToolEnv, files: string[]): string | ToolResult {
  if (files.length > 0) {
    const file = files[0]!;
    const content = env.ns.files.get(file);
    if (content) return content();
    return fail(`${name}: ${file}: No such file or directory`, 2);
  }
  if (env.stdin === undefined) return fail(`${name}: reading from the terminal is not simulated; pipe a command into ${name}`, 2);
  return env.stdin;
}

/** POSIX basic regular expressions → JavaScript: in a BRE, + ? | ( ) { } are literal unless escaped. */
export function breToRegExpSource(pattern: string): string {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\" && i + 1 < pattern.length) {
      const n = pattern[++i]!;
      out += "+?|(){}".includes(n) ? n : `\\${n}`;
    } else if ("+?|(){}".includes(c)) out += `\\${c}`;
    else out += c;
  }
  return out;
}

function escapeFixed(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

export const grepTool: Tool = (argv, env) => {
  const flags = new Set<string>();
  const patterns: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-e" && argv[i + 1] !== undefined) patterns.push(argv[++i]!);
    else if (a === "--") rest.push(...argv.slice(i + 1)), (i = argv.length);
    else if (/^-[A-Za-z]+$/.test(a)) for (const f of a.slice(1)) flags.add(f);
    else if (a === "--color" || a.startsWith("--color=")) continue;
    else rest.push(a);
  }
  for (const f of flags) if (!"vicnEFwoHhlqs".includes(f)) return fail(`grep: invalid option -- '${f}'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.`, 2);
  if (patterns.length === 0) {
    const p = rest.shift();
    if (p === undefined) return fail("Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.", 2);
    patterns.push(...p.split("\n"));
  }
  const text = input("grep", env, rest);
  if (typeof text !== "string") return text;
  const source = patterns.map((p) => (flags.has("F") ? escapeFixed(p) : flags.has("E") ? p : breToRegExpSource(p))).map((p) => (flags.has("w") ? `(?<![\\w])(?:${p})(?![\\w])` : p)).join("|");
  let re: RegExp;
  try {
    re = new RegExp(source, flags.has("i") ? "gi" : "g");
  } catch {
    return fail(`grep: Invalid regular expression`, 2);
  }
  const matched: string[] = [];
  let count = 0;
  lines(text).forEach((line, n) => {
    re.lastIndex = 0;
    const hit = re.test(line);
    if (hit === flags.has("v")) return;
    count++;
    if (flags.has("o") && !flags.has("v")) {
      re.lastIndex = 0;
      for (const m of line.matchAll(re)) if (m[0]) matched.push(m[0]);
      return;
    }
    matched.push(flags.has("n") ? `${n + 1}:${line}` : line);
  });
  const code = count > 0 ? 0 : 1;
  if (flags.has("q")) return { stdout: "", stderr: "", code };
  if (flags.has("c")) return { stdout: `${count}\n`, stderr: "", code };
  return { stdout: join(matched), stderr: "", code };
};

/** `-n N`, `-nN`, `-N`, `--lines=N` (and `+N` for tail). */
function countOption(name: string, argv: string[]): { n: number; fromStart: boolean; files: string[] } | ToolResult {
  let n = 10;
  let fromStart = false;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    let value: string | undefined;
    if (a === "-n") value = argv[++i];
    else if (/^-n.+/.test(a)) value = a.slice(2);
    else if (/^--lines=/.test(a)) value = a.slice(8);
    else if (/^-\d+$/.test(a)) value = a.slice(1);
    else if (a.startsWith("-") && a !== "-") return fail(`${name}: invalid option -- '${a.slice(1, 2)}'\nTry '${name} --help' for more information.`);
    else {
      files.push(a);
      continue;
    }
    if (value === undefined || !/^[+-]?\d+$/.test(value)) return fail(`${name}: invalid number of lines: '${value ?? ""}'`);
    fromStart = value.startsWith("+");
    n = Math.abs(Number(value));
  }
  return { n, fromStart, files };
}

export const headTool: Tool = (argv, env) => {
  const o = countOption("head", argv);
  if ("code" in o) return o;
  const text = input("head", env, o.files);
  return typeof text === "string" ? ok(join(lines(text).slice(0, o.n))) : text;
};

export const tailTool: Tool = (argv, env) => {
  const o = countOption("tail", argv);
  if ("code" in o) return o;
  const text = input("tail", env, o.files);
  if (typeof text !== "string") return text;
  const all = lines(text);
  return ok(join(o.fromStart ? all.slice(Math.max(0, o.n - 1)) : o.n === 0 ? [] : all.slice(-o.n)));
};

export const wcTool: Tool = (argv, env) => {
  const flags = new Set(argv.filter((a) => a.startsWith("-")).flatMap((a) => [...a.slice(1)]));
  const text = input("wc", env, argv.filter((a) => !a.startsWith("-")));
  if (typeof text !== "string") return text;
  const counts: [string, number][] = [
    ["l", (text.match(/\n/g) ?? []).length],
    ["w", text.split(/\s+/).filter(Boolean).length],
    ["c", new TextEncoder().encode(text).length],
  ];
  const chosen = flags.size === 0 ? counts : counts.filter(([f]) => flags.has(f));
  // One count alone prints bare; several from a pipe use coreutils' width of 7.
  if (chosen.length === 1) return ok(`${chosen[0]![1]}\n`);
  return ok(chosen.map(([, v]) => String(v).padStart(7)).join(" ") + "\n");
};

export const sortTool: Tool = (argv, env) => {
  const flags = new Set(argv.filter((a) => /^-[a-z]+$/.test(a)).flatMap((a) => [...a.slice(1)]));
  const text = input("sort", env, argv.filter((a) => !a.startsWith("-")));
  if (typeof text !== "string") return text;
  let out = lines(text);
  // C-locale byte order; -n compares the leading number.
  out.sort(flags.has("n") ? (a, b) => (parseFloat(a) || 0) - (parseFloat(b) || 0) || (a < b ? -1 : a > b ? 1 : 0) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (flags.has("r")) out.reverse();
  if (flags.has("u")) out = out.filter((l, i) => i === 0 || l !== out[i - 1]);
  return ok(join(out));
};

export const uniqTool: Tool = (argv, env) => {
  const count = argv.includes("-c");
  const text = input("uniq", env, argv.filter((a) => !a.startsWith("-")));
  if (typeof text !== "string") return text;
  const out: string[] = [];
  let prev: string | undefined;
  let n = 0;
  const flush = (): void => void (prev !== undefined && out.push(count ? `${String(n).padStart(7)} ${prev}` : prev));
  for (const line of lines(text)) {
    if (line === prev) n++;
    else {
      flush();
      prev = line;
      n = 1;
    }
  }
  flush();
  return ok(join(out));
};

/** A pager on a terminal that is not interactive here: it prints what it was given. */
export const pagerTool: Tool = (argv, env) => {
  const text = input("less", env, argv.filter((a) => !a.startsWith("-")));
  return typeof text === "string" ? ok(text) : text;
};

export const echoTool: Tool = (argv) => {
  const newline = argv[0] !== "-n";
  return ok(argv.slice(newline ? 0 : 1).join(" ") + (newline ? "\n" : ""));
};
