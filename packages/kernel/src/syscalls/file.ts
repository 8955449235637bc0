// file_* system calls. Kernel-served directories (bootfs, procfs) are read-only trees: calls that would
// change them need rights those fds never carry (ENOTCAPABLE). Shared-memory objects take size changes.
import { ADVICE, DIRENT, E, FDSTAT, FILESTAT, FILETYPE, FSFLAGS, OFLAGS, R } from '../abi/index.js';
import type { KObject, Stat } from '../object.js';
import { ShmObject } from '../shm.js';
import type { Ret, Thread } from '../thread.js';
import { TreeDir, type Directory } from '../vfs.js';
import { installNew } from './fd.js';
import { readPath, readStruct, writeStruct } from './uaccess.js';

const isDir = (o: KObject): o is KObject & Directory => o instanceof TreeDir;

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
  const out = new Uint8Array(len);
  const dv = new DataView(out.buffer);
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
  void dv;
  const e = t.proc.vm.write(buf, out.subarray(0, used));
  if (e) return e;
  t.setResult(used);
  return 0;
}

export function file_stat_fget(t: Thread): Ret {
  const f = t.proc.fds.get(t.u32(0), R.FILE_STAT_FGET);
  if (typeof f === 'number') return f;
  return writeStat(t, t.u32(1), f.desc.obj.stat());
}

export function file_stat_get(t: Thread): Ret {
  const d = dirArg(t, t.u32(0), R.FILE_STAT_GET);
  if (typeof d === 'number') return d;
  const path = readPath(t, t.u32(1), t.u32(2));
  if (typeof path === 'number') return path;
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
  if (size) return obj instanceof ShmObject ? obj.resize(st.getBigUint64(24, true)) : E.INVAL;
  return obj instanceof TreeDir ? E.ROFS : 0;
}

export function file_allocate(t: Thread): Ret {
  const f = t.proc.fds.get(t.u32(0), R.FILE_ALLOCATE);
  if (typeof f === 'number') return f;
  const off = t.u64(1), len = t.u64(2);
  if (len === 0n) return E.INVAL;
  const obj = f.desc.obj;
  if (!(obj instanceof ShmObject)) return E.INVAL;
  return off + len > obj.size() ? obj.resize(off + len) : 0;
}

export function file_advise(t: Thread): Ret {
  const f = t.proc.fds.get(t.u32(0), R.FILE_ADVISE);
  if (typeof f === 'number') return f;
  const advice = t.u32(3);
  if (advice < ADVICE.DONTNEED || advice > ADVICE.WILLNEED) return E.INVAL;
  return f.desc.obj.type === FILETYPE.REGULAR_FILE || f.desc.obj.type === FILETYPE.SHARED_MEMORY ? 0 : E.BADF;
}

/** Path calls that change a directory; kernel trees refuse them (rights first, then EROFS). */
function mutating(right: bigint, fdSlot: number) {
  return (t: Thread): Ret => {
    const d = dirArg(t, t.u32(fdSlot), right);
    return typeof d === 'number' ? d : E.ROFS;
  };
}

export const file_create = mutating(R.FILE_CREATE_DIRECTORY, 0);
export const file_link = mutating(R.FILE_LINK_SOURCE, 0);
export const file_rename = mutating(R.FILE_RENAME_SOURCE, 0);
export const file_symlink = mutating(R.FILE_SYMLINK, 2);
export const file_unlink = mutating(R.FILE_UNLINK, 0);
export const file_stat_put = mutating(R.FILE_STAT_PUT_TIMES, 0);

export function file_readlink(t: Thread): Ret {
  const d = dirArg(t, t.u32(0), R.FILE_READLINK);
  if (typeof d === 'number') return d;
  const path = readPath(t, t.u32(1), t.u32(2));
  if (typeof path === 'number') return path;
  const s = d[1].statPath(path);
  if (typeof s === 'number') return s;
  return E.INVAL; // kernel trees hold no symbolic links
}

