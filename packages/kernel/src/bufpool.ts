// Bounce buffers for data on its way to a daemon. A write to a pseudo file is copied out of the client once
// and held until the daemon reads it; a fresh buffer for each would cost its page faults (about 0.5 ms per
// MiB on this kind of machine, more than the copy), so buffers are kept in power-of-two size classes and
// reused. Only a few per class are kept: memory held stays small however many writes are in flight.
const MIN_SHIFT = 12, MAX_SHIFT = 20; // 4 KiB .. 1 MiB (PSEUDO_MAX_DATA)
const KEEP = 4; // free buffers kept per class

export class BufferPool {
  private readonly free: ArrayBuffer[][] = Array.from({ length: MAX_SHIFT - MIN_SHIFT + 1 }, () => []);

  /** A buffer of `n` bytes (its contents are whatever was there: the caller fills all of it). */
  take(n: number): Uint8Array {
    const shift = Math.max(MIN_SHIFT, Math.ceil(Math.log2(Math.max(1, n))));
    if (shift > MAX_SHIFT) return new Uint8Array(n);
    const ab = this.free[shift - MIN_SHIFT].pop() ?? new ArrayBuffer(1 << shift);
    return new Uint8Array(ab, 0, n);
  }

  /** Returns a buffer from take; it must not be used afterwards. */
  give(b: Uint8Array): void {
    const ab = b.buffer as ArrayBuffer, len = ab.byteLength;
    if (b.byteOffset !== 0 || (len & (len - 1)) !== 0) return; // not one of ours: let the GC have it
    const shift = Math.log2(len);
    if (shift < MIN_SHIFT || shift > MAX_SHIFT) return;
    const list = this.free[shift - MIN_SHIFT];
    if (list.length < KEEP && !list.includes(ab)) list.push(ab);
  }

  /** Bytes held in free buffers. */
  get heldBytes(): number { return this.free.reduce((n, l) => n + l.reduce((m, ab) => m + ab.byteLength, 0), 0); }
}
