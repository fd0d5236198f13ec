// HTTP as tcpdump prints it (print-http.c over util-print.c's txtproto_print).
// HTTP has no structure here beyond payload bytes: the simulator puts request
// and response text into TCP payloads, and this printer reads them back.
//
// Without -v: `HTTP: <first line>` when the payload starts with a request
// method or a 3-digit status code as second token, else just `HTTP`.
// With -v: `HTTP, length: N` and every text line on its own `\n\t` line.

import type { Dissector } from "./dissect.js";
import { isAsciiPrint } from "./dissect.js";

// httpcmds[] in print-http.c (WebDAV methods included), in its order.
const HTTP_METHODS = [
  "GET", "PUT", "COPY", "HEAD", "LOCK", "MOVE", "POLL", "POST", "BCOPY", "BMOVE", "MKCOL", "TRACE", "LABEL",
  "MERGE", "DELETE", "SEARCH", "UNLOCK", "REPORT", "UPDATE", "NOTIFY", "BDELETE", "CONNECT", "OPTIONS",
  "CHECKIN", "PROPFIND", "CHECKOUT", "CCM_POST", "SUBSCRIBE", "PROPPATCH", "BPROPFIND", "BPROPPATCH",
  "UNCHECKOUT", "MKACTIVITY", "MKWORKSPACE", "UNSUBSCRIBE", "RPC_CONNECT", "VERSION-CONTROL", "BASELINE-CONTROL",
];
const TOKEN_BUFFER = 129; // MAX_TOKEN + 1

export function printHttp(nd: Dissector, off: number, len: number): void {
  nd.protocol = "http";
  printTextProtocol(nd, off, len, HTTP_METHODS);
}

/**
 * txtproto_print with RESP_CODE_SECOND_TOKEN: decide whether the payload
 * starts a request or response, then print its first line (or, with -v, all
 * of its text lines).
 */
export function printTextProtocol(nd: Dissector, off: number, len: number, commands?: readonly string[]): void {
  let printThis = commands === undefined;
  if (commands) {
    let [idx, token] = fetchToken(nd, off, 0, len);
    if (idx !== 0) {
      if (commands.some((c) => c.toLowerCase() === token.toLowerCase())) printThis = true;
      [idx, token] = fetchToken(nd, off, idx, len);
      if (idx !== 0 && /^[0-9]{3}$/.test(token)) printThis = true;
    }
  }
  nd.print(nd.protocol.toUpperCase());
  if (!printThis) return;
  if (nd.opts.verbose > 0) {
    nd.print(`, length: ${len}`);
    for (let idx = 0; idx < len; ) {
      const eol = printTextLine(nd, "\n\t", off, idx, len);
      if (eol === 0) break;
      idx = eol;
    }
  } else {
    printTextLine(nd, ": ", off, 0, len);
  }
}

/** fetch_token: a printable token and the index of what follows its blanks (0 = none). */
function fetchToken(nd: Dissector, off: number, idx: number, len: number): [number, string] {
  let token = "";
  for (; idx < len; idx++) {
    if (!nd.has(off + idx, 1)) return [0, ""];
    const c = nd.bytes[off + idx]!;
    if (c & 0x80) return [0, ""];
    if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) break;
    if (!isAsciiPrint(c) || token.length + 2 > TOKEN_BUFFER) return [0, ""];
    token += String.fromCharCode(c);
  }
  if (token === "") return [0, ""];
  for (; idx < len && nd.has(off + idx, 1); idx++) {
    const c = nd.bytes[off + idx]!;
    if (c === 0x0d || c === 0x0a || !isAsciiPrint(c) || (c !== 0x20 && c !== 0x09)) break;
  }
  return [idx, token];
}

/**
 * print_txt_line: one LF- or CRLF-terminated line of printable text (tabs
 * allowed). Returns the index after the line ending, or 0 when the line is
 * binary or unterminated (an unterminated text line still prints, with the
 * ` [|http]` truncation marker).
 */
function printTextLine(nd: Dissector, prefix: string, off: number, idx: number, len: number): number {
  const start = idx;
  const line = () => new TextDecoder("latin1").decode(nd.bytes.subarray(off + start, off + idx));
  while (idx < len) {
    const c = nd.u8(off + idx);
    if (c === 0x0a) {
      nd.print(prefix + line());
      return idx + 1;
    }
    if (c === 0x0d) {
      if (idx + 1 >= len || nd.u8(off + idx + 1) !== 0x0a) return 0;
      nd.print(prefix + line());
      return idx + 2;
    }
    if (!isAsciiPrint(c) && c !== 0x09) return 0;
    idx++;
  }
  nd.print(prefix + line());
  nd.trunc();
  return 0;
}
