// Shared-memory objects (fd_create1(SHARED_MEMORY)): a growable SharedArrayBuffer with a logical size.
// A MAP_SHARED mapping with WRITE in its maximum puts that very buffer into the mapping process's address
// space as a segment, so every process mapping the object writably sees the same bytes, and futex keys
// (backing id + offset) agree. A read-only one (its fd lacked FD_WRITE) maps a mirror instead (vm.ts), which
// sees the kernel's writes here at once and other mappers' stores when they call mem_sync.
import { E, FILETYPE } from './abi/index.js';
import type { Kernel } from './kernel.js';
import type { MemAccount } from './memacct.js';
import { Description, KObject } from './object.js';
import { MAX_SHM_BYTES, PAGE_SIZE } from './params.js';
import { Mirrors, newBacking, type Backing, type SharedObject } from './vm.js';

export class ShmObject extends KObject implements SharedObject {
  readonly type = FILETYPE.SHARED_MEMORY;
  readonly backing: Backing;
  private readonly sab: SharedArrayBuffer;
  private len = 0;
  readonly mirrors = new Mirrors(() => this.sab);

  /** `account` pays for the object's memory as it grows (memacct.ts). */
  constructor(kernel: Kernel, private readonly account: MemAccount) {
    super(kernel);
    this.sab = new SharedArrayBuffer(0, { maxByteLength: MAX_SHM_BYTES });
    this.backing = newBacking(this.sab);
  }

  override size(): bigint { return BigInt(this.len); }
  override seekable(): boolean { return true; }

  /**
   * Sets the size (ftruncate): EFBIG beyond MAX_SHM_BYTES, ENOMEM when the machine lacks the memory. Shrinking
   * zeroes the cut-off bytes (the buffer itself never shrinks: it stays charged until the object goes).
   */
  resize(n: bigint): number {
    if (n > BigInt(MAX_SHM_BYTES)) return E.FBIG;
    const len = Number(n);
    const cap = Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
    if (cap > this.sab.byteLength && !this.account.charge(cap - this.sab.byteLength)) return E.NOMEM;
    if (cap > this.sab.byteLength) this.sab.grow(cap);
    if (len < this.len) { new Uint8Array(this.sab).fill(0, len, this.len); this.mirrors.update(len, this.len - len); }
    this.len = len;
    return 0;
  }

  override pread(_d: Description, max: number, off: bigint): Uint8Array | number {
    if (off >= BigInt(this.len)) return new Uint8Array(0);
    const o = Number(off);
    return new Uint8Array(this.sab).slice(o, Math.min(this.len, o + max));
  }

  override pwrite(_d: Description, data: Uint8Array, off: bigint): number {
    const end = off + BigInt(data.length);
    if (end > BigInt(this.len)) {
      const e = this.resize(end);
      if (e) return -e;
    }
    new Uint8Array(this.sab).set(data, Number(off));
    this.mirrors.update(Number(off), data.length);
    return data.length;
  }

  /** Mappers' stores to [off, off+len) become visible to read-only mappings (mem_sync). */
  publish(off: number, len: number): void { this.mirrors.update(off, len); }

  override read(d: Description, max: number): Uint8Array | number {
    const r = this.pread(d, max, d.offset);
    if (typeof r !== 'number') d.offset += BigInt(r.length);
    return r;
  }

  protected override destroy(): void { this.account.uncharge(this.sab.byteLength); }

  override write(d: Description, data: Uint8Array): number {
    const off = d.append ? BigInt(this.len) : d.offset;
    const n = this.pwrite(d, data, off);
    if (n >= 0) d.offset = off + BigInt(n);
    return n;
  }
}
