// The tmpfs daemon: serves a Tmpfs through the reverse end of a pseudo pair (abi/pseudo.ts has the
// protocol). It is an ordinary userland process: it reads batches of requests with libc's async syscalls
// (so its event loop stays free while it waits), answers each from the filesystem, and writes the answers
// back. Handle 0 is the root directory (the pseudo end the factory made); OPEN makes new handles, each
// holding a reference on its inode until the kernel sends CLOSE.
import {
  DIRENT, E, FILESTAT, OP, PSEUDO_MAX_DATA, PWRITE_APPEND, SYS, answerBatch, decodeRequests,
  type PseudoRequest, type PseudoResponse,
} from '@cosix/kernel/abi';
import type { Os } from '@cosix/libc';
import type { Tmpfs } from './fs.js';
import type { Dirent, Filestat, StatPut } from './types.js';

export class TmpfsServer {
  private handles = new Map<bigint, bigint>(); // handle -> inode
  private nextHandle = 1n;
  requests = 0;

  constructor(readonly fs: Tmpfs) {
    this.handles.set(0n, fs.root);
  }

  /**
   * Answers one request; null for CLOSE, which expects no answer. A PREAD answer is read into `space` when
   * it fits there (its data is then a view of `space`).
   */
  handle(q: PseudoRequest, space?: Uint8Array): PseudoResponse | null {
    this.requests++;
    if (q.op === OP.CLOSE) { this.close(q.handle); return null; }
    const ino = this.handles.get(q.handle);
    const res = ino === undefined ? E.BADF : this.dispatch(q, ino, space);
    const base = { id: q.id, errno: 0, flags: 0, value1: 0n, value2: 0n, data: new Uint8Array(0) };
    return typeof res === 'number' ? { ...base, errno: res } : { ...base, ...res };
  }

  private close(h: bigint): void {
    const ino = this.handles.get(h);
    if (ino === undefined || h === 0n) return;
    this.handles.delete(h);
    this.fs.unref(ino);
  }

  private dispatch(q: PseudoRequest, ino: bigint, space?: Uint8Array): Partial<PseudoResponse> | number {
    const fs = this.fs;
    const done = (e: number) => (e ? e : {});
    switch (q.op) {
      case OP.OPEN: {
        const o = fs.open(ino, q.data1, Number(q.arg1), q.flags);
        if (typeof o === 'number') return o;
        const h = this.nextHandle++;
        this.handles.set(h, o.ino);
        return { value1: h, value2: BigInt(o.type) };
      }
      case OP.CREATE: return done(fs.create(ino, q.data1, Number(q.arg1)));
      case OP.LINK: return this.withOther(q, (d2) => done(fs.link(ino, q.data1, q.flags, d2, q.data2)));
      case OP.RENAME: return this.withOther(q, (d2) => done(fs.rename(ino, q.data1, d2, q.data2)));
      case OP.SYMLINK: return done(fs.symlink(q.data1, ino, q.data2));
      case OP.READLINK: { const r = fs.readlink(ino, q.data1); return typeof r === 'number' ? r : { data: r.subarray(0, Number(q.arg1)) }; }
      case OP.UNLINK: return done(fs.unlink(ino, q.data1, Number(q.arg1)));
      case OP.STAT_GET: { const s = fs.stat(ino, q.data1, q.flags); return typeof s === 'number' ? s : { data: encodeStat(s) }; }
      case OP.STAT_FGET: { const s = fs.statFget(ino); return typeof s === 'number' ? s : { data: encodeStat(s) }; }
      case OP.STAT_PUT: return done(fs.statPut(ino, q.data1, q.flags, decodeStatPut(q.data2), Number(q.arg1)));
      case OP.STAT_FPUT: return done(fs.statFput(ino, decodeStatPut(q.data2), Number(q.arg1)));
      case OP.READDIR: {
        const max = Math.min(Number(q.arg2), PSEUDO_MAX_DATA); // an answer never carries more
        const r = fs.readdir(ino, q.arg1, Math.floor(max / DIRENT.size) + 1);
        return typeof r === 'number' ? r : { data: encodeDirents(r, max) };
      }
      case OP.PREAD: { const r = fs.pread(ino, q.arg1, Math.min(Number(q.arg2), PSEUDO_MAX_DATA), space); return typeof r === 'number' ? r : { data: r }; }
      case OP.PWRITE: {
        const end = q.flags & PWRITE_APPEND ? fs.append(ino, q.data1) : fs.pwrite(ino, q.arg1, q.data1);
        return typeof end === 'number' ? end : { value1: BigInt(q.data1.length), value2: end };
      }
      case OP.ALLOCATE: return done(fs.allocate(ino, q.arg1, q.arg2));
      case OP.ADVISE: return done(fs.advise(ino, q.arg1, q.arg2, q.flags));
      case OP.SYNC: return done(q.flags & 1 ? fs.datasync(ino) : fs.sync(ino));
      default: return E.NOTSUP;
    }
  }

  private withOther(q: PseudoRequest, fn: (dir2: bigint) => Partial<PseudoResponse> | number): Partial<PseudoResponse> | number {
    const d2 = this.handles.get(q.arg1);
    return d2 === undefined ? E.BADF : fn(d2);
  }

  get openHandles(): number { return this.handles.size - 1; }
}

export function encodeStat(s: Filestat): Uint8Array {
  const b = new Uint8Array(FILESTAT.size), dv = new DataView(b.buffer);
  dv.setBigUint64(0, s.dev, true); dv.setBigUint64(8, s.ino, true); dv.setUint8(16, s.filetype);
  dv.setUint32(20, s.nlink, true); dv.setBigUint64(24, s.size, true); dv.setBigUint64(32, s.atim, true);
  dv.setBigUint64(40, s.mtim, true); dv.setBigUint64(48, s.ctim, true);
  return b;
}

function decodeStatPut(b: Uint8Array): StatPut {
  if (b.length < FILESTAT.size) return {};
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  return { size: dv.getBigUint64(24, true), atim: dv.getBigUint64(32, true), mtim: dv.getBigUint64(40, true) };
}

/** Dirent records as file_readdir lays them out, up to `max` bytes (the last one may be cut short). */
export function encodeDirents(ents: Dirent[], max: number): Uint8Array {
  const out = new Uint8Array(Math.max(0, max));
  let used = 0;
  for (const e of ents) {
    if (used >= max) break;
    const rec = new Uint8Array(DIRENT.size + e.name.length), dv = new DataView(rec.buffer);
    dv.setBigUint64(0, e.next, true); dv.setBigUint64(8, e.ino, true); dv.setUint32(16, e.name.length, true); dv.setUint8(20, e.type);
    rec.set(e.name, DIRENT.size);
    const n = Math.min(rec.length, max - used);
    out.set(rec.subarray(0, n), used);
    used += n;
  }
  return out.subarray(0, used);
}

/**
 * Serves requests from reverse fd `rev` until the kernel cuts the daemon off (end of file; returns 0).
 * Requests are read into one buffer and handled in place (their data are views of it, and the filesystem
 * copies what it keeps); answers are encoded straight into a second buffer, which one fd_write hands to
 * the kernel.
 */
export async function serve(os: Os, rev: number, server: TmpfsServer): Promise<number> {
  const cap = PSEUDO_MAX_DATA + 64 * 1024;
  const inBuf = os.heap.malloc(cap), outBuf = os.heap.malloc(cap), iov = os.heap.malloc(8);
  const dv = os.mem.dv;
  os.sys.setSpinFloor(1 << 16); // requests come in bursts: keep watching for the next one a little while
  for (;;) {
    dv.setUint32(iov, inBuf, true); dv.setUint32(iov + 4, cap, true);
    os.check(await os.sys.callAsync(SYS.fd_read, rev, iov, 1), 'fd_read(reverse)');
    if (os.sys.r(0) === 0) return 0; // end of file: the kernel cut this daemon off
    const reqs = decodeRequests(os.mem.u8.subarray(inBuf, inBuf + os.sys.r(0)));
    for (const used of answerBatch(reqs, (q, space) => server.handle(q, space), os.mem.u8.subarray(outBuf, outBuf + cap))) {
      dv.setUint32(iov, outBuf, true); dv.setUint32(iov + 4, used, true);
      os.check(await os.sys.callAsync(SYS.fd_write, rev, iov, 1), 'fd_write(reverse)');
    }
  }
}
