// tmpfs through the real syscall interface: this program starts the tmpfs daemon on a fresh pseudo pair
// (as init does), then exercises files and directories through the pseudo directory fd, including errors,
// confinement, several writer threads, and the daemon being killed in the middle of a stream of requests.
import { ADVICE, ArgFd, CLOCK, E, FDFLAGS, FDSFLAGS, FILETYPE, FSFLAGS, MFLAGS, MPROT, MSFLAGS, OFLAGS, R, SYS, ULFLAGS, utf8Decode, utf8Encode, type ArgValue, type Os } from '@cosix/libc';
import { Checker } from './lib/check.js';

const FILE_RIGHTS = R.FD_READ | R.FD_WRITE | R.FD_SEEK | R.FD_TELL | R.FILE_STAT_FGET | R.FILE_STAT_FPUT_SIZE | R.FD_SYNC | R.FD_DATASYNC | R.FILE_ALLOCATE;
const str = (b: Uint8Array) => utf8Decode(b) ?? '';

function pathCall(os: Os, n: number, fd: number, path: string, ...rest: number[]): number {
  const b = utf8Encode(path), p = os.stage(b.length + 64);
  os.mem.u8.set(b, p);
  const args = [fd, p, b.length, ...rest];
  args.forEach((v, i) => os.sys.arg(i, v));
  return os.sys.call(n);
}

function twoPaths(os: Os, n: number, fd1: number, p1: string, fd2: number, p2: string): number {
  const a = utf8Encode(p1), b = utf8Encode(p2), p = os.stage(a.length + b.length + 8);
  os.mem.u8.set(a, p); os.mem.u8.set(b, p + a.length);
  [fd1, p, a.length, fd2, p + a.length, b.length].forEach((v, i) => os.sys.arg(i, v));
  return os.sys.call(n);
}

/** Lists a directory with a small buffer, so that listings take many file_readdir calls. */
function readdirSmall(os: Os, dir: number): string[] {
  const out: string[] = [];
  let cookie = 0n;
  for (;;) {
    const buf = os.stage(200);
    os.sys.arg(3, cookie);
    os.check(os.sys.call(SYS.file_readdir, dir, buf, 200), 'file_readdir');
    const used = os.sys.r(0), dv = os.mem.dv;
    let at = 0;
    while (at + 24 <= used) {
      const n = dv.getUint32(buf + at + 16, true);
      if (at + 24 + n > used) break;
      out.push(str(os.mem.u8.slice(buf + at + 24, buf + at + 24 + n)));
      cookie = dv.getBigUint64(buf + at, true);
      at += 24 + n;
    }
    if (used < 200) return out;
  }
}

export const entries = {
  churn(os: Os, flag: number): void {
    const dir = os.mem.dv.getUint32(flag, true);
    for (let i = 0; Atomics.load(os.mem.i32, (flag + 4) >> 2) === 0; i++) {
      os.close(os.open(dir, `tmp-${i % 7}`, OFLAGS.CREAT, R.FD_WRITE));
      pathCall(os, SYS.file_unlink, dir, `tmp-${(i + 3) % 7}`, 0);
    }
  },
  renamer(os: Os, root: number): void {
    for (let k = 0; k < 40; k++) {
      const i = k % 8;
      twoPaths(os, SYS.file_rename, root, `r${i}`, root, `moved-r${i}`);
      twoPaths(os, SYS.file_rename, root, `moved-r${i}`, root, `r${i}`);
    }
  },
  /**
   * Streams stat requests at the directory in base[0] until one fails; counts them in base[1] and stores the
   * errno of the failure in the next free slot from base[3] on (base[2] counts the slots taken).
   */
  hammer(os: Os, base: number): void {
    const root = os.mem.dv.getUint32(base, true);
    for (;;) {
      try { os.stat(root, 'after'); } catch (e) {
        const slot = Atomics.add(os.mem.i32, (base + 8) >> 2, 1);
        Atomics.store(os.mem.i32, ((base + 12) >> 2) + slot, (e as { code?: number }).code ?? -1);
        return;
      }
      Atomics.add(os.mem.i32, (base + 4) >> 2, 1);
    }
  },
  mapper(os: Os, fd: number): number {
    const m = os.mmap(8192, MPROT.READ | MPROT.WRITE, MFLAGS.SHARED, fd, 0);
    os.mem.bytes(m, 5).set(utf8Encode('CHILD'));
    return 0;
  },
  writer(os: Os, arg: number): void {
    const [dir, k] = [arg >>> 8, arg & 255];
    const fd = os.open(dir, `w${k}`, OFLAGS.CREAT, FILE_RIGHTS);
    for (let i = 0; i < 50; i++) os.writeAll(fd, `${k}:${i};`);
    os.close(fd);
  },
};

export function main(os: Os, args: ArgValue): number {
  const c = new Checker(os, 'tmpfs_test');
  const a = args as { pseudo: ArgFd; bootfs: ArgFd };
  const [rev, root] = os.pseudoPair(a.pseudo.fd, 'DIRECTORY');
  const exe = os.open(a.bootfs.fd, 'tmpfs', 0, R.FD_READ | R.PROC_EXEC);
  const daemon = os.spawn(exe, { reverse: new ArgFd(0), limit: 4 << 20 }, [rev]);
  os.close(rev);

  // Files: create, write, close, reopen, read, stat, truncate, append, unlink.
  let fd = os.open(root, 'a.txt', OFLAGS.CREAT | OFLAGS.EXCL, FILE_RIGHTS);
  os.writeAll(fd, 'hello tmpfs');
  os.close(fd);
  c.errno(E.EXIST, 'O_EXCL on an existing file', () => os.open(root, 'a.txt', OFLAGS.CREAT | OFLAGS.EXCL, FILE_RIGHTS));
  fd = os.open(root, 'a.txt', 0, FILE_RIGHTS);
  c.eq(str(os.read(fd, 100)), 'hello tmpfs', 'read back');
  c.eq(os.fstat(fd).size, 11n, 'size');
  c.eq(os.stat(root, 'a.txt').filetype, FILETYPE.REGULAR_FILE, 'stat by path');
  c.eq(os.seek(fd, -5, 2), 6n, 'seek from the end');
  c.eq(str(os.read(fd, 100)), 'tmpfs', 'read after seek');
  const st = os.stage(56); os.mem.u8.fill(0, st, st + 56); os.mem.dv.setBigUint64(st + 24, 5n, true);
  os.check(os.sys.call(SYS.file_stat_fput, fd, st, FSFLAGS.SIZE), 'truncate');
  c.eq(str(os.pread(fd, 100, 0)), 'hello', 'truncated');
  os.close(fd);
  fd = os.open(root, 'a.txt', 0, FILE_RIGHTS, 0n, FDFLAGS.APPEND);
  os.writeAll(fd, ' world');
  c.eq(str(os.pread(fd, 100, 0)), 'hello world', 'O_APPEND');
  // An unlinked file stays readable through its open fd.
  os.check(pathCall(os, SYS.file_unlink, root, 'a.txt', 0), 'unlink');
  c.errno(E.NOENT, 'unlinked name is gone', () => os.stat(root, 'a.txt'));
  c.eq(str(os.pread(fd, 100, 0)), 'hello world', 'unlinked but open');
  os.close(fd);

  // Directories, rename, links, symlinks, readdir.
  os.check(pathCall(os, SYS.file_create, root, 'd', FILETYPE.DIRECTORY), 'mkdir');
  c.eq(pathCall(os, SYS.file_create, root, 'd', FILETYPE.DIRECTORY), E.EXIST, 'mkdir twice');
  fd = os.open(root, 'd/f', OFLAGS.CREAT, FILE_RIGHTS); os.writeAll(fd, 'x'); os.close(fd);
  c.eq(pathCall(os, SYS.file_unlink, root, 'd', ULFLAGS.REMOVEDIR), E.NOTEMPTY, 'rmdir non-empty');
  c.eq(pathCall(os, SYS.file_unlink, root, 'd', 0), E.ISDIR, 'unlink a directory');
  os.check(twoPaths(os, SYS.file_rename, root, 'd/f', root, 'g'), 'rename across directories');
  os.check(twoPaths(os, SYS.file_link, root, 'g', root, 'h'), 'hard link');
  c.eq(os.stat(root, 'g').nlink, 2, 'nlink after link');
  const target = utf8Encode('g'), sp = os.stage(64); os.mem.u8.set(target, sp);
  const name = utf8Encode('s'); os.mem.u8.set(name, sp + 8);
  [sp, 1, root, sp + 8, 1].forEach((v, i) => os.sys.arg(i, v));
  os.check(os.sys.call(SYS.file_symlink), 'symlink');
  const rl = os.stage(64);
  const nb = utf8Encode('s'); os.mem.u8.set(nb, rl + 32);
  [root, rl + 32, 1, rl, 16].forEach((v, i) => os.sys.arg(i, v));
  os.check(os.sys.call(SYS.file_readlink), 'readlink');
  c.eq(str(os.mem.u8.slice(rl, rl + os.sys.r(0))), 'g', 'readlink');
  c.eq(str(os.pread(os.open(root, 's', 0, FILE_RIGHTS), 10, 0)), 'x', 'open follows the symlink');
  const names = os.readdir(root).map((e) => e.name).sort().join(',');
  c.eq(names, '.,..,d,g,h,s', 'readdir');

  // Confinement: nothing above the directory fd is reachable.
  for (const p of ['..', '../x', 'd/../..', '/etc/passwd', 'a\0b']) c.ok(pathCall(os, SYS.file_unlink, root, p, 0) !== 0, `refused ${JSON.stringify(p)}`);
  [sp, 8, root, sp + 8, 3].forEach((v, i) => os.sys.arg(i, v));
  os.mem.u8.set(utf8Encode('../../x'), sp); os.mem.u8.set(utf8Encode('esc'), sp + 8);
  os.sys.call(SYS.file_symlink);
  c.errno(E.NOTCAPABLE, 'a symlink pointing outside is not followed', () => os.open(root, 'esc', 0, FILE_RIGHTS));
  const narrow = os.dup(root);
  os.fdstatPut(narrow, { base: os.fdstat(root).base, inheriting: R.FD_READ }, FDSFLAGS.RIGHTS);
  c.errno(E.NOTCAPABLE, 'rights beyond the directory\'s inheriting rights', () => os.open(narrow, 'g', 0, R.FD_READ | R.FD_WRITE));
  c.eq(str(os.read(os.open(narrow, 'g', 0, R.FD_READ), 10)), 'x', 'within them');
  c.errno(E.NOTCAPABLE, 'creating needs FILE_CREATE_FILE', () => { os.fdstatPut(narrow, { base: R.FILE_OPEN, inheriting: R.FD_READ }, FDSFLAGS.RIGHTS); return os.open(narrow, 'new', OFLAGS.CREAT, R.FD_READ); });

  // Several writer threads at once.
  const ws = [1, 2, 3, 4].map((k) => os.thread('writer', (root << 8) | k));
  ws.forEach((t) => t.join());
  for (const k of [1, 2, 3, 4]) c.ok(str(os.pread(os.open(root, `w${k}`, 0, FILE_RIGHTS), 1000, 0)).endsWith(`${k}:49;`), `writer ${k}`);

  // Space limit: ENOSPC, and the filesystem is still fine afterwards.
  fd = os.open(root, 'big', OFLAGS.CREAT, FILE_RIGHTS);
  let wrote = 0;
  try { for (;;) { os.writeAll(fd, new Uint8Array(256 << 10)); wrote++; } } catch (e) { c.eq((e as { code?: number }).code, E.NOSPC, 'ENOSPC at the limit'); }
  c.ok(wrote > 0 && wrote < 16, `some 256 KiB writes fit under 4 MiB (${wrote})`);
  os.close(fd);
  os.check(pathCall(os, SYS.file_unlink, root, 'big', 0), 'unlink big');
  fd = os.open(root, 'after', OFLAGS.CREAT, FILE_RIGHTS); os.writeAll(fd, 'ok'); os.close(fd);

  // I/O larger than one request (PSEUDO_MAX_DATA, 1 MiB): one fd_write of 2.5 MiB goes as several requests,
  // reads come back whole, and the daemon is still there afterwards.
  const MiB = 1 << 20, bigLen = 2 * MiB + MiB / 2;
  const pattern = new Uint8Array(bigLen);
  for (let i = 0; i < bigLen; i++) pattern[i] = (i * 7 + (i >> 16)) & 0xff;
  fd = os.open(root, 'large', OFLAGS.CREAT | OFLAGS.TRUNC, FILE_RIGHTS | R.MEM_MAP);
  const bp = os.heap.malloc(bigLen), biov = os.heap.malloc(8);
  os.mem.u8.set(pattern, bp);
  os.mem.dv.setUint32(biov, bp, true); os.mem.dv.setUint32(biov + 4, bigLen, true);
  os.check(os.sys.call(SYS.fd_write, fd, biov, 1), 'one 2.5 MiB fd_write');
  c.eq(os.sys.r(0), bigLen, 'a write over 1 MiB is written whole');
  c.eq(os.fstat(fd).size, BigInt(bigLen), 'and the size says so');
  const back = new Uint8Array(bigLen);
  for (let at = 0; at < bigLen;) { const b = os.pread(fd, bigLen - at, at); back.set(b, at); at += b.length; if (!b.length) break; }
  c.ok(back.every((v, i) => v === pattern[i]), 'read back byte for byte');
  const lp = os.mmap(bigLen, MPROT.READ, MFLAGS.PRIVATE, fd, 0);
  c.ok(os.mem.bytes(lp, bigLen).every((v, i) => v === pattern[i]), 'a private mapping of a 2.5 MiB file has all of it');
  os.munmap(lp, bigLen);
  const lm = os.mmap(bigLen, MPROT.READ | MPROT.WRITE, MFLAGS.SHARED, fd, 0);
  os.mem.bytes(lm, bigLen).fill(0x5a);
  os.check(os.sys.call(SYS.mem_sync, lm, bigLen, MSFLAGS.SYNC), 'mem_sync of 2.5 MiB');
  c.eq(os.pread(fd, 1, bigLen - 1)[0], 0x5a, 'mem_sync writes back past the first MiB');
  os.mem.u8.fill(0x33, bp, bp + bigLen);
  os.check(os.sys.call(SYS.fd_pwrite, fd, biov, 1, 0), 'fd_pwrite of 2.5 MiB');
  os.check(os.sys.call(SYS.mem_sync, lm, bigLen, MSFLAGS.INVALIDATE), 'mem_sync(INVALIDATE) of 2.5 MiB');
  c.eq(os.mem.bytes(lm + bigLen - 1, 1)[0], 0x33, 'INVALIDATE reloads past the first MiB');
  os.munmap(lm, bigLen);
  // A private mapping reads only what the file holds (the rest is zeros), and one that cannot be placed
  // fails before reading anything: mapping all of a sparse 1 GiB file in a 16 MiB core is ENOMEM at once.
  const st1 = os.stage(56); os.mem.u8.fill(0, st1, st1 + 56); os.mem.dv.setBigUint64(st1 + 24, 5000n, true);
  os.check(os.sys.call(SYS.file_stat_fput, fd, st1, FSFLAGS.SIZE), 'truncate to 5000');
  const sm = os.mmap(8192, MPROT.READ, MFLAGS.PRIVATE, fd, 0);
  c.ok(os.mem.bytes(sm, 5000).every((v) => v === 0x33) && os.mem.bytes(sm + 5000, 3192).every((v) => v === 0), 'a private mapping past the end of the file is zeros there');
  os.munmap(sm, 8192);
  os.mem.dv.setBigUint64(st1 + 24, 1n << 30n, true);
  os.check(os.sys.call(SYS.file_stat_fput, fd, st1, FSFLAGS.SIZE), 'sparse 1 GiB');
  const t0 = os.clock(CLOCK.MONOTONIC);
  c.errno(E.NOMEM, 'a private mapping larger than the core', () => os.mmap(1 << 30, MPROT.READ, MFLAGS.PRIVATE, fd, 0));
  c.ok(os.clock(CLOCK.MONOTONIC) - t0 < 200_000_000n, '... fails without reading the file first');
  os.heap.free(bp);
  os.close(fd);
  os.check(pathCall(os, SYS.file_unlink, root, 'large', 0), 'unlink large');

  // O_TRUNC empties an existing file; file_allocate grows it (zeros); advise, sync and datasync answer;
  // file_stat_put by path sets the times.
  fd = os.open(root, 'after', OFLAGS.TRUNC, FILE_RIGHTS | R.FILE_ADVISE);
  c.eq(os.fstat(fd).size, 0n, 'O_TRUNC on an existing file');
  os.sys.arg(1, 4096); os.sys.arg(2, 8192);
  os.check(os.sys.call(SYS.file_allocate, fd), 'file_allocate');
  c.eq(os.fstat(fd).size, 12288n, 'file_allocate grows the size');
  c.ok(os.pread(fd, 100, 5000).every((b) => b === 0), 'allocated bytes read as zeros');
  c.eq(os.sys.call(SYS.file_allocate, fd, 0, 0, 0, 0), E.INVAL, 'file_allocate of length 0');
  os.sys.arg(1, 0); os.sys.arg(2, 4096); os.sys.arg(3, ADVICE.SEQUENTIAL);
  os.check(os.sys.call(SYS.file_advise, fd), 'file_advise');
  os.sys.arg(1, 0); os.sys.arg(2, 4096); os.sys.arg(3, 99);
  c.eq(os.sys.call(SYS.file_advise, fd), E.INVAL, 'file_advise with an unknown advice');
  os.check(os.sys.call(SYS.fd_sync, fd), 'fd_sync');
  os.check(os.sys.call(SYS.fd_datasync, fd), 'fd_datasync');
  os.writeAll(fd, 'ok');
  os.close(fd);
  const sb = os.stage(56 + 8); os.mem.u8.fill(0, sb, sb + 56);
  os.mem.dv.setBigUint64(sb + 32, 1_000_000_000n, true); os.mem.dv.setBigUint64(sb + 40, 2_000_000_000n, true);
  os.mem.u8.set(utf8Encode('after'), sb + 56);
  [root, sb + 56, 5, sb, FSFLAGS.ATIM | FSFLAGS.MTIM].forEach((v, i) => os.sys.arg(i, v));
  os.check(os.sys.call(SYS.file_stat_put), 'file_stat_put by path');
  const times = os.stat(root, 'after');
  c.eq(`${times.atim},${times.mtim}`, '1000000000,2000000000', 'file_stat_put by path sets atim and mtim');

  // Programs in tmpfs can be executed: copy hello from bootfs, then spawn it from tmpfs.
  const img = os.readAll(os.open(a.bootfs.fd, 'hello', 0, R.FD_READ));
  fd = os.open(root, 'hello', OFLAGS.CREAT, FILE_RIGHTS | R.PROC_EXEC);
  os.writeAll(fd, img);
  const child = os.spawn(fd, { text: 'ran from tmpfs\n' }, [0]);
  c.eq(os.wait(child).exitcode, 0, 'exec from tmpfs');
  fd = os.open(root, 'notprog', OFLAGS.CREAT, FILE_RIGHTS | R.PROC_EXEC);
  os.writeAll(fd, 'just text');
  c.errno(E.NOEXEC, 'exec of a non-image from tmpfs', () => os.exec(fd, null, []));

  // mem_map of tmpfs files: private mappings are snapshots; shared mappings share one cache in every process
  // and reach the file on mem_sync.
  fd = os.open(root, 'mapped', OFLAGS.CREAT, FILE_RIGHTS | R.MEM_MAP);
  os.writeAll(fd, new Uint8Array(8192).fill(0x61));
  const priv = os.mmap(8192, MPROT.READ | MPROT.WRITE, MFLAGS.PRIVATE, fd, 0);
  const m1 = os.mmap(8192, MPROT.READ | MPROT.WRITE, MFLAGS.SHARED, fd, 0);
  const m2 = os.mmap(4096, MPROT.READ, MFLAGS.SHARED, fd, 4096);
  os.mem.bytes(m1, 8192).set(utf8Encode('MAPPED'), 4096);
  c.eq(str(os.mem.bytes(m2, 6)), 'MAPPED', 'a second shared mapping sees the write');
  c.eq(str(os.pread(fd, 6, 4096)), 'aaaaaa', 'the file does not, before mem_sync');
  os.check(os.sys.call(SYS.mem_sync, m1, 8192, MSFLAGS.SYNC), 'mem_sync');
  c.eq(str(os.pread(fd, 6, 4096)), 'MAPPED', 'the file sees it after mem_sync');
  c.eq(str(os.mem.bytes(priv + 4096, 6)), 'aaaaaa', 'a private mapping is a snapshot');
  const kid = os.fork('mapper', fd);
  c.eq(os.wait(kid).exitcode, 0, 'child mapped and wrote');
  c.eq(str(os.mem.bytes(m1, 5)), 'CHILD', 'another process\'s shared mapping of the file is the same memory');
  os.writeAll(os.open(root, 'mapped', 0, FILE_RIGHTS), 'fdwrite');
  os.check(os.sys.call(SYS.mem_sync, m1, 4096, MSFLAGS.INVALIDATE), 'mem_sync(INVALIDATE)');
  c.eq(str(os.mem.bytes(m1, 7)), 'fdwrite', 'INVALIDATE reloads from the file');
  os.munmap(m1, 8192); os.munmap(m2, 4096); os.munmap(priv, 8192);

  // readdir while another thread adds and removes entries: the entries present throughout are each listed
  // exactly once, whatever the churn does to the buffer boundaries.
  os.check(pathCall(os, SYS.file_create, root, 'churn', FILETYPE.DIRECTORY), 'mkdir churn');
  const churnDir = os.open(root, 'churn', OFLAGS.DIRECTORY, R.FILE_READDIR | R.FILE_OPEN | R.FILE_CREATE_FILE | R.FILE_UNLINK, R.FD_WRITE | R.FD_READ);
  for (let i = 0; i < 50; i++) os.close(os.open(churnDir, `stable-${i}`, OFLAGS.CREAT, R.FD_WRITE));
  const flag = os.heap.malloc(8);
  os.mem.dv.setUint32(flag, churnDir, true); os.mem.dv.setUint32(flag + 4, 0, true);
  const churner = os.thread('churn', flag);
  let listings = 0, bad = 0;
  while (listings < 20) {
    const names = readdirSmall(os, churnDir).filter((n) => n.startsWith('stable-'));
    if (names.length !== 50 || new Set(names).size !== 50) bad++;
    listings++;
  }
  Atomics.store(os.mem.i32, (flag + 4) >> 2, 1);
  churner.join();
  c.eq(bad, 0, `readdir under churn (${listings} listings)`);

  // Rename races: four threads move the same files around; at the end each file exists exactly once.
  for (let i = 0; i < 8; i++) os.close(os.open(root, `r${i}`, OFLAGS.CREAT, R.FD_WRITE));
  const racers = [1, 2, 3, 4].map(() => os.thread('renamer', root));
  racers.forEach((t) => t.join());
  const all = os.readdir(root).map((e) => e.name).filter((n) => /^r\d|^moved-r\d/.test(n));
  const ids = all.map((n) => n.replace('moved-', '')).sort();
  c.eq(ids.join(','), 'r0,r1,r2,r3,r4,r5,r6,r7', 'every raced file exists exactly once');

  // A second tmpfs instance runs beside the first, with its own device id (the kernel's, not the daemon's).
  const [rev2, root2] = os.pseudoPair(a.pseudo.fd, 'DIRECTORY');
  const daemon2 = os.spawn(exe, { reverse: new ArgFd(0) }, [rev2]);
  os.close(rev2);
  fd = os.open(root2, 'x', OFLAGS.CREAT, FILE_RIGHTS);
  const dev1 = os.stat(root, 'after').dev, dev2 = os.fstat(fd).dev;
  c.ok(dev1 !== dev2 && dev1 !== 0n && dev2 !== 0n, `two instances, two device ids (${dev1}, ${dev2}), neither the kernel's 0`);
  c.eq(os.stat(root, '.').dev, dev1, 'every file of an instance has its device id');
  c.errno(E.NOENT, 'and two separate trees', () => os.stat(root2, 'after'));

  // The daemon dies in the middle of a stream of requests from several threads: every caller gets EIO, none
  // hangs, and the other instance is unaffected.
  const base = os.heap.malloc(24);
  os.mem.u8.fill(0, base, base + 24);
  os.mem.dv.setUint32(base, root, true);
  const hammers = [1, 2, 3].map(() => os.thread('hammer', base));
  while (Atomics.load(os.mem.i32, (base + 4) >> 2) < 30) os.yield();
  os.close(daemon);
  hammers.forEach((t) => t.join());
  c.eq(Atomics.load(os.mem.i32, (base + 4) >> 2) >= 30, true, 'requests were flowing when the daemon died');
  const seen = [0, 1, 2].map((i) => os.mem.dv.getInt32(base + 12 + 4 * i, true));
  c.eq(seen.join(','), `${E.IO},${E.IO},${E.IO}`, 'each caller in flight got EIO');
  c.errno(E.IO, 'after the daemon died', () => os.open(root, 'after', 0, FILE_RIGHTS));
  c.eq(os.fstat(fd).dev, dev2, 'the other instance still answers');
  os.close(daemon2);
  return c.done();
}
