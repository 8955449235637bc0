// Time for the network hardware: an injected scheduler instead of Date.now/setTimeout, so that
// links, switches and NICs run on virtual time in tests (exact, instant, reproducible) and on
// the wall clock when live. All times are nanoseconds held in a JS number (exact to 2^53 ns,
// about 104 days of simulated time).

export interface NetTimer {
  /** The scheduler time (ns) at which the callback runs. */
  readonly at: number;
}

export interface NetScheduler {
  /** Current time in nanoseconds since the scheduler's epoch. Never decreases. */
  now(): number;
  /** Run `fn` once, `delayNs` (>= 0) from now. Callbacks due at the same time run in call order. */
  schedule(delayNs: number, fn: () => void): NetTimer;
  /** Cancel a timer that has not run yet; a no-op for one that ran or was cancelled. */
  cancel(handle: NetTimer): void;
  /** Timers scheduled and not yet run or cancelled (for leak checks after a test). */
  pending(): number;
}

export const NS_PER_US = 1_000;
export const NS_PER_MS = 1_000_000;
export const NS_PER_S = 1_000_000_000;

function checkDelay(where: string, delayNs: number): void {
  if (!(delayNs >= 0) || !Number.isFinite(delayNs)) throw new RangeError(`${where}: bad delay ${delayNs}`);
}

interface VirtualTimer extends NetTimer {
  readonly at: number;
  readonly seq: number;
  fn: (() => void) | null;
}

/**
 * Discrete-event time: nothing happens until the test calls advance()/runUntilIdle(). Timers
 * live in a binary min-heap keyed on (at, seq), so ties run in the order they were scheduled.
 */
export class VirtualScheduler implements NetScheduler {
  private t = 0;
  private seq = 0;
  private live = 0;
  private readonly heap: VirtualTimer[] = [];

  now(): number {
    return this.t;
  }

  schedule(delayNs: number, fn: () => void): NetTimer {
    checkDelay('VirtualScheduler.schedule', delayNs);
    const timer: VirtualTimer = { at: this.t + delayNs, seq: this.seq++, fn };
    this.push(timer);
    this.live++;
    return timer;
  }

  cancel(handle: NetTimer): void {
    const timer = handle as VirtualTimer;
    if (timer.fn === null) return;
    timer.fn = null; // lazily discarded when it reaches the top of the heap
    this.live--;
  }

  pending(): number {
    return this.live;
  }

  /** Run every timer due at or before now + deltaNs, then set the clock to now + deltaNs. */
  advance(deltaNs: number): void {
    checkDelay('VirtualScheduler.advance', deltaNs);
    this.runUntil(this.t + deltaNs);
  }

  /** Run timers in time order up to and including `deadlineNs`; the clock ends at the deadline. */
  runUntil(deadlineNs: number): void {
    if (deadlineNs < this.t) throw new RangeError(`VirtualScheduler.runUntil: ${deadlineNs} is in the past`);
    while (this.heap.length > 0 && this.heap[0].at <= deadlineNs) this.runTop();
    this.t = deadlineNs;
  }

  /** Run until no timer is left; returns the number run. Throws past `maxTimers` (a runaway loop). */
  runUntilIdle(maxTimers = 1_000_000): number {
    let ran = 0;
    while (this.heap.length > 0) {
      if (this.runTop()) ran++;
      if (ran > maxTimers) throw new Error(`VirtualScheduler.runUntilIdle: more than ${maxTimers} timers`);
    }
    return ran;
  }

  private runTop(): boolean {
    const timer = this.pop();
    if (timer.fn === null) return false;
    const fn = timer.fn;
    timer.fn = null;
    this.live--;
    this.t = timer.at;
    fn();
    return true;
  }

  private less(a: VirtualTimer, b: VirtualTimer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(timer: VirtualTimer): void {
    const h = this.heap;
    h.push(timer);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  private pop(): VirtualTimer {
    const h = this.heap;
    const top = h[0];
    const last = h.pop() as VirtualTimer;
    if (h.length === 0) return top;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l], h[m])) m = l;
      if (r < h.length && this.less(h[r], h[m])) m = r;
      if (m === i) return top;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}

interface RealTimer extends NetTimer {
  readonly at: number;
  clear: (() => void) | null;
}

/**
 * Wall-clock time for live use: now() is process.hrtime since construction. A zero delay runs on
 * the next turn of the event loop (setImmediate: an interrupt or a zero-latency link must not
 * cost a millisecond); other delays use setTimeout, whose resolution is 1 ms (Node rounds
 * shorter delays up to 1 ms). close() cancels everything still pending so a shut-down network
 * leaves no timer behind.
 */
export class RealTimeScheduler implements NetScheduler {
  private readonly epoch = process.hrtime.bigint();
  private readonly timers = new Set<RealTimer>();

  /** `unref`: let the process exit while timers are pending (true for background networks). */
  constructor(private readonly unref = false) {}

  now(): number {
    return Number(process.hrtime.bigint() - this.epoch);
  }

  schedule(delayNs: number, fn: () => void): NetTimer {
    checkDelay('RealTimeScheduler.schedule', delayNs);
    const timer: RealTimer = { at: this.now() + delayNs, clear: null };
    const run = (): void => {
      this.timers.delete(timer);
      timer.clear = null;
      fn();
    };
    if (delayNs === 0) {
      const im = setImmediate(run);
      if (this.unref) im.unref();
      timer.clear = () => clearImmediate(im);
    } else {
      const to = setTimeout(run, delayNs / NS_PER_MS);
      if (this.unref) to.unref();
      timer.clear = () => clearTimeout(to);
    }
    this.timers.add(timer);
    return timer;
  }

  cancel(handle: NetTimer): void {
    const timer = handle as RealTimer;
    if (timer.clear === null) return;
    timer.clear();
    timer.clear = null;
    this.timers.delete(timer);
  }

  pending(): number {
    return this.timers.size;
  }

  close(): void {
    for (const timer of [...this.timers]) this.cancel(timer);
  }
}
