// HTTP as the simulated programs speak it: curl's and busybox wget's
// requests, nginx's responses (headers in one segment, the default page in the
// next, as sendfile does), and a minimal server for anything else.

import type { TcpConn } from "../tcp.js";
import { simDate } from "../../model/clock.js";

const encoder = new TextEncoder();

/** curl 7.88 (Debian 12), busybox wget, GNU wget 1.21. */
export type HttpClientKind = "curl" | "wget" | "wget-gnu";

/**
 * The request each client sends: curl keeps the connection alive and closes
 * it when done; busybox wget asks the server to close (the response ends
 * with the server's FIN); GNU wget asks for keep-alive and identity encoding.
 */
export function httpRequest(kind: HttpClientKind, host: string, path = "/", extra: readonly string[] = [], method = "GET", userAgent = "curl/7.88.1"): Uint8Array {
  const headers = (lines: string[]) => encoder.encode(`${method} ${path} HTTP/1.1\r\n${[...lines, ...extra].map((l) => `${l}\r\n`).join("")}\r\n`);
  if (kind === "wget") return headers([`Host: ${host}`, "User-Agent: Wget", "Connection: close"]);
  if (kind === "wget-gnu") return headers([`Host: ${host}`, "User-Agent: Wget/1.21.3", "Accept: */*", "Accept-Encoding: identity", "Connection: Keep-Alive"]);
  // curl puts -H headers after its own, replacing one of the same name.
  const own = [`Host: ${host}`, `User-Agent: ${userAgent}`, "Accept: */*"].filter((h) => !extra.some((e) => e.split(":")[0]!.toLowerCase() === h.split(":")[0]!.toLowerCase()));
  return headers(own);
}

/** The curl a container runs: curlimages/curl:X is curl X; anywhere else Debian 12's 7.88.1. */
export function curlUserAgent(image: string | null | undefined): string {
  const m = /(?:^|\/)curl:(\d+\.\d+\.\d+)/.exec(image ?? "");
  return `curl/${m ? m[1] : "7.88.1"}`;
}

const PAGE_OLD = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
    body {
        width: 35em;
        margin: 0 auto;
        font-family: Tahoma, Verdana, Arial, sans-serif;
    }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`;

/** nginx 1.21+ ships a shorter style block and color-scheme (615 bytes instead of 612). */
const PAGE_NEW = PAGE_OLD.replace(
  "<style>\n    body {\n        width: 35em;\n        margin: 0 auto;\n        font-family: Tahoma, Verdana, Arial, sans-serif;\n    }\n</style>",
  "<style>\nhtml { color-scheme: light dark; }\nbody { width: 35em; margin: 0 auto;\nfont-family: Tahoma, Verdana, Arial, sans-serif; }\n</style>",
);

/** The release dates decide Last-Modified / ETag of the packaged index.html. */
const RELEASES: Record<string, number> = { "1.17.3": Date.UTC(2019, 7, 13, 8, 50, 0), "1.25.3": Date.UTC(2023, 9, 24, 13, 46, 47) };

function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

export interface HttpResponse {
  head: Uint8Array;
  body: Uint8Array;
  close: boolean;
}

export function nginxResponse(software: string, request: string, now: number): HttpResponse {
  const version = software.split("/")[1] ?? "1.25.3";
  const minor = Number(version.split(".")[1]);
  const page = encoder.encode(minor >= 21 ? PAGE_NEW : PAGE_OLD);
  const modified = RELEASES[version] ?? RELEASES["1.25.3"]!;
  const close = /^Connection:\s*close\r?$/im.test(request) || /^GET \S+ HTTP\/1\.0/.test(request);
  const etag = `"${Math.floor(modified / 1000).toString(16)}-${page.length.toString(16)}"`;
  const head = [
    "HTTP/1.1 200 OK",
    `Server: nginx/${version}`,
    `Date: ${httpDate(simDate(now).getTime())}`,
    "Content-Type: text/html",
    `Content-Length: ${page.length}`,
    `Last-Modified: ${httpDate(modified)}`,
    `Connection: ${close ? "close" : "keep-alive"}`,
    `ETag: ${etag}`,
    "Accept-Ranges: bytes",
    "",
    "",
  ].join("\r\n");
  return { head: encoder.encode(head), body: page, close };
}

/** Any other HTTP listener: a short text reply in one segment. */
export function plainResponse(request: string, body: string): HttpResponse {
  const close = /^Connection:\s*close\r?$/im.test(request);
  const payload = encoder.encode(body);
  const head = `HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${payload.length}\r\n${close ? "Connection: close\r\n" : ""}\r\n`;
  return { head: encoder.encode(head), body: payload, close };
}

/** Response framing: the head's Content-Length says when the client has it all. */
export function responseComplete(received: Uint8Array[]): { done: boolean; status?: string; body?: string } {
  const text = new TextDecoder().decode(concat(received));
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return { done: false };
  const head = text.slice(0, end);
  const length = Number(/^Content-Length:\s*(\d+)/im.exec(head)?.[1] ?? "0");
  const body = text.slice(end + 4);
  return { done: body.length >= length, status: head.split("\r\n")[0], body };
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Serves one request per connection like nginx: head, then body (with FIN if the client asked to close). */
export function serveHttp(conn: TcpConn, respond: (request: string) => HttpResponse): void {
  const request = new TextDecoder().decode(concat(conn.received));
  if (!request.includes("\r\n\r\n")) return;
  const response = respond(request);
  conn.write(response.head);
  conn.write(response.body, response.close);
}
