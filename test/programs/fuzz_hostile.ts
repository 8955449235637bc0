// A hostile process: random syscalls with random arguments (valid-looking fds and pointers mixed with
// garbage), and scribbles on the words of its own control block that only the kernel should write.
// Four threads fuzz at once (with seeds derived from the given one), so one that blocks forever in a
// random poll or read does not end the run; the test kills the process at its deadline, blocked threads and
// all. Each thread reports how many calls it made on fd 0 (if fd 0 survives the fuzzing). With argdata
// `pseudo` and `bootfs` it first starts a tmpfs, so random calls reach a daemon's pseudo fds as well.
import { ArgFd, CB, FDFLAGS, OFLAGS, R, SYS, type ArgValue, type Os } from '@cosix/libc';

// Calls that would end the run early; thread_create with a random entry kills the process (by design).
const NEVER = new Set([SYS.proc_exit, SYS.thread_exit, SYS.proc_raise, SYS.proc_exec, SYS.thread_create]);

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
}

export const entries = {
  fuzz(os: Os, seed: number): number { return fuzz(os, seed, 3000); },
};

export function main(os: Os, args: ArgValue): number {
  const a = args as { seed: number; iters: number; pseudo?: ArgFd; bootfs?: ArgFd };
  if (a.pseudo && a.bootfs) {
    // A tmpfs to fuzz too: its root directory lands on a small fd number, where random calls find it.
    const [rev, root] = os.pseudoPair(a.pseudo.fd, 'DIRECTORY');
    os.spawn(os.open(a.bootfs.fd, 'tmpfs', 0, R.FD_READ | R.PROC_EXEC), { reverse: new ArgFd(0), limit: 8 << 20 }, [rev]);
    os.close(rev);
    const f = os.open(root, 'file', OFLAGS.CREAT, R.FD_READ | R.FD_WRITE | R.FD_SEEK | R.FILE_STAT_FGET | R.MEM_MAP);
    os.writeAll(f, 'some bytes for the fuzzer to find');
  }
  const ts = [1, 2, 3].map((k) => os.thread('fuzz', a.seed * 16 + k));
  fuzz(os, a.seed * 16, a.iters);
  ts.forEach((t) => t.join());
  return 0;
}

function fuzz(os: Os, seed: number, iters: number): number {
  const next = rng(seed);
  const heap = os.heap.malloc(65536);
  const cbWords = os.sys.i32;
  const cb = os.sys.cbIndex;
  const hist: Record<number, number> = {};
  const value = (): number | bigint => {
    switch (next() % 9) {
      case 0: return next() % 8;                    // small numbers, likely fds
      case 1: return next();                        // any u32
      case 2: return heap + (next() % 65536);       // inside our heap
      case 3: return next() % 4096;                 // the null page
      case 4: return 0xffffffff - (next() % 64);    // the top of the address space
      case 5: return BigInt(next()) << 32n | BigInt(next()); // a u64
      case 6: return 1 << (next() % 32);            // powers of two (lengths, flags)
      case 7: return heap;                          // a valid buffer start
      default: return 0;
    }
  };
  let calls = 0;
  for (let i = 0; i < iters; i++) {
    // Keep most descriptors non-blocking so fewer calls park the thread for good.
    if (i % 16 === 0) for (let fd = 0; fd < 12; fd++) { os.sys.arg(1, heap); os.mem.dv.setUint16(heap + 2, FDFLAGS.NONBLOCK, true); os.sys.call(SYS.fd_stat_put, fd, heap, 1); }
    if (next() % 50 === 0) cbWords[cb + [CB.KSPIN, CB.DOORBELL, CB.SPIN, CB.TID, CB.RESULTS, CB.PARKED][next() % 6]] = next() | 0;
    if (next() % 20 === 0) os.mem.u8[heap + (next() % 65536)] = next() & 255;
    let n = next() % 60;
    if (NEVER.has(n)) continue;
    if (n === SYS.proc_fork && next() % 8 !== 0) continue; // forks are slow; keep a few
    for (let k = 0; k < 8; k++) os.sys.arg(k, value());
    const e = os.sys.call(n);
    hist[e] = (hist[e] ?? 0) + 1;
    calls++;
    if (n === SYS.proc_fork && e === 0) os.close(os.sys.r(0)); // kill the child at once
  }
  try { os.writeAll(0, JSON.stringify({ calls, hist }) + '\n'); } catch { /* fd 0 was fuzzed away */ }
  return 0;
}
