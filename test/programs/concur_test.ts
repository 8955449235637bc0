// Threads contending (Cosix's concur_test): a mutex-protected counter, readers-writer locks, and a
// condition variable producer/consumer, all on words in shared process memory.
import type { Os } from '@cosix/libc';
import { Checker } from './lib/check.js';

const THREADS = 4, ROUNDS = 2000;
// Shared state lives in memory at `base`: 0 lock, 4 counter, 8 rwlock, 12 cv, 16 queue count, 20 produced total
export const entries = {
  adder(os: Os, base: number): void {
    const dv = os.mem.dv;
    for (let i = 0; i < ROUNDS; i++) {
      os.locks.wrlock(base);
      dv.setUint32(base + 4, dv.getUint32(base + 4, true) + 1, true); // not atomic: the lock makes it safe
      os.locks.unlock(base);
    }
  },
  reader(os: Os, base: number): void {
    const dv = os.mem.dv;
    for (let i = 0; i < 200; i++) {
      os.locks.rdlock(base + 8);
      const a = dv.getUint32(base + 24, true), b = dv.getUint32(base + 28, true);
      if (a !== b) dv.setUint32(base + 32, 1, true); // torn read seen
      os.locks.unlock(base + 8);
    }
  },
  writer(os: Os, base: number): void {
    const dv = os.mem.dv;
    for (let i = 0; i < 200; i++) {
      os.locks.wrlock(base + 8);
      dv.setUint32(base + 24, i, true);
      os.yield();
      dv.setUint32(base + 28, i, true);
      os.locks.unlock(base + 8);
    }
  },
  producer(os: Os, base: number): void {
    const dv = os.mem.dv;
    for (let i = 0; i < 500; i++) {
      os.locks.wrlock(base);
      dv.setUint32(base + 16, dv.getUint32(base + 16, true) + 1, true);
      os.locks.signal(base + 12);
      os.locks.unlock(base);
    }
  },
};

export function main(os: Os): number {
  const c = new Checker(os, 'concur_test');
  const base = os.heap.malloc(64);
  os.mem.u8.fill(0, base, base + 64);
  const ts = Array.from({ length: THREADS }, () => os.thread('adder', base));
  ts.forEach((t) => t.join());
  c.eq(os.mem.dv.getUint32(base + 4, true), THREADS * ROUNDS, 'counter under a mutex');

  const rw = [os.thread('writer', base), os.thread('reader', base), os.thread('reader', base)];
  rw.forEach((t) => t.join());
  c.eq(os.mem.dv.getUint32(base + 32, true), 0, 'readers never see a half-done write');

  const p = os.thread('producer', base);
  let consumed = 0;
  os.locks.wrlock(base);
  while (consumed < 500) {
    while (os.mem.dv.getUint32(base + 16, true) === 0) os.locks.wait(base + 12, base);
    consumed += os.mem.dv.getUint32(base + 16, true);
    os.mem.dv.setUint32(base + 16, 0, true);
  }
  os.locks.unlock(base);
  p.join();
  c.eq(consumed, 500, 'items through the condition variable');

  os.locks.wrlock(base);
  const t0 = os.clock();
  const signalled = os.locks.wait(base + 12, base, 20_000_000n);
  c.ok(!signalled, 'timed wait times out');
  c.ok(os.clock() - t0 >= 20_000_000n, 'timed wait waited');
  c.ok(os.locks.trywrlock(base) === false, 'lock is held again after the timeout');
  os.locks.unlock(base);
  return c.done();
}
