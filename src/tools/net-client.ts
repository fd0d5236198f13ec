// What the network clients (curl, wget, nc, ping, dig, nslookup) share: URL
// and host:port parsing, running their flow from the tool's namespace on the
// live network, and the kernel's errno texts.

import { type Ip4, parseIp4 } from "../model/addr.js";
import { concat } from "../simulate/apps/http.js";
import type { ClientView, FlowInput, FlowResult } from "../simulate/flow.js";
import type { ToolEnv } from "./tool.js";

export interface Url {
  scheme: "http" | "https";
  host: string;
  port: number;
  path: string;
  /** As typed, for messages. */
  text: string;
}

/** http://host[:port][/path] or host[:port][/path] (curl and wget assume http). */
export function parseUrl(text: string): Url | undefined {
  const m = /^(?:(https?):\/\/)?([^/:?#\s]+|\[[^\]]+\])(?::(\d+))?([/?][^\s#]*)?(?:#.*)?$/i.exec(text);
  if (!m) return undefined;
  const scheme = (m[1]?.toLowerCase() ?? "http") as "http" | "https";
  const port = m[3] ? Number(m[3]) : scheme === "https" ? 443 : 80;
  if (port < 1 || port > 65535) return undefined;
  const path = m[4] ? (m[4].startsWith("?") ? `/${m[4]}` : m[4]) : "/";
  return { scheme, host: m[2]!, port, path, text };
}

/** Thrown when a flow would need what the simulator does not model; the tool prints it as its error. */
export class NotSimulated extends Error {}

/** Runs the flow from the tool's namespace, now, on the session's network. */
export function runFrom(env: ToolEnv, input: Omit<FlowInput, "from">): FlowResult {
  return env.live.flow({ ...input, from: env.ns.id });
}

/** The address the client ended up talking to (after its own DNS lookup). */
export function remoteOf(r: FlowResult): Ip4 | undefined {
  return r.client.remote?.ip ?? r.resolved?.addresses[0];
}

/** The lookup failed (no address for the name, or no nameserver at all). */
export function unresolved(r: FlowResult, to: string): boolean {
  if (parseIp4(to) !== undefined) return false;
  return !r.resolved || r.resolved.addresses.length === 0;
}

/** strerror(3) for the errors a connect() can end with. */
export function errnoText(error: ClientView["error"]): string {
  switch (error) {
    case "ECONNREFUSED":
      return "Connection refused";
    case "EHOSTUNREACH":
      return "No route to host";
    case "ENETUNREACH":
      return "Network is unreachable";
    case "ECONNRESET":
      return "Connection reset by peer";
    default:
      return "Connection timed out";
  }
}

/** Milliseconds from the program's start (or its connect) to its verdict, in simulated time. */
export function elapsedMs(r: FlowResult, from: "start" | "connect" = "start"): number {
  const start = from === "start" ? r.client.started : (r.client.connectedAt ?? r.client.started);
  return Math.floor(((r.client.finished ?? start) - start) / 1000);
}

export interface HttpMessage {
  statusLine: string;
  status: number;
  version: string;
  reason: string;
  headers: [string, string][];
  /** Header lines as received, without CR LF. */
  headerLines: string[];
  body: Uint8Array;
}

/** Splits what the server sent into the status line, headers and body (undefined: not HTTP, or no header end yet). */
export function parseResponse(received: Uint8Array[]): HttpMessage | undefined {
  const bytes = concat(received);
  const text = new TextDecoder("latin1").decode(bytes);
  if (!text.startsWith("HTTP/")) return undefined;
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const lines = text.slice(0, end).split("\r\n");
  const statusLine = lines[0]!;
  const m = /^HTTP\/(\d\.\d) (\d{3}) ?(.*)$/.exec(statusLine);
  if (!m) return undefined;
  const headerLines = lines.slice(1);
  const headers = headerLines.map((l): [string, string] => {
    const i = l.indexOf(":");
    return [l.slice(0, i).trim(), l.slice(i + 1).trim()];
  });
  return { statusLine, status: Number(m[2]), version: m[1]!, reason: m[3]!, headers, headerLines, body: bytes.slice(end + 4) };
}

export function header(msg: HttpMessage, name: string): string | undefined {
  return msg.headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
}

export function decodeBody(body: Uint8Array): string {
  return new TextDecoder().decode(body);
}

/** A number of seconds (curl -m 2, -m 0.5) as microseconds; undefined if not a number. */
export function seconds(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) return undefined;
  return Math.round(Number(text) * 1_000_000);
}
