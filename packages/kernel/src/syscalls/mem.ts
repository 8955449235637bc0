// mem_map, mem_unmap, mem_protect, mem_sync, mem_advise. Mechanism in vm.ts.
import { ADVICE, E, MAP_ANON_FD, MFLAGS, MPROT, MSFLAGS, R } from '../abi/index.js';
import { PAGE_SIZE } from '../params.js';
import { ShmObject } from '../shm.js';
import type { Ret, Thread } from '../thread.js';
import { TreeFile } from '../vfs.js';
import { MAPPED, newBacking, type AddressSpace } from '../vm.js';

const pageUp = (n: number) => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;

function checkProt(prot: number): number {
  if ((prot & ~(MPROT.READ | MPROT.WRITE | MPROT.EXEC)) !== 0) return E.INVAL;
  if (prot & MPROT.WRITE && prot & MPROT.EXEC) return E.NOTSUP; // W^X
  return 0;
}

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
    const at = place(vm, addr, len, fixed, !shared);
    if (at < 0) return at === -1 ? E.NOMEM : -at;
    if (shared) {
      vm.unmap(at, len);
      const sab = new SharedArrayBuffer(len);
      vm.addSegment({ start: at, len, backing: newBacking(sab), offset: 0, prot: new Uint8Array(len / PAGE_SIZE).fill(MAPPED | prot) });
      t.kernel.segmentAdded(t.proc);
    } else vm.mapCore(at, len, prot);
    t.setResult(at);
    return 0;
  }
  const f = t.proc.fds.get(fd, R.MEM_MAP | (prot & MPROT.EXEC ? R.MEM_MAP_EXEC : 0n));
  if (typeof f === 'number') return f;
  if (off % BigInt(PAGE_SIZE) !== 0n) return E.INVAL;
  const obj = f.desc.obj;
  if (!(obj instanceof ShmObject) && !(obj instanceof TreeFile)) return E.NODEV;
  if (shared && obj instanceof ShmObject) {
    if (off + BigInt(len) > obj.size()) return E.NXIO;
    const at = place(vm, addr, len, fixed, false);
    if (at < 0) return at === -1 ? E.NOMEM : -at;
    vm.unmap(at, len);
    vm.addSegment({ start: at, len, backing: obj.backing, offset: Number(off), prot: new Uint8Array(len / PAGE_SIZE).fill(MAPPED | prot), object: obj.ref() });
    t.kernel.segmentAdded(t.proc);
    t.setResult(at);
    return 0;
  }
  if (shared) return E.NOTSUP; // read-only kernel files are mapped privately
  // A private mapping is a snapshot: the object's bytes are copied in now (copy-on-write done eagerly).
  const at = place(vm, addr, len, fixed, true);
  if (at < 0) return at === -1 ? E.NOMEM : -at;
  const bytes = obj.pread(f.desc, len, off);
  vm.mapCore(at, len, prot);
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
  t.proc.vm.unmap(r[0], r[1]);
  return 0;
}

export function mem_protect(t: Thread): Ret {
  const r = range(t);
  if (typeof r === 'number') return r;
  const pe = checkProt(t.u32(2));
  if (pe) return pe;
  return t.proc.vm.protect(r[0], r[1], t.u32(2));
}

export function mem_sync(t: Thread): Ret {
  const r = range(t);
  if (typeof r === 'number') return r;
  const fl = t.u32(2);
  if ((fl & ~(MSFLAGS.ASYNC | MSFLAGS.INVALIDATE | MSFLAGS.SYNC)) !== 0) return E.INVAL;
  if (fl & MSFLAGS.ASYNC && fl & MSFLAGS.SYNC) return E.INVAL;
  // Shared mappings are the object's own memory, so there is nothing to write back; the range must be mapped.
  return t.proc.vm.allMapped(r[0], r[1]) ? 0 : E.NOMEM;
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
