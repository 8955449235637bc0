// Memory mappings (Cosix's mmap_test, plus what Cosix lacked): anonymous private maps, MAP_FIXED over an
// existing map, unmapping (the kernel then refuses the range: EFAULT), protections enforced on kernel
// access, W^X, and shared-memory objects mapped twice and seen through both mappings and through fd reads.
import { E, FILETYPE, MFLAGS, MPROT, SCOPE, type Os } from '@cosix/libc';
import { Checker } from './lib/check.js';

export function main(os: Os): number {
  const c = new Checker(os, 'mmap_test');
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

function bump(os: Os, base: number): void {
  os.locks.wrlock(base, SCOPE.SHARED);
  const dv = new DataView(os.mem.bytes(base, 8).buffer, os.mem.bytes(base, 8).byteOffset, 8);
  dv.setUint32(4, dv.getUint32(4, true) + 1, true); // plain read-modify-write: only the lock makes it safe
  os.locks.unlock(base, SCOPE.SHARED);
}

export const entries = {
  sharer(os: Os, shm: number): number {
    const m = os.mmap(4096, MPROT.READ | MPROT.WRITE, MFLAGS.SHARED, shm, 0);
    for (let i = 0; i < 500; i++) bump(os, m);
    return 0;
  },
};
