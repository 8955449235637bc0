// fd_* system calls: thin handlers that decode arguments, look the descriptor up with the rights the call
// needs, and call into the object. Mechanism lives in the objects (pipe.ts, unixsock.ts, shm.ts, ...).
import { E, FDFLAGS_ALL, FDSFLAGS, FDSTAT, FILETYPE, MPROT, OP, R, WHENCE } from '../abi/index.js';
import { isPseudo } from '../pseudo.js';
import { pRead, pSeekEnd, pSimple, pWrite } from './pseudofile.js';
import { pRecv, pSend } from './psock.js';
import { dropFds } from '../unixsock.js';
import { Description, type KObject } from '../object.js';
import { createPipe } from '../pipe.js';
import { PollObject } from '../pollfd.js';
import { RIGHTSETS, type RightSet } from '../rightsets.js';
import { ShmObject } from '../shm.js';
import { WOULD_BLOCK, type Ret, type Thread } from '../thread.js';
import { createSocket, createSocketPair } from '../unixsock.js';
import { checkIovs, gather, iovViews, readIovs, readStruct, scatter, writeStruct } from './uaccess.js';

/** Installs `obj` in the caller's table with `rights`; returns the fd or -errno. */
export function installNew(t: Thread, obj: KObject, rights: RightSet, flags = 0): number {
  const d = new Description(obj, flags).ref();
  const fd = t.proc.fds.install(d, rights.base, rights.inheriting);
  d.unref();
  return fd;
}

export function fd_close(t: Thread): Ret {
  return t.proc.fds.close(t.u32(0));
}

export function fd_create1(t: Thread): Ret {
  const type = t.u32(0);
  let obj: KObject, rights: RightSet;
  switch (type) {
    case FILETYPE.SHARED_MEMORY: obj = new ShmObject(t.kernel, t.proc.mem); rights = RIGHTSETS.shm; break;
    case FILETYPE.SOCKET_DGRAM: case FILETYPE.SOCKET_STREAM: obj = createSocket(t.kernel, type, t.proc.mem); rights = RIGHTSETS.socket; break;
    case FILETYPE.POLL: obj = new PollObject(t.kernel); rights = RIGHTSETS.poll; break;
    default: return E.INVAL;
  }
  const fd = installNew(t, obj, rights);
  if (fd < 0) return -fd;
  t.setResult(fd);
  return 0;
}

export function fd_create2(t: Thread): Ret {
  const type = t.u32(0);
  let a: KObject, b: KObject, ra: RightSet, rb: RightSet;
  if (type === FILETYPE.FIFO) { [a, b] = createPipe(t.kernel, t.proc.mem); ra = RIGHTSETS.pipeRead; rb = RIGHTSETS.pipeWrite; }
  else if (type === FILETYPE.SOCKET_DGRAM || type === FILETYPE.SOCKET_STREAM) {
    [a, b] = createSocketPair(t.kernel, type, t.proc.mem); ra = rb = RIGHTSETS.socket;
  } else return E.INVAL;
  const fd1 = installNew(t, a, ra);
  if (fd1 < 0) { new Description(b, 0).ref().unref(); return -fd1; }
  const fd2 = installNew(t, b, rb);
  if (fd2 < 0) { t.proc.fds.close(fd1); return -fd2; }
  t.setResult(fd1, fd2);
  return 0;
}

export function fd_dup(t: Thread): Ret {
  const f = t.proc.fds.get(t.u32(0), 0n);
  if (typeof f === 'number') return f;
  const fd = t.proc.fds.install(f.desc, f.base, f.inheriting);
  if (fd < 0) return -fd;
  t.setResult(fd);
  return 0;
}

export function fd_replace(t: Thread): Ret {
  const from = t.proc.fds.get(t.u32(0), 0n);
  if (typeof from === 'number') return from;
  const to = t.u32(1);
  if (typeof t.proc.fds.get(to, 0n) === 'number') return E.BADF;
  if (to !== t.u32(0)) t.proc.fds.replace(to, from);
  return 0;
}

export function fd_read(t: Thread): Ret {
  const f = t.proc.fds.get(t.u32(0), R.FD_READ);
  if (typeof f === 'number') return f;
  const iovs = readIovs(t, t.u32(1), t.u32(2));
  if (typeof iovs === 'number') return iovs;
  const d = f.desc;
  if (isPseudo(d.obj)) {
    if (d.obj.isSocket) return pRecv(t, d, d.obj, iovs, 0, (n, _f, fds) => (dropFds(fds), t.setResult(n), 0));
    return d.obj.type === FILETYPE.DIRECTORY ? E.ISDIR : pRead(t, d, d.obj, iovs);
  }
  return t.tryOrBlock(() => {
    // Buffers are resolved at every attempt: another thread may have unmapped them while this one slept.
    const views = iovViews(t, iovs, MPROT.WRITE);
    if (typeof views === 'number') return views;
    let n: number;
    if (d.obj.readInto) n = d.obj.readInto(d, views);
    else {
      const data = d.obj.read(d, views.reduce((a, v) => a + v.length, 0));
      n = typeof data === 'number' ? data : scatterViews(views, data);
    }
    if (n === -E.AGAIN) return d.nonblock ? E.AGAIN : WOULD_BLOCK;
    if (n < 0) return -n;
    t.setResult(n);
    return 0;
  }, () => [d.obj.readQueue]);
}

function scatterViews(views: Uint8Array[], data: Uint8Array): number {
  let at = 0;
  for (const v of views) {
    if (at >= data.length) break;
    const n = Math.min(v.length, data.length - at);
    v.set(data.subarray(at, at + n));
    at += n;
  }
  return data.length;
}

export function fd_write(t: Thread): Ret {
  const f = t.proc.fds.get(t.u32(0), R.FD_WRITE);
  if (typeof f === 'number') return f;
  const iovs = readIovs(t, t.u32(1), t.u32(2));
  if (typeof iovs === 'number') return iovs;
  const d = f.desc;
  if (isPseudo(d.obj)) {
    if (d.obj.type === FILETYPE.DIRECTORY) return E.ISDIR;
    if (!d.obj.isSocket) return pWrite(t, d, d.obj, iovs);
    const g = gather(t, iovs);
    if (typeof g === 'number') return g;
    return pSend(t, d, d.obj, g, [], (n) => (t.setResult(n), 0));
  }
  // One buffer is written straight from user memory (each byte is read once, when it is copied); several
  // are gathered first so that a small write stays atomic.
  let data: Uint8Array | undefined;
  if (iovs.length !== 1) {
    const g = gather(t, iovs);
    if (typeof g === 'number') return g;
    data = g;
  }
  let done = 0;
  return t.tryOrBlock(() => {
    const src = data ?? iovViews(t, iovs, MPROT.READ);
    if (typeof src === 'number') return done ? (t.setResult(done), 0) : src;
    const buf = src instanceof Uint8Array ? src : src[0] ?? new Uint8Array(0);
    const n = d.obj.write(d, buf.subarray(done));
    if (n === -E.AGAIN) {
      if (d.nonblock) { if (done === 0) return E.AGAIN; t.setResult(done); return 0; }
      return WOULD_BLOCK;
    }
    if (n < 0) { if (done === 0) return -n; t.setResult(done); return 0; }
    done += n;
    if (done < buf.length && !d.nonblock) return WOULD_BLOCK;
    t.setResult(done);
    return 0;
  }, () => [d.obj.writeQueue]);
}

export function fd_pread(t: Thread): Ret {
  const f = t.proc.fds.get(t.u32(0), R.FD_READ | R.FD_SEEK);
  if (typeof f === 'number') return f;
  const iovs = readIovs(t, t.u32(1), t.u32(2));
  if (typeof iovs === 'number') return iovs;
  const off = t.u64(3);
  if (off >= 1n << 63n) return E.INVAL;
  const total = checkIovs(t, iovs, MPROT.WRITE);
  if (total < 0) return -total;
  if (isPseudo(f.desc.obj)) return pRead(t, f.desc, f.desc.obj, iovs, off);
  const data = f.desc.obj.pread(f.desc, total, off);
  if (typeof data === 'number') return -data;
  const e = scatter(t, iovs, data);
  if (e) return e;
  t.setResult(data.length);
  return 0;
}

export function fd_pwrite(t: Thread): Ret {
  const f = t.proc.fds.get(t.u32(0), R.FD_WRITE | R.FD_SEEK);
  if (typeof f === 'number') return f;
  const iovs = readIovs(t, t.u32(1), t.u32(2));
  if (typeof iovs === 'number') return iovs;
  const off = t.u64(3);
  if (off >= 1n << 63n) return E.INVAL;
  if (isPseudo(f.desc.obj)) return pWrite(t, f.desc, f.desc.obj, iovs, off);
  const data = gather(t, iovs);
  if (typeof data === 'number') return data;
  const n = f.desc.obj.pwrite(f.desc, data, off);
  if (n < 0) return -n;
  t.setResult(n);
  return 0;
}

export function fd_seek(t: Thread): Ret {
  const delta = BigInt.asIntN(64, t.u64(1));
  const whence = t.u32(2);
  if (whence !== WHENCE.CUR && whence !== WHENCE.END && whence !== WHENCE.SET) return E.INVAL;
  const tellOnly = whence === WHENCE.CUR && delta === 0n;
  const f = t.proc.fds.get(t.u32(0), tellOnly ? R.FD_TELL : R.FD_SEEK);
  if (typeof f === 'number') return f;
  const d = f.desc;
  if (!d.obj.seekable()) return E.SPIPE;
  if (whence === WHENCE.END && isPseudo(d.obj)) return pSeekEnd(t, d, d.obj, delta);
  const base = whence === WHENCE.SET ? 0n : whence === WHENCE.CUR ? d.offset : d.obj.size();
  const pos = base + delta;
  if (pos < 0n || pos >= 1n << 63n) return E.INVAL;
  d.offset = pos;
  t.setResult(pos);
  return 0;
}

export function fd_stat_get(t: Thread): Ret {
  const f = t.proc.fds.get(t.u32(0), 0n);
  if (typeof f === 'number') return f;
  return writeStruct(t, t.u32(1), FDSTAT, {
    fs_filetype: f.desc.obj.type, fs_flags: f.desc.flags, fs_rights_base: f.base, fs_rights_inheriting: f.inheriting,
  });
}

export function fd_stat_put(t: Thread): Ret {
  const which = t.u32(2);
  if (which === 0 || (which & ~(FDSFLAGS.FLAGS | FDSFLAGS.RIGHTS)) !== 0) return E.INVAL;
  const f = t.proc.fds.get(t.u32(0), which & FDSFLAGS.FLAGS ? R.FD_STAT_PUT_FLAGS : 0n);
  if (typeof f === 'number') return f;
  const st = readStruct(t, t.u32(1), FDSTAT);
  if (typeof st === 'number') return st;
  const flags = st.getUint16(2, true);
  const base = st.getBigUint64(8, true), inh = st.getBigUint64(16, true);
  if (which & FDSFLAGS.FLAGS && (flags & ~FDFLAGS_ALL) !== 0) return E.INVAL;
  if (which & FDSFLAGS.RIGHTS && ((base & ~f.base) !== 0n || (inh & ~f.inheriting) !== 0n)) return E.NOTCAPABLE;
  if (which & FDSFLAGS.FLAGS) f.desc.flags = flags;
  if (which & FDSFLAGS.RIGHTS) { f.base = base; f.inheriting = inh; }
  return 0;
}

export function fd_sync(t: Thread): Ret {
  const f = t.proc.fds.get(t.u32(0), R.FD_SYNC);
  if (typeof f === 'number') return f;
  return isPseudo(f.desc.obj) ? pSimple(t, f.desc.obj, OP.SYNC) : f.desc.obj.sync();
}

export function fd_datasync(t: Thread): Ret {
  const f = t.proc.fds.get(t.u32(0), R.FD_DATASYNC);
  if (typeof f === 'number') return f;
  return isPseudo(f.desc.obj) ? pSimple(t, f.desc.obj, OP.SYNC, 0n, 0n, 1) : f.desc.obj.sync();
}
