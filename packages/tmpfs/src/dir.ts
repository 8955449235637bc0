// Directory entries with stable readdir cookies. Each name gets a sequence number when it is inserted, from a
// per-directory counter that only grows; a cookie is "the first sequence number not yet returned". Cookie 0
// is '.', cookie 1 is '..', entries start at 2, and an entry's `next` cookie is its sequence number + 1.
// So a reader resuming at a cookie sees every entry that was present for its whole iteration exactly once,
// never sees removed entries, and sees no name twice: a name replaced in place (rename over an existing
// entry) keeps its slot. Entries are kept in sequence order (`seqs` ascending, parallel to `names`) with
// tombstones, compacted when half are dead; finding a cookie's position is a binary search.

export const COOKIE_DOT = 0;
export const COOKIE_DOTDOT = 1;
const FIRST_SEQ = 2;

interface Slot<T> {
  value: T;
  seq: number;
}

export class DirEntries<T> {
  private readonly byName = new Map<string, Slot<T>>();
  private seqs: number[] = [];
  private names: (string | null)[] = [];
  private dead = 0;
  private nextSeq = FIRST_SEQ;

  get size(): number {
    return this.byName.size;
  }

  get(name: string): T | undefined {
    return this.byName.get(name)?.value;
  }

  /** Adds a new name at the end of the iteration order, or replaces the value of an existing name in place. */
  set(name: string, value: T): void {
    const slot = this.byName.get(name);
    if (slot) {
      slot.value = value;
      return;
    }
    const seq = this.nextSeq++;
    this.byName.set(name, { value, seq });
    this.seqs.push(seq);
    this.names.push(name);
  }

  delete(name: string): boolean {
    const slot = this.byName.get(name);
    if (!slot) return false;
    this.byName.delete(name);
    this.names[this.lowerBound(slot.seq)] = null;
    if (++this.dead * 2 > this.names.length) this.compact();
    return true;
  }

  /** Up to `max` live entries whose sequence number is at least `cookie`, in order, each with its next cookie. */
  from(cookie: number, max: number): { name: string; value: T; next: number }[] {
    const out: { name: string; value: T; next: number }[] = [];
    for (let i = this.lowerBound(cookie); i < this.names.length && out.length < max; i++) {
      const name = this.names[i];
      if (name !== null) out.push({ name, value: this.byName.get(name)!.value, next: this.seqs[i] + 1 });
    }
    return out;
  }

  *entries(): IterableIterator<[string, T]> {
    for (const [name, slot] of this.byName) yield [name, slot.value];
  }

  /** Index of the first slot whose sequence number is >= seq. */
  private lowerBound(seq: number): number {
    let lo = 0, hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqs[mid] < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private compact(): void {
    const seqs: number[] = [], names: string[] = [];
    for (let i = 0; i < this.names.length; i++) {
      const name = this.names[i];
      if (name !== null) {
        seqs.push(this.seqs[i]);
        names.push(name);
      }
    }
    this.seqs = seqs;
    this.names = names;
    this.dead = 0;
  }
}
