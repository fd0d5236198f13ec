// Option values as libxtables 1.8.9 reads them: integers (strtoul base 0),
// ports and port ranges, value/mask pairs, addresses and interface names.
// Each returns the value or a Problem carrying iptables' own message text.

import { parseIp4, type Cidr } from "../model/addr.js";
import { probabilityFromText, type PortMatch } from "./rule.js";

/** A parse failure: stable code, message (iptables' wording where it has one), optional hint. */
export interface Problem {
  code: string;
  message: string;
  hint?: string;
}

export function problem(code: string, message: string, hint?: string): Problem {
  return hint === undefined ? { code, message } : { code, message, hint };
}

export function isProblem<T>(v: T | Problem): v is Problem {
  return typeof v === "object" && v !== null && "code" in v && "message" in v;
}

/** xtables_strtoui with base 0: decimal, 0x hex or leading-0 octal, within [min, max]. */
export function parseUint(text: string, min: number, max: number): number | undefined {
  let value: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) value = parseInt(text.slice(2), 16);
  else if (/^0[0-7]*$/.test(text)) value = text.length > 1 ? parseInt(text.slice(1), 8) : 0;
  else if (/^[1-9][0-9]*$/.test(text)) value = Number(text);
  else return undefined;
  return value >= min && value <= max ? value : undefined;
}

/** xtables_parse_port: a number 0-65535 (service names are not resolved here). */
export function parsePort(text: string): number | Problem {
  const port = parseUint(text, 0, 65535);
  if (port !== undefined) return port;
  const hint = /^[a-z]/i.test(text) ? "service names are not resolved offline; write the port number" : undefined;
  return problem("bad-value", `invalid port/service \`${text}' specified`, hint);
}

/** libxt_tcp parse_tcp_ports: `p`, `a:b`, `:b` (from 0), `a:` (to 65535). */
export function parsePortRange(text: string, neg: boolean): PortMatch | Problem {
  const colon = text.indexOf(":");
  if (colon < 0) {
    const p = parsePort(text);
    return typeof p === "number" ? { from: p, to: p, neg } : p;
  }
  const a = colon === 0 ? 0 : parsePort(text.slice(0, colon));
  const b = colon === text.length - 1 ? 65535 : parsePort(text.slice(colon + 1));
  if (typeof a !== "number") return a;
  if (typeof b !== "number") return b;
  if (a > b) return problem("bad-value", "invalid portrange (min > max)");
  return { from: a, to: b, neg };
}

/** xtables_parse_mark_mask: `value[/mask]`, mask 0xffffffff when absent. */
export function parseMarkMask(text: string, ext: string, opt: string): { value: number; mask: number } | Problem {
  const slash = text.indexOf("/");
  const value = parseUint(slash < 0 ? text : text.slice(0, slash), 0, 0xffffffff);
  const mask = slash < 0 ? 0xffffffff : parseUint(text.slice(slash + 1), 0, 0xffffffff);
  if (value === undefined || mask === undefined) {
    return problem("bad-value", `${ext}: bad integer value for option "--${opt}", or out of range.`);
  }
  return { value, mask };
}

/** One `-s`/`-d` address: `a.b.c.d`, `a.b.c.d/len` or `a.b.c.d/dotted-mask`; host bits cleared. */
export function parseAddress(text: string): Cidr | Problem {
  const slash = text.indexOf("/");
  const host = slash < 0 ? text : text.slice(0, slash);
  const addr = parseIp4(host);
  if (addr === undefined) {
    const hint = /[a-z]/i.test(host) ? "host names are not resolved offline; write the address" : undefined;
    return problem("bad-value", `host/network \`${host}' not found`, hint);
  }
  let len = 32;
  if (slash >= 0) {
    const maskText = text.slice(slash + 1);
    const parsed = /^[0-9]{1,2}$/.test(maskText) ? Number(maskText) : dottedMaskLen(maskText);
    if (parsed === undefined || parsed > 32) {
      return problem("bad-value", `invalid mask \`${maskText}' specified`);
    }
    if (parsed < 0) {
      return problem("unsupported-value", `non-contiguous mask \`${maskText}' is not modelled`);
    }
    len = parsed;
  }
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return { addr: (addr & mask) >>> 0, len };
}

/** Prefix length of a dotted mask, -1 when not contiguous, undefined when not an address. */
function dottedMaskLen(text: string): number | undefined {
  const mask = parseIp4(text);
  if (mask === undefined) return undefined;
  let len = 0;
  while (len < 32 && ((mask >>> (31 - len)) & 1) === 1) len++;
  const rebuilt = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return rebuilt === mask ? len : -1;
}

/** xtables_parse_interface: at most 15 characters; a trailing `+` is a prefix wildcard. */
export function parseIface(text: string): string | Problem {
  if (text.length + 1 > 16) {
    return problem("bad-value", `interface name \`${text}' must be shorter than IFNAMSIZ (15)`);
  }
  return text;
}

/** `--probability`: a double within [0, 1] (XTTYPE_DOUBLE, strtod). */
export function parseProbability(text: string): number | Problem {
  const ok = /^[+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/.test(text);
  const p = Number(text);
  if (!ok || !(p >= 0 && p <= 1)) {
    return problem("bad-value", 'statistic: bad value for option "--probability", or out of range (0-1).');
  }
  return probabilityFromText(text);
}

/** Comma list of names matched case-insensitively by prefix (strncasecmp), in bit order. */
export function nameList(text: string, names: readonly string[], bad: (item: string) => Problem): string[] | Problem {
  const found = new Set<string>();
  for (const item of text.split(",")) {
    const name = item === "" ? undefined : names.find((n) => n.toLowerCase().startsWith(item.toLowerCase()));
    if (!name) return bad(item);
    found.add(name);
  }
  return names.filter((n) => found.has(n));
}

