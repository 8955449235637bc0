// The WASI preview1 personality: the `wasi_snapshot_preview1` imports of a WebAssembly program, each mapped
// onto CloudABI syscalls. The program's linear memory is the process's core, so pointers and iovecs a WASI
// call receives go to the kernel as they are, with no copy; only structs whose WASI layout differs from
// CloudABI's (filestat, subscription, event, prestat) or that hold translated values (filetypes, rights,
// clock ids, whence, signals) pass through a scratch page the kernel maps outside the program's memory.
// A trap ends the process with SIGABRT after a message on fd 2; proc_exit ends it with the given code.
import {
  E, EVENTTYPE, FDSFLAGS, FILETYPE, LOOKUP, OFLAGS, R, SIG, SYS, ULFLAGS, WASI_ADVICE, WASI_CLOCK, WASI_EVENTTYPE,
  WASI_FILETYPE, WASI_FUNCTIONS, WASI_MODULE, WASI_SIGNAL, WASI_WHENCE, rightsFromWasi, rightsToWasi, utf8Encode,
  type ArgValue,
} from '@cosix/kernel/abi';
import { mmapAnon, type Memory } from './memory.js';
import { Sys, ThreadGone } from './sys.js';

const WASI_PATH_FILESTAT_SET_SIZE = 1n << 19n; // WASI's right bit 19

type Args = { args?: string[]; env?: Record<string, string>; preopens?: Record<string, { fd: number }>; name?: string };
type Fn = (...a: (number | bigint)[]) => number;

export class Wasi {
  private readonly a: Args;
  private readonly preopens = new Map<number, Uint8Array>();
  private scratch = 0;
  private instance: WebAssembly.Instance | undefined;

  constructor(private readonly sys: Sys, private readonly mem: Memory, private readonly memory: WebAssembly.Memory,
    private readonly module: WebAssembly.Module, args: ArgValue, private readonly tid: number) {
    this.a = (args ?? {}) as Args;
    for (const [name, fd] of Object.entries(this.a.preopens ?? {})) this.preopens.set(fd.fd, utf8Encode(name));
  }

  private get dv(): DataView { return new DataView(this.memory.buffer as ArrayBuffer); }
  private get u8(): Uint8Array { return new Uint8Array(this.memory.buffer as ArrayBuffer); }
  /** The scratch page (outside the program's memory), as a DataView. */
  private get sv(): DataView { const b = this.mem.bytes(this.scratch, 4096); return new DataView(b.buffer, b.byteOffset, 4096); }

  private instantiate(): WebAssembly.Instance {
    this.scratch = mmapAnon(this.sys, 4096);
    const wasi: Record<string, Fn> = {};
    for (const name of WASI_FUNCTIONS) wasi[name] = (this as unknown as Record<string, Fn>)[name].bind(this);
    this.instance = new WebAssembly.Instance(this.module, {
      [WASI_MODULE]: wasi, env: { memory: this.memory }, wasi: { 'thread-spawn': (arg: number) => this.threadSpawn(arg) },
    });
    return this.instance;
  }

  /** Runs _start; a return without proc_exit is exit code 0. */
  start(): never {
    const inst = this.instantiate();
    this.guard(() => (inst.exports._start as () => void)());
    this.sys.call(SYS.proc_exit, 0);
    throw new ThreadGone();
  }

  /** A wasi-threads thread: a new instance on the same memory, entered at wasi_thread_start(tid, arg). */
  startThread(arg: number): never {
    const inst = this.instantiate();
    this.guard(() => (inst.exports.wasi_thread_start as (t: number, a: number) => void)(this.tid, arg));
    // wasi-threads has no join lock: hand thread_exit an unlocked word of our own (address 0 would be the
    // program's memory, and the kernel would release it as a lock).
    this.sv.setUint32(4092, 0, true);
    this.sys.call(SYS.thread_exit, this.scratch + 4092, 4);
    throw new ThreadGone();
  }

  private guard(fn: () => void): void {
    try { fn(); } catch (e) {
      if (e instanceof ThreadGone || (e as { cosixExit?: boolean }).cosixExit) throw e;
      const msg = utf8Encode(`wasm trap: ${e instanceof Error ? e.message : String(e)}\n`);
      this.mem.bytes(this.scratch + 64, msg.length).set(msg.subarray(0, 4000));
      this.sv.setUint32(0, this.scratch + 64, true); this.sv.setUint32(4, Math.min(msg.length, 4000), true);
      this.sys.call(SYS.fd_write, 2, this.scratch, 1);
      this.sys.call(SYS.proc_raise, SIG.ABRT);
      throw new ThreadGone();
    }
  }

  private threadSpawn(arg: number): number {
    const sv = this.sv, attr = this.scratch + 3072;
    sv.setUint32(3072, 0, true); sv.setUint32(3076, 0, true); sv.setUint32(3080, 0, true); sv.setUint32(3084, arg, true);
    const e = this.sys.call(SYS.thread_create, attr);
    return e ? -e : this.sys.r(0);
  }

  /** Calls syscall `n` with `args` in its slots; returns the errno. */
  private sc(n: number, ...args: (number | bigint)[]): number {
    // A WASI i32 arrives signed; every such argument is a u32 in CloudABI (fd, pointer, size, flags, exit
    // code), and the kernel refuses a slot wider than its type, so it goes zero-extended. i64s are bigints.
    args.forEach((v, i) => this.sys.arg(i, typeof v === 'number' ? v >>> 0 : v));
    return this.sys.call(n);
  }

  private put32(ptr: number, v: number): number { this.dv.setUint32(ptr, v, true); return 0; }
  private put64(ptr: number, v: bigint): number { this.dv.setBigUint64(ptr, v, true); return 0; }
  private lookup(fd: number, flags: number): bigint { return (BigInt(flags & 1 ? LOOKUP.SYMLINK_FOLLOW : 0) << 32n) | BigInt(fd >>> 0); }

  // ---- args, environment, clocks, randomness, processes --------------------------------------------

  private argv(): Uint8Array[] { return [this.a.name ?? 'main', ...(this.a.args ?? [])].map((s) => utf8Encode(s + '\0')); }
  private envv(): Uint8Array[] { return Object.entries(this.a.env ?? {}).map(([k, v]) => utf8Encode(`${k}=${v}\0`)); }
  private sizes(list: Uint8Array[], countPtr: number, sizePtr: number): number {
    this.put32(countPtr, list.length);
    return this.put32(sizePtr, list.reduce((n, b) => n + b.length, 0));
  }
  private fill(list: Uint8Array[], ptrs: number, buf: number): number {
    let at = buf;
    list.forEach((b, i) => { this.put32(ptrs + 4 * i, at); this.u8.set(b, at); at += b.length; });
    return 0;
  }
  args_sizes_get(c: number, s: number): number { return this.sizes(this.argv(), c, s); }
  args_get(p: number, b: number): number { return this.fill(this.argv(), p, b); }
  environ_sizes_get(c: number, s: number): number { return this.sizes(this.envv(), c, s); }
  environ_get(p: number, b: number): number { return this.fill(this.envv(), p, b); }

  clock_res_get(id: number, ptr: number): number {
    const e = this.sc(SYS.clock_res_get, WASI_CLOCK[id] ?? 99);
    return e || this.put64(ptr, this.sys.r64(0));
  }
  clock_time_get(id: number, precision: bigint, ptr: number): number {
    const e = this.sc(SYS.clock_time_get, WASI_CLOCK[id] ?? 99, precision);
    return e || this.put64(ptr, this.sys.r64(0));
  }
  random_get(buf: number, len: number): number { return this.sc(SYS.random_get, buf, len); }
  sched_yield(): number { return this.sc(SYS.thread_yield); }
  proc_exit(code: number): number { this.sc(SYS.proc_exit, code); throw new ThreadGone(); }
  proc_raise(sig: number): number { return this.sc(SYS.proc_raise, WASI_SIGNAL[sig] || 99); }

  // ---- descriptors -------------------------------------------------------------------------------

  fd_read(fd: number, iovs: number, n: number, out: number): number { return this.sc(SYS.fd_read, fd, iovs, n) || this.put32(out, this.sys.r(0)); }
  fd_write(fd: number, iovs: number, n: number, out: number): number { return this.sc(SYS.fd_write, fd, iovs, n) || this.put32(out, this.sys.r(0)); }
  fd_pread(fd: number, iovs: number, n: number, off: bigint, out: number): number { return this.sc(SYS.fd_pread, fd, iovs, n, off) || this.put32(out, this.sys.r(0)); }
  fd_pwrite(fd: number, iovs: number, n: number, off: bigint, out: number): number { return this.sc(SYS.fd_pwrite, fd, iovs, n, off) || this.put32(out, this.sys.r(0)); }
  fd_close(fd: number): number { const e = this.sc(SYS.fd_close, fd); if (!e) this.preopens.delete(fd); return e; }
  fd_sync(fd: number): number { return this.sc(SYS.fd_sync, fd); }
  fd_datasync(fd: number): number { return this.sc(SYS.fd_datasync, fd); }
  fd_advise(fd: number, off: bigint, len: bigint, advice: number): number { return this.sc(SYS.file_advise, fd, off, len, WASI_ADVICE[advice] ?? 99); }
  fd_allocate(fd: number, off: bigint, len: bigint): number { return this.sc(SYS.file_allocate, fd, off, len); }
  fd_seek(fd: number, off: bigint, whence: number, out: number): number {
    if (whence > 2) return E.INVAL;
    return this.sc(SYS.fd_seek, fd, off, WASI_WHENCE[whence]) || this.put64(out, this.sys.r64(0));
  }
  fd_tell(fd: number, out: number): number { return this.fd_seek(fd, 0n, 1, out); }
  fd_renumber(from: number, to: number): number {
    const e = this.sc(SYS.fd_replace, from, to) || this.sc(SYS.fd_close, from);
    if (!e) { const p = this.preopens.get(from); this.preopens.delete(from); if (p) this.preopens.set(to, p); else this.preopens.delete(to); }
    return e;
  }

  fd_fdstat_get(fd: number, ptr: number): number {
    const e = this.sc(SYS.fd_stat_get, fd, this.scratch);
    if (e) return e;
    const sv = this.sv, dv = this.dv;
    dv.setUint8(ptr, WASI_FILETYPE[sv.getUint8(0)] ?? 0); dv.setUint8(ptr + 1, 0);
    dv.setUint16(ptr + 2, sv.getUint16(2, true), true); dv.setUint32(ptr + 4, 0, true);
    dv.setBigUint64(ptr + 8, rightsToWasi(sv.getBigUint64(8, true)), true);
    dv.setBigUint64(ptr + 16, rightsToWasi(sv.getBigUint64(16, true)), true);
    return 0;
  }
  fd_fdstat_set_flags(fd: number, flags: number): number {
    this.sv.setUint16(2, flags, true);
    return this.sc(SYS.fd_stat_put, fd, this.scratch, FDSFLAGS.FLAGS);
  }
  fd_fdstat_set_rights(fd: number, base: bigint, inh: bigint): number {
    this.sv.setBigUint64(8, rightsFromWasi(base), true); this.sv.setBigUint64(16, rightsFromWasi(inh), true);
    return this.sc(SYS.fd_stat_put, fd, this.scratch, FDSFLAGS.RIGHTS);
  }

  /** Converts the CloudABI filestat in the scratch page into WASI's layout at `ptr`. */
  private filestat(ptr: number): number {
    const s = this.sv, d = this.dv;
    d.setBigUint64(ptr, s.getBigUint64(0, true), true); d.setBigUint64(ptr + 8, s.getBigUint64(8, true), true);
    d.setBigUint64(ptr + 16, BigInt(WASI_FILETYPE[s.getUint8(16)] ?? 0), true);
    d.setBigUint64(ptr + 24, BigInt(s.getUint32(20, true)), true);
    for (const [from, to] of [[24, 32], [32, 40], [40, 48], [48, 56]]) d.setBigUint64(ptr + to, s.getBigUint64(from, true), true);
    return 0;
  }
  fd_filestat_get(fd: number, ptr: number): number { return this.sc(SYS.file_stat_fget, fd, this.scratch) || this.filestat(ptr); }
  fd_filestat_set_size(fd: number, size: bigint): number {
    this.sv.setBigUint64(24, size, true);
    return this.sc(SYS.file_stat_fput, fd, this.scratch, 0x10);
  }
  fd_filestat_set_times(fd: number, atim: bigint, mtim: bigint, flags: number): number {
    this.sv.setBigUint64(32, atim, true); this.sv.setBigUint64(40, mtim, true);
    return this.sc(SYS.file_stat_fput, fd, this.scratch, flags & 0xf);
  }

  fd_prestat_get(fd: number, ptr: number): number {
    const name = this.preopens.get(fd);
    if (!name) return E.BADF;
    this.dv.setUint32(ptr, 0, true);
    return this.put32(ptr + 4, name.length);
  }
  fd_prestat_dir_name(fd: number, path: number, len: number): number {
    const name = this.preopens.get(fd);
    if (!name) return E.BADF;
    if (len < name.length) return E.NAMETOOLONG;
    this.u8.set(name, path);
    return 0;
  }

  fd_readdir(fd: number, buf: number, len: number, cookie: bigint, out: number): number {
    const e = this.sc(SYS.file_readdir, fd, buf, len, cookie);
    if (e) return e;
    const used = this.sys.r(0), dv = this.dv;
    for (let at = 0; at + 24 <= used; at += 24 + dv.getUint32(buf + at + 16, true)) {
      dv.setUint8(buf + at + 20, WASI_FILETYPE[dv.getUint8(buf + at + 20)] ?? 0);
    }
    return this.put32(out, used);
  }

  // ---- paths -------------------------------------------------------------------------------------

  path_open(fd: number, dirflags: number, path: number, len: number, oflags: number, base: bigint, inh: bigint, fdflags: number, out: number): number {
    // Ask for what WASI asked, within what the directory can pass on (as WASI runtimes do).
    const e = this.sc(SYS.fd_stat_get, fd, this.scratch);
    if (e) return e;
    const dirBase = this.sv.getBigUint64(8, true), dirInh = this.sv.getBigUint64(16, true);
    const sv = this.sv, want = rightsFromWasi(base) & dirInh, wantInh = rightsFromWasi(inh) & dirInh;
    // WASI checks O_TRUNC against the directory's path_filestat_set_size right (wasmtime does); CloudABI's
    // file_open wants FILE_STAT_FPUT_SIZE on the new fd. Ask for it too, then narrow to what WASI asked.
    let extra = 0n;
    if (oflags & OFLAGS.TRUNC && !(want & R.FILE_STAT_FPUT_SIZE)) {
      if (!(dirBase & rightsFromWasi(WASI_PATH_FILESTAT_SET_SIZE)) || !(dirInh & R.FILE_STAT_FPUT_SIZE)) return E.NOTCAPABLE;
      extra = R.FILE_STAT_FPUT_SIZE;
    }
    sv.setUint8(0, 0); sv.setUint16(2, fdflags, true);
    sv.setBigUint64(8, want | extra, true); sv.setBigUint64(16, wantInh, true);
    const eo = this.sc(SYS.file_open, this.lookup(fd, dirflags), path, len, oflags, this.scratch);
    if (eo) return eo;
    const nfd = this.sys.r(0);
    if (extra) {
      sv.setBigUint64(8, want, true); sv.setBigUint64(16, wantInh, true);
      const e2 = this.sc(SYS.fd_stat_put, nfd, this.scratch, FDSFLAGS.RIGHTS);
      if (e2) { this.sys.call(SYS.fd_close, nfd); return e2; }
    }
    return this.put32(out, nfd);
  }
  path_create_directory(fd: number, path: number, len: number): number { return this.sc(SYS.file_create, fd, path, len, FILETYPE.DIRECTORY); }
  path_unlink_file(fd: number, path: number, len: number): number { return this.sc(SYS.file_unlink, fd, path, len, 0); }
  path_remove_directory(fd: number, path: number, len: number): number { return this.sc(SYS.file_unlink, fd, path, len, ULFLAGS.REMOVEDIR); }
  path_rename(fd: number, p: number, l: number, fd2: number, p2: number, l2: number): number { return this.sc(SYS.file_rename, fd, p, l, fd2, p2, l2); }
  path_link(fd: number, flags: number, p: number, l: number, fd2: number, p2: number, l2: number): number {
    return this.sc(SYS.file_link, this.lookup(fd, flags), p, l, fd2, p2, l2);
  }
  path_symlink(p: number, l: number, fd: number, p2: number, l2: number): number { return this.sc(SYS.file_symlink, p, l, fd, p2, l2); }
  path_readlink(fd: number, p: number, l: number, buf: number, blen: number, out: number): number {
    return this.sc(SYS.file_readlink, fd, p, l, buf, blen) || this.put32(out, this.sys.r(0));
  }
  path_filestat_get(fd: number, flags: number, p: number, l: number, ptr: number): number {
    return this.sc(SYS.file_stat_get, this.lookup(fd, flags), p, l, this.scratch) || this.filestat(ptr);
  }
  path_filestat_set_times(fd: number, flags: number, p: number, l: number, atim: bigint, mtim: bigint, fst: number): number {
    this.sv.setBigUint64(32, atim, true); this.sv.setBigUint64(40, mtim, true);
    return this.sc(SYS.file_stat_put, this.lookup(fd, flags), p, l, this.scratch, fst & 0xf);
  }

  // ---- poll and sockets --------------------------------------------------------------------------

  poll_oneoff(inPtr: number, outPtr: number, n: number, nevents: number): number {
    if (n === 0) return E.INVAL;
    if (n > 32) return E.NOTSUP; // the scratch page holds 32 subscriptions and their events
    const dv = this.dv, sv = this.sv, cin = 0, cout = 56 * 32; // subscriptions, then events, in the page
    this.mem.bytes(this.scratch, 4096).fill(0);
    for (let i = 0; i < n; i++) {
      const w = inPtr + 48 * i, c = cin + 56 * i, tag = dv.getUint8(w + 8);
      sv.setBigUint64(c, dv.getBigUint64(w, true), true);
      if (tag === WASI_EVENTTYPE.CLOCK) {
        sv.setUint8(c + 10, EVENTTYPE.CLOCK);
        sv.setUint32(c + 24, WASI_CLOCK[dv.getUint32(w + 16, true)] ?? 99, true);
        sv.setBigUint64(c + 32, dv.getBigUint64(w + 24, true), true);
        sv.setBigUint64(c + 40, dv.getBigUint64(w + 32, true), true);
        sv.setUint16(c + 48, dv.getUint16(w + 40, true) & 1, true);
      } else {
        sv.setUint8(c + 10, tag === WASI_EVENTTYPE.FD_READ ? EVENTTYPE.FD_READ : tag === WASI_EVENTTYPE.FD_WRITE ? EVENTTYPE.FD_WRITE : 0);
        sv.setUint32(c + 16, dv.getUint32(w + 16, true), true);
      }
    }
    const e = this.sc(SYS.poll, this.scratch + cin, this.scratch + cout, n);
    if (e) return e;
    const got = this.sys.r(0);
    for (let i = 0; i < got; i++) {
      const c = cout + 32 * i, w = outPtr + 32 * i, type = sv.getUint8(c + 10);
      dv.setBigUint64(w, sv.getBigUint64(c, true), true);
      dv.setUint16(w + 8, sv.getUint16(c + 8, true), true);
      dv.setUint8(w + 10, type === EVENTTYPE.CLOCK ? WASI_EVENTTYPE.CLOCK : type === EVENTTYPE.FD_READ ? WASI_EVENTTYPE.FD_READ : WASI_EVENTTYPE.FD_WRITE);
      const fdEvent = type === EVENTTYPE.FD_READ || type === EVENTTYPE.FD_WRITE;
      dv.setBigUint64(w + 16, fdEvent ? sv.getBigUint64(c + 16, true) : 0n, true);
      dv.setUint16(w + 24, fdEvent ? sv.getUint16(c + 28, true) : 0, true);
    }
    return this.put32(nevents, got);
  }

  sock_accept(fd: number, _flags: number, out: number): number { return this.sc(SYS.sock_accept, fd, this.scratch) || this.put32(out, this.sys.r(0)); }
  sock_shutdown(fd: number, how: number): number { return this.sc(SYS.sock_shutdown, fd, how); }
  sock_recv(fd: number, iovs: number, n: number, flags: number, outLen: number, outFlags: number): number {
    const sv = this.sv;
    sv.setUint32(0, iovs, true); sv.setUint32(4, n, true); sv.setUint32(8, 0, true); sv.setUint32(12, 0, true);
    sv.setUint16(16, (flags & 1 ? 4 : 0) | (flags & 2 ? 16 : 0), true);
    const e = this.sc(SYS.sock_recv, fd, this.scratch, this.scratch + 64);
    if (e) return e;
    this.put32(outLen, sv.getUint32(64, true));
    this.dv.setUint16(outFlags, sv.getUint16(64 + 48, true) & 8 ? 1 : 0, true);
    return 0;
  }
  sock_send(fd: number, iovs: number, n: number, _flags: number, out: number): number {
    const sv = this.sv;
    sv.setUint32(0, iovs, true); sv.setUint32(4, n, true); sv.setUint32(8, 0, true); sv.setUint32(12, 0, true); sv.setUint16(16, 0, true);
    return this.sc(SYS.sock_send, fd, this.scratch, this.scratch + 64) || this.put32(out, sv.getUint32(64, true));
  }
}
