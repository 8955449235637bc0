/**
 * A bounded byte ring, allocated lazily and grown by doubling up to its capacity (so 10,000 idle sockets
 * cost no buffer memory). Besides FIFO use it lets the receiver write past the readable end (`writeAt`),
 * into the free space, so out-of-order data is stored where it will finally lie (smoltcp's approach);
 * `commit()` makes bytes readable once the gap before them is filled.
 */
const MIN_ALLOCATION = 512;

export class ByteRing {
  private buf = new Uint8Array(0);
  private head = 0;
  private len = 0;

  constructor(readonly capacity: number) {}

  /** Readable bytes. */
  get length(): number { return this.len; }
  get free(): number { return this.capacity - this.len; }

  /** Appends as much of `bytes` as fits; returns how many were taken. */
  push(bytes: Uint8Array): number {
    const n = Math.min(bytes.length, this.free);
    this.writeAt(0, bytes.subarray(0, n));
    this.len += n;
    return n;
  }

  /** Writes `bytes` at `offset` past the readable end; precondition: offset + bytes.length <= free. */
  writeAt(offset: number, bytes: Uint8Array): void {
    if (offset < 0 || offset + bytes.length > this.free) throw new Error('ByteRing.writeAt: outside the free space');
    this.reserve(this.len + offset + bytes.length);
    const size = this.buf.length;
    let pos = (this.head + this.len + offset) % size;
    let done = 0;
    while (done < bytes.length) {
      const n = Math.min(bytes.length - done, size - pos);
      this.buf.set(bytes.subarray(done, done + n), pos);
      done += n;
      pos = (pos + n) % size;
    }
  }

  /** Makes `n` bytes written by writeAt(0, ...) readable; precondition: n <= free. */
  commit(n: number): void {
    if (n < 0 || n > this.free) throw new Error('ByteRing.commit: beyond capacity');
    this.len += n;
  }

  /** A copy of readable bytes [offset, offset + n). */
  peek(offset: number, n: number): Uint8Array {
    if (offset < 0 || n < 0 || offset + n > this.len) throw new Error('ByteRing.peek: outside the readable bytes');
    const out = new Uint8Array(n);
    const size = this.buf.length;
    let pos = (this.head + offset) % Math.max(size, 1);
    let done = 0;
    while (done < n) {
      const k = Math.min(n - done, size - pos);
      out.set(this.buf.subarray(pos, pos + k), done);
      done += k;
      pos = (pos + k) % size;
    }
    return out;
  }

  /**
   * Readable bytes [offset, offset + n) without copying when they are contiguous: valid only until the
   * ring is next written (transmit() emits the segment before that).
   */
  view(offset: number, n: number): Uint8Array {
    if (offset < 0 || n < 0 || offset + n > this.len) throw new Error('ByteRing.view: outside the readable bytes');
    const start = (this.head + offset) % Math.max(this.buf.length, 1);
    return start + n <= this.buf.length ? this.buf.subarray(start, start + n) : this.peek(offset, n);
  }

  /** Discards up to `n` readable bytes from the front. */
  drop(n: number): void {
    const k = Math.min(n, this.len);
    if (k === 0) return;
    this.head = (this.head + k) % this.buf.length;
    this.len -= k;
  }

  /** Removes and returns up to `max` readable bytes. */
  read(max: number): Uint8Array {
    const out = this.peek(0, Math.min(max, this.len));
    this.drop(out.length);
    return out;
  }

  /** Grows the allocation to hold `total` bytes from the head, keeping every byte (even unreadable ones). */
  private reserve(total: number): void {
    if (total <= this.buf.length) return;
    let size = Math.max(MIN_ALLOCATION, this.buf.length);
    while (size < total) size *= 2;
    size = Math.min(size, this.capacity);
    const next = new Uint8Array(size);
    const old = this.buf;
    const first = old.subarray(this.head);
    next.set(first, 0);
    next.set(old.subarray(0, this.head), first.length);
    this.buf = next;
    this.head = 0;
  }
}
