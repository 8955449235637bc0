// A thread: a worker running on its process's memory, talking to the kernel through its control block
// (abi/control.ts has the word-by-word protocol). This file holds the kernel's half of that protocol: reading
// a request once, completing it (now or after blocking), and killing the thread. Called only on the kernel
// thread.
import { CB, CB_NARGS, CB_SIZE, E, STATE } from './abi/index.js';
import type { Process } from './proc.js';
import type { AddressSpace } from './vm.js';
import type { Waiter } from './wait.js';
import type { WaitQueue } from './wait.js';
import { threadCpuNs } from '@cosix/hw';
import type { MessagePort, Worker } from 'node:worker_threads';

/** Returned by a syscall handler that has blocked; the thread is completed later by its retry. */
export const BLOCKED = -1;
/** Returned by an attempt that would block: the caller blocks and tries again on a wake. */
export const WOULD_BLOCK = -2;
/** Returned by a handler after which the thread must not be answered (it exited or was replaced). */
export const NO_REPLY = -3;

export type Ret = number; // an errno (0 = success), BLOCKED or NO_REPLY

export class Thread {
  readonly i32: Int32Array;
  readonly base: number;          // index of the CB's first word in i32
  waiter: Waiter | undefined;     // set while blocked in a syscall
  inSyscall = false;              // a request has been read and not yet answered
  dead = false;
  hot = false;                    // in the kernel's spin set
  armed = false;                  // a waitAsync on DOORBELL is pending
  sysno = 0;
  /** The current request's argument slots, copied out of the CB once (low word, high word per slot). */
  private readonly args = new Uint32Array(2 * CB_NARGS);
  r0lo = 0; r0hi = 0; r1lo = 0; r1hi = 0;
  task: Promise<unknown> | undefined;
  abort: AbortController | undefined;
  port: MessagePort | undefined;  // kernel end of the channel that carries new shared segments to the worker
  /**
   * The pool worker's host thread id (word 0) and its CPU time at the thread's start (u64 in words 2-3),
   * written by the runtime before the program runs, in a buffer the program never sees (ThreadTask.hostInfo).
   * The CB's OSTID and CPU0 words hold the same for the program's own information; the kernel never reads them,
   * since a program can write them (and would steer THREAD_CPUTIME and the OOM killer's choice).
   */
  hostInfo: Int32Array | undefined;
  host: Worker | undefined;       // the worker of a host daemon's thread (Kernel.startHostThread), not the pool's
  killTimer: NodeJS.Timeout | undefined;
  syscalls = 0;                   // served so far (procfs)
  readonly onKill = new Set<() => void>(); // undo hooks for state outside wait queues (futex waiters)

  /** The address space the CB was allocated in (exec replaces the process's). */
  readonly vm: AddressSpace;

  constructor(readonly proc: Process, readonly tid: number, readonly cbAddr: number, readonly isMain: boolean) {
    this.vm = proc.vm;
    // The CB is in the core (JS programs) or in a kernel segment (WebAssembly programs, whose core belongs
    // entirely to the program's own allocator).
    const r = proc.vm.resolve(cbAddr, CB_SIZE, 0);
    if (typeof r === 'number') throw new Error(`Thread: control block at ${cbAddr} is not mapped (kernel invariant)`);
    this.i32 = new Int32Array(r.backing.sab);
    this.base = r.off >> 2;
    this.i32.fill(0, this.base, this.base + 32);
    Atomics.store(this.i32, this.base + CB.TID, tid);
  }

  get kernel() { return this.proc.kernel; }

  /**
   * The low word of argument slot n, unsigned. The dispatcher has checked that the slot fits the argument's
   * type (syscalls/uaccess.ts, argumentsFit), so for any type but u64 and lookup this is the whole value.
   */
  u32(n: number): number { return this.args[2 * n]; }
  /** The high word of argument slot n. */
  hi32(n: number): number { return this.args[2 * n + 1]; }
  /** The n-th argument slot as a u64. */
  u64(n: number): bigint { return (BigInt(this.hi32(n)) << 32n) | BigInt(this.u32(n)); }

  setResult(v0: number | bigint, v1: number | bigint = 0): void {
    [this.r0lo, this.r0hi] = split(v0);
    [this.r1lo, this.r1hi] = split(v1);
  }

  /** Reads the pending request, if there is one. The caller dispatches it. */
  takeRequest(): boolean {
    if (this.dead || this.inSyscall) return false;
    if (Atomics.load(this.i32, this.base + CB.STATE) !== STATE.REQUEST) return false;
    this.inSyscall = true;
    this.sysno = this.i32[this.base + CB.SYSNO] >>> 0;
    // Each argument word is read once: the thread may rewrite its CB while the kernel works on the call.
    for (let i = 0; i < 2 * CB_NARGS; i++) this.args[i] = this.i32[this.base + CB.ARGS + i];
    this.r0lo = this.r0hi = this.r1lo = this.r1hi = 0;
    this.syscalls++;
    return true;
  }

  /** Answers the current request with `errno` and the results set by setResult. */
  complete(errno: number): void {
    if (this.dead || !this.inSyscall) return;
    const b = this.base, m = this.i32;
    m[b + CB.ERRNO] = errno;
    m[b + CB.PARKED] = 0;
    m[b + CB.RESULTS] = this.r0lo; m[b + CB.RESULTS + 1] = this.r0hi;
    m[b + CB.RESULTS + 2] = this.r1lo; m[b + CB.RESULTS + 3] = this.r1hi;
    this.inSyscall = false;
    this.waiter = undefined;
    // A kill may have raced us to the word: only a REQUEST becomes a RESPONSE.
    if (Atomics.compareExchange(m, b + CB.STATE, STATE.REQUEST, STATE.RESPONSE) === STATE.REQUEST) {
      Atomics.notify(m, b + CB.STATE, 1);
      this.kernel.makeHot(this);
    }
  }

  /** Blocks the current syscall on `queues` until a wake or deadline; `attempt` then completes or re-blocks. */
  blockOn(queues: WaitQueue[], deadline: bigint | undefined, attempt: (timedOut: boolean) => Ret): Ret {
    const sched = this.kernel.sched;
    const retry = (timedOut: boolean) => {
      this.waiter = undefined;
      if (this.dead) return;
      const r = attempt(timedOut);
      if (r === WOULD_BLOCK) this.waiter = sched.block(queues, deadline, retry);
      else if (r !== BLOCKED && r !== NO_REPLY) this.complete(r);
    };
    this.waiter = sched.block(queues, deadline, retry);
    Atomics.store(this.i32, this.base + CB.PARKED, 1);
    return BLOCKED;
  }

  /** Blocks the current syscall with no queue and no deadline: only `resume` (or a kill) ends it. */
  park(): Ret {
    return this.blockOn([], undefined, () => WOULD_BLOCK);
  }

  /**
   * Ends a parked syscall now with `attempt`'s result (which may block again); if the thread died or left
   * the call meanwhile, `gone` runs instead.
   */
  resume(attempt: () => Ret, gone?: () => void): void {
    if (this.dead || !this.inSyscall || !this.waiter) { gone?.(); return; }
    this.kernel.sched.cancel(this.waiter);
    this.waiter = undefined;
    let r: Ret;
    try {
      r = attempt();
    } catch (err) {
      // A continuation threw: a kernel invariant is broken. Fail this call, never the caller that delivered.
      this.kernel.log.error({ err, pid: this.proc.pid, sysno: this.sysno }, 'syscall continuation threw (kernel bug)');
      if (this.waiter) this.kernel.sched.cancel(this.waiter);
      r = E.IO;
    }
    if (r !== BLOCKED && r !== NO_REPLY) this.complete(r === WOULD_BLOCK ? E.IO : r); // nothing would retry it
  }

  /** Tries `attempt` now; if it would block (and may), blocks on `queues` and retries on wakes. */
  tryOrBlock(attempt: (timedOut: boolean) => Ret, queues: () => WaitQueue[], deadline?: bigint): Ret {
    const r = attempt(false);
    if (r !== WOULD_BLOCK) return r;
    return this.blockOn(queues(), deadline, attempt);
  }

  /** The host thread this thread runs on, as the runtime reported it (0 before it has). */
  hostTid(): number { return this.hostInfo ? Atomics.load(this.hostInfo, 0) : 0; }

  /** CPU time this thread has used, in ns (0 when the host cannot tell). */
  cpuNs(): bigint {
    const h = this.hostInfo;
    const os = h ? Atomics.load(h, 0) : 0;
    const now = os ? threadCpuNs(os) : undefined;
    if (now === undefined || !h) return 0n;
    const lo = BigInt(Atomics.load(h, 2) >>> 0), hi = BigInt(Atomics.load(h, 3) >>> 0);
    const d = now - ((hi << 32n) | lo);
    return d > 0n ? d : 0n;
  }

  /**
   * Ends the thread: cancels its wait, marks its CB DEAD and wakes it. A thread busy in user code notices at
   * its next syscall; if it has not finished within KILL_GRACE_MS its worker is terminated.
   */
  kill(): void {
    if (this.dead) return;
    this.dead = true;
    if (this.waiter) this.kernel.sched.cancel(this.waiter);
    this.waiter = undefined;
    this.inSyscall = false;
    for (const f of this.onKill) f();
    this.onKill.clear();
    Atomics.exchange(this.i32, this.base + CB.STATE, STATE.DEAD);
    Atomics.notify(this.i32, this.base + CB.STATE);
    Atomics.notify(this.i32, this.base + CB.DOORBELL);
    this.kernel.onThreadKilled(this);
  }
}

function split(v: number | bigint): [number, number] {
  if (typeof v === 'number' && v >= 0 && v <= 0xffffffff) return [v | 0, 0];
  const b = BigInt.asUintN(64, BigInt(v));
  return [Number(b & 0xffffffffn) | 0, Number(b >> 32n) | 0];
}
