// mem_map, mem_unmap, mem_protect, mem_sync, mem_advise. Mechanism in vm.ts: the rights a mapping needs
// (mapRights), the most it may ever allow (maxProtection, kept in each page's protection byte), the segment
// of a shared mapping (objectSegment: the object's memory, or a mirror of it for a read-only mapping), and
// which parts of a range may be written back to their object (objectRanges).
import { ADVICE, E, FILETYPE, MAP_ANON_FD, MFLAGS, MPROT, FILESTAT, MSFLAGS, OP, PSEUDO_MAX_DATA } from '../abi/index.js';
import { FileCache } from '../filecache.js';
import type { KObject } from '../object.js';
import { isPseudo, rpc, type PseudoObject } from '../pseudo.js';
import { pReadAll, pReadRange, pSize } from './pseudofile.js';
import { MAX_SHARED_FILE_BYTES, PAGE_SIZE } from '../params.js';
import { ShmObject } from '../shm.js';
import type { Ret, Thread } from '../thread.js';
import { TreeFile } from '../vfs.js';
import { PROT_ALL, mapRights, maxProtection, newBacking, objectSegment, segmentProt, type AddressSpace, type SharedObject } from '../vm.js';

const pageUp = (n: number) => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;

function checkProt(prot: number): number {
  if ((prot & ~(MPROT.READ | MPROT.WRITE | MPROT.EXEC)) !== 0) return E.INVAL;
  if (prot & MPROT.WRITE && prot & MPROT.EXEC) return E.NOTSUP; // W^X
  return 0;
}

/** Objects mem_map can map: shared-memory objects, kernel files (privately) and daemons' regular files. */
const isMappable = (o: KObject): o is ShmObject | TreeFile | PseudoObject =>
  o instanceof ShmObject || o instanceof TreeFile || (isPseudo(o) && o.type === FILETYPE.REGULAR_FILE);

/** Where to put `len` bytes: the fixed address, or a free place in the core or segment area. */
function place(vm: AddressSpace, addr: number, len: number, fixed: boolean, inCore: boolean): number {
  if (!fixed) return inCore ? vm.findFreeCore(len) : vm.findFreeSegmentRange(len);
  if (addr % PAGE_SIZE !== 0 || addr === 0 || vm.overlapsReserved(addr, len)) return -E.INVAL;
  if (inCore ? addr + len > vm.coreBytes : addr < vm.coreBytes || addr + len > 0xf0000000) return -E.NOMEM;
  return addr;
}

export function mem_map(t: Thread): Ret {
  const addr = t.u32(0), rawLen = t.u32(1), prot = t.u32(2), flags = t.u32(3), fd = t.u32(4), off = t.u64(5);
  if (rawLen === 0 || (flags & ~(MFLAGS.ANON | MFLAGS.FIXED | MFLAGS.PRIVATE | MFLAGS.SHARED)) !== 0) return E.INVAL;
  const shared = (flags & MFLAGS.SHARED) !== 0;
  if (shared === ((flags & MFLAGS.PRIVATE) !== 0)) return E.INVAL;
  const pe = checkProt(prot);
  if (pe) return pe;
  const len = pageUp(rawLen), vm = t.proc.vm, fixed = (flags & MFLAGS.FIXED) !== 0;
  if (flags & MFLAGS.ANON) {
    if (fd !== MAP_ANON_FD || off !== 0n) return E.INVAL;
    // A WebAssembly program's core belongs to its own allocator: its anonymous maps go to segments too.
    const at = place(vm, addr, len, fixed, !shared && !vm.growable);
    if (at < 0) return at === -1 ? E.NOMEM : -at;
    if (shared || vm.growable) {
      const hold = t.proc.mem.hold(len); // the machine's memory (memacct.ts), released with the last mapping
      if (!hold) return E.NOMEM;
      vm.unmap(at, len);
      const sab = new SharedArrayBuffer(len);
      vm.addSegment({ start: at, len, backing: newBacking(sab), offset: 0, prot: segmentProt(len, prot, PROT_ALL), object: hold });
      t.kernel.segmentAdded(t.proc);
    } else vm.mapCore(at, len, prot);
    t.setResult(at);
    return 0;
  }
  const got = t.proc.fds.getObj(fd, mapRights(prot, shared), isMappable, E.NODEV);
  if (typeof got === 'number') return got;
  const [f, obj] = got;
  if (off % BigInt(PAGE_SIZE) !== 0n) return E.INVAL;
  const m: MapRequest = { addr, len, prot, max: maxProtection(f.base, shared), fixed, off };
  if (isPseudo(obj)) return mapPseudo(t, obj, m, shared);
  if (shared && obj instanceof ShmObject) return mapShared(t, m, obj, obj.size());
  if (shared) return E.NOTSUP; // read-only kernel files are mapped privately
  // A private mapping is a snapshot: the object's bytes are copied in now (copy-on-write done eagerly).
  const at = place(vm, addr, len, fixed, true);
  if (at < 0) return at === -1 ? E.NOMEM : -at;
  const bytes = obj.pread(f.desc, len, off);
  vm.mapCore(at, len, prot, m.max);
  if (typeof bytes !== 'number') vm.coreU8.set(bytes, at);
  t.setResult(at);
  return 0;
}

function range(t: Thread): [number, number] | number {
  const addr = t.u32(0), len = t.u32(1);
  if (addr % PAGE_SIZE !== 0) return E.INVAL;
  if (len === 0) return E.INVAL;
  const l = pageUp(len);
  if (addr + l > 0x100000000 || t.proc.vm.overlapsReserved(addr, l)) return E.INVAL;
  return [addr, l];
}

export function mem_unmap(t: Thread): Ret {
  const r = range(t);
  if (typeof r === 'number') return r;
  if (t.proc.vm.unmap(r[0], r[1])) t.kernel.segmentAdded(t.proc); // threads drop (or cut) the segment too
  return 0;
}

export function mem_protect(t: Thread): Ret {
  const r = range(t);
  if (typeof r === 'number') return r;
  const prot = t.u32(2);
  const pe = checkProt(prot);
  if (pe) return pe;
  return t.proc.vm.protect(r[0], r[1], prot);
}

export function mem_sync(t: Thread): Ret {
  const r = range(t);
  if (typeof r === 'number') return r;
  const fl = t.u32(2);
  if ((fl & ~(MSFLAGS.ASYNC | MSFLAGS.INVALIDATE | MSFLAGS.SYNC)) !== 0) return E.INVAL;
  if (fl & MSFLAGS.ASYNC && fl & MSFLAGS.SYNC) return E.INVAL;
  if (!t.proc.vm.allMapped(r[0], r[1])) return E.NOMEM;
  // Writable mappings of an object are its own memory: their stores now reach its read-only mappings
  // (mirrors), and so does INVALIDATE. Mappings of daemon files also write the range back to the file (or,
  // with INVALIDATE, reload it from the file). Only the parts mapped through an fd with FD_WRITE are
  // published or written back: a read-only mapping never reaches the object.
  const invalidate = (fl & MSFLAGS.INVALIDATE) !== 0;
  const parts: [FileCache, number, number][] = [];
  for (const o of t.proc.vm.objectRanges(r[0], r[1])) {
    if (!o.writable && !invalidate) continue;
    o.object.publish?.(o.offset, o.len);
    if (o.object instanceof FileCache) parts.push([o.object, o.offset, Math.min(o.len, o.object.size - o.offset)]);
  }
  // Each part goes in requests of at most PSEUDO_MAX_DATA bytes.
  const step = (i: number): Ret => {
    if (i >= parts.length) return 0;
    const [c, off, n] = parts[i];
    if (n <= 0) return step(i + 1);
    if (invalidate) {
      return pReadRange(t, c.file, BigInt(off), n, (b) => {
        if (typeof b === 'number') return b;
        c.load(b, off);
        return step(i + 1);
      });
    }
    const chunk = Math.min(n, PSEUDO_MAX_DATA);
    if (chunk < n) parts.splice(i + 1, 0, [c, off + chunk, n - chunk]);
    // A short write-back (a full disk behind hostfs) must not pass for a sync.
    return rpc(t, c.file, { op: OP.PWRITE, arg1: BigInt(off), data1: c.bytes.slice(off, off + chunk) }, (a) => (Number(a.value1) === chunk ? step(i + 1) : E.IO));
  };
  return step(0);
}

/** A mapping of an object, checked: `max` is the most its pages may ever allow (from the fd's rights). */
interface MapRequest { addr: number; len: number; prot: number; max: number; fixed: boolean; off: bigint }

/**
 * Maps [off, off+len) of `obj` (an object's shared memory of `size` bytes) into a segment (vm.ts
 * objectSegment: a read-only mapping gets a mirror). A FIXED one replaces what it overlaps.
 */
function mapShared(t: Thread, m: MapRequest, obj: SharedObject, size: bigint): Ret {
  if (m.off + BigInt(m.len) > size) return E.NXIO;
  const vm = t.proc.vm;
  const at = place(vm, m.addr, m.len, m.fixed, false);
  if (at < 0) return at === -1 ? E.NOMEM : -at;
  // A mirror's buffer is charged to the process (memacct.ts), released with the mapping.
  const seg = objectSegment(obj, at, m.len, Number(m.off), m.prot, m.max, (n) => t.proc.mem.hold(n));
  if (!seg) return E.NOMEM;
  vm.unmap(at, m.len);
  vm.addSegment(seg);
  t.kernel.segmentAdded(t.proc);
  t.setResult(at);
  return 0;
}

/** mem_map of a daemon's regular file: a private snapshot, or the file's shared cache (filecache.ts). */
function mapPseudo(t: Thread, file: PseudoObject, m: MapRequest, shared: boolean): Ret {
  const vm = t.proc.vm, { addr, len, fixed, off } = m;
  if (!shared) {
    // Room first (a mapping that cannot be placed reads nothing), then only the part of the range that the
    // file holds: the rest of the mapping is zeros.
    const room = place(vm, addr, len, fixed, true);
    if (room < 0) return room === -1 ? E.NOMEM : -room;
    return pSize(t, file, (size) => {
      if (typeof size === 'number') return size;
      const n = off >= size ? 0 : Number(BigInt(len) < size - off ? BigInt(len) : size - off);
      return pReadRange(t, file, off, n, (b) => {
        if (typeof b === 'number') return b;
        const at = place(vm, addr, len, fixed, true); // again: another thread may have mapped meanwhile
        if (at < 0) return at === -1 ? E.NOMEM : -at;
        vm.mapCore(at, len, m.prot, m.max);
        vm.coreU8.fill(0, at, at + len);
        vm.coreU8.set(b, at);
        t.setResult(at);
        return 0;
      });
    });
  }
  return rpc(t, file, { op: OP.STAT_FGET }, (st) => {
    if (st.data.length !== FILESTAT.size) return E.IO;
    const ino = new DataView(st.data.buffer, st.data.byteOffset, FILESTAT.size).getBigUint64(8, true);
    const key = t.kernel.fileCaches.key(file.reverse, ino);
    const mapIt = (c: FileCache): Ret => mapShared(t, m, c, BigInt(c.size));
    const cached = t.kernel.fileCaches.get(key);
    if (cached) return mapIt(cached);
    return pReadAll(t, file, MAX_SHARED_FILE_BYTES, E.NOMEM, (bytes) => {
      if (typeof bytes === 'number') return bytes;
      const c = t.kernel.fileCaches.get(key) ?? t.kernel.fileCaches.create(key, file, bytes, t.proc.mem);
      if (!c) return E.NOMEM;
      // The attempt holds the cache: if the mapping fails (ENXIO, ENOMEM) a cache made for it goes again
      // with this reference, instead of staying behind with none (and a reference on the file).
      c.ref();
      const r = mapIt(c);
      c.unref();
      return r;
    });
  });
}

export function mem_advise(t: Thread): Ret {
  const r = range(t);
  if (typeof r === 'number') return r;
  const advice = t.u32(2);
  if (advice < ADVICE.DONTNEED || advice > ADVICE.WILLNEED) return E.INVAL;
  const vm = t.proc.vm;
  if (!vm.allMapped(r[0], r[1])) return E.NOMEM;
  // DONTNEED on private memory drops the pages: they read back as zeros, as on Linux.
  if (advice === ADVICE.DONTNEED && r[0] + r[1] <= vm.coreBytes) vm.coreU8.fill(0, r[0], r[0] + r[1]);
  return 0;
}
