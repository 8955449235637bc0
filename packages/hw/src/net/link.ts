// A point-to-point cable with a seeded fault model, in the spirit of Linux netem (tc-netem(8)):
// latency, jitter, bandwidth with a bounded transmit queue, loss, duplication, reordering,
// corruption, and partitions opened and healed at runtime.
//
// Plug `link.a` and `link.b` into two ports. Each direction (a->b, b->a) has its own queue, its
// own fault parameters (the same at construction; configure() may set them apart) and its own
// random stream: Rng(seed, 0) for a->b and Rng(seed, 1) for b->a.
//
// Determinism contract: every frame offered to a direction consumes exactly DRAWS_PER_FRAME
// numbers from that direction's stream, in the order of the Draw enum, whatever the options
// and whether or not the frame survives. So the same seed and the same traffic (same frames at
// the same virtual times) give the same decisions, and changing one fault probability never
// shifts the random numbers behind another fault.
//
// The life of a frame offered at time t in one direction:
//  1. partitioned?  dropped (partitionDrops)
//  2. loss          dropped with probability `loss` (lost)
//  3. queue         frames still waiting or serialising >= queueLimit: tail drop (queueDrops)
//  4. bandwidth     serialisation starts when the previous frame's ends; it takes
//                   ceil(bits * 1e9 / bandwidthBps) ns (0 when bandwidth is unlimited)
//  5. delay         arrival = end of serialisation + latencyNs + floor(u * jitterNs); jitter
//                   never reorders by itself: arrival is at least the previous frame's arrival
//  6. reorder       with probability `reorder` the frame is held back a further reorderDelayNs
//                   outside that FIFO rule, so frames sent after it can overtake it
//  7. corruption    with probability `corrupt` one bit, chosen uniformly, is flipped (in a copy)
//  8. duplication   with probability `duplicate` a second copy arrives right after the first
//  9. delivery      at arrival time, unless the direction is partitioned by then (in-flight
//                   frames are lost to a partition too); observers see it, then the far port.

import { Port, TapList } from './port.js';
import type { FrameTap, Observable } from './port.js';
import { Rng } from './rng.js';
import type { NetScheduler, NetTimer } from './sched.js';
import { NS_PER_MS, NS_PER_S } from './sched.js';

export interface LinkFaults {
  latencyNs: number;
  jitterNs: number;
  /** Bits per second; 0 means unlimited (no serialisation delay, no queue). */
  bandwidthBps: number;
  /** Frames waiting or being serialised per direction before tail drop (netem's default 1000). */
  queueLimit: number;
  loss: number;
  duplicate: number;
  reorder: number;
  reorderDelayNs: number;
  corrupt: number;
}

export interface LinkOptions extends Partial<LinkFaults> {
  seed: number;
  name?: string;
}

export const DEFAULT_FAULTS: Readonly<LinkFaults> = {
  latencyNs: 0, jitterNs: 0, bandwidthBps: 0, queueLimit: 1000,
  loss: 0, duplicate: 0, reorder: 0, reorderDelayNs: NS_PER_MS, corrupt: 0,
};

/** Which way: 'ab' carries frames plugged into `a` to `b`'s peer; 'ba' the reverse. */
export type LinkDir = 'ab' | 'ba';

export interface LinkDirStats {
  offered: number;
  delivered: number;
  deliveredBytes: number;
  lost: number;
  queueDrops: number;
  partitionDrops: number;
  duplicated: number;
  reordered: number;
  corrupted: number;
}

/** The per-frame random numbers, drawn in this order. */
const enum Draw { Loss, Corrupt, CorruptBit, Duplicate, Reorder, Jitter }
export const DRAWS_PER_FRAME = 6;

class Direction {
  readonly rng: Rng;
  partitioned = false;
  busyUntil = 0; // when the transmitter finishes serialising the last accepted frame
  lastArrival = 0; // FIFO floor for frames that are not reordered
  readonly queueEnds: number[] = []; // serialisation end times of frames not yet fully sent
  readonly stats: LinkDirStats = {
    offered: 0, delivered: 0, deliveredBytes: 0, lost: 0, queueDrops: 0, partitionDrops: 0,
    duplicated: 0, reordered: 0, corrupted: 0,
  };

  constructor(seed: number, stream: number, readonly out: () => Port, public faults: LinkFaults) {
    this.rng = new Rng(seed, stream);
  }

  draws(): number[] {
    const d: number[] = [];
    for (let i = 0; i < DRAWS_PER_FRAME; i++) d.push(this.rng.nextFloat());
    return d;
  }

  /** Frames still queued or serialising at `now`. */
  occupancy(now: number): number {
    while (this.queueEnds.length > 0 && this.queueEnds[0] <= now) this.queueEnds.shift();
    return this.queueEnds.length;
  }
}

export class Link implements Observable {
  readonly a: Port;
  readonly b: Port;
  readonly name: string;
  private readonly dirs: Record<LinkDir, Direction>;
  private readonly timers = new Set<NetTimer>();
  private readonly delivered = new TapList();
  private readonly offered = new TapList();

  constructor(private readonly sched: NetScheduler, opts: LinkOptions) {
    this.name = opts.name ?? 'link';
    const faults = checkFaults({ ...DEFAULT_FAULTS, ...stripUndefined(opts) });
    this.a = new Port(`${this.name}.a`, (f) => this.offer('ab', f));
    this.b = new Port(`${this.name}.b`, (f) => this.offer('ba', f));
    this.dirs = {
      ab: new Direction(opts.seed, 0, () => this.b, faults),
      ba: new Direction(opts.seed, 1, () => this.a, faults),
    };
  }

  /** A new link cabled between ports `x` (to its end a) and `y` (to its end b). */
  static between(sched: NetScheduler, x: Port, y: Port, opts: LinkOptions): Link {
    const link = new Link(sched, opts);
    Port.connect(x, link.a);
    Port.connect(link.b, y);
    return link;
  }

  /**
   * Change fault parameters at runtime, for one direction (an asymmetric link) or both. Frames
   * already in flight keep their schedule.
   */
  configure(faults: Partial<LinkFaults>, dir: LinkDir | 'both' = 'both'): void {
    for (const d of pick(dir)) this.dirs[d].faults = checkFaults({ ...this.dirs[d].faults, ...stripUndefined(faults) });
  }

  config(dir: LinkDir): Readonly<LinkFaults> {
    return { ...this.dirs[dir].faults };
  }

  /** Cut the link in one or both directions: nothing crosses, in flight or new, until heal(). */
  partition(dir: LinkDir | 'both' = 'both'): void {
    for (const d of pick(dir)) this.dirs[d].partitioned = true;
  }

  heal(dir: LinkDir | 'both' = 'both'): void {
    for (const d of pick(dir)) this.dirs[d].partitioned = false;
  }

  isPartitioned(dir: LinkDir): boolean {
    return this.dirs[dir].partitioned;
  }

  stats(dir: LinkDir): LinkDirStats {
    return { ...this.dirs[dir].stats };
  }

  /** Deliveries scheduled and not yet made. */
  inFlight(): number {
    return this.timers.size;
  }

  /**
   * Watch frames crossing the link: by default as delivered to the far end, after faults
   * ('tx' = a->b, 'rx' = b->a); with where = 'offered', as they enter it, before faults.
   */
  observe(tap: FrameTap, where: 'delivered' | 'offered' = 'delivered'): () => void {
    return (where === 'delivered' ? this.delivered : this.offered).observe(tap);
  }

  /** Drop everything in flight and cancel its timers (shutting a network down). */
  close(): void {
    for (const t of this.timers) this.sched.cancel(t);
    this.timers.clear();
  }

  private offer(dir: LinkDir, frame: Uint8Array): void {
    const d = this.dirs[dir];
    const f = d.faults;
    const r = d.draws();
    d.stats.offered++;
    this.offered.emit(frame, dir === 'ab' ? 'tx' : 'rx');
    if (d.partitioned) {
      d.stats.partitionDrops++;
      return;
    }
    if (r[Draw.Loss] < f.loss) {
      d.stats.lost++;
      return;
    }
    const now = this.sched.now();
    const serEnd = this.serialise(d, frame.length, now);
    if (serEnd < 0) return;
    const arrival = this.arrivalTime(d, serEnd, r);
    const payload = this.maybeCorrupt(d, frame, r);
    this.deliverAt(dir, arrival - now, payload);
    if (r[Draw.Duplicate] < f.duplicate) {
      d.stats.duplicated++;
      this.deliverAt(dir, arrival - now, payload);
    }
  }

  /** Steps 3-4: queue the frame on the transmitter; its serialisation end, or -1 if tail-dropped. */
  private serialise(d: Direction, len: number, now: number): number {
    const f = d.faults;
    if (f.bandwidthBps === 0) return now;
    if (d.occupancy(now) >= f.queueLimit) {
      d.stats.queueDrops++;
      return -1;
    }
    const start = Math.max(now, d.busyUntil);
    d.busyUntil = start + Math.ceil((len * 8 * NS_PER_S) / f.bandwidthBps);
    d.queueEnds.push(d.busyUntil);
    return d.busyUntil;
  }

  /** Steps 5-6: propagation delay, jitter under the FIFO floor, or a reorder hold-back. */
  private arrivalTime(d: Direction, serEnd: number, r: number[]): number {
    const f = d.faults;
    const arrival = serEnd + f.latencyNs + Math.floor(r[Draw.Jitter] * f.jitterNs);
    if (r[Draw.Reorder] < f.reorder) {
      d.stats.reordered++;
      return arrival + f.reorderDelayNs;
    }
    d.lastArrival = Math.max(arrival, d.lastArrival);
    return d.lastArrival;
  }

  /** Step 7: flip one uniformly chosen bit of a copy. */
  private maybeCorrupt(d: Direction, frame: Uint8Array, r: number[]): Uint8Array {
    if (!(r[Draw.Corrupt] < d.faults.corrupt) || frame.length === 0) return frame;
    d.stats.corrupted++;
    const copy = frame.slice();
    const bit = Math.floor(r[Draw.CorruptBit] * frame.length * 8);
    copy[bit >> 3] ^= 1 << (bit & 7);
    return copy;
  }

  private deliverAt(dir: LinkDir, delayNs: number, frame: Uint8Array): void {
    const timer = this.sched.schedule(delayNs, () => {
      this.timers.delete(timer);
      this.deliver(dir, frame);
    });
    this.timers.add(timer);
  }

  private deliver(dir: LinkDir, frame: Uint8Array): void {
    const d = this.dirs[dir];
    if (d.partitioned) {
      d.stats.partitionDrops++;
      return;
    }
    d.stats.delivered++;
    d.stats.deliveredBytes += frame.length;
    this.delivered.emit(frame, dir === 'ab' ? 'tx' : 'rx');
    d.out().send(frame);
  }
}

function pick(dir: LinkDir | 'both'): LinkDir[] {
  return dir === 'both' ? ['ab', 'ba'] : [dir];
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function checkFaults(f: LinkFaults & { seed?: number; name?: string }): LinkFaults {
  for (const k of ['loss', 'duplicate', 'reorder', 'corrupt'] as const) {
    if (!(f[k] >= 0 && f[k] <= 1)) throw new RangeError(`Link: ${k} ${f[k]} is not a probability`);
  }
  for (const k of ['latencyNs', 'jitterNs', 'bandwidthBps', 'reorderDelayNs'] as const) {
    if (!(f[k] >= 0) || !Number.isFinite(f[k])) throw new RangeError(`Link: ${k} ${f[k]} must be >= 0`);
  }
  if (!Number.isInteger(f.queueLimit) || f.queueLimit < 1) throw new RangeError(`Link: queueLimit ${f.queueLimit} must be >= 1`);
  const { latencyNs, jitterNs, bandwidthBps, queueLimit, loss, duplicate, reorder, reorderDelayNs, corrupt } = f;
  return { latencyNs, jitterNs, bandwidthBps, queueLimit, loss, duplicate, reorder, reorderDelayNs, corrupt };
}
