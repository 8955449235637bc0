// hostfs: a host directory served as a capability through the pseudo-fd protocol. HostfsServer answers
// requests; it runs in a host daemon process (hostmount.ts, hostfs-worker.ts) whose one thread is a worker
// of the host (userland cannot reach the host's files any other way) and which reads and answers requests
// through its reverse end like tmpfs. If it crashes or misses the pseudo timeout, the mount is cut off
// (callers get EIO); the kernel thread never waits on host I/O.
//
// Confinement. Every handle holds an O_PATH file descriptor of the host. A path is walked one component at
// a time through /proc/self/fd/<fd>/<name>, opening each directory with O_NOFOLLOW|O_DIRECTORY, so the host
// kernel resolves every step relative to a directory we hold: no string prefix checks, no window between
// check and use. `..` is resolved on the stack of directories walked (never above the handle's directory),
// absolute paths are refused, and symbolic links are never followed: a link met while walking, as the
// object of an open, or as the object of a call asked to follow it (stat, stat_put, link with
// SYMLINK_FOLLOW), is refused with ENOTCAPABLE (links can still be listed, read with readlink, removed).
// A read-only mount refuses every change with EROFS.
//
// Only regular files and directories are served, opened with O_NONBLOCK: a FIFO, socket or device node in
// the host directory is refused with ENOTSUP (opening or reading a FIFO could wait forever for a writer).
import * as fs from 'node:fs';
import {
  DIRENT, E, FILESTAT, FILETYPE, FSFLAGS, LOOKUP, OFLAGS, OP, PSEUDO_MAX_DATA, PWRITE_APPEND, ULFLAGS, utf8Decode, utf8Encode,
  type PseudoRequest, type PseudoResponse,
} from './abi/index.js';
import { components } from './path.js';

const C = fs.constants;
const O_PATH = 0o10000000; // Linux: a handle that names a file without opening it for I/O
const proc = (fd: number, name = '') => `/proc/self/fd/${fd}${name ? '/' + name : ''}`;

interface Handle { fd: number; dir: boolean }

/** A host errno (from a Node.js error) as a CloudABI errno; ELOOP (a symlink in the way) is a refusal. */
function errnoOf(e: unknown): number {
  const code = (e as { code?: string }).code ?? '';
  if (code === 'ELOOP') return E.NOTCAPABLE;
  const n = (E as Record<string, number>)[code.slice(1)];
  return n ?? E.IO;
}

function typeOf(st: fs.Stats | fs.BigIntStats | fs.Dirent): number {
  if (st.isDirectory()) return FILETYPE.DIRECTORY;
  if (st.isFile()) return FILETYPE.REGULAR_FILE;
  if (st.isSymbolicLink()) return FILETYPE.SYMBOLIC_LINK;
  if (st.isSocket()) return FILETYPE.SOCKET_STREAM;
  if (st.isFIFO()) return FILETYPE.FIFO;
  if (st.isCharacterDevice()) return FILETYPE.CHARACTER_DEVICE;
  if (st.isBlockDevice()) return FILETYPE.BLOCK_DEVICE;
  return FILETYPE.UNKNOWN;
}

export class HostfsServer {
  private handles = new Map<bigint, Handle>();
  private nextHandle = 1n;

  /** Serves `root` (a host directory); throws if it cannot be opened (the caller reports it). */
  constructor(readonly root: string, readonly readOnly: boolean) {
    this.handles.set(0n, { fd: fs.openSync(root, O_PATH | C.O_DIRECTORY), dir: true });
  }

  get openHandles(): number { return this.handles.size; }

  /** Closes every host fd (the machine is shutting down or the mount is gone). */
  close(): void {
    for (const h of this.handles.values()) fs.closeSync(h.fd);
    this.handles.clear();
  }

  handle(q: PseudoRequest): PseudoResponse | null {
    const base = { id: q.id, errno: 0, flags: 0, value1: 0n, value2: 0n, data: new Uint8Array(0) };
    if (q.op === OP.CLOSE) { this.drop(q.handle); return null; }
    const h = this.handles.get(q.handle);
    if (!h) return { ...base, errno: E.BADF };
    let res: Partial<PseudoResponse> | number;
    try { res = this.dispatch(q, h); } catch (e) { res = errnoOf(e); }
    return typeof res === 'number' ? { ...base, errno: res } : { ...base, ...res };
  }

  private drop(handle: bigint): void {
    const h = this.handles.get(handle);
    if (!h || handle === 0n) return;
    this.handles.delete(handle);
    fs.closeSync(h.fd);
  }

  /**
   * Walks `path` below directory `h` to its parent directory; returns [an O_PATH fd of the parent (to close
   * when done), the last component] or an errno. A path that ends in the start directory has last = '.'.
   */
  private walk(h: Handle, pathBytes: Uint8Array): [number, string] | number {
    const path = utf8Decode(pathBytes);
    if (path === undefined) return E.ILSEQ;
    if (path.length === 0) return E.NOENT;
    if (path.includes('\0')) return E.INVAL;
    const parts = components(path);
    if (typeof parts === 'number') return parts;
    const stack: number[] = [fs.openSync(proc(h.fd), O_PATH | C.O_DIRECTORY)];
    const raw = path.split('/').filter((c) => c !== '' && c !== '.');
    try {
      for (let i = 0; i < raw.length - 1; i++) {
        if (raw[i] === '..') { fs.closeSync(stack.pop()!); continue; }
        try {
          stack.push(fs.openSync(proc(stack[stack.length - 1], raw[i]), O_PATH | C.O_DIRECTORY | C.O_NOFOLLOW));
        } catch (e) {
          // Linux says ENOTDIR for a symlink opened with O_DIRECTORY|O_NOFOLLOW: a link in the way is a refusal.
          if ((e as { code?: string }).code === 'ENOTDIR' && fs.lstatSync(proc(stack[stack.length - 1], raw[i])).isSymbolicLink()) {
            throw Object.assign(new Error('symlink in the path'), { code: 'ELOOP' });
          }
          throw e;
        }
      }
    } catch (e) {
      for (const fd of stack) fs.closeSync(fd);
      return errnoOf(e);
    }
    const top = stack.pop()!;
    for (const fd of stack) fs.closeSync(fd);
    const last = raw.length ? raw[raw.length - 1] : '.';
    if (last === '..') { fs.closeSync(top); return E.NOTCAPABLE; } // the lexical check allowed it only below the start
    // A trailing slash names a directory: an existing non-directory there is ENOTDIR (open adds O_DIRECTORY).
    if (path.endsWith('/')) {
      let st: fs.Stats | undefined;
      try { st = fs.lstatSync(proc(top, last)); } catch { st = undefined; }
      if (st && !st.isDirectory()) { fs.closeSync(top); return E.NOTDIR; }
    }
    return [top, last];
  }

  /** Runs `fn` on the parent directory and last component of `path`, closing the parent afterwards. */
  private at<T>(h: Handle, path: Uint8Array, fn: (dirFd: number, name: string) => T): T | number {
    const w = this.walk(h, path);
    if (typeof w === 'number') return w;
    try { return fn(w[0], w[1]); } finally { fs.closeSync(w[0]); }
  }

  private ro(): number | undefined { return this.readOnly ? E.ROFS : undefined; }

  private dispatch(q: PseudoRequest, h: Handle): Partial<PseudoResponse> | number {
    switch (q.op) {
      case OP.OPEN: return this.open(h, q);
      case OP.CREATE: return this.ro() ?? (Number(q.arg1) !== FILETYPE.DIRECTORY ? E.INVAL : this.at(h, q.data1, (d, n) => (fs.mkdirSync(proc(d, n)), {})));
      case OP.UNLINK: return this.ro() ?? this.at(h, q.data1, (d, n) => (Number(q.arg1) & ULFLAGS.REMOVEDIR ? fs.rmdirSync(proc(d, n)) : this.unlinkFile(d, n), {}));
      case OP.SYMLINK: return this.ro() ?? this.at(h, q.data2, (d, n) => (fs.symlinkSync(utf8Decode(q.data1) ?? '', proc(d, n)), {}));
      case OP.READLINK: return this.at(h, q.data1, (d, n) => ({ data: utf8Encode(fs.readlinkSync(proc(d, n))).subarray(0, Number(q.arg1)) }));
      case OP.LINK: case OP.RENAME: return this.ro() ?? this.twoPaths(h, q);
      case OP.STAT_GET: return this.at(h, q.data1, (d, n) => this.unfollowed(d, n, q.flags) ?? { data: this.stat(fs.lstatSync(proc(d, n), { bigint: true })) });
      case OP.STAT_FGET: return { data: this.stat(fs.fstatSync(h.fd, { bigint: true })) };
      case OP.STAT_PUT: return this.ro() ?? this.at(h, q.data1, (d, n) => this.unfollowed(d, n, q.flags) ?? this.times(proc(d, n), q, true));
      case OP.STAT_FPUT: return this.ro() ?? this.fput(h, q);
      case OP.READDIR: return h.dir ? { data: this.readdir(h, q.arg1, Math.min(Number(q.arg2), PSEUDO_MAX_DATA)) } : E.NOTDIR;
      case OP.PREAD: return this.pread(h, q.arg1, Math.min(Number(q.arg2), PSEUDO_MAX_DATA));
      case OP.PWRITE: return this.ro() ?? this.pwrite(h, q);
      case OP.ALLOCATE: return this.ro() ?? this.allocate(h, q.arg1 + q.arg2);
      case OP.ADVISE: return h.dir ? E.BADF : {};
      case OP.SYNC: return h.dir ? {} : (q.flags & 1 ? fs.fdatasyncSync(h.fd) : fs.fsyncSync(h.fd), {});
      default: return E.NOTSUP;
    }
  }

  /** ENOTCAPABLE when the call asks to follow a symbolic link at `n` (hostfs never follows one). */
  private unfollowed(d: number, n: string, lookup: number): number | undefined {
    if (!(lookup & LOOKUP.SYMLINK_FOLLOW)) return undefined;
    let link = false;
    try { link = fs.lstatSync(proc(d, n)).isSymbolicLink(); } catch { /* missing: the call reports it */ }
    return link ? E.NOTCAPABLE : undefined;
  }

  private unlinkFile(d: number, n: string): void {
    if (fs.lstatSync(proc(d, n)).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    fs.unlinkSync(proc(d, n));
  }

  private open(h: Handle, q: PseudoRequest): Partial<PseudoResponse> | number {
    const of = Number(q.arg1);
    if (this.readOnly && of & (OFLAGS.CREAT | OFLAGS.TRUNC)) return E.ROFS;
    return this.at(h, q.data1, (d, n) => {
      const p = proc(d, n);
      let flags = C.O_NOFOLLOW | C.O_NONBLOCK | (of & OFLAGS.CREAT ? C.O_CREAT : 0) | (of & OFLAGS.EXCL ? C.O_EXCL : 0) | (of & OFLAGS.TRUNC ? C.O_TRUNC : 0);
      if (of & OFLAGS.DIRECTORY || (utf8Decode(q.data1) ?? '').endsWith('/')) flags |= C.O_DIRECTORY;
      // Refuse special files before opening them (opening a device can have effects); the check after the
      // open catches one swapped in between.
      let pre: fs.Stats | undefined;
      try { pre = fs.lstatSync(p); } catch { pre = undefined; }
      if (pre && !pre.isFile() && !pre.isDirectory() && !pre.isSymbolicLink()) return E.NOTSUP;
      let fd: number;
      try {
        fd = fs.openSync(p, flags | (this.readOnly ? C.O_RDONLY : C.O_RDWR));
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code !== 'EISDIR' && code !== 'EACCES' && code !== 'EROFS') throw e;
        fd = fs.openSync(p, (flags & ~(C.O_CREAT | C.O_TRUNC)) | C.O_RDONLY); // directories and read-only files
      }
      const st = fs.fstatSync(fd), dir = st.isDirectory();
      if (!dir && !st.isFile()) { fs.closeSync(fd); return E.NOTSUP; } // a FIFO, socket or device: see the top
      const handle = this.nextHandle++;
      this.handles.set(handle, { fd, dir });
      return { value1: handle, value2: BigInt(dir ? FILETYPE.DIRECTORY : FILETYPE.REGULAR_FILE) };
    });
  }

  private twoPaths(h: Handle, q: PseudoRequest): Partial<PseudoResponse> | number {
    const h2 = this.handles.get(q.arg1);
    if (!h2) return E.BADF;
    return this.at(h, q.data1, (d1, n1) => this.at(h2, q.data2, (d2, n2) => {
      if (q.op === OP.LINK) {
        const refused = this.unfollowed(d1, n1, q.flags);
        if (refused) return refused;
        fs.linkSync(proc(d1, n1), proc(d2, n2));
      }
      else fs.renameSync(proc(d1, n1), proc(d2, n2));
      return {};
    }));
  }

  private stat(st: fs.BigIntStats): Uint8Array {
    const b = new Uint8Array(FILESTAT.size), dv = new DataView(b.buffer);
    // st_dev stays 0: the kernel stamps the device id it gave this mount.
    dv.setBigUint64(8, st.ino, true); dv.setUint8(16, typeOf(st));
    dv.setUint32(20, Number(st.nlink), true); dv.setBigUint64(24, st.size, true);
    dv.setBigUint64(32, st.atimeNs, true); dv.setBigUint64(40, st.mtimeNs, true); dv.setBigUint64(48, st.ctimeNs, true);
    return b;
  }

  /** file_stat_put / file_stat_fput times: explicit values or now; SIZE only through an fd. */
  private times(target: string | number, q: PseudoRequest, byPath: boolean): Partial<PseudoResponse> | number {
    const fl = Number(q.arg1);
    if (fl & FSFLAGS.SIZE && byPath) return E.INVAL;
    const dv = new DataView(q.data2.buffer, q.data2.byteOffset, q.data2.length);
    if (q.data2.length < FILESTAT.size) return E.INVAL;
    const cur = typeof target === 'number' ? fs.fstatSync(target, { bigint: true }) : fs.lstatSync(target, { bigint: true });
    const now = BigInt(Date.now()) * 1_000_000n;
    const pick = (set: number, nowFlag: number, off: number, old: bigint) => (fl & set ? dv.getBigUint64(off, true) : fl & nowFlag ? now : old);
    const at = pick(FSFLAGS.ATIM, FSFLAGS.ATIM_NOW, 32, cur.atimeNs), mt = pick(FSFLAGS.MTIM, FSFLAGS.MTIM_NOW, 40, cur.mtimeNs);
    const sec = (ns: bigint) => Number(ns) / 1e9;
    if (typeof target === 'number') fs.futimesSync(target, sec(at), sec(mt)); else fs.lutimesSync(target, sec(at), sec(mt));
    return {};
  }

  private fput(h: Handle, q: PseudoRequest): Partial<PseudoResponse> | number {
    const fl = Number(q.arg1);
    if (fl & FSFLAGS.SIZE) {
      if (h.dir) return E.ISDIR;
      fs.ftruncateSync(h.fd, Number(new DataView(q.data2.buffer, q.data2.byteOffset).getBigUint64(24, true)));
      if (fl === FSFLAGS.SIZE) return {};
    }
    return this.times(h.fd, q, false);
  }

  /** Entries sorted by name after '.' and '..'; the cookie is the index of the next one. */
  private readdir(h: Handle, cookie: bigint, max: number): Uint8Array {
    const names = fs.readdirSync(proc(h.fd), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    const all: [string, number][] = [['.', FILETYPE.DIRECTORY], ['..', FILETYPE.DIRECTORY], ...names.map((d): [string, number] => [d.name, typeOf(d)])];
    const out = new Uint8Array(Math.max(0, max));
    let used = 0;
    for (let i = Number(cookie); i < all.length && used < max; i++) {
      const name = utf8Encode(all[i][0]);
      const rec = new Uint8Array(DIRENT.size + name.length), dv = new DataView(rec.buffer);
      dv.setBigUint64(0, BigInt(i + 1), true); dv.setBigUint64(8, BigInt(i + 1), true);
      dv.setUint32(16, name.length, true); dv.setUint8(20, all[i][1]);
      rec.set(name, DIRENT.size);
      const n = Math.min(rec.length, max - used);
      out.set(rec.subarray(0, n), used);
      used += n;
    }
    return out.subarray(0, used);
  }

  private pread(h: Handle, off: bigint, len: number): Partial<PseudoResponse> | number {
    if (h.dir) return E.ISDIR;
    const buf = Buffer.alloc(len);
    const n = fs.readSync(h.fd, buf, 0, len, off);
    return { data: new Uint8Array(buf.buffer, buf.byteOffset, n) };
  }

  private pwrite(h: Handle, q: PseudoRequest): Partial<PseudoResponse> | number {
    if (h.dir) return E.ISDIR;
    const at = q.flags & PWRITE_APPEND ? fs.fstatSync(h.fd, { bigint: true }).size : q.arg1;
    const n = fs.writeSync(h.fd, q.data1, 0, q.data1.length, Number(at));
    return { value1: BigInt(n), value2: at + BigInt(n) };
  }

  private allocate(h: Handle, end: bigint): Partial<PseudoResponse> | number {
    if (h.dir) return E.BADF;
    if (fs.fstatSync(h.fd, { bigint: true }).size < end) fs.ftruncateSync(h.fd, Number(end));
    return {};
  }
}

