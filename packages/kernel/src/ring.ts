// A bounded byte FIFO over one ArrayBuffer (pipes and stream sockets).
export class ByteRing {
  private buf: Uint8Array;
  private head = 0;   // index of the first byte
  length = 0;

  constructor(readonly capacity: number) {
    this.buf = new Uint8Array(capacity);
  }

  /** Appends as much of `data` as fits; returns the count. */
  put(data: Uint8Array): number {
    const n = Math.min(data.length, this.capacity - this.length);
    const tail = (this.head + this.length) % this.capacity;
    const first = Math.min(n, this.capacity - tail);
    this.buf.set(data.subarray(0, first), tail);
    if (n > first) this.buf.set(data.subarray(first, n), 0);
    this.length += n;
    return n;
  }

  /** Copies up to `max` bytes from the front, removing them unless `peek`. */
  take(max: number, peek = false): Uint8Array {
    const n = Math.min(max, this.length);
    const out = new Uint8Array(n);
    const first = Math.min(n, this.capacity - this.head);
    out.set(this.buf.subarray(this.head, this.head + first));
    if (n > first) out.set(this.buf.subarray(0, n - first), first);
    if (!peek) {
      this.head = (this.head + n) % this.capacity;
      this.length -= n;
      if (this.length === 0) this.head = 0;
    }
    return out;
  }
}
