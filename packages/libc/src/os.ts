// The libc API that programs use: typed wrappers over the syscalls, in the style of cloudlibc. Each
// wrapper throws Errno on failure. Buffers passed to the kernel are staged in this thread's I/O area.
import {
  ArgFd, CLOCK, E, EVENTTYPE, FDSTAT, FILESTAT, FILETYPE, LOCK_WRLOCKED, MAP_ANON_FD, MFLAGS, MPROT, PROCESS_CHILD,
  SCOPE, SUBSCRIPTION, SYS, encodeArgdata, utf8Decode, utf8Encode, type ArgValue,
} from '@cosix/kernel/abi';
import { Locks } from './lock.js';
import { Heap, Memory } from './memory.js';
import { Errno, type Sys } from './sys.js';

export interface FdStat { filetype: number; flags: number; base: bigint; inheriting: bigint }
export interface FileStat { dev: bigint; ino: bigint; filetype: number; nlink: number; size: bigint; atim: bigint; mtim: bigint; ctim: bigint }
export interface PollSub { type: number; userdata?: bigint; fd?: number; timeoutNs?: bigint; clockId?: number; abstime?: boolean; flags?: number; identifier?: bigint }
export interface PollEvent { userdata: bigint; error: number; type: number; nbytes: bigint; fd: number; flags: number; signal: number; exitcode: number }
export interface RecvResult { data: Uint8Array; fds: number[]; flags: number }

export const NOBODY = 0x3fffffff; // owner recorded in a join lock before its thread runs

export class Os {
  readonly locks: Locks;
  private io = 0;              // this thread's staging area
  private ioLen = 0;

  constructor(readonly sys: Sys, readonly mem: Memory, readonly heap: Heap, private readonly scratch: number, private readonly scratchLen = 0) {
    this.locks = new Locks(mem, sys, scratch);
  }

  /**
   * Gives back what this thread holds of the process memory (its staging area and its lock scratch pages):
   * crt0 calls it just before thread_exit, so that threads coming and going do not fill the address space.
   */
  releaseThread(): void {
    if (this.io) this.heap.free(this.io);
    this.io = 0; this.ioLen = 0;
    if (this.scratchLen) this.sys.call(SYS.mem_unmap, this.scratch, this.scratchLen);
  }

  get tid(): number { return this.sys.tid; }

  /** Throws Errno unless `e` is 0. */
  check(e: number, call: string): void { if (e) throw new Errno(e, call); }

  /** A staging buffer of at least `n` bytes in process memory (per thread, reused). */
  stage(n: number): number {
    if (n > this.ioLen) {
      if (this.io) this.heap.free(this.io);
      this.ioLen = Math.max(4096, 1 << Math.ceil(Math.log2(n)));
      this.io = this.heap.malloc(this.ioLen);
    }
    return this.io;
  }

  // ---- descriptors -------------------------------------------------------------------------------

  write(fd: number, data: Uint8Array | string): number {
    const b = typeof data === 'string' ? utf8Encode(data) : data;
    const p = this.stage(b.length + 8);
    this.mem.u8.set(b, p + 8);
    this.mem.dv.setUint32(p, p + 8, true); this.mem.dv.setUint32(p + 4, b.length, true);
    this.check(this.sys.call(SYS.fd_write, fd, p, 1), 'fd_write');
    return this.sys.r(0);
  }

  /** Writes all of `data` (a blocking write may return early only on a non-blocking fd). */
  writeAll(fd: number, data: Uint8Array | string): void {
    let b = typeof data === 'string' ? utf8Encode(data) : data;
    while (b.length) b = b.subarray(this.write(fd, b));
  }

  read(fd: number, max: number): Uint8Array {
    const p = this.stage(max + 8);
    this.mem.dv.setUint32(p, p + 8, true); this.mem.dv.setUint32(p + 4, max, true);
    this.check(this.sys.call(SYS.fd_read, fd, p, 1), 'fd_read');
    return this.mem.u8.slice(p + 8, p + 8 + this.sys.r(0));
  }

  pread(fd: number, max: number, off: number | bigint): Uint8Array {
    const p = this.stage(max + 8);
    this.mem.dv.setUint32(p, p + 8, true); this.mem.dv.setUint32(p + 4, max, true);
    this.sys.arg(3, off);
    this.check(this.sys.call(SYS.fd_pread, fd, p, 1), 'fd_pread');
    return this.mem.u8.slice(p + 8, p + 8 + this.sys.r(0));
  }

  /** Reads until EOF. */
  readAll(fd: number, chunk = 65536): Uint8Array {
    const parts: Uint8Array[] = [];
    let n = 0;
    for (;;) {
      const b = this.read(fd, chunk);
      if (b.length === 0) break;
      parts.push(b); n += b.length;
    }
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }

  close(fd: number): void { this.check(this.sys.call(SYS.fd_close, fd), 'fd_close'); }
  dup(fd: number): number { this.check(this.sys.call(SYS.fd_dup, fd), 'fd_dup'); return this.sys.r(0); }
  replace(from: number, to: number): void { this.check(this.sys.call(SYS.fd_replace, from, to), 'fd_replace'); }

  seek(fd: number, delta: number | bigint, whence: number): bigint {
    this.sys.arg(0, fd); this.sys.arg(1, delta); this.sys.arg(2, whence);
    this.check(this.sys.call(SYS.fd_seek), 'fd_seek');
    return this.sys.r64(0);
  }

  create1(type: number): number { this.check(this.sys.call(SYS.fd_create1, type), 'fd_create1'); return this.sys.r(0); }

  create2(type: number): [number, number] {
    this.check(this.sys.call(SYS.fd_create2, type), 'fd_create2');
    return [this.sys.r(0), this.sys.r(1)];
  }

  /** A pipe: [read end, write end]. */
  pipe(): [number, number] { return this.create2(FILETYPE.FIFO); }
  socketpair(type: number = FILETYPE.SOCKET_STREAM): [number, number] { return this.create2(type); }

  fdstat(fd: number): FdStat {
    const p = this.stage(FDSTAT.size);
    this.check(this.sys.call(SYS.fd_stat_get, fd, p), 'fd_stat_get');
    const dv = this.mem.dv;
    return { filetype: dv.getUint8(p), flags: dv.getUint16(p + 2, true), base: dv.getBigUint64(p + 8, true), inheriting: dv.getBigUint64(p + 16, true) };
  }

  /** fd_stat_put: `which` is FDSFLAGS.FLAGS and/or FDSFLAGS.RIGHTS. */
  fdstatPut(fd: number, st: Partial<FdStat>, which: number): void {
    const p = this.stage(FDSTAT.size), dv = this.mem.dv;
    this.mem.u8.fill(0, p, p + FDSTAT.size);
    dv.setUint16(p + 2, st.flags ?? 0, true);
    dv.setBigUint64(p + 8, st.base ?? 0n, true);
    dv.setBigUint64(p + 16, st.inheriting ?? 0n, true);
    this.check(this.sys.call(SYS.fd_stat_put, fd, p, which), 'fd_stat_put');
  }

  // ---- sockets -----------------------------------------------------------------------------------

  /** sock_send of `data` with `fds` attached; returns the bytes sent. */
  send(fd: number, data: Uint8Array | string, fds: number[] = []): number {
    const b = typeof data === 'string' ? utf8Encode(data) : data;
    const p = this.stage(64 + b.length + 4 * fds.length), dv = this.mem.dv;
    const iov = p, si = p + 8, so = p + 28, body = p + 32, fdb = body + b.length;
    this.mem.u8.set(b, body);
    fds.forEach((f, i) => dv.setUint32(fdb + 4 * i, f, true));
    dv.setUint32(iov, body, true); dv.setUint32(iov + 4, b.length, true);
    dv.setUint32(si, iov, true); dv.setUint32(si + 4, 1, true); dv.setUint32(si + 8, fdb, true); dv.setUint32(si + 12, fds.length, true);
    dv.setUint16(si + 16, 0, true);
    this.check(this.sys.call(SYS.sock_send, fd, si, so), 'sock_send');
    return dv.getUint32(so, true);
  }

  /** sock_recv of up to `max` bytes and `maxFds` descriptors. */
  recv(fd: number, max: number, maxFds = 0, flags = 0): RecvResult {
    const p = this.stage(96 + max + 4 * maxFds), dv = this.mem.dv;
    const iov = p, ri = p + 8, ro = p + 28, body = p + 80, fdb = body + max;
    dv.setUint32(iov, body, true); dv.setUint32(iov + 4, max, true);
    dv.setUint32(ri, iov, true); dv.setUint32(ri + 4, 1, true); dv.setUint32(ri + 8, fdb, true); dv.setUint32(ri + 12, maxFds, true);
    dv.setUint16(ri + 16, flags, true);
    this.check(this.sys.call(SYS.sock_recv, fd, ri, ro), 'sock_recv');
    const n = dv.getUint32(ro, true), nf = dv.getUint32(ro + 4, true);
    return {
      data: this.mem.u8.slice(body, body + n), flags: dv.getUint16(ro + 48, true),
      fds: Array.from({ length: nf }, (_, i) => dv.getUint32(fdb + 4 * i, true)),
    };
  }

  /** A pseudo pair from the kernel's factory socket: [reverse end, pseudo end]. */
  pseudoPair(factory: number, type: 'DIRECTORY' | 'REGULAR_FILE' | 'SOCKET_STREAM' | 'SOCKET_DGRAM' = 'DIRECTORY'): [number, number] {
    this.send(factory, `PSEUDOPAIR ${type}`);
    const r = this.recv(factory, 256, 2);
    const text = utf8Decode(r.data) ?? '';
    if (text !== 'OK' || r.fds.length !== 2) { r.fds.forEach((f) => this.close(f)); throw new Error(`pseudo pair: ${text}`); }
    return [r.fds[0], r.fds[1]];
  }

  // ---- files -------------------------------------------------------------------------------------

  open(dirfd: number, path: string, oflags = 0, rights: bigint = 0n, inheriting = 0n, flags = 0, follow = true): number {
    const pb = utf8Encode(path);
    const p = this.stage(pb.length + FDSTAT.size + 8);
    const st = p + ((pb.length + 7) & ~7);
    this.mem.u8.set(pb, p);
    this.mem.u8.fill(0, st, st + FDSTAT.size);
    this.mem.dv.setUint16(st + 2, flags, true);
    this.mem.dv.setBigUint64(st + 8, rights, true);
    this.mem.dv.setBigUint64(st + 16, inheriting, true);
    this.sys.arg(0, BigInt(dirfd) | (follow ? 1n << 32n : 0n));
    this.sys.arg(1, p); this.sys.arg(2, pb.length); this.sys.arg(3, oflags); this.sys.arg(4, st);
    this.check(this.sys.call(SYS.file_open), 'file_open');
    return this.sys.r(0);
  }

  readdir(fd: number): { name: string; ino: bigint; type: number }[] {
    const out: { name: string; ino: bigint; type: number }[] = [];
    let cookie = 0n;
    const len = 4096;
    for (;;) {
      const p = this.stage(len);
      this.sys.arg(3, cookie);
      this.check(this.sys.call(SYS.file_readdir, fd, p, len), 'file_readdir');
      const used = this.sys.r(0), dv = this.mem.dv;
      let at = 0, progressed = false;
      while (at + 24 <= used) {
        const nlen = dv.getUint32(p + at + 16, true);
        if (at + 24 + nlen > used) break;
        out.push({ name: utf8Decode(this.mem.u8.slice(p + at + 24, p + at + 24 + nlen)) ?? '', ino: dv.getBigUint64(p + at + 8, true), type: dv.getUint8(p + at + 20) });
        cookie = dv.getBigUint64(p + at, true);
        at += 24 + nlen;
        progressed = true;
      }
      if (used < len || !progressed) return out;
    }
  }

  private decodeStat(p: number): FileStat {
    const dv = this.mem.dv;
    return {
      dev: dv.getBigUint64(p, true), ino: dv.getBigUint64(p + 8, true), filetype: dv.getUint8(p + 16),
      nlink: dv.getUint32(p + 20, true), size: dv.getBigUint64(p + 24, true), atim: dv.getBigUint64(p + 32, true),
      mtim: dv.getBigUint64(p + 40, true), ctim: dv.getBigUint64(p + 48, true),
    };
  }

  fstat(fd: number): FileStat {
    const p = this.stage(FILESTAT.size);
    this.check(this.sys.call(SYS.file_stat_fget, fd, p), 'file_stat_fget');
    return this.decodeStat(p);
  }

  stat(dirfd: number, path: string): FileStat {
    const pb = utf8Encode(path);
    const p = this.stage(pb.length + FILESTAT.size + 8);
    const st = p + ((pb.length + 7) & ~7);
    this.mem.u8.set(pb, p);
    this.sys.arg(0, BigInt(dirfd) | (1n << 32n));
    this.sys.arg(1, p); this.sys.arg(2, pb.length); this.sys.arg(3, st);
    this.check(this.sys.call(SYS.file_stat_get), 'file_stat_get');
    return this.decodeStat(st);
  }

  // ---- memory ------------------------------------------------------------------------------------

  mmap(len: number, prot = MPROT.READ | MPROT.WRITE, flags = MFLAGS.ANON | MFLAGS.PRIVATE, fd = MAP_ANON_FD, off: number | bigint = 0, addr = 0): number {
    this.sys.arg(4, fd); this.sys.arg(5, off);
    this.check(this.sys.call(SYS.mem_map, addr, len, prot, flags), 'mem_map');
    return this.sys.r(0);
  }

  munmap(addr: number, len: number): void { this.check(this.sys.call(SYS.mem_unmap, addr, len), 'mem_unmap'); }
  mprotect(addr: number, len: number, prot: number): void { this.check(this.sys.call(SYS.mem_protect, addr, len, prot), 'mem_protect'); }

  // ---- clocks, randomness ------------------------------------------------------------------------

  clock(id: number = CLOCK.MONOTONIC): bigint {
    this.check(this.sys.call(SYS.clock_time_get, id, 0), 'clock_time_get');
    return this.sys.r64(0);
  }

  clockRes(id: number): bigint {
    this.check(this.sys.call(SYS.clock_res_get, id), 'clock_res_get');
    return this.sys.r64(0);
  }

  random(n: number): Uint8Array {
    const p = this.stage(n);
    this.check(this.sys.call(SYS.random_get, p, n), 'random_get');
    return this.mem.u8.slice(p, p + n);
  }

  sleep(ms: number): void { this.locks.sleep(BigInt(Math.round(ms * 1e6))); }

  // ---- poll --------------------------------------------------------------------------------------

  poll(subs: PollSub[]): PollEvent[] {
    const n = subs.length, p = this.stage(n * (SUBSCRIPTION.size + 32)), out = p + n * SUBSCRIPTION.size;
    const dv = this.mem.dv;
    this.mem.u8.fill(0, p, out);
    subs.forEach((s, i) => {
      const at = p + i * SUBSCRIPTION.size;
      dv.setBigUint64(at, s.userdata ?? BigInt(i), true);
      dv.setUint16(at + 8, s.flags ?? 0, true);
      dv.setUint8(at + 10, s.type);
      if (s.type === EVENTTYPE.CLOCK) {
        dv.setBigUint64(at + 16, s.identifier ?? 0n, true);
        dv.setUint32(at + 24, s.clockId ?? CLOCK.MONOTONIC, true);
        dv.setBigUint64(at + 32, s.timeoutNs ?? 0n, true);
        dv.setUint16(at + 48, s.abstime ? 1 : 0, true);
      } else dv.setUint32(at + 16, s.fd ?? 0, true);
    });
    this.check(this.sys.call(SYS.poll, p, out, n), 'poll');
    return this.decodeEvents(out, this.sys.r(0));
  }

  decodeEvents(out: number, n: number): PollEvent[] {
    const dv = this.mem.dv;
    return Array.from({ length: n }, (_, i) => {
      const at = out + i * 32, type = dv.getUint8(at + 10);
      const proc = type === EVENTTYPE.PROC_TERMINATE;
      return {
        userdata: dv.getBigUint64(at, true), error: dv.getUint16(at + 8, true), type,
        nbytes: proc ? 0n : dv.getBigUint64(at + 16, true), fd: dv.getUint32(at + (proc ? 16 : 24), true),
        flags: proc ? 0 : dv.getUint16(at + 28, true), signal: proc ? dv.getUint8(at + 20) : 0,
        exitcode: proc ? dv.getUint32(at + 24, true) : 0,
      };
    });
  }

  /** Waits for process fd `fd` to terminate: {exitcode, signal}. */
  wait(fd: number): { exitcode: number; signal: number } {
    const [ev] = this.poll([{ type: EVENTTYPE.PROC_TERMINATE, fd }]);
    this.check(ev.error, 'poll(proc_terminate)');
    return { exitcode: ev.exitcode, signal: ev.signal };
  }

  // ---- processes ---------------------------------------------------------------------------------

  exit(code: number): never {
    this.sys.call(SYS.proc_exit, code >>> 0); // a u32: exit(-1) is 0xffffffff, as the kernel always read it
    throw new Error('proc_exit returned');
  }

  raise(sig: number): void { this.check(this.sys.call(SYS.proc_raise, sig), 'proc_raise'); }

  /** Serialises argdata; fds inside it are ArgFd(index into `fds`). */
  private execRecord(execFd: number, args: ArgValue, fds: number[]): number {
    const ad = encodeArgdata(args);
    const rec = this.heap.malloc(20 + ad.length + fds.length * 4);
    const dv = this.mem.dv;
    dv.setUint32(rec, execFd, true); dv.setUint32(rec + 4, ad.length, true); dv.setUint32(rec + 8, fds.length, true);
    this.mem.u8.set(ad, rec + 20);
    fds.forEach((f, i) => dv.setUint32(rec + 20 + ad.length + 4 * i, f, true));
    return rec;
  }

  /** proc_exec from a record made by execRecord. Returns only on failure (throws Errno). */
  execFromRecord(rec: number): never {
    const dv = this.mem.dv;
    const execFd = dv.getUint32(rec, true), adLen = dv.getUint32(rec + 4, true), nfds = dv.getUint32(rec + 8, true);
    const e = this.sys.call(SYS.proc_exec, execFd, rec + 20, adLen, rec + 20 + adLen, nfds);
    throw new Errno(e, 'proc_exec');
  }

  exec(execFd: number, args: ArgValue, fds: number[]): never {
    return this.execFromRecord(this.execRecord(execFd, args, fds));
  }

  /**
   * fork with a continuation: the child runs `entry` (a name registered in the program's `entries`, or
   * libc's own '__exec') with `arg`, then exits with its return value. Returns the child's process fd.
   */
  fork(entry: string, arg = 0): number {
    const name = utf8Encode(entry);
    const rec = this.heap.malloc(16 + name.length);
    const dv = this.mem.dv;
    dv.setUint32(rec, FORK_MAGIC, true); dv.setUint32(rec + 4, this.heap.globals, true);
    dv.setUint32(rec + 8, arg, true); dv.setUint32(rec + 12, name.length, true);
    this.mem.u8.set(name, rec + 16);
    const e = this.sys.call(SYS.proc_fork, rec);
    this.heap.free(rec);
    this.check(e, 'proc_fork');
    const fd = this.sys.r(0);
    if (fd === PROCESS_CHILD) throw new Error('fork continuation returned into the parent path');
    return fd;
  }

  /** Starts program `execFd` as a child with `args` and fd list `fds`; returns its process fd. */
  spawn(execFd: number, args: ArgValue, fds: number[]): number {
    const rec = this.execRecord(execFd, args, fds);
    try { return this.fork('__exec', rec); } finally { this.heap.free(rec); }
  }

  // ---- threads -----------------------------------------------------------------------------------

  /** Starts entry `name` as a thread with `arg`; join() waits for it. */
  thread(name: string, arg = 0): { tid: number; join: () => void } {
    const nb = utf8Encode(name);
    const rec = this.heap.malloc(24 + nb.length), dv = this.mem.dv;
    dv.setUint32(rec, this.heap.globals, true);
    dv.setInt32(rec + 4, (LOCK_WRLOCKED | NOBODY) | 0, true); // join lock: released by thread_exit
    dv.setUint32(rec + 8, arg, true); dv.setUint32(rec + 12, nb.length, true);
    this.mem.u8.set(nb, rec + 24);
    const attr = this.stage(16);
    dv.setUint32(attr, rec, true); dv.setUint32(attr + 4, 0, true); dv.setUint32(attr + 8, 0, true); dv.setUint32(attr + 12, arg, true);
    this.check(this.sys.call(SYS.thread_create, attr), 'thread_create');
    const tid = this.sys.r(0);
    return {
      tid,
      join: () => { this.locks.wrlock(rec + 4); this.locks.unlock(rec + 4); this.heap.free(rec); },
    };
  }

  yield(): void { this.sys.call(SYS.thread_yield); }
}

export const FORK_MAGIC = 0x4b524f46; // 'FORK'
export { ArgFd, E, SCOPE };
