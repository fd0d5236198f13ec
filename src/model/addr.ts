// IPv4 addresses, prefixes and MAC addresses.
//
// An IPv4 address is an unsigned 32-bit number everywhere inside the tool: the
// simulator compares and masks millions of them, and numbers are what the kernel
// compares too. Text forms appear only at the edges (loading and printing).

export type Ip4 = number;

/** A prefix such as 10.244.1.0/24. `addr` may carry host bits (an interface address). */
export interface Cidr {
  readonly addr: Ip4;
  readonly len: number;
}

export function maskOf(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** Parses dotted quad; returns undefined for anything else (no leading zeros games, no octals). */
export function parseIp4(text: string): Ip4 | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value >>> 0;
}

export function formatIp4(ip: Ip4): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/** Parses `a.b.c.d/len`; a bare address is not a CIDR here (callers decide). */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const addr = parseIp4(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (addr === undefined || !/^(0|[1-9][0-9]?)$/.test(lenText)) return undefined;
  const len = Number(lenText);
  if (len > 32) return undefined;
  return { addr, len };
}

export function cidr(addr: Ip4, len: number): Cidr {
  return { addr, len };
}

export function networkOf(c: Cidr): Ip4 {
  return (c.addr & maskOf(c.len)) >>> 0;
}

export function broadcastOf(c: Cidr): Ip4 {
  return (networkOf(c) | ~maskOf(c.len)) >>> 0;
}

export function canonicalCidr(c: Cidr): Cidr {
  return { addr: networkOf(c), len: c.len };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp4(c.addr)}/${c.len}`;
}

export function contains(c: Cidr, ip: Ip4): boolean {
  return ((ip & maskOf(c.len)) >>> 0) === networkOf(c);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const len = Math.min(a.len, b.len);
  return ((a.addr ^ b.addr) & maskOf(len)) >>> 0 === 0;
}

export function sizeOf(c: Cidr): number {
  return 2 ** (32 - c.len);
}

/** Dotted netmask as net-tools prints it (255.255.255.0). */
export function formatMask(len: number): string {
  return formatIp4(maskOf(len));
}

export function isHostBitsZero(c: Cidr): boolean {
  return networkOf(c) === c.addr;
}

// ---- MAC addresses -------------------------------------------------------------

export type Mac = string; // lower-case, colon separated, 6 octets

export function parseMac(text: string): Mac | undefined {
  const lower = text.toLowerCase();
  return /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(lower) ? lower : undefined;
}

export function macBytes(mac: Mac): Uint8Array {
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) out[i] = (hexDigit(mac.charCodeAt(3 * i)) << 4) | hexDigit(mac.charCodeAt(3 * i + 1));
  return out;
}

/** A lower- or upper-case hex digit's value (a Mac is canonical, so nothing else reaches here). */
function hexDigit(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
}

export function macFromBytes(bytes: ArrayLike<number>): Mac {
  let out = "";
  for (let i = 0; i < 6; i++) out += (i ? ":" : "") + (bytes[i]! & 255).toString(16).padStart(2, "0");
  return out;
}

export const BROADCAST_MAC: Mac = "ff:ff:ff:ff:ff:ff";
export const ZERO_MAC: Mac = "00:00:00:00:00:00";
