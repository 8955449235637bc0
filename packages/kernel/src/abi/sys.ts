// The calling half of the syscall path (control.ts has the protocol, word by word): libc's syscall stubs,
// and the host daemons the kernel starts (hostfs) use this one implementation. `call` blocks the thread
// (Atomics.wait) after an adaptive spin; `callAsync` awaits with Atomics.waitAsync so a daemon's event loop
// stays free. One control block serves one request at a time: async calls queue.
import { CB, STATE } from './control.js';
import { E } from './errno.js';

/** Thrown through userland when the kernel has ended this thread or process; the runtime catches it. */
export class ThreadGone extends Error {
  readonly cosixExit = true;
  constructor(detail = '') { super(`thread ended by the kernel${detail}`); }
}

const SPIN_MIN = 64, SPIN_MAX = 1 << 16;
const ASYNC_RECHECK_MS = 20; // an async wait re-reads STATE at least this often (see callAsync)

export class Sys {
  readonly i32: Int32Array;
  private readonly b: number;
  private spin = 4096;
  private spinMin = SPIN_MIN;
  private asyncTail: Promise<unknown> = Promise.resolve();
  errno = 0;

  /** The runtime's waitAsync (boot.waitAsync), used by callAsync when present. */
  hostWait: ((i32: Int32Array, index: number, value: number, timeout: number) => unknown) | undefined;

  constructor(buffer: SharedArrayBuffer, cb: number) {
    this.i32 = new Int32Array(buffer);
    this.b = cb >> 2;
  }

  get tid(): number { return this.i32[this.b + CB.TID]; }
  /** Index of this thread's control block in i32 (word 0 is STATE). */
  get cbIndex(): number { return this.b; }

  /** Writes argument slot `i`: a u32, a safe integer (u64 or negative i64) or a bigint. */
  arg(i: number, v: number | bigint): void {
    const at = this.b + CB.ARGS + 2 * i;
    if (typeof v === 'number' && v >= 0 && v <= 0xffffffff) { this.i32[at] = v; this.i32[at + 1] = 0; return; }
    const x = BigInt.asUintN(64, BigInt(v));
    this.i32[at] = Number(x & 0xffffffffn) | 0;
    this.i32[at + 1] = Number(x >> 32n) | 0;
  }

  private post(n: number): void {
    const m = this.i32, b = this.b;
    m[b + CB.SYSNO] = n;
    const was = Atomics.compareExchange(m, b + CB.STATE, STATE.IDLE, STATE.REQUEST);
    if (was !== STATE.IDLE) throw new ThreadGone(` (state ${was} at request ${n})`);
    if (Atomics.load(m, b + CB.KSPIN) === 0) Atomics.notify(m, b + CB.DOORBELL, 1);
  }

  private finish(): number {
    const m = this.i32, b = this.b;
    const was = Atomics.compareExchange(m, b + CB.STATE, STATE.RESPONSE, STATE.IDLE);
    if (was !== STATE.RESPONSE) throw new ThreadGone(` (state ${was} at answer)`);
    return (this.errno = m[b + CB.ERRNO]);
  }

  /** Issues syscall `n` with the argument slots already written (or given here as u32s); returns errno. */
  call(n: number, ...args: (number | bigint)[]): number {
    for (let i = 0; i < args.length; i++) this.arg(i, args[i]);
    this.post(n);
    const m = this.i32, s = this.b + CB.STATE;
    const i = this.spinFor();
    if (i < 0) {
      // The kernel parked the call: sleep now, the spin budget was not at fault.
      while (Atomics.load(m, s) === STATE.REQUEST) Atomics.wait(m, s, STATE.REQUEST);
    } else if (i === this.spin) {
      // A wake is only a hint: loop until the word really changed (a notify may be meant for an earlier
      // request or come from a kill racing the answer).
      while (Atomics.load(m, s) === STATE.REQUEST) Atomics.wait(m, s, STATE.REQUEST);
      this.spin = Math.max(this.spinMin, this.spin >> 1);
    } else if (i > this.spin >> 1) this.spin = Math.min(SPIN_MAX, this.spin << 1);
    return this.finish();
  }

  /**
   * Spins while the current request is outstanding: returns the iterations spun until the answer (or the
   * whole budget), or -1 when the kernel said the call is parked (blocked) and the floor has been spun.
   */
  private spinFor(): number {
    const m = this.i32, s = this.b + CB.STATE, p = this.b + CB.PARKED;
    let i = 0;
    for (; i < this.spin; i++) {
      if (Atomics.load(m, s) !== STATE.REQUEST) return i;
      if (i >= this.spinMin && Atomics.load(m, p) !== 0) return -1;
    }
    return i;
  }

  /**
   * Raises the least a call spins before sleeping. Servers (daemons) use it: they answer requests back to back,
   * and a request that arrives while they spin costs no wake-up of their thread.
   */
  setSpinFloor(iterations: number): void {
    this.spinMin = Math.max(SPIN_MIN, Math.min(SPIN_MAX, iterations));
    this.spin = Math.max(this.spin, this.spinMin);
  }

  /** Like call, but waits without blocking the thread's event loop. Calls are served in order. */
  callAsync(n: number, ...args: (number | bigint)[]): Promise<number> {
    const run = async () => {
      for (let i = 0; i < args.length; i++) this.arg(i, args[i]);
      this.post(n);
      const m = this.i32, s = this.b + CB.STATE;
      // Spin first, as the blocking path does: an answer that comes within the spin costs no event-loop turn.
      if (this.spinFor() >= 0 && Atomics.load(m, s) !== STATE.REQUEST) return this.finish();
      // The wait is the runtime's (boot.waitAsync, made in the worker's own realm): a waitAsync created inside
      // the program's vm context was seen never to resolve, not even at its timeout, in async daemons under
      // load. And on Node.js 20 a notify can fail to resolve a waitAsync at all (scripts/waitasync-repro.mjs),
      // so the timeout bounds such a loss; the runtime keeps the worker's event loop alive for it.
      while (Atomics.load(m, s) === STATE.REQUEST) {
        if (this.hostWait) { await this.hostWait(m, s, STATE.REQUEST, ASYNC_RECHECK_MS); continue; }
        const w = Atomics.waitAsync(m, s, STATE.REQUEST, ASYNC_RECHECK_MS);
        if (w.async) await w.value;
      }
      return this.finish();
    };
    const p = this.asyncTail.then(run, run);
    this.asyncTail = p.catch(() => undefined);
    return p;
  }

  /** Result slot `i` as a u32 (low word). */
  r(i: number): number { return this.i32[this.b + CB.RESULTS + 2 * i] >>> 0; }
  /** Result slot `i` as a u64. */
  r64(i: number): bigint {
    const at = this.b + CB.RESULTS + 2 * i;
    return (BigInt(this.i32[at + 1] >>> 0) << 32n) | BigInt(this.i32[at] >>> 0);
  }
  /**
   * Brings the control block back to IDLE after an exception escaped between a request and its answer
   * (waits for the answer and discards it). Throws ThreadGone if the kernel has ended the thread.
   */
  recover(): void {
    const m = this.i32, s = this.b + CB.STATE;
    while (Atomics.load(m, s) === STATE.REQUEST) Atomics.wait(m, s, STATE.REQUEST, 100);
    if (Atomics.load(m, s) === STATE.RESPONSE) this.finish();
    if (Atomics.load(m, s) !== STATE.IDLE) throw new ThreadGone();
  }

  /** Completes a syscall answered before this thread ran (a fork child's copy of proc_fork's answer). */
  completeInherited(): number { return this.finish(); }

  /** Argument slot `i` as written (fork continuations read their record from here). */
  argSlot(i: number): number { return this.i32[this.b + CB.ARGS + 2 * i] >>> 0; }
}

export class Errno extends Error {
  constructor(readonly code: number, readonly call: string) {
    super(`${call}: E${Object.keys(E).find((k) => (E as Record<string, number>)[k] === code) ?? code}`);
  }
}
