// File operations on pseudo fds: each becomes a request to the daemon (pseudo.ts) after the calling
// handler in file.ts / fd.ts has checked the rights. The answer is turned into the syscall's result here.
import { FILESTAT, OP, PSEUDO_MAX_DATA, PWRITE_APPEND, utf8Encode, type PseudoResponse } from '../abi/index.js';
import { E } from '../abi/index.js';
import type { Description } from '../object.js';
import { PseudoObject, rpc } from '../pseudo.js';
import type { Ret, Thread } from '../thread.js';
import type { RightSet } from '../rightsets.js';
import { installNew } from './fd.js';
import type { Iov } from './uaccess.js';
import { gather, iovViews } from './uaccess.js';
import { MPROT } from '../abi/index.js';

const enc = (s: string) => utf8Encode(s);

export function pOpen(t: Thread, dir: PseudoObject, path: string, oflags: number, follow: number, rights: RightSet, fdflags: number): Ret {
  return rpc(t, dir, { op: OP.OPEN, flags: follow, arg1: BigInt(oflags), data1: enc(path) }, (r) => {
    const obj = new PseudoObject(t.kernel, Number(r.value2), dir.reverse, r.value1);
    const fd = installNew(t, obj, rights, fdflags);
    if (fd < 0) return -fd;
    t.setResult(fd);
    return 0;
  });
}

export function pCreate(t: Thread, dir: PseudoObject, path: string, type: number): Ret {
  return rpc(t, dir, { op: OP.CREATE, arg1: BigInt(type), data1: enc(path) }, () => 0);
}

export function pTwoPath(t: Thread, op: number, a: PseudoObject, p1: string, b: PseudoObject, p2: string, follow = 0): Ret {
  if (a.reverse !== b.reverse) return E.XDEV;
  return rpc(t, a, { op, flags: follow, arg1: b.handle, data1: enc(p1), data2: enc(p2) }, () => 0);
}

export function pSymlink(t: Thread, dir: PseudoObject, target: string, path: string): Ret {
  return rpc(t, dir, { op: OP.SYMLINK, data1: enc(target), data2: enc(path) }, () => 0);
}

export function pReadlink(t: Thread, dir: PseudoObject, path: string, buf: number, len: number): Ret {
  return rpc(t, dir, { op: OP.READLINK, arg1: BigInt(len), data1: enc(path) }, (r) => {
    const data = r.data.subarray(0, len);
    const e = t.proc.vm.write(buf, data);
    if (e) return e;
    t.setResult(data.length);
    return 0;
  });
}

export function pUnlink(t: Thread, dir: PseudoObject, path: string, flags: number): Ret {
  return rpc(t, dir, { op: OP.UNLINK, arg1: BigInt(flags), data1: enc(path) }, () => 0);
}

/**
 * Copies a daemon's filestat to the caller, with st_dev set to the reverse end's device id: every daemon's
 * files get a device id of their own, whatever the daemon says.
 */
function putStat(t: Thread, addr: number, obj: PseudoObject) {
  return (r: PseudoResponse): Ret => {
    if (r.data.length !== FILESTAT.size) return E.IO;
    const st = r.data.slice();
    new DataView(st.buffer).setBigUint64(0, obj.reverse.dev, true);
    return t.proc.vm.write(addr, st);
  };
}

export function pStatGet(t: Thread, dir: PseudoObject, path: string, follow: number, buf: number): Ret {
  return rpc(t, dir, { op: OP.STAT_GET, flags: follow, data1: enc(path) }, putStat(t, buf, dir));
}

export function pStatFget(t: Thread, obj: PseudoObject, buf: number): Ret {
  return rpc(t, obj, { op: OP.STAT_FGET }, putStat(t, buf, obj));
}

export function pStatPut(t: Thread, dir: PseudoObject, path: string | undefined, follow: number, st: Uint8Array, fsflags: number): Ret {
  return rpc(t, dir, path === undefined
    ? { op: OP.STAT_FPUT, arg1: BigInt(fsflags), data2: st }
    : { op: OP.STAT_PUT, flags: follow, arg1: BigInt(fsflags), data1: enc(path), data2: st }, () => 0);
}

export function pReaddir(t: Thread, dir: PseudoObject, buf: number, len: number, cookie: bigint): Ret {
  return rpc(t, dir, { op: OP.READDIR, arg1: cookie, arg2: BigInt(len) }, (r) => {
    const data = r.data.subarray(0, len);
    const e = t.proc.vm.write(buf, data);
    if (e) return e;
    t.setResult(data.length);
    return 0;
  });
}

export function pSimple(t: Thread, obj: PseudoObject, op: number, arg1 = 0n, arg2 = 0n, flags = 0): Ret {
  return rpc(t, obj, { op, arg1, arg2, flags }, () => 0);
}

/** Reads at `off` (or the description's offset, which then advances) into the iovecs. */
export function pRead(t: Thread, d: Description, obj: PseudoObject, iovs: Iov[], off?: bigint): Ret {
  const total = iovs.reduce((a, v) => a + v.len, 0);
  const at = off ?? d.offset;
  return rpc(t, obj, { op: OP.PREAD, arg1: at, arg2: BigInt(total) }, (r) => {
    const views = iovViews(t, iovs, MPROT.WRITE);
    if (typeof views === 'number') return views;
    const data = r.data.subarray(0, total);
    let done = 0;
    for (const v of views) { const n = Math.min(v.length, data.length - done); v.set(data.subarray(done, done + n)); done += n; }
    if (off === undefined) d.offset = at + BigInt(data.length);
    t.setResult(data.length);
    return 0;
  });
}

/**
 * Writes the iovecs' bytes at `off` (or at the description's offset, or at the end with O_APPEND). They are
 * copied once, into a bounce buffer the kernel reuses after the daemon has read the last request. A write
 * larger than a request can carry (PSEUDO_MAX_DATA) goes as several requests in order; if one fails after
 * others succeeded, the call returns the bytes written so far, as a short write.
 */
export function pWrite(t: Thread, d: Description, obj: PseudoObject, iovs: Iov[], off?: bigint): Ret {
  const pool = t.kernel.bounce;
  const data = gather(t, iovs, (n) => pool.take(n));
  if (typeof data === 'number') return data;
  const append = off === undefined && d.append;
  const step = (done: number): Ret => {
    const n = Math.min(PSEUDO_MAX_DATA, data.length - done), last = done + n >= data.length;
    const at = off === undefined ? d.offset : off + BigInt(done);
    const partial = (e: number): Ret => (done > 0 ? (t.setResult(done), 0) : e);
    return rpc(t, obj, {
      op: OP.PWRITE, flags: append ? PWRITE_APPEND : 0, arg1: at, data1: data.subarray(done, done + n),
      release: last ? () => pool.give(data) : undefined,
    }, (r) => {
      if (off === undefined) d.offset = r.value2;
      const took = Math.min(Math.max(0, Number(r.value1)), n); // a daemon cannot claim more than it was sent
      const wrote = done + took;
      if (last || took < n) { t.setResult(wrote); return 0; }
      return step(wrote);
    }, partial, partial);
  };
  return step(0);
}

/**
 * Reads `len` bytes at `off` in requests of at most PSEUDO_MAX_DATA; `done` gets them (fewer at the end of
 * the file) or an errno.
 */
export function pReadRange(t: Thread, obj: PseudoObject, off: bigint, len: number, done: (b: Uint8Array | number) => Ret): Ret {
  const out = new Uint8Array(len);
  const next = (at: number): Ret => {
    if (at >= len) return done(out);
    const n = Math.min(PSEUDO_MAX_DATA, len - at);
    return rpc(t, obj, { op: OP.PREAD, arg1: off + BigInt(at), arg2: BigInt(n) }, (c) => {
      const got = Math.min(c.data.length, n);
      out.set(c.data.subarray(0, got), at);
      return got === 0 ? done(out.subarray(0, at)) : next(at + got);
    }, done, done);
  };
  return next(0);
}

/** SEEK_END needs the size, which only the daemon knows. */
export function pSeekEnd(t: Thread, d: Description, obj: PseudoObject, delta: bigint): Ret {
  return pSize(t, obj, (size) => {
    if (typeof size === 'number') return size;
    const pos = size + delta;
    if (pos < 0n || pos >= 1n << 63n) return E.INVAL;
    d.offset = pos;
    t.setResult(pos);
    return 0;
  });
}

/** The size of a pseudo file (STAT_FGET); `done` gets it or an errno. */
export function pSize(t: Thread, obj: PseudoObject, done: (size: bigint | number) => Ret): Ret {
  return rpc(t, obj, { op: OP.STAT_FGET }, (r) => {
    if (r.data.length !== FILESTAT.size) return done(E.IO);
    return done(new DataView(r.data.buffer, r.data.byteOffset, FILESTAT.size).getBigUint64(24, true));
  }, done, done);
}

/**
 * Reads a whole pseudo file (its size, then PREADs); `done` gets the bytes or an errno: `tooBig` for a file
 * over `max` bytes.
 */
export function pReadAll(t: Thread, obj: PseudoObject, max: number, tooBig: number, done: (b: Uint8Array | number) => Ret): Ret {
  return pSize(t, obj, (size) => {
    if (typeof size === 'number') return done(size);
    if (size > BigInt(max)) return done(tooBig);
    return pReadRange(t, obj, 0n, Number(size), done);
  });
}
