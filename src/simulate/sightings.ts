// What a run nobody narrates keeps of its captures (see Network.narrating):
// where each IP packet was seen and its source address there. A check judges
// thousands of runs by these alone; building a capture record for each of
// their ~250 captures cost more than the judging.

import type { Ip4 } from "../model/addr.js";

export class Sightings {
  private readonly packets: number[] = [];
  private readonly sources: Ip4[] = [];
  private readonly namespaces: string[] = [];
  private readonly devs: string[] = [];

  get length(): number {
    return this.packets.length;
  }

  add(packet: number, netns: string, dev: string, src: Ip4): void {
    this.packets.push(packet);
    this.sources.push(src);
    this.namespaces.push(netns);
    this.devs.push(dev);
  }

  addAll(other: Sightings): void {
    for (let i = 0; i < other.packets.length; i++) this.add(other.packets[i]!, other.namespaces[i]!, other.devs[i]!, other.sources[i]!);
  }

  /** The sightings in positions [from, to) (a flow's, on a network that saw earlier ones); all of them: these same ones. */
  between(from: number, to: number): Sightings {
    if (from === 0 && to === this.packets.length) return this;
    const part = new Sightings();
    for (let i = from; i < to; i++) part.add(this.packets[i]!, this.namespaces[i]!, this.devs[i]!, this.sources[i]!);
    return part;
  }

  /** `netns/dev` of every interface that saw an IP packet numbered `first` or later. */
  pointsFrom(first: number): Set<string> {
    const points = new Set<string>();
    for (let i = 0; i < this.packets.length; i++) if (this.packets[i]! >= first) points.add(pointName(this.namespaces[i]!, this.devs[i]!));
    return points;
  }

  /** The source address of `packet` where it was first seen. */
  sourceOf(packet: number): Ip4 | undefined {
    const i = this.packets.indexOf(packet);
    return i < 0 ? undefined : this.sources[i];
  }
}

/**
 * `netns/dev`, made once per interface: a suite keeps every run's points, and
 * they name the same few hundred interfaces again and again.
 */
const pointNames = new Map<string, Map<string, string>>();

function pointName(netns: string, dev: string): string {
  let byDev = pointNames.get(netns);
  if (!byDev) pointNames.set(netns, (byDev = new Map()));
  let name = byDev.get(dev);
  if (name === undefined) byDev.set(dev, (name = `${netns}/${dev}`));
  return name;
}
