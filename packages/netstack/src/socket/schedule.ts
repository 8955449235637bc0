/**
 * Which sockets poll() must dispatch, without visiting every socket: those notified since the last
 * dispatch (ingress, or the application queued work), and those whose pollAt() time has come.
 *
 * Times live in a binary min-heap with lazy deletion: an entry is live only while it equals the time last
 * recorded for its socket. Stale entries are dropped when they surface, and the heap is rebuilt when they
 * outnumber the live ones.
 */
interface Entry<S> {
  t: number;
  s: S;
}

export class DispatchSchedule<S> {
  private readonly ready = new Set<S>();
  private readonly at = new Map<S, number>();
  private heap: Entry<S>[] = [];

  /** `s` must be dispatched at the next opportunity. */
  notify(s: S): void {
    this.ready.add(s);
  }

  forget(s: S): void {
    this.ready.delete(s);
    this.at.delete(s);
  }

  /** Records when `s` next wants dispatch; null means only when notified. */
  schedule(s: S, t: number | null): void {
    if (t === null) {
      this.at.delete(s);
      return;
    }
    if (this.at.get(s) === t) return;
    this.at.set(s, t);
    this.push({ t, s });
    if (this.heap.length > 2 * this.at.size + 64) this.rebuild();
  }

  /** Removes and returns every socket due at `now`, notified ones first. */
  takeDue(now: number): S[] {
    const out = new Set(this.ready);
    this.ready.clear();
    while (this.heap.length > 0 && this.heap[0]!.t <= now) {
      const e = this.pop();
      if (this.at.get(e.s) !== e.t) continue; // stale
      this.at.delete(e.s);
      out.add(e.s);
    }
    return [...out];
  }

  /** The earliest time something is due: `now` when a socket was notified, null when nothing is scheduled. */
  next(now: number): number | null {
    if (this.ready.size > 0) return now;
    while (this.heap.length > 0 && this.at.get(this.heap[0]!.s) !== this.heap[0]!.t) this.pop();
    return this.heap[0]?.t ?? null;
  }

  /** Heap entries, live and stale (for tests of the compaction bound). */
  get entries(): number {
    return this.heap.length;
  }

  private rebuild(): void {
    this.heap = [];
    for (const [s, t] of this.at) this.push({ t, s });
  }

  private push(e: Entry<S>): void {
    const h = this.heap;
    h.push(e);
    for (let i = h.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.t <= h[i]!.t) break;
      [h[parent], h[i]] = [h[i]!, h[parent]!];
      i = parent;
    }
  }

  private pop(): Entry<S> {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length === 0) return top;
    h[0] = last;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l]!.t < h[m]!.t) m = l;
      if (r < h.length && h[r]!.t < h[m]!.t) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
    return top;
  }
}
