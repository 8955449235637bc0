// Memory mappings (Cosix's mmap_test, plus what Cosix lacked): anonymous private maps, MAP_FIXED over an
// existing map, unmapping (the kernel then refuses the range: EFAULT), protections enforced on kernel
// access, W^X, shared-memory objects mapped twice and seen through both mappings and through fd reads, and
// the rights a mapping needs and keeps (a maximum protection that mem_protect cannot exceed, also in a
// forked child); a read-only shared mapping is a mirror whose stores reach nothing (mirrored, with a reader
// process started from this image); MAP_FIXED inside a shared segment replaces just that part. Files served
// by a daemon: maprights_test.
import { E, FDSFLAGS, FILETYPE, FSFLAGS, MFLAGS, MPROT, MSFLAGS, R, SCOPE, SYS, utf8Decode, utf8Encode, type ArgValue, type Os } from '@cosix/libc';
import { Checker } from './lib/check.js';

export function main(os: Os, args: ArgValue): number {
  if ((args as { role?: string }).role === 'reader') return reader(os);
  const c = new Checker(os, 'mmap_test');
  const bootfs = (args as { bootfs: { fd: number } }).bootfs.fd;
  const rw = MPROT.READ | MPROT.WRITE;
  const a = os.mmap(3 * 4096);
  c.ok(a % 4096 === 0, 'page aligned');
  c.ok(os.mem.u8.subarray(a, a + 3 * 4096).every((b) => b === 0), 'zero filled');
  os.mem.u8.fill(7, a, a + 3 * 4096);
  const b = os.mmap(4096, rw, MFLAGS.ANON | MFLAGS.PRIVATE | MFLAGS.FIXED, 0xffffffff, 0, a + 4096);
  c.eq(b, a + 4096, 'MAP_FIXED address');
  c.eq(os.mem.u8[a + 4096], 0, 'MAP_FIXED replaced the old page');
  c.eq(os.mem.u8[a], 7, 'neighbour untouched');
  // The kernel honours protections: a read-only page cannot receive read() data.
  const [r, w] = os.pipe();
  os.writeAll(w, 'abc');
  os.mprotect(a, 4096, MPROT.READ);
  const iov = os.heap.malloc(8);
  os.mem.dv.setUint32(iov, a, true); os.mem.dv.setUint32(iov + 4, 3, true);
  c.eq(os.sys.call(10 /* fd_read */, r, iov, 1), E.FAULT, 'read into a read-only page');
  os.mprotect(a, 4096, rw);
  c.eq(os.sys.call(10, r, iov, 1), 0, 'read after making it writable');
  c.eq(String.fromCharCode(...os.mem.u8.subarray(a, a + 3)), 'abc', 'data arrived');
  os.munmap(a, 3 * 4096);
  os.writeAll(w, 'd');
  c.eq(os.sys.call(10, r, iov, 1), E.FAULT, 'read into an unmapped page');
  c.errno(E.NOTSUP, 'W^X', () => os.mmap(4096, MPROT.WRITE | MPROT.EXEC));
  c.errno(E.INVAL, 'zero length', () => os.mmap(0));
  c.errno(E.INVAL, 'private and shared', () => os.mmap(4096, rw, MFLAGS.ANON | MFLAGS.PRIVATE | MFLAGS.SHARED));

  const shm = os.create1(FILETYPE.SHARED_MEMORY);
  os.writeAll(shm, new Uint8Array(8192));
  const m1 = os.mmap(8192, rw, MFLAGS.SHARED, shm, 0);
  const m2 = os.mmap(8192, rw, MFLAGS.SHARED, shm, 0);
  c.ok(m1 !== m2, 'two mappings');
  os.mem.bytes(m1, 8192).set([1, 2, 3], 100);
  c.eq(os.mem.bytes(m2, 8192)[101], 2, 'second mapping sees the first one\'s write');
  c.eq(os.pread(shm, 3, 100).join(','), '1,2,3', 'fd reads see the mapping');
  const [lockArr, li] = os.mem.word(m1 + 64);
  c.ok(lockArr !== os.mem.i32 && li === 16, 'shared segment word');
  c.errno(E.NXIO, 'mapping beyond the object', () => os.mmap(3 * 4096, rw, MFLAGS.SHARED, shm, 0));
  os.munmap(m1, 8192); os.munmap(m2, 8192);
  rights(os, c, shm, bootfs, r, w);
  mirrored(os, c, bootfs);
  fixedInSegment(os, c, shm);

  // Across processes: a child maps the same object (through its inherited fd), takes a SHARED-scope lock
  // in it, and increments a counter the parent also increments; the parent sees the child's work.
  const m3 = os.mmap(4096, rw, MFLAGS.SHARED, shm, 0);
  os.mem.bytes(m3, 16).fill(0);
  const kids = [os.fork('sharer', shm), os.fork('sharer', shm)];
  for (let i = 0; i < 500; i++) bump(os, m3);
  kids.forEach((k) => c.eq(os.wait(k).exitcode, 0, 'sharer exit'));
  const [arr, idx] = os.mem.word(m3 + 4);
  c.eq(Atomics.load(arr, idx), 1500, 'increments from three processes under one shared lock');
  return c.done();
}

/** A dup of `fd` with base rights `base` and nothing to inherit. */
function narrowed(os: Os, fd: number, base: bigint): number {
  const d = os.dup(fd);
  os.fdstatPut(d, { base, inheriting: 0n }, FDSFLAGS.RIGHTS);
  return d;
}

/**
 * Rights (docs/syscalls/mem.md): every mapping of an object needs FD_READ, a SHARED one with WRITE needs
 * FD_WRITE, EXEC needs MEM_MAP_EXEC, and no page ever gets more than its fd allowed at mem_map.
 */
function rights(os: Os, c: Checker, shm: number, bootfs: number, r: number, w: number): void {
  const rw = MPROT.READ | MPROT.WRITE, iov = os.heap.malloc(8);
  const ro = narrowed(os, shm, R.FD_READ | R.FD_SEEK | R.MEM_MAP);
  const mapOnly = narrowed(os, shm, R.MEM_MAP), writeOnly = narrowed(os, shm, R.FD_WRITE | R.MEM_MAP);
  c.errno(E.NOTCAPABLE, 'shm: SHARED with WRITE through an fd without FD_WRITE', () => os.mmap(4096, rw, MFLAGS.SHARED, ro, 0));
  c.errno(E.NOTCAPABLE, 'shm: READ through an fd with only MEM_MAP', () => os.mmap(4096, MPROT.READ, MFLAGS.SHARED, mapOnly, 0));
  c.errno(E.NOTCAPABLE, 'shm: PRIVATE through an fd with only MEM_MAP', () => os.mmap(4096, MPROT.READ, MFLAGS.PRIVATE, mapOnly, 0));
  c.errno(E.NOTCAPABLE, 'shm: WRITE alone through an fd without FD_READ', () => os.mmap(4096, MPROT.WRITE, MFLAGS.SHARED, writeOnly, 0));
  c.errno(E.NOTCAPABLE, 'shm: EXEC without MEM_MAP_EXEC', () => os.mmap(4096, MPROT.READ | MPROT.EXEC, MFLAGS.SHARED, shm, 0));
  const full = os.mmap(4096, rw, MFLAGS.SHARED, shm, 0); // with every right it needs, the same mapping works
  os.mem.bytes(full, 3).set([9, 8, 7]);
  os.munmap(full, 4096);
  const m = os.mmap(4096, MPROT.READ, MFLAGS.SHARED, ro, 0);
  c.eq(os.mem.bytes(m, 3).join(','), '9,8,7', 'shm: a read-only SHARED mapping reads the object');
  c.errno(E.NOTCAPABLE, 'shm: mem_protect cannot make a read-only SHARED mapping writable', () => os.mprotect(m, 4096, rw));
  c.errno(E.NOTCAPABLE, 'shm: nor executable', () => os.mprotect(m, 4096, MPROT.READ | MPROT.EXEC));
  os.mprotect(m, 4096, 0);
  os.mprotect(m, 4096, MPROT.READ); // lowering, and back up to the maximum, is fine
  // The kernel refuses to store into it: a read into the mapping is EFAULT, and the object keeps its bytes.
  os.writeAll(w, 'xyz');
  os.mem.dv.setUint32(iov, m, true); os.mem.dv.setUint32(iov + 4, 3, true);
  c.eq(os.sys.call(SYS.fd_read, r, iov, 1), E.FAULT, 'shm: fd_read into a read-only SHARED mapping');
  c.eq(os.pread(shm, 3, 0).join(','), '9,8,7', 'shm: the object is unchanged');
  // A forked child has the same mapping with the same maximum.
  const kid = os.fork('raise', m);
  c.eq(os.wait(kid).exitcode, E.NOTCAPABLE, 'shm: a forked child cannot raise the mapping either');
  os.munmap(m, 4096);
  // PRIVATE with WRITE needs FD_READ only: the stores stay in the copy.
  const p = os.mmap(4096, rw, MFLAGS.PRIVATE, ro, 0);
  os.mem.bytes(p, 3).set([1, 1, 1]);
  os.mem.dv.setUint32(iov, p, true);
  c.eq(os.sys.call(SYS.fd_read, r, iov, 1), 0, 'shm: fd_read into a writable PRIVATE mapping of a read-only fd');
  c.eq(os.pread(shm, 3, 0).join(','), '9,8,7', 'shm: a PRIVATE mapping\'s stores never reach the object');
  c.errno(E.NOTCAPABLE, 'shm: a PRIVATE mapping cannot become executable without MEM_MAP_EXEC', () => os.mprotect(p, 4096, MPROT.READ | MPROT.EXEC));
  os.munmap(p, 4096);
  [ro, mapOnly, writeOnly].forEach((fd) => os.close(fd));

  // A kernel file (bootfs): PRIVATE only, with FD_READ; the copy is writable, never executable.
  const hello = os.open(bootfs, 'hello', 0, R.FD_READ | R.FD_SEEK | R.MEM_MAP), helloMapOnly = os.open(bootfs, 'hello', 0, R.MEM_MAP);
  c.errno(E.NOTCAPABLE, 'bootfs: a file opened with only MEM_MAP', () => os.mmap(4096, MPROT.READ, MFLAGS.PRIVATE, helloMapOnly, 0));
  const h = os.mmap(4096, rw, MFLAGS.PRIVATE, hello, 0);
  c.eq(os.mem.bytes(h, 2).join(','), os.pread(hello, 2, 0).join(','), 'bootfs: a PRIVATE mapping holds the file');
  c.errno(E.NOTCAPABLE, 'bootfs: mem_protect to EXEC without MEM_MAP_EXEC', () => os.mprotect(h, 4096, MPROT.READ | MPROT.EXEC));
  os.munmap(h, 4096);
  os.close(hello); os.close(helloMapOnly);

  // Anonymous memory has no fd to answer to: any protection (W^X aside).
  const anon = os.mmap(4096);
  os.mprotect(anon, 4096, MPROT.READ | MPROT.EXEC);
  os.mprotect(anon, 4096, rw);
  os.munmap(anon, 4096);
  os.heap.free(iov);
}

const str = (b: Uint8Array) => utf8Decode(b.slice()) ?? '';

/** fd_pwrite of `text` at `off` (the kernel writes the object). */
function pwrite(os: Os, fd: number, text: string, off: number): void {
  const b = utf8Encode(text), p = os.stage(b.length + 8);
  os.mem.u8.set(b, p + 8);
  os.mem.dv.setUint32(p, p + 8, true); os.mem.dv.setUint32(p + 4, b.length, true);
  os.check(os.sys.call(SYS.fd_pwrite, fd, p, 1, off), 'fd_pwrite');
}

/** file_stat_fput of the size (ftruncate). */
function truncate(os: Os, fd: number, size: number): void {
  const st = os.heap.malloc(56);
  os.mem.u8.fill(0, st, st + 56);
  os.mem.dv.setBigUint64(st + 24, BigInt(size), true);
  os.check(os.sys.call(SYS.file_stat_fput, fd, st, FSFLAGS.SIZE), 'file_stat_fput');
  os.heap.free(st);
}

/**
 * A read-only SHARED mapping (docs/syscalls/mem.md, "Read-only shared mappings"), in a process B that holds
 * only a dup of the object narrowed to FD_READ | FD_SEEK | MEM_MAP (passed through exec, so B has nothing
 * else). B stores into its mapping as a hostile program would (the buffer libc hands out for the address);
 * the object, this process's writable mapping and fd_pread must not see it. B must still see this
 * process's stores after its mem_sync, fd_pwrite at once, and a truncation at once. Steps are kept in
 * lock-step over two pipes: B says what it did, this process checks and answers with the next step.
 */
function mirrored(os: Os, c: Checker, bootfs: number): void {
  const shm = os.create1(FILETYPE.SHARED_MEMORY);
  os.writeAll(shm, new Uint8Array(8192).fill(0x2e));
  const w = os.mmap(8192, MPROT.READ | MPROT.WRITE, MFLAGS.SHARED, shm, 0);
  const ro = narrowed(os, shm, R.FD_READ | R.FD_SEEK | R.MEM_MAP);
  const [toB, cmd] = os.pipe(), [ack, fromB] = os.pipe();
  const image = os.open(bootfs, 'mmap_test', 0, R.FD_READ | R.PROC_EXEC);
  const kid = os.spawn(image, { role: 'reader' }, [0, ro, toB, fromB]);
  [image, ro, toB, fromB].forEach((fd) => os.close(fd));
  const step = (say: string) => { os.writeAll(cmd, say); return str(os.read(ack, 1)); };

  c.eq(str(os.read(ack, 1)), 's', 'mirror: the reader stored into its read-only mapping and synced it');
  c.eq(str(os.pread(shm, 8, 0)), '........', 'mirror: the reader\'s stores are not in the object (fd_pread)');
  c.eq(str(os.mem.bytes(w, 8)), '........', 'mirror: nor in a writable mapping of it in another process');
  os.mem.bytes(w + 100, 6).set(utf8Encode('STORED'));
  os.check(os.sys.call(SYS.mem_sync, w, 8192, MSFLAGS.ASYNC), 'mem_sync');
  c.eq(step('m'), 'm', 'mirror: the reader sees a writer\'s store after the writer\'s mem_sync');
  pwrite(os, shm, 'PWRITE', 200);
  c.eq(step('p'), 'p', 'mirror: the reader sees fd_pwrite at once');
  truncate(os, shm, 4096);
  c.eq(step('t'), 't', 'mirror: the reader sees a truncation at once');
  os.writeAll(cmd, 'x');
  c.eq(os.wait(kid).exitcode, 0, 'mirror: the reader\'s own checks');
  c.eq(str(os.pread(shm, 8, 0)), '........', 'mirror: the object never got the reader\'s stores');
  os.munmap(w, 8192);
  [cmd, ack, shm].forEach((fd) => os.close(fd));
}

/** Process B of `mirrored`: fds 0 the console, 1 the narrowed object, 2 commands in, 3 acknowledgements out. */
function reader(os: Os): number {
  const c = new Checker(os, 'mmap_test reader');
  const m = os.mmap(8192, MPROT.READ, MFLAGS.SHARED, 1, 0);
  c.eq(str(os.mem.bytes(m, 8)), '........', 'the mapping holds the object');
  // A hostile store, straight into the segment's buffer, then a sync that must not carry it anywhere.
  os.mem.bytes(m, 8).set(utf8Encode('SCRIBBLE'));
  os.mem.bytes(m + 4096, 8).set(utf8Encode('SCRIBBLE'));
  c.eq(os.sys.call(SYS.mem_sync, m, 8192, MSFLAGS.SYNC), 0, 'mem_sync of a read-only mapping');
  os.writeAll(3, 's');
  for (;;) {
    const what = str(os.read(2, 1));
    if (what === 'm') {
      c.eq(str(os.mem.bytes(m + 100, 6)), 'STORED', 'a writer\'s store, after its mem_sync');
      c.eq(str(os.mem.bytes(m, 8)), '........', 'the writer\'s mem_sync refreshed the whole range (own stores gone)');
    } else if (what === 'p') {
      c.eq(str(os.mem.bytes(m + 200, 6)), 'PWRITE', 'fd_pwrite, at once');
    } else if (what === 't') {
      c.ok(os.mem.bytes(m + 4096, 4096).every((b) => b === 0), 'the cut-off page reads as zeros after a truncation');
    } else break;
    os.writeAll(3, what);
  }
  return c.failures ? 1 : 0;
}

/**
 * MAP_FIXED inside an existing shared segment replaces just the pages it covers, as POSIX MAP_FIXED does:
 * the segment is cut around it, the new mapping is what userland and the kernel see there, and unmapping
 * the middle of a segment leaves the two ends mapped.
 */
function fixedInSegment(os: Os, c: Checker, shm: number): void {
  const rw = MPROT.READ | MPROT.WRITE, anonShared = MFLAGS.ANON | MFLAGS.SHARED;
  const a = os.mmap(3 * 4096, rw, anonShared);
  os.mem.bytes(a, 3 * 4096).fill(7);
  c.eq(os.mmap(4096, rw, anonShared | MFLAGS.FIXED, 0xffffffff, 0, a + 4096), a + 4096, 'FIXED inside a segment: address');
  c.eq(os.mem.bytes(a + 4096, 1)[0], 0, 'FIXED inside a segment: userland sees the new mapping');
  c.eq(`${os.mem.bytes(a + 4095, 1)[0]},${os.mem.bytes(a + 8192, 1)[0]}`, '7,7', 'FIXED inside a segment: both neighbours keep their bytes');
  // The kernel resolves the middle to the new mapping too: a read lands there and nowhere else.
  const [r, w] = os.pipe(), iov = os.heap.malloc(8);
  os.writeAll(w, 'new');
  os.mem.dv.setUint32(iov, a + 4096, true); os.mem.dv.setUint32(iov + 4, 3, true);
  c.eq(os.sys.call(SYS.fd_read, r, iov, 1), 0, 'FIXED inside a segment: fd_read into it');
  c.eq(str(os.mem.bytes(a + 4096, 3)), 'new', 'FIXED inside a segment: the data is in the new mapping');
  // An object mapped FIXED over the last page of the old segment.
  const z = os.mmap(4096, rw, MFLAGS.SHARED | MFLAGS.FIXED, shm, 0, a + 2 * 4096);
  c.eq(z, a + 2 * 4096, 'FIXED object mapping over a segment\'s end');
  c.eq(os.mem.bytes(z, 4).join(','), os.pread(shm, 4, 0).join(','), 'FIXED object mapping shows the object');
  os.munmap(a + 4096, 4096);
  c.eq(os.sys.call(SYS.mem_protect, a + 4096, 4096, MPROT.READ), E.NOMEM, 'the unmapped middle is unmapped');
  c.eq(os.sys.call(SYS.mem_protect, a, 4096, MPROT.READ), 0, 'the first page is still mapped');
  c.eq(os.mem.bytes(a, 1)[0], 7, 'and still holds its bytes');
  os.munmap(a, 3 * 4096);
  c.eq(os.sys.call(SYS.mem_protect, a, 4096, MPROT.READ), E.NOMEM, 'all of it unmapped');
  os.heap.free(iov);
  os.close(r); os.close(w);
}

function bump(os: Os, base: number): void {
  os.locks.wrlock(base, SCOPE.SHARED);
  const dv = new DataView(os.mem.bytes(base, 8).buffer, os.mem.bytes(base, 8).byteOffset, 8);
  dv.setUint32(4, dv.getUint32(4, true) + 1, true); // plain read-modify-write: only the lock makes it safe
  os.locks.unlock(base, SCOPE.SHARED);
}

export const entries = {
  /** Tries to make the inherited mapping at `addr` writable; exits with the errno. */
  raise(os: Os, addr: number): number {
    return os.sys.call(SYS.mem_protect, addr, 4096, MPROT.READ | MPROT.WRITE);
  },
  sharer(os: Os, shm: number): number {
    const m = os.mmap(4096, MPROT.READ | MPROT.WRITE, MFLAGS.SHARED, shm, 0);
    for (let i = 0; i < 500; i++) bump(os, m);
    return 0;
  },
};
