// The simulation's pending work: timers, packets in flight, applications'
// replies, each a closure to run at a simulated time.

/** One scheduled piece of work; what `Network.later` and `schedule` return. */
export interface Event {
  time: number;
  /** Order of scheduling: events at the same time run first come, first served. */
  seq: number;
  run: () => void;
  /** The packet number `later` keeps for the event. */
  packet: number | undefined;
  /**
   * Its owner says running it can no longer change anything (a resolver's
   * timeout after the answer came): it still runs, moving the clock, but a
   * forked network may run a no-op in its place.
   */
  inert: boolean;
}

const NOTHING = (): void => {};

/**
 * Scheduled events by (time, seq), as a binary heap: a flood schedules one
 * event per bridge port, and a linear scan for the earliest made every
 * delivery cost as much as the queue was long.
 */
export class EventQueue {
  private readonly heap: Event[] = [];
  private seq = 0;

  push(time: number, run: () => void, packet: number | undefined): Event {
    const heap = this.heap;
    const e: Event = { time, seq: this.seq++, run, packet, inert: false };
    let i = heap.length;
    heap.push(e);
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!before(e, heap[up]!)) break;
      heap[i] = heap[up]!;
      i = up;
    }
    heap[i] = e;
    return e;
  }

  peek(): Event | undefined {
    return this.heap[0];
  }

  pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (!last || heap.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) break;
      const r = l + 1;
      const child = r < heap.length && before(heap[r]!, heap[l]!) ? r : l;
      if (!before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }

  /** The pending event scheduled `seq`-th, if it has not run. */
  find(seq: number): Event | undefined {
    return this.heap.find((e) => e.seq === seq);
  }

  /**
   * Whether this schedule runs as `other`'s does, `shift` later (times and
   * packet numbers), until `other`'s time `horizon` (undefined: all of it).
   * Nothing may be pending but inert events and the callers' own events
   * (`owned`, `otherOwned`); the pending events that run by the horizon must
   * match in order, time and packet. Their numbers may differ: events
   * scheduled later always come after those pending now.
   */
  runsAs(other: EventQueue, owned: number, otherOwned: number, shift: { time: number; packets: number }, horizon: number | undefined): boolean {
    const due = (q: EventQueue, by: number): Event[] =>
      q.heap.filter((e) => horizon === undefined || e.time <= horizon + by).sort((x, y) => (before(x, y) ? -1 : 1));
    if (!this.heap.every((e) => e.inert || e.seq === owned) || !other.heap.every((e) => e.inert || e.seq === otherOwned)) return false;
    const mine = due(this, shift.time);
    const theirs = due(other, 0);
    if (mine.length !== theirs.length) return false;
    return mine.every((e, i) => {
      const o = theirs[i]!;
      if (o.time + shift.time !== e.time || o.inert !== e.inert || (e.seq === owned) !== (o.seq === otherOwned)) return false;
      return e.packet === undefined ? o.packet === undefined : o.packet !== undefined && o.packet + shift.packets === e.packet;
    });
  }

  /**
   * The same schedule for a forked network, or undefined when some event's
   * closure belongs to this one: only inert events (copied as no-ops) and
   * those `replace` gives new work for can be carried over.
   */
  fork(replace: ReadonlyMap<Event, () => void>): EventQueue | undefined {
    const copy = new EventQueue();
    copy.seq = this.seq;
    for (const e of this.heap) {
      const run = replace.get(e) ?? (e.inert ? NOTHING : undefined);
      if (!run) return undefined;
      // The heap's order depends only on (time, seq), which are kept: the array is a valid heap as it is.
      copy.heap.push({ time: e.time, seq: e.seq, run, packet: e.packet, inert: e.inert });
    }
    return copy;
  }
}

function before(a: Event, b: Event): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
