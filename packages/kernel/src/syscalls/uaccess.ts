// Syscall arguments: the argument slots themselves (each must fit its type), and copying in and out of user
// memory. Each pointer and length is checked against the page table (EFAULT) and each byte is read once:
// the kernel works on its own copy.
import { E, IOVEC, LOOKUP, MPROT, type ArgType, type Layout, type SyscallSpec, setField } from '../abi/index.js';
import { decodePath } from '../path.js';
import { MAX_IO_BYTES, MAX_IOVS } from '../params.js';
import type { Thread } from '../thread.js';

export interface Iov { addr: number; len: number }

/** The largest value of each argument type narrower than its 64-bit slot (a lookup is {fd, flags}: see below). */
const WIDEST: Readonly<Record<Exclude<ArgType, 'u64' | 'lookup'>, number>> = { fd: 0xffffffff, u8: 0xff, u16: 0xffff, u32: 0xffffffff, ptr: 0xffffffff, size: 0xffffffff };

/**
 * The check the dispatcher makes before `spec`'s handler runs: every argument slot must fit its type
 * (the Thread's copy of the slots, read once). A value is never cut down to fit: fd_read(0x100000003) is
 * EBADF, not a read of fd 3. An fd with bits above 32 is EBADF; any other slot too wide for its type, or a
 * lookup with an unknown flag in its high word, is EINVAL. Undefined when `spec` has nothing to check.
 */
export function argumentsFit(spec: SyscallSpec): ((t: Thread) => number) | undefined {
  const slots = spec.args.flatMap(([, type], slot) => (type === 'u64' ? [] : [{ slot, type, max: type === 'lookup' ? 0xffffffff : WIDEST[type] }]));
  if (slots.length === 0) return undefined;
  return (t) => {
    for (const { slot, type, max } of slots) {
      if (type === 'lookup') {
        if (t.hi32(slot) & ~LOOKUP.SYMLINK_FOLLOW) return E.INVAL;
      } else if (t.hi32(slot) !== 0 || t.u32(slot) > max) return type === 'fd' ? E.BADF : E.INVAL;
    }
    return 0;
  };
}

/** Reads an iovec array: EINVAL for too many, EFAULT for a bad array. */
export function readIovs(t: Thread, ptr: number, n: number): Iov[] | number {
  if (n > MAX_IOVS) return E.INVAL;
  const raw = t.proc.vm.read(ptr, n * IOVEC.size);
  if (typeof raw === 'number') return raw;
  const dv = new DataView(raw.buffer);
  const iovs: Iov[] = [];
  let total = 0;
  for (let i = 0; i < n; i++) {
    const iov = { addr: dv.getUint32(i * 8, true), len: dv.getUint32(i * 8 + 4, true) };
    total += iov.len;
    if (total > MAX_IO_BYTES) return E.INVAL;
    iovs.push(iov);
  }
  return iovs;
}

/** Total length, or EFAULT when some buffer lacks `prot` access. */
export function checkIovs(t: Thread, iovs: Iov[], prot: number): number {
  let total = 0;
  for (const v of iovs) {
    const r = t.proc.vm.resolve(v.addr, v.len, prot);
    if (typeof r === 'number') return -r;
    total += v.len;
  }
  return total;
}

/** Views of user memory for the iovecs (each checked for `prot`), or an errno. Valid until memory changes. */
export function iovViews(t: Thread, iovs: Iov[], prot: number): Uint8Array[] | number {
  const out: Uint8Array[] = [];
  for (const v of iovs) {
    const r = t.proc.vm.resolve(v.addr, v.len, prot);
    if (typeof r === 'number') return r;
    if (v.len) out.push(r.u8.subarray(r.off, r.off + v.len));
  }
  return out;
}

/**
 * Copies the bytes the iovecs describe (for writes), each byte once, into a buffer of the kernel's (from
 * `alloc`, a new one by default).
 */
export function gather(t: Thread, iovs: Iov[], alloc: (n: number) => Uint8Array = (n) => new Uint8Array(n)): Uint8Array | number {
  const views = iovViews(t, iovs, MPROT.READ);
  if (typeof views === 'number') return views;
  const out = alloc(views.reduce((n, v) => n + v.length, 0));
  let at = 0;
  for (const v of views) { out.set(v, at); at += v.length; }
  return out;
}

/** Writes `data` across the iovecs (already checked writable). */
export function scatter(t: Thread, iovs: Iov[], data: Uint8Array): number {
  let at = 0;
  for (const v of iovs) {
    if (at >= data.length) break;
    const n = Math.min(v.len, data.length - at);
    const e = t.proc.vm.write(v.addr, data.subarray(at, at + n));
    if (e) return e;
    at += n;
  }
  return 0;
}

/** Reads and validates a path argument. */
export function readPath(t: Thread, ptr: number, len: number): string | number {
  if (len > 65536) return E.NAMETOOLONG;
  const b = t.proc.vm.read(ptr, len);
  if (typeof b === 'number') return b;
  return decodePath(b);
}

/** Writes a struct: `fields` by name per `l`, zero elsewhere. */
export function writeStruct(t: Thread, addr: number, l: Layout, fields: Record<string, number | bigint>): number {
  const buf = new DataView(new ArrayBuffer(l.size));
  for (const [k, v] of Object.entries(fields)) setField(buf, 0, l, k, v);
  return t.proc.vm.write(addr, new Uint8Array(buf.buffer));
}

/** Reads a struct as a DataView over a private copy. */
export function readStruct(t: Thread, addr: number, l: Layout): DataView | number {
  const b = t.proc.vm.read(addr, l.size);
  if (typeof b === 'number') return b;
  return new DataView(b.buffer);
}
