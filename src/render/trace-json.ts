// `trace -o json`: the Trace type, serialised. Frames are base64 (the exact
// bytes a pcap record holds) with the line `tcpdump -n` prints for each.

import type { Trace } from "../model/trace.js";
import { absoluteMicros, type CaptureView } from "./capture-blocks.js";
import { TcpdumpPrinter } from "./tcpdump.js";

export function traceJson(trace: Trace, views: CaptureView[], keyPackets: { request?: number; reply?: number }): unknown {
  return {
    flow: trace.flow,
    verdict: trace.verdict,
    reason: trace.reason,
    backend: trace.backend ?? null,
    keyPackets,
    captures: views.map((v) => {
      const printer = new TcpdumpPrinter({ numeric: true, timestamps: "epoch" });
      return {
        netns: v.point.netns,
        dev: v.point.dev,
        linkType: v.point.linkType,
        packets: v.packets.map((p) => ({
          packet: p.packet,
          time: Number(absoluteMicros(p.time)) / 1e6,
          direction: p.direction,
          tcpdump: printer.print(absoluteMicros(p.time), p.frame, v.point.linkType).replace(/^\S+ /, ""),
          frame: Buffer.from(p.frame).toString("base64"),
        })),
      };
    }),
    steps: trace.steps,
  };
}
