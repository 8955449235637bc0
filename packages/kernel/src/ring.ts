// A bounded byte FIFO (pipes). Its storage starts empty and grows on demand (16 KiB, then doubling) up to
// `capacity`, so an idle pipe costs nothing and a busy one can hold a lot in flight. With an account, each
// growth is charged to it first (memacct.ts): a ring the machine has no memory for stays as it is, and
// `reserve` says so. `release` gives the storage back.
import type { MemAccount } from './memacct.js';

const INITIAL = 16 << 10;
const EMPTY = new Uint8Array(0);

export class ByteRing {
  private buf = EMPTY;
  private head = 0;   // index of the first byte
  length = 0;

  constructor(readonly capacity: number, private readonly account?: MemAccount) {}

  /** Bytes that fit without growing. */
  get room(): number { return this.buf.length - this.length; }

  /**
   * Grows the storage so that `n` more bytes fit (as far as the capacity allows); false when the machine
   * has no memory for the growth (the ring is then unchanged).
   */
  reserve(n: number): boolean {
    const need = Math.min(this.capacity, this.length + n);
    if (need <= this.buf.length) return true;
    let size = Math.max(this.buf.length, Math.min(this.capacity, INITIAL));
    while (size < need) size = Math.min(this.capacity, size * 2);
    if (this.account && !this.account.charge(size - this.buf.length)) return false;
    const next = new Uint8Array(size);
    next.set(this.take(this.length, true));
    this.buf = next;
    this.head = 0;
    return true;
  }

  /** Frees the storage (its bytes are dropped): the ring is empty and holds no memory. */
  release(): void {
    this.account?.uncharge(this.buf.length);
    this.buf = EMPTY;
    this.head = 0;
    this.length = 0;
  }

  /** Appends as much of `data` as fits, growing if the machine allows; returns the count. */
  put(data: Uint8Array): number {
    if (data.length > this.room) this.reserve(data.length);
    const cap = this.buf.length;
    const n = Math.min(data.length, cap - this.length);
    if (n === 0) return 0;
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
    if (n === 0) return 0;
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
    if (n === 0) return out;
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
