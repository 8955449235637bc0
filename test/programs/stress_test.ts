// Many threads and processes come and go: waves of threads that each take a lock, and forked children
// that exit with distinct codes. The mocha test checks that the kernel's counters return to zero.
import { type ArgValue, type Os } from '@cosix/libc';
import { Checker } from './lib/check.js';

export const entries = {
  worker(os: Os, base: number): void {
    os.locks.wrlock(base);
    os.mem.dv.setUint32(base + 4, os.mem.dv.getUint32(base + 4, true) + 1, true);
    os.locks.unlock(base);
  },
  child(_os: Os, code: number): number { return code; },
};

export function main(os: Os, args: ArgValue): number {
  const a = (args ?? {}) as { waves?: number; threads?: number; children?: number };
  const waves = a.waves ?? 5, threads = a.threads ?? 20, children = a.children ?? 20;
  const c = new Checker(os, 'stress_test');
  const base = os.heap.malloc(8);
  os.mem.u8.fill(0, base, base + 8);
  for (let w = 0; w < waves; w++) {
    const ts = Array.from({ length: threads }, () => os.thread('worker', base));
    ts.forEach((t) => t.join());
  }
  c.eq(os.mem.dv.getUint32(base + 4, true), waves * threads, 'every thread ran once');
  const kids = Array.from({ length: children }, (_, i) => os.fork('child', i + 1));
  kids.forEach((fd, i) => { c.eq(os.wait(fd).exitcode, i + 1, `child ${i} exit code`); os.close(fd); });
  return c.done();
}
