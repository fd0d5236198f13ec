// The short story of a trace: what was asked, what DNS said, the verdict, and
// hop by hop what the kernel did to the flow's first packet and to the first
// answer: routes, the rules that acted (table, chain, number, text, and the
// object that made the rule exist), NAT, encapsulation, delivery or drop.

import { decodeFrame } from "../packet/ethernet.js";
import { decodeIp, type Ipv4Packet } from "../packet/ipv4.js";
import { formatIp4 } from "../model/addr.js";
import type { Origin } from "../netfilter/rule.js";
import type { Step, Trace } from "../model/trace.js";
import type { Paint } from "./diagnostics.js";

export interface NarrativeOptions {
  paint: Paint;
  /** file:line:col of a path into the description, when it can be found. */
  locate(at: readonly (string | number)[]): string | undefined;
}

export function describePacket(trace: Trace, packet: number): string {
  const first = trace.packets.find((p) => p.packet === packet);
  if (!first) return `packet ${packet}`;
  const ip: Ipv4Packet | undefined = first.point.linkType === "RAW" ? decodeIp(first.frame) : (() => {
    const f = decodeFrame(first.frame);
    return f && f.payload.kind === "ipv4" ? f.payload : undefined;
  })();
  if (!ip) return `packet ${packet}`;
  const p = ip.payload;
  if (p.kind === "tcp") {
    const flags = [p.flags.syn ? "S" : "", p.flags.fin ? "F" : "", p.flags.rst ? "R" : "", p.flags.psh ? "P" : "", p.flags.ack ? "." : ""].join("");
    return `${formatIp4(ip.src)}:${p.sport} > ${formatIp4(ip.dst)}:${p.dport} tcp [${flags}]`;
  }
  if (p.kind === "udp") return `${formatIp4(ip.src)}:${p.sport} > ${formatIp4(ip.dst)}:${p.dport} udp`;
  if (p.kind === "icmp") return `${formatIp4(ip.src)} > ${formatIp4(ip.dst)} icmp ${p.type}`;
  return `${formatIp4(ip.src)} > ${formatIp4(ip.dst)}`;
}

function originText(origin: Origin | undefined, o: NarrativeOptions): string {
  if (!origin) return "";
  const where = origin.at && origin.at.length ? o.locate(origin.at) : undefined;
  const what = origin.object ?? origin.by;
  return `${what}${where ? ` (${where})` : ""}`;
}

/** Drops jumps into chains where nothing then happened (the kernel walked in and out again). */
export function meaningfulSteps(steps: readonly Step[]): Step[] {
  const out: Step[] = [];
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    if (s.kind === "rule" && s.rule && / -j ([A-Z][A-Z0-9-]+)$/.test(s.rule) && s.text.startsWith("jump to ")) {
      const target = s.text.slice("jump to ".length);
      const next = steps[i + 1];
      if (!next || next.kind !== "rule" || next.chain !== target || next.netns !== s.netns) continue;
    }
    out.push(s);
  }
  return out;
}

function packetSteps(trace: Trace, packet: number, o: NarrativeOptions): string[] {
  const lines: string[] = [];
  let lastNs = "";
  const width = Math.max(8, ...trace.steps.filter((s) => s.packet === packet).map((s) => s.netns.length));
  for (const s of meaningfulSteps(trace.steps.filter((x) => x.packet === packet))) {
    const ns = s.netns === lastNs ? "" : s.netns;
    lastNs = s.netns;
    const head = `  ${ns.padEnd(width)}  `;
    if (s.kind === "rule") {
      const where = `${s.table} ${s.chain} #${s.ruleNumber}`;
      const origin = originText(s.origin, o);
      lines.push(`${head}${o.paint.dim(where)}  ${s.rule}${origin ? o.paint.hint(`   ← ${origin}`) : ""}`);
    } else if (s.kind === "drop" || s.kind === "reject") {
      lines.push(`${head}${o.paint.error(s.text)}`);
    } else {
      lines.push(`${head}${s.text}`);
      // An IPVS decision names the real server entry it used, as ipvsadm-save prints it.
      if (s.rule) {
        const origin = originText(s.origin, o);
        lines.push(`${" ".repeat(head.length)}${o.paint.dim(s.table ?? "")}  ${s.rule}${origin ? o.paint.hint(`   ← ${origin}`) : ""}`);
      }
    }
  }
  return lines;
}

export function renderNarrative(trace: Trace, extra: { fromLabel: string; toLabel: string; note?: string; dns?: string; keyPackets: { request?: number; reply?: number } }, o: NarrativeOptions): string {
  const p = o.paint;
  const lines: string[] = [];
  lines.push(`${p.bold("trace")} ${extra.fromLabel} → ${extra.toLabel}`);
  if (extra.note) lines.push(`${p.dim("note")}  ${extra.note}`);
  if (extra.dns) lines.push(`${p.bold("dns")}   ${extra.dns}`);
  const good = trace.verdict === "delivered";
  lines.push(`${p.bold("verdict")} ${good ? p.hint(trace.verdict) : p.error(trace.verdict)}: ${trace.reason}`);
  if (trace.backend) lines.push(`${p.bold("backend")} ${trace.backend.pod ? `pod ${trace.backend.pod} ` : ""}(${trace.backend.ip}:${trace.backend.port})`);
  const shown = new Set<number>();
  for (const [label, id] of [["first packet", extra.keyPackets.request], ["first answer", extra.keyPackets.reply]] as const) {
    if (id === undefined) continue;
    shown.add(id);
    lines.push("", `${p.bold(label)} (packet ${id}: ${describePacket(trace, id)}):`, ...packetSteps(trace, id, o));
  }
  // Connections opened on the flow's behalf (a userspace proxy dialing a backend) get their own section.
  for (const s of trace.steps) {
    if (s.kind !== "send" || s.packet <= 0 || shown.has(s.packet)) continue;
    shown.add(s.packet);
    lines.push("", `${p.bold("then")} ${s.text} (packet ${s.packet}: ${describePacket(trace, s.packet)}):`, ...packetSteps(trace, s.packet, o));
  }
  // Anything dropped or rejected and not already shown tells the rest of the story; repeats of the
  // same fate (retransmissions) are counted, not printed again.
  const seen = new Set<string>();
  let repeats = 0;
  for (const s of trace.steps) {
    if ((s.kind !== "drop" && s.kind !== "reject") || shown.has(s.packet) || s.packet <= 0) continue;
    shown.add(s.packet);
    const fate = `${s.netns} ${s.text}`;
    if (seen.has(fate)) {
      repeats++;
      continue;
    }
    seen.add(fate);
    const what = describePacket(trace, s.packet);
    lines.push("", `${p.bold("packet")} ${s.packet}${what.startsWith("packet ") ? "" : ` (${what})`}:`, ...packetSteps(trace, s.packet, o));
  }
  if (repeats > 0) lines.push("", `… and ${repeats} more packet${repeats === 1 ? "" : "s"} met the same fate (retransmissions)`);
  return lines.join("\n") + "\n";
}
