// A bounded byte FIFO (pipes). Its storage starts small and doubles on demand up to `capacity`, so an idle
// pipe costs little and a busy one can hold a lot in flight.
const INITIAL = 16 << 10;

export class ByteRing {
  private buf: Uint8Array;
  private head = 0;   // index of the first byte
  length = 0;

  constructor(readonly capacity: number) {
    this.buf = new Uint8Array(Math.min(capacity, INITIAL));
  }

  private grow(need: number): void {
    let size = this.buf.length;
    while (size < need && size < this.capacity) size = Math.min(this.capacity, size * 2);
    if (size === this.buf.length) return;
    const next = new Uint8Array(size);
    next.set(this.take(this.length, true));
    this.buf = next;
    this.head = 0;
  }

  /** Appends as much of `data` as fits; returns the count. */
  put(data: Uint8Array): number {
    if (this.length + data.length > this.buf.length) this.grow(this.length + data.length);
    const cap = this.buf.length;
    const n = Math.min(data.length, cap - this.length);
    const tail = (this.head + this.length) % cap;
    const first = Math.min(n, cap - tail);
    this.buf.set(data.subarray(0, first), tail);
    if (n > first) this.buf.set(data.subarray(first, n), 0);
    this.length += n;
    return n;
  }

  /** Moves up to dst.length bytes from the front into `dst`; returns the count. */
  takeInto(dst: Uint8Array): number {
    const n = Math.min(dst.length, this.length);
    const cap = this.buf.length;
    const first = Math.min(n, cap - this.head);
    dst.set(this.buf.subarray(this.head, this.head + first));
    if (n > first) dst.set(this.buf.subarray(0, n - first), first);
    this.head = (this.head + n) % cap;
    this.length -= n;
    if (this.length === 0) this.head = 0;
    return n;
  }

  /** Copies up to `max` bytes from the front, removing them unless `peek`. */
  take(max: number, peek = false): Uint8Array {
    const n = Math.min(max, this.length);
    const out = new Uint8Array(n);
    const cap = this.buf.length;
    const first = Math.min(n, cap - this.head);
    out.set(this.buf.subarray(this.head, this.head + first));
    if (n > first) out.set(this.buf.subarray(0, n - first), first);
    if (!peek) {
      this.head = (this.head + n) % cap;
      this.length -= n;
      if (this.length === 0) this.head = 0;
    }
    return out;
  }
}
