// `wget [-q] [-O FILE|-] [-T SECS] [-t N] URL`: busybox's applet in busybox
// images (Connection: close, `Connecting to …`, a `***` progress bar), GNU
// wget 1.21.3 elsewhere (docs/facts/shell-tools.md §2.5, §7). Downloads are
// not written anywhere: the simulated hosts have no writable filesystem.

import { formatIp4 } from "../model/addr.js";
import { simDate } from "../model/clock.js";
import type { FlowResult } from "../simulate/flow.js";
import { decodeBody, errnoText, header, parseResponse, parseUrl, runFrom, seconds, unresolved } from "./net-client.js";
import { fail, type Tool, type ToolEnv, type ToolResult } from "./tool.js";

interface Options {
  quiet: boolean;
  output?: string;
  timeout?: number;
  tries: number;
  url?: string;
}

function parse(argv: string[]): Options | ToolResult {
  const o: Options = { quiet: false, tries: 20 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string | undefined => (a.length > 2 && !a.startsWith("--") ? a.slice(2) : argv[++i]);
    if (a === "-q" || a === "--quiet") o.quiet = true;
    else if (a === "-qO-" || a === "-qO") {
      o.quiet = true;
      o.output = a === "-qO-" ? "-" : argv[++i];
    } else if (a.startsWith("-O")) o.output = value();
    else if (a.startsWith("--output-document=")) o.output = a.slice(18);
    else if (a.startsWith("-T")) o.timeout = seconds(value());
    else if (a.startsWith("--timeout=")) o.timeout = seconds(a.slice(10));
    else if (a.startsWith("-t")) o.tries = Number(value() ?? "20") || 20;
    else if (a.startsWith("--tries=")) o.tries = Number(a.slice(8)) || 20;
    else if (a.startsWith("-")) return fail(`wget: invalid option -- '${a.slice(1, 2)}'`, 1);
    else o.url = a;
  }
  return o;
}

export const wgetTool: Tool = (argv, env) => {
  const o = parse(argv);
  if ("code" in o) return o;
  if (!o.url) return fail(env.flavour === "busybox" ? "BusyBox v1.35.0 multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[--no-check-certificate] [-P DIR] [-U AGENT] [-T SEC] URL..." : "wget: missing URL\nUsage: wget [OPTION]... [URL]...\n\nTry `wget --help' for more options.", 1);
  const url = parseUrl(o.url);
  if (!url) return fail(env.flavour === "busybox" ? `wget: bad address '${o.url}'` : `${o.url}: Invalid URL`, 1);
  if (url.scheme === "https") return fail("k8s-nettrace: https is not simulated (no TLS); use http:// to follow the packets", 1);
  const file = o.output ?? (url.path.split("/").pop() || "index.html");
  return env.flavour === "busybox" ? busybox(env, o, url, file) : gnu(env, o, url, file);
};

function busybox(env: ToolEnv, o: Options, url: NonNullable<ReturnType<typeof parseUrl>>, file: string): ToolResult {
  const r = runFrom(env, { to: url.host, port: url.port, protocol: "tcp", client: "wget", path: url.path, ...(o.timeout !== undefined ? { clientTimeout: o.timeout } : {}) });
  let err = "";
  const say = (line: string) => void (o.quiet || (err += `${line}\n`));
  if (unresolved(r, url.host)) return fail(`wget: bad address '${url.host}'`, 1);
  const ip = formatIp4(r.client.remote!.ip);
  say(`Connecting to ${url.host} (${ip}:${url.port})`);
  if (r.client.connectedAt === undefined) {
    if (o.timeout !== undefined && (r.client.error === undefined || r.client.error === "ETIMEDOUT")) return { stdout: "", stderr: `${err}wget: download timed out\n`, code: 1 };
    return { stdout: "", stderr: `${err}wget: can't connect to remote host (${ip}): ${errnoText(r.client.error)}\n`, code: 1 };
  }
  const msg = parseResponse(r.client.received);
  if (!msg) return { stdout: "", stderr: `${err}wget: server returned error: ${r.client.error === "ECONNRESET" ? "Connection reset by peer" : "HTTP/0.9"}\n`, code: 1 };
  if (msg.status >= 400 || msg.status < 200) return { stdout: "", stderr: `${err}wget: server returned error: ${msg.statusLine}\n`, code: 1 };
  const toStdout = file === "-";
  say(toStdout ? "writing to stdout" : `saving to '${file}'`);
  const bar = `${(toStdout ? "-" : file).padEnd(20).slice(0, 20)} 100% |${"*".repeat(32)}| ${sizeText(msg.body.length)} 0:00:00 ETA`;
  say(bar);
  say(toStdout ? "written to stdout" : `'${file}' saved`);
  const body = toStdout ? decodeBody(msg.body) : "";
  // On a terminal the body comes between "writing to stdout" and the bar.
  const lines = err.split("\n");
  const before = toStdout && !o.quiet ? lines.slice(0, 2).join("\n") + "\n" : err;
  const after = toStdout && !o.quiet ? lines.slice(2).join("\n") : "";
  return { stdout: body, stderr: err, code: 0, ordered: [{ stream: "stderr", text: before }, { stream: "stdout", text: body }, { stream: "stderr", text: after }] };
}

/** busybox's transferred-size field: "%5u%c" with k/M/G once it no longer fits. */
function sizeText(bytes: number): string {
  const units = " kMGT";
  let n = bytes;
  let u = 0;
  while (n >= 100000 && u < units.length - 1) {
    n = Math.floor(n / 1024);
    u++;
  }
  return `${String(n).padStart(5)}${units[u]}`;
}

function gnu(env: ToolEnv, o: Options, url: NonNullable<ReturnType<typeof parseUrl>>, file: string): ToolResult {
  let err = "";
  const say = (line: string) => void (o.quiet || (err += `${line}\n`));
  let r: FlowResult | undefined;
  for (let attempt = 1; attempt <= o.tries; attempt++) {
    const started = simDate(env.live.now());
    say(`--${stamp(started)}--  ${url.text.includes("://") ? url.text : `http://${url.text}`}`);
    r = runFrom(env, { to: url.host, port: url.port, protocol: "tcp", client: "wget-gnu", path: url.path, ...(o.timeout !== undefined ? { clientTimeout: o.timeout } : {}) });
    if (unresolved(r, url.host)) {
      say(`Resolving ${url.host} (${url.host})... failed: Name or service not known.`);
      return { stdout: "", stderr: `${err}wget: unable to resolve host address ‘${url.host}’\n`, code: 4 };
    }
    const ip = formatIp4(r.client.remote!.ip);
    const named = url.host !== ip;
    if (named) say(`Resolving ${url.host} (${url.host})... ${r.resolved!.addresses.map(formatIp4).join(", ")}`);
    const where = named ? `${url.host} (${url.host})|${ip}|:${url.port}` : `${ip}:${url.port}`;
    if (r.client.connectedAt !== undefined) {
      say(`Connecting to ${where}... connected.`);
      break;
    }
    const timedOut = r.client.error === undefined || r.client.error === "ETIMEDOUT";
    say(`Connecting to ${where}... failed: ${errnoText(timedOut ? "ETIMEDOUT" : r.client.error)}.`);
    // A refusal or an unreachable host is final; a timeout is retried (-t, 20 by default).
    if (!timedOut) return { stdout: "", stderr: err, code: 4 };
    if (attempt === o.tries) {
      say("Giving up.\n");
      return { stdout: "", stderr: err, code: 4 };
    }
    say("Retrying.\n");
  }
  const msg = parseResponse(r!.client.received);
  if (!msg) {
    say("HTTP request sent, awaiting response... No data received.");
    return { stdout: "", stderr: err, code: 4 };
  }
  say(`HTTP request sent, awaiting response... ${msg.status} ${msg.reason}`);
  const done = simDate(r!.client.finished ?? env.live.now());
  if (msg.status >= 400) {
    say(`${stamp(done)} ERROR ${msg.status}: ${msg.reason}.\n`);
    return { stdout: "", stderr: err, code: 8 };
  }
  const length = msg.body.length;
  const type = (header(msg, "Content-Type") ?? "").split(";")[0]!.trim();
  say(`Length: ${length}${type ? ` [${type}]` : ""}`);
  const toStdout = file === "-";
  say(`Saving to: ‘${toStdout ? "STDOUT" : file}’\n`);
  const seconds = Math.max(((r!.client.finished ?? 0) - (r!.client.connectedAt ?? 0)) / 1_000_000, 1e-6);
  say(`${(toStdout ? "-" : file).padEnd(20)}100%[===================>] ${String(length).padStart(7)}  --.-KB/s    in 0s      \n`);
  say(`${stamp(done)} (${rate(length / seconds)}) - ${toStdout ? "written to stdout" : `‘${file}’ saved`} [${length}/${length}]\n`);
  const body = toStdout ? decodeBody(msg.body) : "";
  return { stdout: body, stderr: err, code: 0 };
}

function stamp(d: Date): string {
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)}`;
}

/** wget's retr_rate(): the largest unit that keeps the number under 1024, two decimals under 10, one under 100. */
function rate(bytesPerSecond: number): string {
  const units = ["B/s", "KB/s", "MB/s", "GB/s"];
  let v = bytesPerSecond;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const digits = v >= 99.95 ? 0 : v >= 9.995 ? 1 : 2;
  return `${v.toFixed(digits)} ${units[u]}`;
}
