// The captures of a trace as tcpdump would print them: one block per
// interface, in the order the flow first touched each, each block exactly the
// lines `tcpdump -i IFACE [flags] [filter]` prints on that interface.

import type { Ip4 } from "../model/addr.js";
import type { Netns } from "../model/kernel.js";
import type { CapturedPacket, CapturePoint } from "../model/trace.js";
import { SIM_EPOCH_SECONDS } from "../model/clock.js";
import type { PacketFilter } from "../packet/filter.js";
import { TcpdumpPrinter, type TcpdumpOptions } from "./tcpdump.js";

export interface CaptureView {
  point: CapturePoint;
  packets: CapturedPacket[];
}

export function pointKey(p: CapturePoint): string {
  return `${p.netns}\u0000${p.dev}`;
}

/** Packets grouped per interface, interfaces in order of first use, packets in time order. */
export function groupCaptures(packets: readonly CapturedPacket[]): CaptureView[] {
  const views = new Map<string, CaptureView>();
  for (const p of [...packets].sort((a, b) => a.time - b.time)) {
    const key = pointKey(p.point);
    let view = views.get(key);
    if (!view) views.set(key, (view = { point: p.point, packets: [] }));
    view.packets.push(p);
  }
  return [...views.values()];
}

export function absoluteMicros(time: number): bigint {
  return BigInt(SIM_EPOCH_SECONDS) * 1_000_000n + BigInt(time);
}

/** Parsed /etc/hosts by namespace: a node's lists every node (5,000 lines at L), and each trace prints several of its interfaces. */
const parsedHosts = new WeakMap<Netns, { text: string; resolve: (ip: Ip4) => string | undefined }>();

/** /etc/hosts of the capturing host: the names tcpdump prints without -n (unknown addresses stay numeric). */
export function hostsResolver(ns: Netns | undefined): (ip: Ip4) => string | undefined {
  const text = ns?.files.get("/etc/hosts")?.() ?? "";
  if (!ns) return parseHosts(text);
  let parsed = parsedHosts.get(ns);
  if (parsed?.text !== text) parsedHosts.set(ns, (parsed = { text, resolve: sharedParse(text) }));
  return parsed.resolve;
}

/** Every node's /etc/hosts is the same text: parse a long one once for all of them (a few kept). */
const parsedLongHosts = new Map<string, (ip: Ip4) => string | undefined>();

function sharedParse(text: string): (ip: Ip4) => string | undefined {
  if (text.length < 4096) return parseHosts(text);
  let resolve = parsedLongHosts.get(text);
  if (!resolve) {
    if (parsedLongHosts.size >= 4) parsedLongHosts.clear();
    parsedLongHosts.set(text, (resolve = parseHosts(text)));
  }
  return resolve;
}

function parseHosts(text: string): (ip: Ip4) => string | undefined {
  const names = new Map<Ip4, string>();
  for (const line of text.split("\n")) {
    const [addr, name] = line.replace(/#.*/, "").trim().split(/\s+/);
    if (!addr || !name) continue;
    const parts = addr.split(".");
    if (parts.length !== 4) continue;
    const ip = parts.reduce((a, p) => a * 256 + Number(p), 0) >>> 0;
    if (!names.has(ip)) names.set(ip, name);
  }
  return (ip) => names.get(ip);
}

export interface BlockOptions {
  tcpdump: TcpdumpOptions;
  filter?: PacketFilter;
  netns(id: string): Netns | undefined;
}

/** The text tcpdump prints for one interface's packets (filtered), one packet per line (or two: VXLAN, -v). */
export function printCapture(view: CaptureView, options: BlockOptions): { lines: string; count: number } {
  const printer = new TcpdumpPrinter({ ...options.tcpdump, ...(options.tcpdump.numeric ? {} : { resolveHost: hostsResolver(options.netns(view.point.netns)) }) });
  let out = "";
  let count = 0;
  for (const p of view.packets) {
    if (options.filter && !options.filter.matches(p.frame, view.point.linkType)) continue;
    out += printer.print(absoluteMicros(p.time), p.frame, view.point.linkType) + "\n";
    count++;
  }
  return { lines: out, count };
}
