// Provokes every (syscall, errno) pair that abi/errors.ts documents, through raw syscalls with the exact
// arguments that cause each one. Prints `PAIR <syscall> <ERRNO>` per pair provoked as documented; with a
// pseudo-pair factory (argdata `pseudo`) it also starts a tmpfs and prints `FSPAIR <syscall> <ERRNO>` for
// the filesystem's errors (FS_ERRORS). test/errors.test.ts checks that the printed sets equal the documented ones.
import { ArgFd, E, Errno, FDSFLAGS, FDFLAGS, FILETYPE, LOOKUP, MFLAGS, MPROT, OFLAGS, R, RIGHTS_ALL, SYS, ULFLAGS, type ArgValue, type ErrnoName, type Os } from '@cosix/libc';

export const entries = {
  /** A thread that waits until fd `fd` reaches its end (machineLimits). */
  idle(os: Os, fd: number): void { os.read(fd, 1); },
  child(): number { return 0; },
};

export function main(os: Os, args: ArgValue): number {
  const bootfs = (args as { bootfs: { fd: number } }).bootfs.fd;
  let failed = 0;
  const dv = os.mem.dv;
  const sc = (name: string, ...a: (number | bigint)[]) => {
    for (let i = 0; i < 8; i++) os.sys.arg(i, a[i] ?? 0);
    return os.sys.call(SYS[name]);
  };
  const t = (name: string, errno: ErrnoName, fn: () => number) => {
    const got = fn();
    if (got === E[errno]) os.writeAll(0, `PAIR ${name} ${errno}\n`);
    else { failed++; os.writeAll(0, `FAIL ${name} ${errno}: got ${got}\n`); }
  };
  const buf = os.heap.malloc(1 << 20), iov = os.heap.malloc(8), badIov = os.heap.malloc(8), path = os.heap.malloc(8192);
  dv.setUint32(iov, buf, true); dv.setUint32(iov + 4, 16, true);
  dv.setUint32(badIov, 0, true); dv.setUint32(badIov + 4, 16, true);
  const str = (s: string) => { for (let i = 0; i < s.length; i++) os.mem.u8[path + i] = s.charCodeAt(i); return s.length; };
  const fdstat = (base: bigint, flags = 0) => { os.mem.u8.fill(0, buf, buf + 24); dv.setUint16(buf + 2, flags, true); dv.setBigUint64(buf + 8, base, true); return buf; };
  const nonblock = (fd: number) => os.fdstatPut(fd, { flags: FDFLAGS.NONBLOCK }, FDSFLAGS.FLAGS);
  const shrink = (fd: number, drop: bigint) => { const d = os.dup(fd); const st = os.fdstat(d); os.fdstatPut(d, { base: st.base & ~drop, inheriting: st.inheriting }, FDSFLAGS.RIGHTS); return d; };
  const [r, w] = os.pipe();
  const shm = os.create1(FILETYPE.SHARED_MEMORY);
  os.writeAll(shm, new Uint8Array(4096));
  const [sa, sb] = os.socketpair(FILETYPE.SOCKET_STREAM);
  const lone = os.create1(FILETYPE.SOCKET_STREAM);
  const pfd = os.create1(FILETYPE.POLL);
  const word = os.heap.malloc(16);
  dv.setUint32(word, 0, true);
  const BAD = 999, TOP = 0xfffffff0, UNMAPPED = 0x50000000;

  t('clock_res_get', 'INVAL', () => sc('clock_res_get', 99));
  t('clock_time_get', 'INVAL', () => sc('clock_time_get', 99));
  t('condvar_signal', 'INVAL', () => sc('condvar_signal', word, 0x99, 1));
  t('condvar_signal', 'FAULT', () => sc('condvar_signal', 0, 4, 1));
  t('fd_close', 'BADF', () => sc('fd_close', BAD));
  t('fd_create1', 'INVAL', () => sc('fd_create1', FILETYPE.FIFO));
  t('fd_create2', 'INVAL', () => sc('fd_create2', FILETYPE.SHARED_MEMORY));
  for (const n of ['fd_datasync', 'fd_sync']) { t(n, 'BADF', () => sc(n, BAD)); t(n, 'NOTCAPABLE', () => sc(n, r)); }
  t('fd_dup', 'BADF', () => sc('fd_dup', BAD));
  for (const n of ['fd_pread', 'fd_pwrite']) {
    t(n, 'BADF', () => sc(n, BAD, iov, 1, 0));
    t(n, 'NOTCAPABLE', () => sc(n, n === 'fd_pread' ? r : w, iov, 1, 0));
    t(n, 'FAULT', () => sc(n, shm, badIov, 1, 0));
    t(n, 'INVAL', () => sc(n, shm, iov, 1, 1n << 63n));
  }
  t('fd_read', 'BADF', () => sc('fd_read', BAD, iov, 1));
  t('fd_read', 'NOTCAPABLE', () => sc('fd_read', w, iov, 1));
  t('fd_read', 'FAULT', () => sc('fd_read', r, TOP, 1));
  t('fd_read', 'INVAL', () => sc('fd_read', r, buf, 5000));
  nonblock(r);
  t('fd_read', 'AGAIN', () => sc('fd_read', r, iov, 1));
  t('fd_replace', 'BADF', () => sc('fd_replace', BAD, 0));
  t('fd_seek', 'BADF', () => sc('fd_seek', BAD, 0, 3));
  t('fd_seek', 'NOTCAPABLE', () => sc('fd_seek', r, 0, 3));
  t('fd_seek', 'INVAL', () => sc('fd_seek', shm, 0, 9));
  t('fd_stat_get', 'BADF', () => sc('fd_stat_get', BAD, buf));
  t('fd_stat_get', 'FAULT', () => sc('fd_stat_get', r, 0));
  t('fd_stat_put', 'BADF', () => sc('fd_stat_put', BAD, fdstat(0n), FDSFLAGS.RIGHTS));
  t('fd_stat_put', 'NOTCAPABLE', () => sc('fd_stat_put', r, fdstat(RIGHTS_ALL), FDSFLAGS.RIGHTS));
  t('fd_stat_put', 'INVAL', () => sc('fd_stat_put', r, fdstat(0n), 0));
  t('fd_write', 'BADF', () => sc('fd_write', BAD, iov, 1));
  t('fd_write', 'NOTCAPABLE', () => sc('fd_write', r, iov, 1));
  t('fd_write', 'FAULT', () => sc('fd_write', w, TOP, 1));
  const [r2, w2] = os.pipe();
  nonblock(w2);
  const big = os.heap.malloc(8);
  dv.setUint32(big, buf, true); dv.setUint32(big + 4, 1 << 20, true);
  sc('fd_write', w2, big, 1);
  t('fd_write', 'AGAIN', () => sc('fd_write', w2, iov, 1));
  os.close(r2);
  t('fd_write', 'PIPE', () => sc('fd_write', w2, iov, 1));

  const hello = os.open(bootfs, 'hello', 0, R.FD_READ | R.FILE_ADVISE | R.FILE_STAT_FGET);
  t('file_advise', 'BADF', () => sc('file_advise', BAD, 0, 0, 1));
  t('file_advise', 'NOTCAPABLE', () => sc('file_advise', r, 0, 0, 1));
  t('file_advise', 'INVAL', () => sc('file_advise', hello, 0, 0, 99));
  t('file_allocate', 'BADF', () => sc('file_allocate', BAD, 0, 10));
  t('file_allocate', 'NOTCAPABLE', () => sc('file_allocate', r, 0, 10));
  t('file_allocate', 'INVAL', () => sc('file_allocate', shm, 0, 0));
  t('file_create', 'BADF', () => sc('file_create', BAD, path, str('d'), FILETYPE.DIRECTORY));
  t('file_create', 'NOTDIR', () => sc('file_create', r, path, str('d'), FILETYPE.DIRECTORY));
  t('file_create', 'NOTCAPABLE', () => sc('file_create', bootfs, path, str('d'), FILETYPE.DIRECTORY));
  // Each call with well-formed arguments around the fd (a slot too wide for its type would be EINVAL first).
  const around: Record<string, (fd: number) => number[]> = {
    file_link: (fd) => [fd, path, str('x'), bootfs, path, 1],
    file_rename: (fd) => [fd, path, str('x'), bootfs, path, 1],
    file_unlink: (fd) => [fd, path, str('x'), 0],
    file_stat_put: (fd) => [fd, path, str('x'), path, 1],
    file_symlink: (fd) => [path, str('x'), fd, path, 1],
  };
  for (const [n, args] of Object.entries(around)) {
    t(n, 'BADF', () => sc(n, ...args(BAD)));
    t(n, 'NOTCAPABLE', () => sc(n, ...args(bootfs)));
  }
  const open = (fd: number, p: string, oflags = 0, rights: bigint = R.FD_READ) => { const n = str(p); const st = fdstat(rights); return sc('file_open', fd, path, n, oflags, st); };
  t('file_open', 'BADF', () => open(BAD, 'hello'));
  t('file_open', 'NOTDIR', () => open(r, 'hello'));
  t('file_open', 'NOTCAPABLE', () => open(bootfs, 'hello', 0, RIGHTS_ALL));
  t('file_open', 'NOENT', () => open(bootfs, 'nope'));
  t('file_open', 'INVAL', () => open(bootfs, 'hello', 0x40));
  t('file_open', 'NAMETOOLONG', () => open(bootfs, 'a'.repeat(5000)));
  t('file_readdir', 'BADF', () => sc('file_readdir', BAD, buf, 100, 0));
  t('file_readdir', 'NOTDIR', () => sc('file_readdir', r, buf, 100, 0));
  t('file_readdir', 'NOTCAPABLE', () => sc('file_readdir', shrink(bootfs, R.FILE_READDIR), buf, 100, 0));
  t('file_readdir', 'FAULT', () => sc('file_readdir', bootfs, 0, 100, 0));
  t('file_readlink', 'BADF', () => sc('file_readlink', BAD, path, str('hello'), buf, 100));
  t('file_readlink', 'NOTDIR', () => sc('file_readlink', r, path, str('hello'), buf, 100));
  t('file_readlink', 'NOTCAPABLE', () => sc('file_readlink', bootfs, path, str('hello'), buf, 100));
  t('file_stat_fget', 'BADF', () => sc('file_stat_fget', BAD, buf));
  t('file_stat_fget', 'NOTCAPABLE', () => sc('file_stat_fget', shrink(r, R.FILE_STAT_FGET), buf));
  t('file_stat_fget', 'FAULT', () => sc('file_stat_fget', r, 0));
  t('file_stat_fput', 'BADF', () => sc('file_stat_fput', BAD, buf, 0x10));
  t('file_stat_fput', 'NOTCAPABLE', () => sc('file_stat_fput', r, buf, 0x10));
  t('file_stat_fput', 'INVAL', () => sc('file_stat_fput', shm, buf, 0));
  t('file_stat_get', 'BADF', () => sc('file_stat_get', BAD, path, str('hello'), buf));
  t('file_stat_get', 'NOTDIR', () => sc('file_stat_get', r, path, str('hello'), buf));
  t('file_stat_get', 'NOTCAPABLE', () => sc('file_stat_get', shrink(bootfs, R.FILE_STAT_GET), path, str('hello'), buf));
  t('file_stat_get', 'NOENT', () => sc('file_stat_get', bootfs, path, str('nope'), buf));
  t('file_stat_get', 'FAULT', () => sc('file_stat_get', bootfs, path, str('hello'), 0));

  t('lock_unlock', 'INVAL', () => sc('lock_unlock', word, 0x99));
  t('lock_unlock', 'FAULT', () => sc('lock_unlock', 0, 4));
  t('lock_unlock', 'PERM', () => sc('lock_unlock', word, 4));
  const page = os.mmap(4096);
  t('mem_advise', 'INVAL', () => sc('mem_advise', page + 1, 4096, 1));
  t('mem_advise', 'NOMEM', () => sc('mem_advise', UNMAPPED, 4096, 1));
  const RW = MPROT.READ | MPROT.WRITE, AP = MFLAGS.ANON | MFLAGS.PRIVATE;
  t('mem_map', 'INVAL', () => sc('mem_map', 0, 0, RW, AP, 0xffffffff, 0));
  t('mem_map', 'NOTSUP', () => sc('mem_map', 0, 4096, MPROT.WRITE | MPROT.EXEC, AP, 0xffffffff, 0));
  t('mem_map', 'BADF', () => sc('mem_map', 0, 4096, RW, MFLAGS.SHARED, BAD, 0));
  const dot = os.open(bootfs, '.', 0, R.MEM_MAP);
  t('mem_map', 'NODEV', () => sc('mem_map', 0, 4096, MPROT.READ, MFLAGS.PRIVATE, dot, 0));
  const helloMapOnly = os.open(bootfs, 'hello', 0, R.MEM_MAP);
  t('mem_map', 'NOTCAPABLE', () => sc('mem_map', 0, 4096, MPROT.READ, MFLAGS.PRIVATE, helloMapOnly, 0));
  t('mem_map', 'NXIO', () => sc('mem_map', 0, 8192, RW, MFLAGS.SHARED, shm, 0));
  t('mem_map', 'NOMEM', () => sc('mem_map', 0, 0xfffff000, RW, AP, 0xffffffff, 0));
  t('mem_protect', 'INVAL', () => sc('mem_protect', page + 1, 4096, MPROT.READ));
  t('mem_protect', 'NOTSUP', () => sc('mem_protect', page, 4096, MPROT.WRITE | MPROT.EXEC));
  t('mem_protect', 'NOMEM', () => sc('mem_protect', UNMAPPED, 4096, MPROT.READ));
  const roShm = shrink(shm, R.FD_WRITE);
  os.check(sc('mem_map', 0, 4096, MPROT.READ, MFLAGS.SHARED, roShm, 0), 'mem_map of a read-only shm fd');
  const roMap = os.sys.r(0);
  t('mem_protect', 'NOTCAPABLE', () => sc('mem_protect', roMap, 4096, RW));
  t('mem_sync', 'INVAL', () => sc('mem_sync', page, 4096, 0x99));
  t('mem_sync', 'NOMEM', () => sc('mem_sync', UNMAPPED, 4096, 4));
  t('mem_unmap', 'INVAL', () => sc('mem_unmap', page, 0));

  t('poll', 'INVAL', () => sc('poll', buf, buf, 0));
  t('poll', 'FAULT', () => sc('poll', 0, buf, 1));
  t('poll_fd', 'BADF', () => sc('poll_fd', BAD, buf, 0, buf, 1, 0));
  t('poll_fd', 'INVAL', () => sc('poll_fd', r, buf, 0, buf, 1, 0));
  t('poll_fd', 'NOTCAPABLE', () => sc('poll_fd', shrink(pfd, R.POLL_WAIT), buf, 0, buf, 1, 0));
  t('poll_fd', 'FAULT', () => sc('poll_fd', pfd, buf, 0, 0, 1, 0));

  t('proc_exec', 'BADF', () => sc('proc_exec', BAD, buf, 0, buf, 0));
  t('proc_exec', 'NOTCAPABLE', () => sc('proc_exec', hello, buf, 0, buf, 0));
  const motd = os.open(bootfs, 'motd.txt', 0, R.FD_READ | R.PROC_EXEC);
  t('proc_exec', 'NOEXEC', () => sc('proc_exec', motd, buf, 0, buf, 0));
  t('proc_exec', '2BIG', () => sc('proc_exec', motd, buf, (1 << 20) + 1, buf, 0));
  t('proc_raise', 'INVAL', () => sc('proc_raise', 99));
  t('random_get', 'FAULT', () => sc('random_get', 0, 10));
  t('random_get', 'INVAL', () => sc('random_get', buf, 2 << 20));

  for (const n of ['sock_accept', 'sock_bind', 'sock_connect', 'sock_listen', 'sock_recv', 'sock_send', 'sock_shutdown', 'sock_stat_get']) {
    const rest = n === 'sock_stat_get' ? [buf, 0] : [bootfs, path, 1]; // sock_stat_get's third slot is a u8
    t(n, 'BADF', () => sc(n, BAD, ...rest));
    t(n, 'NOTSOCK', () => sc(n, r, ...rest));
  }
  t('sock_accept', 'INVAL', () => sc('sock_accept', sa, buf));
  t('sock_bind', 'ISCONN', () => sc('sock_bind', sa, bootfs, path, str('s')));
  t('sock_bind', 'NOTCAPABLE', () => sc('sock_bind', lone, bootfs, path, str('s')));
  t('sock_connect', 'ISCONN', () => sc('sock_connect', sa, bootfs, path, str('s')));
  t('sock_connect', 'NOTCAPABLE', () => sc('sock_connect', lone, bootfs, path, str('s')));
  t('sock_listen', 'DESTADDRREQ', () => sc('sock_listen', lone, 4));
  t('sock_listen', 'INVAL', () => sc('sock_listen', sa, 4));
  const io = (flags: number) => { const x = os.heap.malloc(128); dv.setUint32(x, iov, true); dv.setUint32(x + 4, 1, true); dv.setUint32(x + 8, buf, true); dv.setUint32(x + 12, 0, true); dv.setUint16(x + 16, flags, true); return x; };
  t('sock_recv', 'INVAL', () => sc('sock_recv', sb, io(0x99), buf));
  t('sock_recv', 'FAULT', () => sc('sock_recv', sb, 0, buf));
  nonblock(sb);
  t('sock_recv', 'AGAIN', () => sc('sock_recv', sb, io(0), buf + 64));
  t('sock_send', 'INVAL', () => sc('sock_send', sa, io(1), buf));
  t('sock_send', 'FAULT', () => sc('sock_send', sa, 0, buf));
  t('sock_send', 'NOTCONN', () => sc('sock_send', lone, io(0), buf));
  const [da, db] = os.socketpair(FILETYPE.SOCKET_DGRAM);
  nonblock(da);
  const dgram = os.heap.malloc(128);
  dv.setUint32(dgram, big, true); dv.setUint32(dgram + 4, 1, true); dv.setUint32(dgram + 8, buf, true); dv.setUint32(dgram + 12, 0, true); dv.setUint16(dgram + 16, 0, true);
  dv.setUint32(big + 4, 60000, true);
  for (let i = 0; i < 4; i++) sc('sock_send', da, dgram, buf);
  t('sock_send', 'AGAIN', () => sc('sock_send', da, dgram, buf));
  os.close(db);
  t('sock_send', 'PIPE', () => sc('sock_send', da, dgram, buf));
  t('sock_shutdown', 'INVAL', () => sc('sock_shutdown', sa, 0));
  t('sock_shutdown', 'NOTCONN', () => sc('sock_shutdown', lone, 1));
  t('sock_stat_get', 'INVAL', () => sc('sock_stat_get', sa, buf, 0x99));
  t('sock_stat_get', 'FAULT', () => sc('sock_stat_get', sa, 0, 0));
  t('thread_create', 'FAULT', () => sc('thread_create', 0));
  t('*', 'NOSYS', () => os.sys.call(200));
  // Argument slots are 64 bits; a value that does not fit its type is refused, never cut to 32 bits.
  t('*', 'BADF', () => sc('fd_stat_get', (1n << 32n) | BigInt(r), buf));
  t('*', 'INVAL', () => sc('random_get', buf, (1n << 32n) | 16n));
  const pseudo = (args as { pseudo?: { fd: number } }).pseudo?.fd;
  failed += machineLimits(os, t, sc, buf, iov, pseudo);
  if (pseudo !== undefined) failed += filesystemErrors(os, bootfs, pseudo, sc, str, path, buf, iov);
  os.writeAll(0, failed ? `errno_test: ${failed} failed\n` : 'errno_test: ok\n');
  return failed ? 1 : 0;
}

/** The FS_ERRORS pairs, on a tmpfs of 1 MiB started here. Returns how many were not provoked as documented. */
function filesystemErrors(os: Os, bootfs: number, factory: number, sc: (name: string, ...a: (number | bigint)[]) => number,
  str: (s: string) => number, path: number, buf: number, iov: number): number {
  let failed = 0;
  const t = (name: string, errno: ErrnoName, fn: () => number) => {
    const got = fn();
    if (got === E[errno]) os.writeAll(0, `FSPAIR ${name} ${errno}\n`);
    else { failed++; os.writeAll(0, `FAIL fs ${name} ${errno}: got ${got}\n`); }
  };
  const exe = os.open(bootfs, 'tmpfs', 0, R.FD_READ | R.PROC_EXEC);
  const start = (limit: number) => {
    const [rev, root] = os.pseudoPair(factory, 'DIRECTORY');
    const proc = os.spawn(exe, { reverse: new ArgFd(0), limit }, [rev]);
    os.close(rev);
    return { root, proc };
  };
  const { root, proc } = start(1 << 20);
  const other = start(1 << 20);
  const dv = os.mem.dv;
  // Two paths at `path` and `path + 4096`.
  const two = (a: string, b: string) => { const la = str(a); for (let i = 0; i < b.length; i++) os.mem.u8[path + 4096 + i] = b.charCodeAt(i); return [path, la, path + 4096, b.length] as const; };
  const mkdir = (p: string) => os.check(sc('file_create', root, path, str(p), FILETYPE.DIRECTORY), `mkdir ${p}`);
  const touch = (p: string) => os.close(os.open(root, p, OFLAGS.CREAT, R.FD_WRITE));
  const symlink = (target: string, name: string) => { const [pa, la, pb, lb] = two(target, name); return sc('file_symlink', pa, la, root, pb, lb); };
  mkdir('d'); mkdir('full'); touch('full/x'); touch('f');
  os.check(symlink('loop', 'loop'), 'symlink loop');
  os.check(symlink('f', 'lnk'), 'symlink lnk');

  // Kernel checks that need a directory the caller may change (PAIR lines, as above).
  const kpair = (name: string, errno: ErrnoName, fn: () => number) => {
    const got = fn();
    if (got === E[errno]) os.writeAll(0, `PAIR ${name} ${errno}\n`);
    else { failed++; os.writeAll(0, `FAIL ${name} ${errno}: got ${got}\n`); }
  };
  kpair('file_create', 'INVAL', () => sc('file_create', root, path, str('x'), FILETYPE.REGULAR_FILE));
  kpair('file_unlink', 'INVAL', () => sc('file_unlink', root, path, str('f'), 0x80));
  kpair('file_stat_put', 'INVAL', () => sc('file_stat_put', root, path, str('f'), buf, 0));

  t('file_create', 'EXIST', () => sc('file_create', root, path, str('d'), FILETYPE.DIRECTORY));
  t('file_create', 'NOENT', () => sc('file_create', root, path, str('no/d'), FILETYPE.DIRECTORY));
  t('file_open', 'EXIST', () => sc('file_open', root, path, str('f'), OFLAGS.CREAT | OFLAGS.EXCL, buf));
  t('file_open', 'NOTDIR', () => sc('file_open', root, path, str('f'), OFLAGS.DIRECTORY, buf));
  t('file_open', 'LOOP', () => sc('file_open', BigInt(root) | (BigInt(LOOKUP.SYMLINK_FOLLOW) << 32n), path, str('loop'), 0, buf));
  t('file_stat_get', 'LOOP', () => sc('file_stat_get', BigInt(root) | (BigInt(LOOKUP.SYMLINK_FOLLOW) << 32n), path, str('loop'), buf));
  t('file_readlink', 'INVAL', () => sc('file_readlink', root, path, str('f'), buf, 64));
  t('file_symlink', 'EXIST', () => symlink('x', 'f'));
  const link = (a: string, b: string, to = root) => { const [pa, la, pb, lb] = two(a, b); return sc('file_link', root, pa, la, to, pb, lb); };
  t('file_link', 'EXIST', () => link('f', 'd'));
  t('file_link', 'PERM', () => link('d', 'd2'));
  t('file_link', 'XDEV', () => link('f', 'f', other.root));
  const rename = (a: string, b: string, to = root) => { const [pa, la, pb, lb] = two(a, b); return sc('file_rename', root, pa, la, to, pb, lb); };
  t('file_rename', 'NOENT', () => rename('missing', 'x'));
  t('file_rename', 'NOTEMPTY', () => rename('d', 'full'));
  t('file_rename', 'ISDIR', () => rename('f', 'd'));
  t('file_rename', 'NOTDIR', () => rename('d', 'f'));
  t('file_rename', 'INVAL', () => rename('d', 'd/sub'));
  t('file_rename', 'XDEV', () => rename('f', 'f', other.root));
  t('file_unlink', 'ISDIR', () => sc('file_unlink', root, path, str('d'), 0));
  t('file_unlink', 'NOTDIR', () => sc('file_unlink', root, path, str('f'), ULFLAGS.REMOVEDIR));
  t('file_unlink', 'NOTEMPTY', () => sc('file_unlink', root, path, str('full'), ULFLAGS.REMOVEDIR));
  const dirfd = os.open(root, 'd', OFLAGS.DIRECTORY, R.FD_READ | R.FD_WRITE | R.FILE_READDIR);
  t('fd_read', 'ISDIR', () => sc('fd_read', dirfd, iov, 1));
  t('fd_write', 'ISDIR', () => sc('fd_write', dirfd, iov, 1));
  // Fill the 1 MiB filesystem: the write that does not fit fails whole, and so does an allocation.
  const fd = os.open(root, 'big', OFLAGS.CREAT, R.FD_WRITE | R.FILE_ALLOCATE | R.FILE_STAT_FGET);
  const bigIov = os.heap.malloc(8);
  dv.setUint32(bigIov, buf, true); dv.setUint32(bigIov + 4, 768 << 10, true);
  os.check(sc('fd_write', fd, bigIov, 1), 'fill most of tmpfs');
  t('fd_write', 'NOSPC', () => sc('fd_write', fd, bigIov, 1));
  if (os.fstat(fd).size !== 768n << 10n) { failed++; os.writeAll(0, 'FAIL fs fd_write NOSPC wrote part of the data\n'); }
  t('file_allocate', 'NOSPC', () => sc('file_allocate', fd, 0, 1 << 20));
  os.close(dirfd); os.close(fd);
  // The daemon goes away: every call on its fds is EIO.
  os.close(proc);
  t('*', 'IO', () => sc('file_stat_get', root, path, str('f'), buf));
  os.close(other.proc);
  return failed;
}

/** The errno `fn` throws (0 if it returns). */
function errnoOf(fn: () => unknown): number {
  try { fn(); return 0; } catch (e) { if (e instanceof Errno) return e.code; throw e; }
}

/**
 * The errors of a machine at its limits (test/errors.test.ts gives it a thread limit of 6 and 256 MiB of
 * memory): threads until EAGAIN, then (all threads taken) a fork; then shared mappings and queued socket
 * bytes until not one more byte fits, and with the memory full a fork, a pipe write, a shared-memory object's
 * growth and a request to a daemon. Everything is given back before it returns; returns the failures.
 */
function machineLimits(os: Os, t: (name: string, errno: ErrnoName, fn: () => number) => void,
  sc: (name: string, ...a: (number | bigint)[]) => number, buf: number, iov: number, factory: number | undefined): number {
  let failed = 0;
  const need = (what: string, e: number) => { if (e) { failed++; os.writeAll(0, `FAIL setup ${what}: errno ${e}\n`); } };
  // Threads, each waiting for `gate` to close, until the machine has no more.
  const [gate, open] = os.pipe();
  const threads: { join: () => void }[] = [];
  let e = 0;
  while (e === 0 && threads.length < 300) e = errnoOf(() => threads.push(os.thread('idle', gate)));
  t('thread_create', 'AGAIN', () => e);
  t('proc_fork', 'AGAIN', () => errnoOf(() => os.close(os.fork('child'))));
  os.close(open);
  for (const th of threads) th.join();
  os.close(gate);

  // The memory: shared mappings (halving the size at each ENOMEM down to a page), then socket bytes down to one.
  const daemon = factory === undefined ? undefined : os.pseudoPair(factory, 'DIRECTORY');
  const [pr, pw] = os.pipe();
  const shm = os.create1(FILETYPE.SHARED_MEMORY);
  const maps: [number, number][] = [];
  for (let len = 16 << 20; len >= 4096;) {
    e = errnoOf(() => maps.push([os.mmap(len, MPROT.READ | MPROT.WRITE, MFLAGS.ANON | MFLAGS.SHARED), len]));
    if (e === E.NOMEM) len /= 2; else need('mem_map', e);
  }
  const [sa, sb] = os.socketpair(FILETYPE.SOCKET_STREAM);
  os.fdstatPut(sa, { flags: FDFLAGS.NONBLOCK }, FDSFLAGS.FLAGS);
  for (let len = 4096; len >= 1;) {
    e = errnoOf(() => os.send(sa, new Uint8Array(len)));
    if (e === E.NOMEM) len /= 2; else need('sock_send', e);
  }
  t('mem_map', 'NOMEM', () => errnoOf(() => os.mmap(4096, MPROT.READ | MPROT.WRITE, MFLAGS.ANON | MFLAGS.SHARED)));
  t('sock_send', 'NOMEM', () => errnoOf(() => os.send(sa, new Uint8Array(1))));
  t('proc_fork', 'NOMEM', () => errnoOf(() => os.close(os.fork('child'))));
  t('fd_write', 'NOMEM', () => errnoOf(() => os.write(pw, new Uint8Array(1))));
  t('fd_pwrite', 'NOMEM', () => sc('fd_pwrite', shm, iov, 1, 0));
  if (daemon) t('*', 'NOMEM', () => sc('file_stat_fget', daemon[1], buf));
  for (const [a, len] of maps) os.munmap(a, len);
  for (const fd of [sa, sb, pr, pw, shm, ...(daemon ?? [])]) os.close(fd);
  return failed;
}
