// `k8s-nettrace trace SRC DST[:PORT] [FILTER...]`: simulate one flow and show
// the story and what tcpdump would print on every interface it touched.

import { join } from "node:path";
import { CompiledCluster } from "../../compile/compiled-cluster.js";
import { ClusterWorld } from "../../compile/world.js";
import { formatIp4 } from "../../model/addr.js";
import type { Cluster } from "../../model/cluster.js";
import type { Trace } from "../../model/trace.js";
import { compileFilter, FilterError, type PacketFilter } from "../../packet/filter.js";
import { podByKey } from "../../load/cluster-index.js";
import { absoluteMicros, type CaptureView, groupCaptures, printCapture } from "../../render/capture-blocks.js";
import { writePcap } from "../../render/pcap.js";
import { captureSummary, listeningBanner, type TcpdumpOptions } from "../../render/tcpdump.js";
import { traceJson } from "../../render/trace-json.js";
import { renderNarrative } from "../../render/trace-narrative.js";
import { type FlowResult, runFlow } from "../../simulate/flow.js";
import { allPaths } from "../../simulate/paths.js";
import { loadClusterOrExit } from "../cluster-input.js";
import { type Context, paintFor } from "../context.js";
import { ExitError, usage } from "../errors.js";
import type { FlowTarget } from "../flow-target.js";
import { planFlow, toTrace } from "../flow-plan.js";
import { resolveTarget } from "../targets.js";

export interface TraceOptions {
  file?: string;
  protocol?: string;
  on?: string;
  interface?: string;
  numeric?: boolean;
  ether?: boolean;
  verbose: number;
  timestamps: number;
  pcap?: string;
  output: string;
  seed: string;
  allPaths?: boolean;
  request?: string;
  client?: string;
}

const TIMESTAMP_MODES = ["time", "none", "epoch", "delta", "date", "since-first"] as const;

export function traceCommand(ctx: Context, src: string, dst: string, filterWords: string[], opts: TraceOptions): void {
  const protocol = opts.protocol === undefined ? undefined : (["tcp", "udp", "icmp"] as const).find((p) => p === opts.protocol);
  if (opts.protocol !== undefined && !protocol) throw usage(`-p ${opts.protocol}: the protocol must be tcp, udp or icmp`);
  if (!["text", "json"].includes(opts.output)) throw usage(`-o ${opts.output}: the output must be text or json`);
  if (!/^\d+$/.test(opts.seed)) throw usage(`--seed ${opts.seed}: the seed must be a whole number`);
  if (opts.client !== undefined && opts.client !== "curl" && opts.client !== "wget") throw usage(`--client ${opts.client}: curl or wget`);
  const cluster = loadClusterOrExit(ctx, opts.file);
  const { target, input } = planFlow(cluster, src, dst, {
    ...(protocol ? { protocol } : {}),
    ...(opts.client ? { client: opts.client as "curl" | "wget" } : {}),
    ...(opts.request !== undefined ? { request: opts.request } : {}),
  });
  const world = new ClusterWorld(new CompiledCluster(cluster));
  const filter = compileUserFilter(cluster, filterWords);
  const tcpdump: TcpdumpOptions = { numeric: !!opts.numeric, linkHeader: !!opts.ether, verbose: Math.min(opts.verbose, 2) as 0 | 1 | 2, timestamps: TIMESTAMP_MODES[Math.min(opts.timestamps, 5)]! };
  const seed = Number(opts.seed);
  if (opts.allPaths) {
    printAllPaths(ctx, cluster, target, allPaths(world, input, seed), opts.output);
    return;
  }
  const result = runFlow(world, input, { seed });
  const trace = toTrace(cluster, target, result);
  const all = selectViews(cluster, groupCaptures(trace.packets), opts.on, opts.interface);
  // Without --on, interfaces that only saw flooded copies (every pod on a bridge sees each ARP
  // request) are not on the flow's path: counted, not printed. --pcap and JSON keep them.
  const views: CaptureView[] = [];
  const flooded: CaptureView[] = [];
  for (const v of all) (!opts.on && !opts.interface && v.packets.every((p) => p.flooded) ? flooded : views).push(v);
  if (opts.pcap) writePcaps(ctx, opts.pcap, all, filter);
  if (opts.output === "json") ctx.stdout.write(JSON.stringify(traceJson(trace, all, result.keyPackets), null, 2) + "\n");
  else if (opts.on && opts.interface) printSingleInterface(ctx, views, tcpdump, filter, world);
  else {
    printText(ctx, cluster, target, result, trace, views, tcpdump, filter, world);
    if (flooded.length) ctx.stdout.write(floodedSummary(cluster, flooded));
  }
  if (trace.verdict !== "delivered") throw new ExitError(1);
}

function compileUserFilter(cluster: Cluster, words: string[]): PacketFilter | undefined {
  if (words.length === 0) return undefined;
  const byName = new Map<string, number>([...cluster.nodes.map((n) => [n.name, n.ip] as const), ...cluster.externals.map((e) => [e.name, e.ip] as const)]);
  try {
    return compileFilter(words, { resolveHost: (name) => byName.get(name) });
  } catch (error) {
    if (error instanceof FilterError) throw usage(error.message.replace(/^(tcpdump|k8s-nettrace): /, ""), `the filter is a pcap-filter expression, as tcpdump takes it: e.g. 'host 10.244.1.5 and tcp port 80'`);
    throw error;
  }
}

/** --on TARGET [-i IFACE]: only the interfaces of that place (as `exec` names places). */
function selectViews(cluster: Cluster, views: CaptureView[], on: string | undefined, iface: string | undefined): CaptureView[] {
  if (!on && !iface) return views;
  let chosen = views;
  if (on) {
    const where = resolveTarget(cluster, on);
    const pod = where.kind === "pod" ? cluster.pods.find((p) => `${p.namespace}/${p.name}` === where.id) : undefined;
    const id = pod?.hostNetwork ? pod.node : where.id;
    chosen = chosen.filter((v) => v.point.netns === id);
  }
  if (iface) {
    const matching = chosen.filter((v) => v.point.dev === iface);
    const places = [...new Set(matching.map((v) => v.point.netns))];
    if (!on && places.length > 1) throw usage(`-i ${iface} names an interface on several hosts (${places.join(", ")})`, "add --on NODE_OR_POD to say which");
    chosen = matching;
  }
  return chosen;
}

function printSingleInterface(ctx: Context, views: CaptureView[], tcpdump: TcpdumpOptions, filter: PacketFilter | undefined, world: ClusterWorld): void {
  const view = views[0];
  const dev = views[0]?.point.dev;
  // tcpdump prints its banner and summary on stderr; stdout carries only packet lines.
  if (dev) for (const line of listeningBanner(dev, view!.point.linkType, { verbose: (tcpdump.verbose ?? 0) > 0 })) ctx.stderr.write(line + "\n");
  const { lines, count } = view ? printCapture(view, { tcpdump, ...(filter ? { filter } : {}), netns: (id) => world.netns(id) }) : { lines: "", count: 0 };
  ctx.stdout.write(lines);
  for (const line of captureSummary({ captured: count, received: view?.packets.length ?? 0, droppedByKernel: 0 })) ctx.stderr.write(line + "\n");
}

function printText(ctx: Context, cluster: Cluster, target: FlowTarget, r: FlowResult, trace: Trace, views: CaptureView[], tcpdump: TcpdumpOptions, filter: PacketFilter | undefined, world: ClusterWorld): void {
  const paint = paintFor(ctx, ctx.stdout);
  const dns = r.resolved ? `${target.to} → ${r.resolved.name} ${r.resolved.addresses.length ? `A ${r.resolved.addresses.map(formatIp4).join(", ")}` : "(no address)"}` : undefined;
  const locate = (at: readonly (string | number)[]) => {
    const loc = cluster.source.locate(at, "key");
    return loc ? `${loc.file}:${loc.line}:${loc.col}` : undefined;
  };
  ctx.stdout.write(renderNarrative(trace, { fromLabel: target.fromLabel, toLabel: target.toLabel, ...(target.note ? { note: target.note } : {}), ...(dns ? { dns } : {}), keyPackets: r.keyPackets }, { paint, locate }));
  for (const view of views) {
    const { lines, count } = printCapture(view, { tcpdump, ...(filter ? { filter } : {}), netns: (id) => world.netns(id) });
    if (count === 0) continue;
    ctx.stdout.write(`\n${paint.bold(`--- ${view.point.netns} ${view.point.dev} ---`)}\n${lines}`);
  }
}

/** One line for the interfaces left out: how many, on which hosts (a pod counts with its node), and how to see one. */
function floodedSummary(cluster: Cluster, views: CaptureView[]): string {
  const hostOf = (netns: string): string => {
    if (!netns.includes("/")) return netns;
    const pod = podByKey(cluster, netns);
    return pod ? pod.node : netns;
  };
  const perHost = new Map<string, number>();
  for (const v of views) {
    const host = hostOf(v.point.netns);
    perHost.set(host, (perHost.get(host) ?? 0) + 1);
  }
  const isNode = (host: string) => cluster.nodes.some((x) => x.name === host);
  const hosts = [...perHost].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const singles = hosts.filter(([, n]) => n === 1).map(([host]) => host);
  const listed = singles.length > 3 ? hosts.filter(([, n]) => n > 1) : hosts;
  const parts = listed.map(([host, n]) => `${n} on ${host}${n > 1 && isNode(host) ? " and its pods" : ""}`);
  if (singles.length > 3) parts.push(`1 on each of ${singles.length} other hosts`);
  return `\n${views.length} more interface${views.length === 1 ? "" : "s"} saw only flooded copies of broadcasts (the ARP requests every bridge port and underlay host sees), not printed: ${parts.join(", ")}; --on HOST -i IFACE prints one, --pcap and -o json keep them all.\n`;
}

function writePcaps(ctx: Context, dir: string, views: CaptureView[], filter: PacketFilter | undefined): void {
  ctx.mkdir(dir);
  for (const view of views) {
    const packets = view.packets.filter((p) => !filter || filter.matches(p.frame, view.point.linkType));
    const name = `${view.point.netns.replace(/\//g, "_")}-${view.point.dev}.pcap`;
    ctx.writeFile(join(dir, name), writePcap(view.point.linkType, packets.map((p) => ({ tsMicros: absoluteMicros(p.time), data: p.frame }))));
  }
}


function printAllPaths(ctx: Context, cluster: Cluster, target: FlowTarget, all: ReturnType<typeof allPaths>, output: string): void {
  const rows = all.paths.map(({ probability, result }) => ({ probability, trace: toTrace(cluster, target, result) }));
  if (output === "json") {
    ctx.stdout.write(JSON.stringify({ flow: rows[0]?.trace.flow, truncated: all.truncated, paths: rows.map((r) => ({ probability: r.probability, verdict: r.trace.verdict, reason: r.trace.reason, backend: r.trace.backend ?? null })) }, null, 2) + "\n");
  } else {
    ctx.stdout.write(`trace ${target.fromLabel} → ${target.toLabel}: ${rows.length} path${rows.length === 1 ? "" : "s"}${all.truncated ? " (more not shown)" : ""}\n`);
    for (const r of rows) {
      const backend = r.trace.backend ? `${r.trace.backend.pod ?? ""} ${r.trace.backend.ip}:${r.trace.backend.port}`.trim() : "-";
      ctx.stdout.write(`  ${(r.probability * 100).toFixed(1).padStart(5)}%  ${r.trace.verdict.padEnd(9)}  ${backend}  ${r.trace.reason}\n`);
    }
  }
  if (rows.some((r) => r.trace.verdict !== "delivered")) throw new ExitError(1);
}
