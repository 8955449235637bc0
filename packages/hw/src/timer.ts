// One-shot deadline timers on the monotonic clock, multiplexed onto a single host timer: a binary heap
// ordered by deadline, and one setTimeout armed for the earliest entry.
import { monotonicNs } from './clock.js';

export interface TimerHandle { readonly deadline: bigint; cancelled: boolean; index: number; fire: () => void }

export class TimerQueue {
  private heap: TimerHandle[] = [];
  private host: NodeJS.Timeout | undefined;
  private hostDeadline = -1n;

  get size(): number { return this.heap.length; }

  /** Calls `fire` once, at or after monotonic time `deadline` (ns). */
  add(deadline: bigint, fire: () => void): TimerHandle {
    const t: TimerHandle = { deadline, cancelled: false, index: this.heap.length, fire };
    this.heap.push(t);
    this.up(t.index);
    this.arm();
    return t;
  }

  cancel(t: TimerHandle): void {
    if (t.cancelled || t.index < 0) return;
    t.cancelled = true;
    this.removeAt(t.index);
    this.arm();
  }

  /** Fires every expired timer now; returns how many fired. */
  run(now = monotonicNs()): number {
    let n = 0;
    while (this.heap.length && this.heap[0].deadline <= now) {
      const t = this.heap[0];
      this.removeAt(0);
      t.cancelled = true;
      n++;
      t.fire();
    }
    this.arm();
    return n;
  }

  /** Stops the host timer; pending entries are dropped. */
  close(): void {
    for (const t of this.heap) { t.cancelled = true; t.index = -1; }
    this.heap = [];
    this.arm();
  }

  private arm(): void {
    const next = this.heap.length ? this.heap[0].deadline : -1n;
    if (next === this.hostDeadline) return;
    if (this.host) clearTimeout(this.host);
    this.host = undefined;
    this.hostDeadline = next;
    if (next < 0n) return;
    const ms = Number((next - monotonicNs()) / 1_000_000n);
    this.host = setTimeout(() => { this.hostDeadline = -1n; this.host = undefined; this.run(); }, Math.max(0, ms));
  }

  private removeAt(i: number): void {
    const last = this.heap.pop()!;
    const gone = i < this.heap.length ? this.heap[i] : last;
    gone.index = -1;
    if (i < this.heap.length) {
      this.heap[i] = last;
      last.index = i;
      this.down(i);
      this.up(i);
    }
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p].deadline <= h[i].deadline) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < h.length && h[l].deadline < h[m].deadline) m = l;
      if (r < h.length && h[r].deadline < h[m].deadline) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(a: number, b: number): void {
    const h = this.heap;
    [h[a], h[b]] = [h[b], h[a]];
    h[a].index = a;
    h[b].index = b;
  }
}
