// A hostile process: random syscalls with random arguments (valid-looking fds and pointers mixed with
// garbage), and scribbles on the words of its own control block that only the kernel should write.
// Four threads fuzz at once (with seeds derived from the given one), so one that blocks forever in a
// random poll or read does not end the run; the test kills the process at its deadline, blocked threads and
// all. Each thread reports how many calls it made on fd 0 (if fd 0 survives the fuzzing). With argdata
// `pseudo` and `bootfs` it first starts a tmpfs, so random calls reach a daemon's pseudo fds as well.
//
// Mixed in are rights probes: mem_map and then mem_protect with random protections through fds whose rights
// were narrowed (a shared-memory object, and the tmpfs file), or through any small fd. A success the fd's
// rights do not allow (docs/syscalls/mem.md) is printed as RIGHTS VIOLATION on REPORT_FD, a copy of the
// console kept where random calls rarely reach; test/hostile.test.ts fails on it.
import { ArgFd, CB, FDFLAGS, FDSFLAGS, FILETYPE, MFLAGS, MPROT, OFLAGS, R, SYS, type ArgValue, type Os } from '@cosix/libc';

const REPORT_FD = 45;        // the console, for probe reports
const NARROW_FDS = [40, 41, 42, 43]; // shm with FD_READ|MEM_MAP, shm with MEM_MAP only, shm with all its rights, the tmpfs file read-only
const PROBES_REPORTED = 5;   // a thread says so once it has made this many probes that mapped something

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
  holdNumbers(os, [...NARROW_FDS, REPORT_FD]);
  if (a.pseudo && a.bootfs) {
    // A tmpfs to fuzz too: its root directory lands on a small fd number, where random calls find it.
    const [rev, root] = os.pseudoPair(a.pseudo.fd, 'DIRECTORY');
    os.spawn(os.open(a.bootfs.fd, 'tmpfs', 0, R.FD_READ | R.PROC_EXEC), { reverse: new ArgFd(0), limit: 8 << 20 }, [rev]);
    os.close(rev);
    const f = os.open(root, 'file', OFLAGS.CREAT, R.FD_READ | R.FD_WRITE | R.FD_SEEK | R.FILE_STAT_FGET | R.MEM_MAP);
    os.writeAll(f, 'some bytes for the fuzzer to find');
    placeNarrowed(os, f, NARROW_FDS[3], R.FD_READ | R.FD_SEEK | R.MEM_MAP);
  }
  const shm = os.create1(FILETYPE.SHARED_MEMORY);
  os.writeAll(shm, new Uint8Array(4096).fill(0x5a));
  placeNarrowed(os, shm, NARROW_FDS[0], R.FD_READ | R.MEM_MAP);
  placeNarrowed(os, shm, NARROW_FDS[1], R.MEM_MAP);
  placeNarrowed(os, shm, NARROW_FDS[2], os.fdstat(shm).base);
  const ts = [1, 2, 3].map((k) => os.thread('fuzz', a.seed * 16 + k));
  fuzz(os, a.seed * 16, a.iters);
  ts.forEach((t) => t.join());
  return 0;
}

/** Opens the fd numbers `wanted` as copies of the console (fd 0): dups fill the numbers up to them. */
function holdNumbers(os: Os, wanted: number[]): void {
  const fillers: number[] = [];
  for (let d = os.dup(0); ; d = os.dup(0)) {
    fillers.push(d);
    if (d >= Math.max(...wanted)) break;
  }
  for (const d of fillers) if (!wanted.includes(d)) os.close(d);
}

/** Puts a copy of `fd` with base rights `base` at number `at` (an open fd). */
function placeNarrowed(os: Os, fd: number, at: number, base: bigint): void {
  os.replace(fd, at);
  os.fdstatPut(at, { base, inheriting: 0n }, FDSFLAGS.RIGHTS);
}

/** The base rights of `fd` now, or undefined when it is not open (fds come and go under the fuzzer). */
function rightsOf(os: Os, fd: number, scratch: number): bigint | undefined {
  if (os.sys.call(SYS.fd_stat_get, fd, scratch) !== 0) return undefined;
  return os.mem.dv.getBigUint64(scratch + 8, true);
}

/** The most a mapping made through an fd with rights `base` may allow (docs/syscalls/mem.md). */
function maxProt(base: bigint, shared: boolean): number {
  return MPROT.READ | (!shared || base & R.FD_WRITE ? MPROT.WRITE : 0) | (base & R.MEM_MAP_EXEC ? MPROT.EXEC : 0);
}

/**
 * One rights probe: maps a page of `fd` with a random protection, then tries a random mem_protect on it, and
 * reports any success the fd's rights forbid. Returns 1 if something was mapped. The rights are read before
 * and after the mem_map: another thread may replace the fd meanwhile, and then nothing is judged.
 */
function probe(os: Os, next: () => number, fd: number, scratch: number): number {
  const before = rightsOf(os, fd, scratch);
  if (before === undefined) return 0;
  const shared = next() % 2 === 0, prot = next() % 8;
  for (let k = 0; k < 8; k++) os.sys.arg(k, [0, 4096, prot, shared ? MFLAGS.SHARED : MFLAGS.PRIVATE, fd, 0][k] ?? 0);
  if (os.sys.call(SYS.mem_map) !== 0) return 0;
  const at = os.sys.r(0);
  if (rightsOf(os, fd, scratch) === before) {
    const need = R.MEM_MAP | R.FD_READ | (shared && prot & MPROT.WRITE ? R.FD_WRITE : 0n) | (prot & MPROT.EXEC ? R.MEM_MAP_EXEC : 0n);
    if ((before & need) !== need) violation(os, `mem_map fd ${fd} rights ${before.toString(16)} prot ${prot} ${shared ? 'SHARED' : 'PRIVATE'}`);
    const p2 = next() % 8;
    if (os.sys.call(SYS.mem_protect, at, 4096, p2) === 0 && p2 & ~maxProt(before, shared)) {
      violation(os, `mem_protect to ${p2} of a mapping of fd ${fd} rights ${before.toString(16)} ${shared ? 'SHARED' : 'PRIVATE'}`);
    }
  }
  os.sys.call(SYS.mem_unmap, at, 4096);
  return 1;
}

function violation(os: Os, what: string): void {
  try { os.writeAll(REPORT_FD, `fuzz_hostile: RIGHTS VIOLATION ${what}\n`); } catch { /* the report fd was fuzzed away */ }
}

function fuzz(os: Os, seed: number, iters: number): number {
  const next = rng(seed);
  const scratch = os.heap.malloc(64);
  let probes = 0;
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
    if (next() % 8 === 0) {
      probes += probe(os, next, next() % 2 ? NARROW_FDS[next() % NARROW_FDS.length] : next() % 8, scratch);
      if (probes === PROBES_REPORTED) { try { os.writeAll(REPORT_FD, `fuzz_hostile: ${probes} rights probes\n`); } catch { /* fuzzed away */ } }
      continue;
    }
    let n = next() % 60;
    if (NEVER.has(n)) continue;
    if (n === SYS.proc_fork && next() % 8 !== 0) continue; // forks are slow; keep a few
    for (let k = 0; k < 8; k++) os.sys.arg(k, value());
    const e = os.sys.call(n);
    hist[e] = (hist[e] ?? 0) + 1;
    calls++;
    if (n === SYS.proc_fork && e === 0) os.close(os.sys.r(0)); // kill the child at once
  }
  try { os.writeAll(0, JSON.stringify({ calls, probes, hist }) + '\n'); } catch { /* fd 0 was fuzzed away */ }
  return 0;
}
