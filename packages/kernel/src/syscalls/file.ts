// file_* system calls. Kernel-served directories (bootfs, procfs) are read-only trees: calls that would
// change them need rights those fds never carry (ENOTCAPABLE). Shared-memory objects take size changes.
import { ADVICE, DIRENT, E, FDSTAT, FILESTAT, FILETYPE, FSFLAGS, LOOKUP, OFLAGS, OP, R, ULFLAGS } from '../abi/index.js';
import type { KObject, Stat } from '../object.js';
import { ShmObject } from '../shm.js';
import type { Ret, Thread } from '../thread.js';
import { TreeDir, TreeFile } from '../vfs.js';
import { isPseudo, isPseudoDir, PseudoObject } from '../pseudo.js';
import { pCreate, pOpen, pReaddir, pReadlink, pSimple, pStatFget, pStatGet, pStatPut, pSymlink, pTwoPath, pUnlink } from './pseudofile.js';
import { installNew } from './fd.js';
import { readPath, readStruct, writeStruct } from './uaccess.js';

type Dir = TreeDir | PseudoObject;
const isDir = (o: KObject): o is Dir => o instanceof TreeDir || isPseudoDir(o);
/** The lookup flags in the high word of a `lookup` argument slot. */
const follow = (t: Thread, slot: number) => t.hi32(slot) & LOOKUP.SYMLINK_FOLLOW;

function writeStat(t: Thread, addr: number, s: Stat): number {
  return writeStruct(t, addr, FILESTAT, {
    st_dev: s.dev, st_ino: s.ino, st_filetype: s.filetype, st_nlink: s.nlink, st_size: s.size,
    st_atim: s.atim, st_mtim: s.mtim, st_ctim: s.ctim,
  });
}

/** The directory behind a path call's fd, with `rights`. */
function dirArg(t: Thread, fd: number, rights: bigint) {
  return t.proc.fds.getObj(fd, rights, isDir, E.NOTDIR);
}

export function file_open(t: Thread): Ret {
  const d = dirArg(t, t.u32(0), R.FILE_OPEN);
  if (typeof d === 'number') return d;
  const path = readPath(t, t.u32(1), t.u32(2));
  if (typeof path === 'number') return path;
  const oflags = t.u32(3);
  if ((oflags & ~(OFLAGS.CREAT | OFLAGS.DIRECTORY | OFLAGS.EXCL | OFLAGS.TRUNC)) !== 0) return E.INVAL;
  const st = readStruct(t, t.u32(4), FDSTAT);
  if (typeof st === 'number') return st;
  const flags = st.getUint16(2, true), base = st.getBigUint64(8, true), inh = st.getBigUint64(16, true);
  const [dirFd, dir] = d;
  if ((base & ~dirFd.inheriting) !== 0n || (inh & ~dirFd.inheriting) !== 0n) return E.NOTCAPABLE;
  if (oflags & OFLAGS.CREAT && (dirFd.base & R.FILE_CREATE_FILE) === 0n) return E.NOTCAPABLE;
  if (oflags & OFLAGS.TRUNC && (base & R.FILE_STAT_FPUT_SIZE) === 0n) return E.NOTCAPABLE;
  if (isPseudo(dir)) return pOpen(t, dir, path, oflags, follow(t, 0), { base, inheriting: inh }, flags);
  const obj = dir.open(path, oflags);
  if (typeof obj === 'number') return obj;
  if (oflags & OFLAGS.CREAT && oflags & OFLAGS.EXCL) { obj.ref().unref(); return E.EXIST; }
  if (oflags & OFLAGS.DIRECTORY && obj.type !== FILETYPE.DIRECTORY) { obj.ref().unref(); return E.NOTDIR; }
  if (oflags & OFLAGS.TRUNC) { obj.ref().unref(); return E.ROFS; }
  const fd = installNew(t, obj, { base, inheriting: inh }, flags);
  if (fd < 0) return -fd;
  t.setResult(fd);
  return 0;
}

export function file_readdir(t: Thread): Ret {
  const d = dirArg(t, t.u32(0), R.FILE_READDIR);
  if (typeof d === 'number') return d;
  const buf = t.u32(1), len = t.u32(2), cookie = t.u64(3);
  if (isPseudo(d[1])) return pReaddir(t, d[1], buf, len, cookie);
  const out = new Uint8Array(len);
  let used = 0;
  for (const e of d[1].readdir(cookie)) {
    const name = new TextEncoder().encode(e.name);
    const rec = new Uint8Array(DIRENT.size + name.length);
    const rdv = new DataView(rec.buffer);
    rdv.setBigUint64(0, e.next, true); rdv.setBigUint64(8, e.ino, true);
    rdv.setUint32(16, name.length, true); rdv.setUint8(20, e.type);
    rec.set(name, DIRENT.size);
    const n = Math.min(rec.length, len - used); // the last record may be cut short: the caller sees bufused == len
    out.set(rec.subarray(0, n), used);
    used += n;
    if (used >= len) break;
  }
  const e = t.proc.vm.write(buf, out.subarray(0, used));
  if (e) return e;
  t.setResult(used);
  return 0;
}

export function file_stat_fget(t: Thread): Ret {
  const f = t.proc.fds.get(t.u32(0), R.FILE_STAT_FGET);
  if (typeof f === 'number') return f;
  if (isPseudo(f.desc.obj)) return pStatFget(t, f.desc.obj, t.u32(1));
  return writeStat(t, t.u32(1), f.desc.obj.stat());
}

export function file_stat_get(t: Thread): Ret {
  const d = dirArg(t, t.u32(0), R.FILE_STAT_GET);
  if (typeof d === 'number') return d;
  const path = readPath(t, t.u32(1), t.u32(2));
  if (typeof path === 'number') return path;
  if (isPseudo(d[1])) return pStatGet(t, d[1], path, follow(t, 0), t.u32(3));
  const s = d[1].statPath(path);
  if (typeof s === 'number') return s;
  return writeStat(t, t.u32(3), s);
}

export function file_stat_fput(t: Thread): Ret {
  const fl = t.u32(2);
  const known = FSFLAGS.ATIM | FSFLAGS.ATIM_NOW | FSFLAGS.MTIM | FSFLAGS.MTIM_NOW | FSFLAGS.SIZE;
  if (fl === 0 || (fl & ~known) !== 0) return E.INVAL;
  const size = (fl & FSFLAGS.SIZE) !== 0;
  if (size && fl !== FSFLAGS.SIZE) return E.INVAL;
  const f = t.proc.fds.get(t.u32(0), size ? R.FILE_STAT_FPUT_SIZE : R.FILE_STAT_FPUT_TIMES);
  if (typeof f === 'number') return f;
  const st = readStruct(t, t.u32(1), FILESTAT);
  if (typeof st === 'number') return st;
  const obj = f.desc.obj;
  if (isPseudo(obj)) return pStatPut(t, obj, undefined, 0, new Uint8Array(st.buffer), fl);
  if (size) return obj instanceof ShmObject ? obj.resize(st.getBigUint64(24, true)) : E.INVAL;
  return obj instanceof TreeDir || obj instanceof TreeFile ? E.ROFS : 0;
}

export function file_allocate(t: Thread): Ret {
  const f = t.proc.fds.get(t.u32(0), R.FILE_ALLOCATE);
  if (typeof f === 'number') return f;
  const off = t.u64(1), len = t.u64(2);
  if (len === 0n) return E.INVAL;
  const obj = f.desc.obj;
  if (isPseudo(obj)) return pSimple(t, obj, OP.ALLOCATE, off, len);
  if (!(obj instanceof ShmObject)) return E.INVAL;
  return off + len > obj.size() ? obj.resize(off + len) : 0;
}

export function file_advise(t: Thread): Ret {
  const f = t.proc.fds.get(t.u32(0), R.FILE_ADVISE);
  if (typeof f === 'number') return f;
  const advice = t.u32(3);
  if (advice < ADVICE.DONTNEED || advice > ADVICE.WILLNEED) return E.INVAL;
  if (isPseudo(f.desc.obj)) return pSimple(t, f.desc.obj, OP.ADVISE, t.u64(1), t.u64(2), advice);
  return f.desc.obj.type === FILETYPE.REGULAR_FILE || f.desc.obj.type === FILETYPE.SHARED_MEMORY ? 0 : E.BADF;
}

/** The directory argument of a path call that changes it, and its path; kernel trees are read-only. */
function pathArgs(t: Thread, fdSlot: number, pathSlot: number, right: bigint): [PseudoObject, string] | number {
  const d = dirArg(t, t.u32(fdSlot), right);
  if (typeof d === 'number') return d;
  const path = readPath(t, t.u32(pathSlot), t.u32(pathSlot + 1));
  if (typeof path === 'number') return path;
  return isPseudo(d[1]) ? [d[1], path] : E.ROFS;
}

export function file_create(t: Thread): Ret {
  const a = pathArgs(t, 0, 1, R.FILE_CREATE_DIRECTORY);
  if (typeof a === 'number') return a;
  if (t.u32(3) !== FILETYPE.DIRECTORY) return E.INVAL;
  return pCreate(t, a[0], a[1], FILETYPE.DIRECTORY);
}

export function file_unlink(t: Thread): Ret {
  const a = pathArgs(t, 0, 1, R.FILE_UNLINK);
  if (typeof a === 'number') return a;
  const fl = t.u32(3);
  if ((fl & ~ULFLAGS.REMOVEDIR) !== 0) return E.INVAL;
  return pUnlink(t, a[0], a[1], fl);
}

export function file_symlink(t: Thread): Ret {
  const target = readPath(t, t.u32(0), t.u32(1));
  const a = pathArgs(t, 2, 3, R.FILE_SYMLINK);
  if (typeof a === 'number') return a;
  if (typeof target === 'number') return target;
  return pSymlink(t, a[0], target, a[1]);
}

/** file_link and file_rename: two directories on the same daemon (EXDEV otherwise). */
function twoPaths(op: number, r1: bigint, r2: bigint) {
  return (t: Thread): Ret => {
    const a = pathArgs(t, 0, 1, r1);
    if (typeof a === 'number') return a;
    const b = pathArgs(t, 3, 4, r2);
    if (typeof b === 'number') return b;
    return pTwoPath(t, op, a[0], a[1], b[0], b[1], op === OP.LINK ? follow(t, 0) : 0);
  };
}

export const file_link = twoPaths(OP.LINK, R.FILE_LINK_SOURCE, R.FILE_LINK_TARGET);
export const file_rename = twoPaths(OP.RENAME, R.FILE_RENAME_SOURCE, R.FILE_RENAME_TARGET);

export function file_stat_put(t: Thread): Ret {
  const a = pathArgs(t, 0, 1, R.FILE_STAT_PUT_TIMES);
  if (typeof a === 'number') return a;
  const fl = t.u32(4);
  if (fl === 0 || (fl & ~(FSFLAGS.ATIM | FSFLAGS.ATIM_NOW | FSFLAGS.MTIM | FSFLAGS.MTIM_NOW)) !== 0) return E.INVAL;
  const st = readStruct(t, t.u32(3), FILESTAT);
  if (typeof st === 'number') return st;
  return pStatPut(t, a[0], a[1], follow(t, 0), new Uint8Array(st.buffer), fl);
}

export function file_readlink(t: Thread): Ret {
  const d = dirArg(t, t.u32(0), R.FILE_READLINK);
  if (typeof d === 'number') return d;
  const path = readPath(t, t.u32(1), t.u32(2));
  if (typeof path === 'number') return path;
  if (isPseudo(d[1])) return pReadlink(t, d[1], path, t.u32(3), t.u32(4));
  const s = d[1].statPath(path);
  if (typeof s === 'number') return s;
  return E.INVAL; // kernel trees hold no symbolic links
}

