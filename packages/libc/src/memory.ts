// Userland memory: views over the core and the shared segments, and the heap. The heap's state lives in
// process memory (the globals page), not in JavaScript variables, because every thread runs its own copy
// of libc and a forked child must find the heap as its parent left it.
//
// Globals page (one per process, mapped by the main thread at start):
//   0   magic 'CSXG'        4   heap lock word (CloudABI lock)   8   arena bump pointer   12  arena end
//   16  free-list heads for size classes 16 << k, k = 0..NCLASSES-1 (u32 each)
// Block layout: a u32 size (the class size, or the mapped length for large blocks) just below the pointer.
import { MAP_ANON_FD, MFLAGS, MPROT, SYS } from '@cosix/kernel/abi';
import type { Sys } from './sys.js';

export const PAGE = 4096;
const MAGIC = 0x47585343; // 'CSXG'
const G_LOCK = 4, G_BUMP = 8, G_END = 12, G_FREE = 16;
const NCLASSES = 15;                 // 16 B .. 256 KiB
const LARGE = 16 << (NCLASSES - 1);
const ARENA = 1 << 20;

interface Seg { start: number; len: number; offset: number; sab: SharedArrayBuffer }

export class Memory {
  u8: Uint8Array;
  dv: DataView;
  i32: Int32Array;
  readonly coreBytes: number;
  private segs: Seg[];

  constructor(readonly buffer: SharedArrayBuffer, segments: readonly Seg[], private readonly pullSegs: () => unknown) {
    this.u8 = new Uint8Array(buffer);
    this.dv = new DataView(buffer);
    this.i32 = new Int32Array(buffer);
    this.coreBytes = buffer.byteLength;
    this.segs = [...segments];
  }

  /** The buffer and offset behind address `addr` (core or a shared segment). */
  locate(addr: number): [SharedArrayBuffer, number] {
    if (addr < this.coreBytes) return [this.buffer, addr];
    // The kernel posts the segment list whenever it changes: take the newest first, so that a mapping made
    // where an unmapped one used to be is not served from the old one's buffer.
    const fresh = this.pullSegs() as Seg[] | undefined;
    if (fresh) this.segs = [...fresh];
    const s = this.segs.find((x) => addr >= x.start && addr < x.start + x.len);
    if (!s) throw new RangeError(`address 0x${addr.toString(16)} is not mapped`);
    return [s.sab, s.offset + addr - s.start];
  }

  /** A byte view of [addr, addr+len), wherever it lives. */
  bytes(addr: number, len: number): Uint8Array {
    const [buf, off] = this.locate(addr);
    return new Uint8Array(buf, off, len);
  }

  /** An Int32Array over the whole buffer holding `addr`, and the index of `addr` in it. */
  word(addr: number): [Int32Array, number] {
    const [buf, off] = this.locate(addr);
    return [buf === this.buffer ? this.i32 : new Int32Array(buf), off >> 2];
  }
}

/** The process heap: size-class free lists under one kernel-assisted lock, arenas from mem_map. */
export class Heap {
  constructor(private readonly mem: Memory, private readonly sys: Sys, readonly globals: number,
    private readonly lock: (addr: number) => void, private readonly unlock: (addr: number) => void) {}

  /** Maps and initialises the globals page; returns its address. */
  static createGlobals(sys: Sys, mem: Memory): number {
    const g = mmapAnon(sys, PAGE);
    mem.dv.setUint32(g, MAGIC, true);
    return g;
  }

  static valid(mem: Memory, g: number): boolean {
    return g > 0 && g + PAGE <= mem.coreBytes && mem.dv.getUint32(g, true) === MAGIC;
  }

  malloc(n: number): number {
    if (n <= 0) n = 1;
    if (n > LARGE - 8) return this.large(n);
    let k = 0;
    while ((16 << k) < n + 8) k++;
    const dv = this.mem.dv, g = this.globals;
    this.lock(g + G_LOCK);
    try {
      const head = dv.getUint32(g + G_FREE + 4 * k, true);
      if (head) {
        dv.setUint32(g + G_FREE + 4 * k, dv.getUint32(head, true), true);
        return head;
      }
      const size = 16 << k;
      let bump = dv.getUint32(g + G_BUMP, true), end = dv.getUint32(g + G_END, true);
      if (bump + size > end) {
        bump = mmapAnon(this.sys, ARENA);
        end = bump + ARENA;
        dv.setUint32(g + G_END, end, true);
      }
      dv.setUint32(g + G_BUMP, bump + size, true);
      dv.setUint32(bump, size, true);
      return bump + 8;
    } finally {
      this.unlock(g + G_LOCK);
    }
  }

  free(p: number): void {
    if (!p) return;
    const dv = this.mem.dv, size = dv.getUint32(p - 8, true);
    if (size >= LARGE) { this.sys.call(SYS.mem_unmap, p - 8, size); return; }
    let k = 0;
    while ((16 << k) < size) k++;
    const g = this.globals;
    this.lock(g + G_LOCK);
    dv.setUint32(p, dv.getUint32(g + G_FREE + 4 * k, true), true);
    dv.setUint32(g + G_FREE + 4 * k, p, true);
    this.unlock(g + G_LOCK);
  }

  private large(n: number): number {
    const len = Math.ceil((n + 8) / PAGE) * PAGE;
    const p = mmapAnon(this.sys, len);
    this.mem.dv.setUint32(p, len, true);
    return p + 8;
  }
}

/** Maps `len` bytes of private anonymous memory; throws on failure (the heap cannot continue without it). */
export function mmapAnon(sys: Sys, len: number): number {
  sys.arg(4, MAP_ANON_FD);
  sys.arg(5, 0);
  const e = sys.call(SYS.mem_map, 0, len, MPROT.READ | MPROT.WRITE, MFLAGS.ANON | MFLAGS.PRIVATE);
  if (e) throw new RangeError(`out of memory (mem_map errno ${e})`);
  return sys.r(0);
}
