// Takes all the memory the kernel will give (limits.test.ts): anonymous shared mappings, then full pipes,
// then bytes queued on stream sockets, then a growing shared-memory object, each until the kernel says
// ENOMEM, and reports how many bytes it held then ("mem_hog: map 62914560"). After each ENOMEM it checks that
// the failed call lost nothing: every earlier mapping, and every byte queued before, is still there. With
// the mappings held it says "full" and waits for a line on fd 3 (the test runs a bystander meanwhile).
import { E, Errno, FDFLAGS, FDSFLAGS, FILETYPE, MFLAGS, MPROT, type Os } from '@cosix/libc';
import { Checker } from './lib/check.js';

const MiB = 1 << 20, CHUNK = 64 << 10;

/** Calls `fn` until it throws; the errno it threw. */
function until(fn: () => void): number {
  for (;;) {
    try { fn(); } catch (e) { if (e instanceof Errno) return e.code; throw e; }
  }
}

function maps(os: Os, c: Checker): number[] {
  const at: number[] = [];
  const e = until(() => {
    const a = os.mmap(MiB, MPROT.READ | MPROT.WRITE, MFLAGS.ANON | MFLAGS.SHARED);
    os.mem.bytes(a, 1)[0] = at.length & 255;
    at.push(a);
  });
  c.eq(e, E.NOMEM, 'mem_map past the machine memory');
  c.ok(at.every((a, i) => os.mem.bytes(a, 1)[0] === (i & 255)), 'every earlier mapping intact');
  return at;
}

const pattern = (j: number) => (j >> 12) & 255; // byte j of a stream

/** The 64 KiB of a stream from byte `at` on (a short write may leave `at` anywhere). */
function chunkAt(at: number): Uint8Array {
  const b = new Uint8Array(CHUNK);
  for (let i = 0; i < CHUNK;) {
    const next = Math.min(CHUNK, i + 4096 - ((at + i) & 4095));
    b.fill(pattern(at + i), i, next);
    i = next;
  }
  return b;
}

/**
 * Fills streams made by `make` (non-blocking write ends) with 64 KiB writes until one fails with ENOMEM
 * (EAGAIN: this one is full, make the next); the bytes queued in all of them.
 */
function fill(os: Os, c: Checker, what: string, make: () => [number, number]): number {
  const ends: [number, number][] = [];
  let total = 0, sent = 0, e = E.AGAIN;
  while (e === E.AGAIN) {
    const [r, w] = make();
    ends.push([r, w]);
    os.fdstatPut(w, { flags: FDFLAGS.NONBLOCK }, FDSFLAGS.FLAGS);
    sent = 0;
    e = until(() => { sent += os.write(w, chunkAt(sent)); });
    total += sent;
  }
  c.eq(e, E.NOMEM, `${what}: write past the machine memory`);
  // The stream that failed holds exactly what was written to it before, byte for byte.
  const [r] = ends[ends.length - 1];
  os.fdstatPut(r, { flags: FDFLAGS.NONBLOCK }, FDSFLAGS.FLAGS);
  let got = 0, ok = true;
  until(() => {
    const b = os.read(r, 65536);
    if (b.length === 0) throw new Errno(E.AGAIN, 'end of stream');
    for (let i = 0; i < b.length; i++) if (b[i] !== pattern(got + i)) ok = false;
    got += b.length;
  });
  c.eq(got, sent, `${what}: bytes queued before ENOMEM all readable`);
  c.ok(ok, `${what}: contents intact`);
  for (const [a, b] of ends) { os.close(a); os.close(b); }
  return total;
}

function shm(os: Os, c: Checker): number {
  const fd = os.create1(FILETYPE.SHARED_MEMORY);
  const chunk = new Uint8Array(MiB).fill(9);
  let size = 0;
  const e = until(() => { os.writeAll(fd, chunk); size += MiB; });
  c.eq(e, E.NOMEM, 'shared-memory object grown past the machine memory');
  c.eq(Number(os.fstat(fd).size), size, 'its size is what was written before');
  os.close(fd);
  return size;
}

export function main(os: Os): number {
  const c = new Checker(os, 'mem_hog');
  const at = maps(os, c);
  os.writeAll(0, `mem_hog: map ${at.length * MiB}\nmem_hog: full\n`);
  os.read(3, 16);
  for (const a of at) os.munmap(a, MiB);
  os.writeAll(0, `mem_hog: pipe ${fill(os, c, 'pipe', () => os.pipe())}\n`);
  os.writeAll(0, `mem_hog: sock ${fill(os, c, 'socket', () => os.socketpair(FILETYPE.SOCKET_STREAM))}\n`);
  os.writeAll(0, `mem_hog: shm ${shm(os, c)}\n`);
  return c.done();
}
