// The address space of a process. A process's memory is its "core", one shared WebAssembly.Memory of fixed
// size whose buffer every thread worker maps (so WebAssembly programs can use it as their linear memory), plus
// "segments": shared mappings backed by their own SharedArrayBuffer (anonymous shared memory, shared-memory
// objects), placed at addresses from SEGMENT_BASE up. A userland pointer is a u32 address in that space.
//
// The kernel keeps one protection byte per page of the core (0 = unmapped) and per page of each segment:
//
//   bit  7       6         5..3             2..0
//        MAPPED  RESERVED  maximum (MPROT)  current (MPROT: READ 1, WRITE 2, EXEC 4)
//
// The maximum is fixed when the page is mapped: everything for anonymous memory, and for a mapping of an
// object what the rights of its fd allowed (maxProtection). mem_protect never raises the current protection
// above it, and mem_sync writes back only pages whose maximum has WRITE. A page filled without a maximum
// (the kernel's own pages) can never be raised.
//
// Called only on the kernel thread. Page protections are enforced on every kernel access to user memory;
// JavaScript userland reads its memory through typed arrays, so protections bind it only through the kernel.
//
// Read-only shared mappings get mirrors. A SHARED mapping of an object (shm.ts, filecache.ts) whose maximum
// has WRITE maps the object's own buffer. One whose maximum lacks WRITE cannot: a JavaScript thread holds the
// raw SharedArrayBuffer of every segment it maps and can store into it, and those stores would be the
// object's. So it maps a Mirror, a buffer of its own that the kernel fills from the object when the mapping
// is made and refreshes (Mirrors.update) whenever the kernel writes the object (fd_write, fd_pwrite, resize,
// mem_sync INVALIDATE reloading a file) and at every mem_sync of the range by any mapper (publish). Stores
// into a mirror reach nothing but the mirror (shared with forked children, like every shared mapping), and
// the next refresh overwrites them.
//
// Segments never overlap and every page of a segment is mapped: unmapping part of one (mem_unmap, or a
// FIXED mapping over it, which replaces the overlapped part as POSIX MAP_FIXED does) splits it.
//
// Shared memory written here: the core, segment buffers and mirrors. Their contents belong to userland; the
// kernel reads them once per syscall argument (copying out) and writes results in place. Mirrors are written
// only by the kernel (Mirror.copyFrom); their owner's threads may store into them too, to no effect elsewhere.
import { E, MPROT, R } from './abi/index.js';
import { PAGE_SIZE, SEGMENT_BASE, SEGMENT_LIMIT } from './params.js';

export const MAPPED = 0x80;   // protection byte flag: the page is mapped (even with no access rights)
export const RESERVED = 0x40; // the kernel placed it (control blocks): userland may not unmap, remap or re-protect it
export const PROT_ALL = MPROT.READ | MPROT.WRITE | MPROT.EXEC; // the maximum of anonymous memory
const PROT_BITS = 7, MAX_SHIFT = 3;

/** A protection byte: mapped, with `prot` now and never more than `max`. */
function pageProt(prot: number, max: number): number {
  return MAPPED | (prot & PROT_BITS) | ((max & PROT_BITS) << MAX_SHIFT);
}

/** The protection bytes of a new segment of `len` bytes. */
export function segmentProt(len: number, prot: number, max: number): Uint8Array {
  return new Uint8Array(len / PAGE_SIZE).fill(pageProt(prot, max));
}

const maxOf = (b: number) => (b >> MAX_SHIFT) & PROT_BITS;

/**
 * The rights an fd needs for mem_map with `prot`. Every mapping needs FD_READ (as POSIX requires of mmap
 * whatever the protection): its pages are the object's bytes, and a JavaScript thread can read any buffer
 * mapped into it. A SHARED mapping with WRITE needs FD_WRITE too, because its stores reach the object; a
 * PRIVATE one does not, since its stores stay in a copy. EXEC needs MEM_MAP_EXEC.
 */
export function mapRights(prot: number, shared: boolean): bigint {
  let need = R.MEM_MAP | R.FD_READ;
  if (shared && prot & MPROT.WRITE) need |= R.FD_WRITE;
  if (prot & MPROT.EXEC) need |= R.MEM_MAP_EXEC;
  return need;
}

/** The most a mapping made through an fd with rights `base` may ever allow (its pages' maximum). */
export function maxProtection(base: bigint, shared: boolean): number {
  let max = MPROT.READ;
  if (!shared || base & R.FD_WRITE) max |= MPROT.WRITE;
  if (base & R.MEM_MAP_EXEC) max |= MPROT.EXEC;
  return max;
}

/**
 * What a segment maps, kept alive by the mapping: fork refs it, unmapping unrefs it, and a split segment
 * holds one reference per piece. `publish` (objects that read-only mappings mirror) refreshes the mirrors of
 * [off, off+len) of the object from the object's memory.
 */
export interface MappedObject { ref(): unknown; unref(): void; publish?(off: number, len: number): void }

/** An object that processes map SHARED (a shared-memory object, a daemon file's cache): its memory and mirrors. */
export interface SharedObject extends MappedObject { readonly backing: Backing; readonly mirrors: Mirrors }

export interface Backing {
  readonly id: number;               // equal ids mean the same memory
  readonly sab: SharedArrayBuffer;   // (a growable core gets a longer buffer after growth; see refresh)
  readonly futexes: Map<number, unknown>; // kernel-managed lock/condvar state by byte offset (futex.ts)
}

export interface Segment {
  readonly start: number;            // address of the first byte
  readonly len: number;              // bytes, a multiple of PAGE_SIZE
  readonly backing: Backing;
  readonly offset: number;           // where `start` falls in the backing buffer
  readonly prot: Uint8Array;         // one byte per page
  readonly object?: MappedObject;     // what it maps (an object, a Mirror of one, a memory charge), kept alive by it
}

/** Part of a range that maps an object's memory: `len` bytes at `offset` in it; `writable` if the mapping's maximum has WRITE. */
export interface ObjectRange { object: MappedObject; offset: number; len: number; writable: boolean }

/** A resolved user range: `len` bytes at `off` in `backing`. */
export interface UserRange { backing: Backing; u8: Uint8Array; off: number; len: number }

let nextBackingId = 1;
export function newBacking(sab: SharedArrayBuffer): Backing {
  return { id: nextBackingId++, sab, futexes: new Map() };
}

/**
 * A read-only mapping's copy of [at, at+len) of an object (see the header): its own buffer, which the
 * object's Mirrors refresh. It holds a reference on the object and the memory charge for its buffer; the
 * segments mapping it (a process's, its forked children's, the pieces of a split one) hold it.
 */
export class Mirror implements MappedObject {
  readonly backing: Backing;
  private refs = 1;

  constructor(private readonly live: Set<Mirror>, readonly object: SharedObject, readonly at: number, len: number, private readonly charge: { unref(): void }) {
    this.backing = newBacking(new SharedArrayBuffer(len));
    live.add(this);
  }

  ref(): this { this.refs++; return this; }

  unref(): void {
    if (--this.refs > 0) return;
    if (this.refs < 0) throw new Error('Mirror.unref: released twice');
    this.live.delete(this);
    this.charge.unref();
    this.object.unref();
  }

  /** Copies the part of [off, off+len) of the object's bytes `src` that this mirror covers. */
  copyFrom(src: Uint8Array, off: number, len: number): void {
    const dst = new Uint8Array(this.backing.sab);
    const lo = Math.max(off, this.at), hi = Math.min(off + len, this.at + dst.length, src.length);
    if (lo < hi) dst.set(src.subarray(lo, hi), lo - this.at);
  }
}

/** The mirrors of one object's memory (`source`: its buffer, which may grow). */
export class Mirrors {
  private readonly live = new Set<Mirror>();

  constructor(private readonly source: () => SharedArrayBuffer) {}

  /** The kernel wrote [off, off+len) of the object, or a mapper synced it: every mirror of it is refreshed. */
  update(off: number, len: number): void {
    if (this.live.size === 0) return;
    const src = new Uint8Array(this.source());
    for (const m of this.live) m.copyFrom(src, off, len);
  }

  /** A new mirror of [at, at+len) of `object`, filled now; it takes a reference on `object` and keeps `charge`. */
  add(object: SharedObject, at: number, len: number, charge: { unref(): void }): Mirror {
    object.ref();
    const m = new Mirror(this.live, object, at, len, charge);
    m.copyFrom(new Uint8Array(this.source()), at, len);
    return m;
  }
}

/**
 * The segment for a SHARED mapping of [offset, offset+len) of `obj` at `start`: the object's own buffer when
 * `max` has WRITE, else a mirror of that range (see the header), whose buffer `charge` (when given) pays for;
 * undefined when it cannot. The segment holds a reference on the object either way.
 */
export function objectSegment(obj: SharedObject, start: number, len: number, offset: number, prot: number, max: number,
  charge?: (bytes: number) => { unref(): void } | undefined): Segment | undefined {
  const pages = segmentProt(len, prot, max);
  if (max & MPROT.WRITE) { obj.ref(); return { start, len, backing: obj.backing, offset, prot: pages, object: obj }; }
  const paid = charge ? charge(len) : { unref() {} };
  if (!paid) return undefined;
  const m = obj.mirrors.add(obj, offset, len, paid);
  return { start, len, backing: m.backing, offset: 0, prot: pages, object: m };
}

export class AddressSpace {
  readonly memory: WebAssembly.Memory;
  readonly core: Backing;
  coreU8: Uint8Array;
  coreDv: DataView;
  coreBytes: number;
  readonly prot: Uint8Array;          // per core page, sized for the largest the core may grow to
  readonly segments: Segment[] = [];  // sorted by start
  readonly growable: boolean;         // a WebAssembly program's memory: it grows itself with memory.grow
  mappedBytes = 0;

  /** A fixed core of `coreBytes`, or (with `maxBytes`) a growable one that starts at `coreBytes`. */
  constructor(coreBytes: number, maxBytes?: number) {
    this.growable = maxBytes !== undefined;
    const max = maxBytes ?? coreBytes;
    this.memory = new WebAssembly.Memory({ initial: coreBytes / 65536, maximum: max / 65536, shared: true });
    this.core = newBacking(this.memory.buffer as unknown as SharedArrayBuffer);
    this.coreBytes = coreBytes;
    this.coreU8 = new Uint8Array(this.core.sab);
    this.coreDv = new DataView(this.core.sab);
    this.prot = new Uint8Array(max / PAGE_SIZE);
    // A WebAssembly program's memory is all its own from the start: mapped read-write, as wasm sees it.
    if (this.growable) { this.prot.fill(pageProt(MPROT.READ | MPROT.WRITE, PROT_ALL), 0, coreBytes / PAGE_SIZE); this.mappedBytes = coreBytes; }
  }

  /**
   * Picks up growth done by the program itself (memory.grow): the new pages are mapped read-write, as the
   * WebAssembly semantics say. Futex state stays keyed by the core's Backing, whose buffer is replaced.
   */
  refresh(): void {
    const buf = this.memory.buffer as unknown as SharedArrayBuffer;
    if (buf.byteLength <= this.coreBytes) return;
    for (let p = this.coreBytes / PAGE_SIZE; p < buf.byteLength / PAGE_SIZE; p++) this.prot[p] = pageProt(MPROT.READ | MPROT.WRITE, PROT_ALL);
    this.mappedBytes += buf.byteLength - this.coreBytes;
    (this.core as { sab: SharedArrayBuffer }).sab = buf;
    this.coreU8 = new Uint8Array(buf);
    this.coreDv = new DataView(buf);
    this.coreBytes = buf.byteLength;
  }

  /** Resolves [addr, addr+len) for an access needing `need` (MPROT bits); an errno when it is not allowed. */
  resolve(addr: number, len: number, need: number): UserRange | number {
    if (!Number.isInteger(addr) || !Number.isInteger(len) || addr < 0 || len < 0 || addr + len > 0x100000000) return E.FAULT;
    if (this.growable && addr + len > this.coreBytes && addr < this.prot.length * PAGE_SIZE) this.refresh();
    if (addr + len <= this.coreBytes) {
      if (!pagesAllow(this.prot, addr, len, need)) return E.FAULT;
      return { backing: this.core, u8: this.coreU8, off: addr, len };
    }
    const seg = this.segmentAt(addr);
    if (!seg || addr + len > seg.start + seg.len || !pagesAllow(seg.prot, addr - seg.start, len, need)) return E.FAULT;
    return { backing: seg.backing, u8: new Uint8Array(seg.backing.sab), off: seg.offset + addr - seg.start, len };
  }

  /** Copies `len` bytes out of user memory (the kernel's single read of them), or an errno. */
  read(addr: number, len: number): Uint8Array | number {
    const r = this.resolve(addr, len, MPROT.READ);
    if (typeof r === 'number') return r;
    return r.u8.slice(r.off, r.off + len);
  }

  /** Copies `bytes` into user memory; an errno when the range is not writable. */
  write(addr: number, bytes: Uint8Array): number {
    const r = this.resolve(addr, bytes.length, MPROT.WRITE);
    if (typeof r === 'number') return r;
    r.u8.set(bytes, r.off);
    return 0;
  }

  /** A DataView over a writable/readable user struct, valid until the next mapping change. */
  view(addr: number, len: number, need: number): DataView | number {
    const r = this.resolve(addr, len, need);
    if (typeof r === 'number') return r;
    return new DataView(r.backing.sab, r.off, len);
  }

  segmentAt(addr: number): Segment | undefined {
    for (const s of this.segments) if (addr >= s.start && addr < s.start + s.len) return s;
    return undefined;
  }

  /**
   * Marks core pages [addr, addr+len) mapped with `prot` (which may carry RESERVED, for the kernel's own
   * pages), never more than `max`, zero-filled. Caller checked the range.
   */
  mapCore(addr: number, len: number, prot: number, max = PROT_ALL): void {
    const b = pageProt(prot, max) | (prot & RESERVED);
    for (let p = addr / PAGE_SIZE; p < (addr + len) / PAGE_SIZE; p++) {
      if (!this.prot[p]) this.mappedBytes += PAGE_SIZE;
      this.prot[p] = b;
    }
    this.coreU8.fill(0, addr, addr + len);
  }

  /** Finds `len` bytes of unmapped core (first fit, page aligned), or -1. */
  findFreeCore(len: number): number {
    const need = len / PAGE_SIZE;
    let run = 0;
    for (let p = 1; p < this.prot.length; p++) {
      run = this.prot[p] ? 0 : run + 1;
      if (run === need) return (p - need + 1) * PAGE_SIZE;
    }
    return -1;
  }

  /** Finds a free address range for a segment of `len` bytes, or -1. */
  findFreeSegmentRange(len: number): number {
    let at = Math.max(SEGMENT_BASE, this.prot.length * PAGE_SIZE);
    for (const s of this.segments) {
      if (s.start - at >= len) break;
      at = Math.max(at, s.start + s.len);
    }
    return at + len <= SEGMENT_LIMIT ? at : -1;
  }

  addSegment(seg: Segment): void {
    this.segments.push(seg);
    this.segments.sort((a, b) => a.start - b.start);
    this.mappedBytes += seg.len;
  }

  /**
   * Unmaps [addr, addr+len): core pages become unmapped; a segment it covers goes, one it overlaps is cut to
   * the pieces outside the range (a piece before and one after, each holding a reference on what the segment
   * mapped). True when some segment changed (its threads must get the new list).
   */
  unmap(addr: number, len: number): boolean {
    const coreEnd = Math.min(addr + len, this.coreBytes);
    for (let p = addr / PAGE_SIZE; p < coreEnd / PAGE_SIZE; p++) {
      if (this.prot[p]) this.mappedBytes -= PAGE_SIZE;
      this.prot[p] = 0;
    }
    let changed = false;
    for (const s of [...this.segments]) {
      const end = s.start + s.len, lo = Math.max(addr, s.start), hi = Math.min(addr + len, end);
      if (lo >= hi) continue;
      changed = true;
      const pieces = [...(s.start < lo ? [piece(s, s.start, lo)] : []), ...(hi < end ? [piece(s, hi, end)] : [])];
      this.dropSegment(s, pieces.length > 0);
      if (pieces.length === 2) s.object?.ref();
      this.mappedBytes -= s.len;
      for (const x of pieces) this.addSegment(x);
    }
    return changed;
  }

  /**
   * Sets protections on [addr, addr+len): every page must be mapped (ENOMEM otherwise) and allow `prot` in
   * its maximum (ENOTCAPABLE otherwise: the fd it was mapped through lacked the right). All or nothing.
   */
  protect(addr: number, len: number, prot: number): number {
    if (!this.allMapped(addr, len)) return E.NOMEM;
    let allowed = true;
    this.forEachProt(addr, len, (arr, i) => { if (prot & ~maxOf(arr[i])) allowed = false; });
    if (!allowed) return E.NOTCAPABLE;
    this.forEachProt(addr, len, (arr, i) => { arr[i] = (arr[i] & ~PROT_BITS) | prot; });
    return 0;
  }

  /**
   * The parts of [addr, addr+len) (page aligned) that map objects' memory, page runs merged, each with
   * whether its maximum has WRITE: only those may be written back to their object (mem_sync).
   */
  objectRanges(addr: number, len: number): ObjectRange[] {
    const out: ObjectRange[] = [];
    for (const s of this.segments) {
      if (!s.object) continue;
      // A mirror's pages stand for the object's bytes from the mirror's `at` on.
      const mirror = s.object instanceof Mirror ? s.object : undefined, object = mirror?.object ?? s.object;
      const lo = Math.max(addr, s.start), hi = Math.min(addr + len, s.start + s.len);
      for (let a = lo; a < hi; a += PAGE_SIZE) {
        const b = s.prot[(a - s.start) / PAGE_SIZE];
        if (!b) continue;
        const offset = (mirror?.at ?? 0) + s.offset + a - s.start, writable = (maxOf(b) & MPROT.WRITE) !== 0, last = out[out.length - 1];
        if (last && last.object === object && last.writable === writable && last.offset + last.len === offset) last.len += PAGE_SIZE;
        else out.push({ object, offset, len: PAGE_SIZE, writable });
      }
    }
    return out;
  }

  /**
   * True when [addr, addr+len) touches a page the kernel reserved (mem_* calls then fail with EINVAL): in the
   * core (a JS process's control blocks) or in a segment (a WebAssembly process's kernel pages).
   */
  overlapsReserved(addr: number, len: number): boolean {
    const end = Math.min(addr + len, this.coreBytes);
    for (let a = addr - (addr % PAGE_SIZE); a < end; a += PAGE_SIZE) if (this.prot[a / PAGE_SIZE] & RESERVED) return true;
    for (const s of this.segments) {
      const lo = Math.max(addr, s.start), hi = Math.min(addr + len, s.start + s.len);
      for (let a = lo - ((lo - s.start) % PAGE_SIZE); a < hi; a += PAGE_SIZE) if (s.prot[(a - s.start) / PAGE_SIZE] & RESERVED) return true;
    }
    return false;
  }

  /** True when every page of [addr, addr+len) is mapped. */
  allMapped(addr: number, len: number): boolean {
    let ok = true;
    this.forEachProt(addr, len, (arr, i) => { if (!arr[i]) ok = false; }, () => { ok = false; });
    return ok;
  }

  private forEachProt(addr: number, len: number, fn: (arr: Uint8Array, i: number) => void, hole?: () => void): void {
    for (let a = addr; a < addr + len; a += PAGE_SIZE) {
      if (a < this.coreBytes) { fn(this.prot, a / PAGE_SIZE); continue; }
      const s = this.segmentAt(a);
      if (s) fn(s.prot, (a - s.start) / PAGE_SIZE);
      else hole?.();
    }
  }

  /** Removes `s`; its reference on what it maps goes with it unless `keepRef` (its pieces take it over). */
  private dropSegment(s: Segment, keepRef = false): void {
    this.segments.splice(this.segments.indexOf(s), 1);
    if (!keepRef) s.object?.unref();
  }

  /** Releases every segment (process teardown). */
  destroy(): void {
    for (const s of [...this.segments]) this.dropSegment(s);
    this.prot.fill(0);
    this.mappedBytes = 0;
  }
}

/** The part [from, to) of segment `s` (page aligned, inside it) as a segment of its own. */
function piece(s: Segment, from: number, to: number): Segment {
  const p0 = (from - s.start) / PAGE_SIZE, p1 = (to - s.start) / PAGE_SIZE;
  return { ...s, start: from, len: to - from, offset: s.offset + from - s.start, prot: s.prot.slice(p0, p1) };
}

function pagesAllow(prot: Uint8Array, off: number, len: number, need: number): boolean {
  if (len === 0) return off / PAGE_SIZE < prot.length + 1;
  const first = Math.floor(off / PAGE_SIZE), last = Math.floor((off + len - 1) / PAGE_SIZE);
  for (let p = first; p <= last; p++) {
    const b = prot[p];
    if (!(b & MAPPED) || (b & need & PROT_BITS) !== (need & PROT_BITS)) return false;
    if (b & RESERVED && need & MPROT.WRITE) return false; // syscalls never write into control blocks
  }
  return true;
}
