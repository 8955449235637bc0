// Benchmark program: null syscall round trips, uncontended and contended locks, and pipe throughput against
// a raw shared-memory ring, all measured inside one Cosix process and reported as JSON on fd 0.
import { CLOCK, SYS, type ArgValue, type Os } from '@cosix/libc';

const now = (os: Os) => Number(os.clock(CLOCK.MONOTONIC)) / 1e3; // us

function percentiles(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], p99: s[Math.floor(s.length * 0.99)] };
}

function nullSyscall(os: Os, batches: number, per: number) {
  const xs: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = now(os);
    for (let i = 0; i < per; i++) os.sys.call(SYS.thread_yield);
    xs.push((now(os) - t0) / per);
  }
  return percentiles(xs.slice(Math.floor(batches / 10)));
}

function locks(os: Os, n: number) {
  const l = os.heap.malloc(8);
  os.mem.dv.setUint32(l, 0, true);
  let t0 = now(os);
  for (let i = 0; i < n; i++) { os.locks.wrlock(l); os.locks.unlock(l); }
  const lockUs = now(os) - t0;
  const [m, idx] = os.mem.word(l);
  t0 = now(os);
  for (let i = 0; i < n; i++) { Atomics.compareExchange(m, idx, 0, 1); Atomics.compareExchange(m, idx, 1, 0); }
  const casUs = now(os) - t0;
  return { lockPerSec: n / (lockUs / 1e6), casPerSec: n / (casUs / 1e6) };
}

// Shared block for the contended test: 0 lock, 8 release stamp (f64 us), 16 done count, 24.. samples
export const entries = {
  contender(os: Os, base: number): void {
    const dv = os.mem.dv;
    for (let i = 0; i < 2000; i++) {
      const before = Atomics.load(os.mem.i32, base >> 2);
      os.locks.wrlock(base);
      if (before !== 0) {
        const n = dv.getUint32(base + 16, true);
        if (n < 4000) { dv.setFloat64(base + 24 + 8 * n, now(os) - dv.getFloat64(base + 8, true), true); dv.setUint32(base + 16, n + 1, true); }
      }
      dv.setFloat64(base + 8, now(os), true);
      os.locks.unlock(base);
    }
  },
  // The pipe's writer runs in a forked child and, like a C program, writes from a buffer in its memory.
  writer(os: Os, fd: number): number {
    const iov = os.heap.malloc(8), buf = os.heap.malloc(65536);
    os.mem.dv.setUint32(iov, buf, true); os.mem.dv.setUint32(iov + 4, 65536, true);
    for (let i = 0; i < 512; i++) os.check(os.sys.call(SYS.fd_write, fd, iov, 1), 'fd_write');
    return 0;
  },
  ringWriter(os: Os, base: number): void {
    // A raw single-producer ring in process memory: 0 head, 4 tail (counts of 64 KiB slots), 64.. 4 slots.
    // The baseline for the pipe: the same bytes between two workers with no kernel, one copy per side.
    const i32 = os.mem.i32, u8 = os.mem.u8, chunk = new Uint8Array(65536);
    for (let k = 0; k < 512; k++) {
      while (Atomics.load(i32, base >> 2) - Atomics.load(i32, (base + 4) >> 2) >= 4) Atomics.wait(i32, (base + 4) >> 2, Atomics.load(i32, (base + 4) >> 2), 1);
      u8.set(chunk, base + 64 + (k % 4) * 65536);
      Atomics.add(i32, base >> 2, 1);
      Atomics.notify(i32, base >> 2);
    }
  },
};

function contended(os: Os) {
  const base = os.heap.malloc(24 + 8 * 4000);
  os.mem.u8.fill(0, base, base + 24);
  const ts = [os.thread('contender', base), os.thread('contender', base)];
  ts.forEach((t) => t.join());
  const n = os.mem.dv.getUint32(base + 16, true);
  const xs = Array.from({ length: n }, (_, i) => os.mem.dv.getFloat64(base + 24 + 8 * i, true));
  return { handoffs: n, ...percentiles(xs.length ? xs : [0]) };
}

function pipe(os: Os) {
  const [r, w] = os.pipe();
  const iov = os.heap.malloc(8), buf = os.heap.malloc(1 << 20);
  os.mem.dv.setUint32(iov, buf, true); os.mem.dv.setUint32(iov + 4, 1 << 20, true);
  const t0 = now(os);
  const child = os.fork('writer', w);
  os.close(w);
  let got = 0;
  for (;;) {
    os.check(os.sys.call(SYS.fd_read, r, iov, 1), 'fd_read');
    const n = os.sys.r(0);
    if (n === 0) break;
    got += n;
  }
  const us = now(os) - t0;
  os.wait(child);
  os.close(r);
  return { bytes: got, mbps: got / us };
}

function ring(os: Os) {
  const base = os.mmap(64 + 4 * 65536);
  const i32 = os.mem.i32, dst = new Uint8Array(65536);
  const t0 = now(os);
  const th = os.thread('ringWriter', base);
  for (let k = 0; k < 512; k++) {
    while (Atomics.load(i32, base >> 2) === k) Atomics.wait(i32, base >> 2, k, 1);
    dst.set(os.mem.u8.subarray(base + 64 + (k % 4) * 65536, base + 64 + (k % 4 + 1) * 65536));
    Atomics.store(i32, (base + 4) >> 2, k + 1);
    Atomics.notify(i32, (base + 4) >> 2);
  }
  const us = now(os) - t0;
  th.join();
  return { bytes: 512 * 65536, mbps: (512 * 65536) / us };
}

export function main(os: Os, args: ArgValue): number {
  const a = (args ?? {}) as { quick?: boolean };
  const q = a.quick ? 10 : 1;
  const res = {
    nullSyscall: nullSyscall(os, Math.ceil(200 / q), 1000),
    locks: locks(os, Math.ceil(2_000_000 / q)),
    contended: contended(os),
    pipe: pipe(os),
    ring: ring(os),
  };
  os.writeAll(0, JSON.stringify(res) + '\n');
  return 0;
}
