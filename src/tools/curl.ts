// `curl` 7.88.1 (Debian 12): the body on stdout; -v's `*`, `>` and `<` lines
// and every `curl: (N) …` error on stderr; exit codes 0, 6, 7, 28, 52, 56
// (docs/facts/shell-tools.md §6). The progress meter curl draws on stderr
// when stdout is a pipe is not reproduced.

import { formatIp4 } from "../model/addr.js";
import { concat, curlUserAgent } from "../simulate/apps/http.js";
import type { FlowResult } from "../simulate/flow.js";
import { decodeBody, elapsedMs, errnoText, type HttpMessage, parseResponse, parseUrl, remoteOf, runFrom, seconds, unresolved } from "./net-client.js";
import { fail, type Tool, type ToolResult } from "./tool.js";

interface Options {
  verbose: boolean;
  silent: boolean;
  showError: boolean;
  include: boolean;
  failOnError: boolean;
  discard: boolean;
  maxTime?: number;
  connectTimeout?: number;
  headers: string[];
  method: string;
  writeOut?: string;
  url?: string;
}

const WITH_VALUE = new Set(["-m", "--max-time", "--connect-timeout", "-o", "--output", "-H", "--header", "-X", "--request", "-w", "--write-out", "-A", "--user-agent"]);

function parse(argv: string[]): Options | ToolResult {
  const o: Options = { verbose: false, silent: false, showError: false, include: false, failOnError: false, discard: false, headers: [], method: "GET" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (WITH_VALUE.has(a)) {
      const v = argv[++i];
      if (v === undefined) return fail(`curl: option ${a}: requires parameter\ncurl: try 'curl --help' or 'curl --manual' for more information`, 2);
      if (a === "-m" || a === "--max-time") o.maxTime = seconds(v);
      else if (a === "--connect-timeout") o.connectTimeout = seconds(v);
      else if (a === "-o" || a === "--output") {
        if (v !== "/dev/null") return fail("k8s-nettrace: curl -o writes only to /dev/null here (the simulated hosts have no writable files)", 2);
        o.discard = true;
      } else if (a === "-H" || a === "--header") o.headers.push(v);
      else if (a === "-A" || a === "--user-agent") o.headers.push(`User-Agent: ${v}`);
      else if (a === "-X" || a === "--request") o.method = v;
      else o.writeOut = v;
      if ((a === "-m" || a === "--max-time" || a === "--connect-timeout") && seconds(v) === undefined) return fail(`curl: option ${a}: expected a proper numerical parameter\ncurl: try 'curl --help' or 'curl --manual' for more information`, 2);
      continue;
    }
    if (a.startsWith("--")) {
      const flags: Record<string, keyof Options> = { "--verbose": "verbose", "--silent": "silent", "--show-error": "showError", "--include": "include", "--fail": "failOnError" };
      const key = flags[a];
      if (key) (o as unknown as Record<string, boolean>)[key] = true;
      else if (a === "--head") return fail("k8s-nettrace: curl --head (HEAD requests) is not simulated; curl -i shows the headers with the body", 2);
      else if (!["--location", "--insecure", "--ipv4", "--no-progress-meter"].includes(a)) return fail(`curl: option ${a}: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information`, 2);
      continue;
    }
    if (/^-[A-Za-z]+$/.test(a)) {
      for (const c of a.slice(1)) {
        if (c === "v") o.verbose = true;
        else if (c === "s") o.silent = true;
        else if (c === "S") o.showError = true;
        else if (c === "i") o.include = true;
        else if (c === "f") o.failOnError = true;
        else if (c === "I") return fail("k8s-nettrace: curl -I (HEAD requests) is not simulated; curl -i shows the headers with the body", 2);
        else if (!"Lk4".includes(c)) return fail(`curl: option -${c}: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information`, 2);
      }
      continue;
    }
    o.url = a;
  }
  return o;
}

export const curlTool: Tool = (argv, env) => {
  const o = parse(argv);
  if ("code" in o) return o;
  if (o.url === undefined) return fail("curl: try 'curl --help' or 'curl --manual' for more information", 2);
  const url = parseUrl(o.url);
  if (!url) return fail(`curl: (3) URL using bad/illegal format or missing URL`, 3);
  if (url.scheme === "https") return fail("k8s-nettrace: https is not simulated (no TLS); use http:// to follow the packets", 1);
  const timeout = o.maxTime ?? o.connectTimeout;
  const r = runFrom(env, {
    to: url.host, port: url.port, protocol: "tcp", client: "curl", path: url.path, method: o.method, userAgent: curlUserAgent(env.image),
    ...(o.headers.length ? { headers: o.headers } : {}),
    ...(timeout !== undefined ? { clientTimeout: timeout } : {}),
  });
  const err: string[] = [];
  const verbose = (line: string) => void (o.verbose && err.push(line));
  const error = (code: number, text: string): ToolResult => {
    verbose("* Closing connection 0");
    if (!o.silent || o.showError) err.push(`curl: (${code}) ${text}`);
    return { stdout: writeOut(o, r, url.text, undefined), stderr: lines(err), code };
  };
  if (unresolved(r, url.host)) {
    verbose(`* Could not resolve host: ${url.host}`);
    return error(6, `Could not resolve host: ${url.host}`);
  }
  const ip = remoteOf(r)!;
  verbose(`*   Trying ${formatIp4(ip)}:${url.port}...`);
  if (r.client.connectedAt === undefined) {
    const ms = elapsedMs(r);
    if (r.client.error === undefined || r.client.error === "ETIMEDOUT") {
      if (o.maxTime !== undefined) {
        verbose(`* Connection timed out after ${ms + 1} milliseconds`);
        return error(28, `Connection timed out after ${ms + 1} milliseconds`);
      }
      if (o.connectTimeout !== undefined) {
        verbose(`* Failed to connect to ${url.host} port ${url.port} after ${ms + 1} ms: Timeout was reached`);
        return error(28, `Failed to connect to ${url.host} port ${url.port} after ${ms + 1} ms: Timeout was reached`);
      }
    }
    verbose(`* connect to ${formatIp4(ip)} port ${url.port} failed: ${errnoText(r.client.error)}`);
    verbose(`* Failed to connect to ${url.host} port ${url.port} after ${ms} ms: Couldn't connect to server`);
    return error(7, `Failed to connect to ${url.host} port ${url.port} after ${ms} ms: Couldn't connect to server`);
  }
  verbose(`* Connected to ${url.host} (${formatIp4(ip)}) port ${url.port} (#0)`);
  for (const line of requestLines(r)) verbose(`> ${line}`);
  const msg = parseResponse(r.client.received);
  if (!msg) {
    if (r.client.error === "ECONNRESET") return error(56, "Recv failure: Connection reset by peer");
    if (r.client.received.length === 0) return error(52, "Empty reply from server");
    return error(1, "Received HTTP/0.9 when not allowed");
  }
  if (msg.version === "1.0") verbose("* HTTP 1.0, assume close after body");
  for (const line of [msg.statusLine, ...msg.headerLines, ""]) verbose(`< ${line}`);
  if (o.failOnError && msg.status >= 400) return error(22, `The requested URL returned error: ${msg.status}`);
  const closes = msg.version === "1.0" || /close/i.test(msg.headers.find(([k]) => k.toLowerCase() === "connection")?.[1] ?? "");
  const body = o.discard ? "" : decodeBody(msg.body);
  const head = o.include && !o.discard ? [msg.statusLine, ...msg.headerLines, ""].map((l) => `${l}\r\n`).join("") : "";
  const tail: string[] = [];
  if (o.verbose) tail.push(closes ? "* Closing connection 0" : `* Connection #0 to host ${url.host} left intact`);
  const stdout = head + body + writeOut(o, r, url.text, msg);
  // On a terminal the -v lines come before the body and "left intact" after it.
  return { stdout, stderr: lines(err) + lines(tail), code: 0, ordered: [{ stream: "stderr", text: lines(err) }, { stream: "stdout", text: stdout }, { stream: "stderr", text: lines(tail) }] };
};

function lines(list: string[]): string {
  return list.map((l) => `${l}\n`).join("");
}

/** The request as sent, line by line (curl -v shows each after `> `; the last is empty). */
function requestLines(r: FlowResult): string[] {
  const sent = r.client.sent ? new TextDecoder().decode(concat(r.client.sent)) : "";
  const end = sent.indexOf("\r\n\r\n");
  return end < 0 ? [] : [...sent.slice(0, end).split("\r\n"), ""];
}

/** -w: the variables people use in health checks. */
function writeOut(o: Options, r: FlowResult, url: string, msg: HttpMessage | undefined): string {
  if (o.writeOut === undefined) return "";
  const seconds = (us: number | undefined) => (us === undefined ? "0.000000" : (us / 1_000_000).toFixed(6));
  const vars: Record<string, string> = {
    http_code: String(msg?.status ?? 0).padStart(3, "0"),
    response_code: String(msg?.status ?? 0).padStart(3, "0"),
    remote_ip: r.client.remote ? formatIp4(r.client.remote.ip) : "",
    remote_port: r.client.remote ? String(r.client.remote.port) : "",
    local_ip: r.client.local ? formatIp4(r.client.local.ip) : "",
    local_port: r.client.local ? String(r.client.local.port) : "",
    time_connect: seconds(r.client.connectedAt !== undefined ? r.client.connectedAt - r.client.started : undefined),
    time_total: seconds((r.client.finished ?? r.client.started) - r.client.started),
    size_download: String(msg?.body.length ?? 0),
    url_effective: url,
  };
  return o.writeOut.replace(/%\{(\w+)\}/g, (_, name: string) => vars[name] ?? "").replace(/\\n/g, "\n").replace(/\\t/g, "\t");
}
