// A network that lives across commands, as a real cluster does between the
// commands a person types: one clock, one capture log, and each namespace's
// conntrack table, neighbour cache and sockets carried from flow to flow.

import type { World } from "../model/kernel.js";
import type { CapturedPacket } from "../model/trace.js";
import type { Conn } from "./conntrack.js";
import type { IpvsState } from "./ipvs.js";
import { type FlowInput, type FlowResult, runFlowOn } from "./flow.js";
import { Network, SeededChooser } from "./network.js";
import { SeededRandom } from "./rng.js";
import type { Socket } from "./sockets.js";

/** How long a closed TCP socket stays in TIME_WAIT (TCP_TIMEWAIT_LEN). */
export const TIME_WAIT_MICROS = 60_000_000;

export class LiveNetwork {
  private readonly net: Network;
  private readonly listeners: ((packets: readonly CapturedPacket[]) => void)[] = [];

  constructor(readonly world: World, seed: number) {
    const rng = new SeededRandom(seed);
    this.net = new Network(world, rng.fork("kernel"), new SeededChooser(rng.fork("statistic")));
  }

  /** Simulated microseconds since the epoch. */
  now(): number {
    return this.net.now;
  }

  /** Lets simulated time pass (a person typing), running whatever timers fall due. */
  wait(us: number): void {
    const target = this.net.now + us;
    this.net.runUntil(target);
    this.net.now = Math.max(this.net.now, target);
  }

  /** Runs a flow now; it stops once the client has its answer and the connection has wound down. */
  flow(input: FlowInput): FlowResult {
    const before = new Set(this.net.socketsOf(input.from));
    const result = runFlowOn(this.net, input, { settle: true });
    // The client program has exited: its UDP and ICMP sockets are closed; TCP ones wind down on their own.
    const list = this.net.socketsOf(input.from);
    for (const s of [...list]) if (!before.has(s) && s.proto !== "tcp") list.splice(list.indexOf(s), 1);
    for (const listener of this.listeners) listener(result.packets);
    return result;
  }

  /** Called with each flow's packets (tcpdump -c waiting for the next flow). */
  onPackets(listener: (packets: readonly CapturedPacket[]) => void): () => void {
    this.listeners.push(listener);
    return () => void this.listeners.splice(this.listeners.indexOf(listener), 1);
  }

  captures(): readonly CapturedPacket[] {
    return this.net.captures;
  }

  /** Packets and bytes an interface received and sent during the session (what ifconfig counts). */
  linkCounters(nsId: string, dev: string): { rxPackets: number; rxBytes: number; txPackets: number; txBytes: number } {
    const c = { rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0 };
    for (const p of this.net.captures) {
      if (p.point.netns !== nsId || p.point.dev !== dev) continue;
      if (p.direction === "in") {
        c.rxPackets++;
        c.rxBytes += p.frame.length;
      } else {
        c.txPackets++;
        c.txBytes += p.frame.length;
      }
    }
    return c;
  }

  /** The connections alive in a namespace's conntrack table now. */
  conntrack(nsId: string): Conn[] {
    return this.net.state(nsId).conntrack.live(this.net.now);
  }

  /** A namespace's IPVS connections, if a packet met IPVS there. */
  ipvs(nsId: string): IpvsState | undefined {
    return this.net.state(nsId).ipvs;
  }

  /** Open sockets of a namespace (TIME_WAIT ones for 60 s after the close). */
  sockets(nsId: string): Socket[] {
    const now = this.net.now;
    return (this.net.sockets.get(nsId) ?? []).filter((s) => {
      const tw = (s as { timeWaitSince?: number }).timeWaitSince;
      return tw === undefined || now - tw < TIME_WAIT_MICROS;
    });
  }
}
