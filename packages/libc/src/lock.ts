// The userspace halves of CloudABI locks, readers-writer locks and condition variables. Uncontended
// operations are a compare-and-swap on the lock word; contention goes to the kernel through poll (a
// lock_rdlock / lock_wrlock / condvar subscription) and lock_unlock / condvar_signal.
import {
  CLOCK, E, EVENTTYPE, LOCK_KERNEL_MANAGED as KM, LOCK_WRLOCKED, SCOPE, SUBSCRIPTION, SYS, SUBCLOCKFLAGS,
} from '@cosix/kernel/abi';
import type { Memory } from './memory.js';
import type { Sys } from './sys.js';

export class Locks {
  /** `scratch`: this thread's 2 subscriptions + 2 events (2*56 + 2*32 bytes) in process memory. */
  constructor(private readonly mem: Memory, private readonly sys: Sys, private readonly scratch: number) {}

  private get tid(): number { return this.sys.tid; }

  /** The word array and index for `addr`; the core (where most locks live) without an allocation. */
  private at(addr: number): [Int32Array, number] {
    return addr < this.mem.coreBytes ? [this.mem.i32, addr >> 2] : this.mem.word(addr);
  }

  wrlock(addr: number, scope: number = SCOPE.PRIVATE): void {
    const [m, i] = this.at(addr);
    if (Atomics.compareExchange(m, i, 0, (LOCK_WRLOCKED | this.tid) | 0) === 0) return;
    this.kernelLock(addr, scope, EVENTTYPE.LOCK_WRLOCK);
  }

  rdlock(addr: number, scope: number = SCOPE.PRIVATE): void {
    const [m, i] = this.at(addr);
    for (;;) {
      const v = Atomics.load(m, i);
      if (v & (LOCK_WRLOCKED | KM)) break;
      if (Atomics.compareExchange(m, i, v, v + 1) === v) return;
    }
    this.kernelLock(addr, scope, EVENTTYPE.LOCK_RDLOCK);
  }

  /** Write-locks if free; false otherwise (never blocks). */
  trywrlock(addr: number): boolean {
    const [m, i] = this.at(addr);
    return Atomics.compareExchange(m, i, 0, (LOCK_WRLOCKED | this.tid) | 0) === 0;
  }

  unlock(addr: number, scope: number = SCOPE.PRIVATE): void {
    const [m, i] = this.at(addr);
    for (;;) {
      const v = Atomics.load(m, i) >>> 0;
      if (v & KM) {
        if ((v & LOCK_WRLOCKED) || (v & ~KM) === 1) {
          const e = this.sys.call(SYS.lock_unlock, addr, scope);
          if (e) throw new Error(`lock_unlock failed: errno ${e}`);
          return;
        }
      } else if (v & LOCK_WRLOCKED) {
        if (Atomics.compareExchange(m, i, v | 0, 0) === (v | 0)) return;
        continue;
      }
      if ((v & ~KM) === 0) throw new Error('unlock of an unlocked lock');
      if (Atomics.compareExchange(m, i, v | 0, (v - 1) | 0) === (v | 0)) return;
    }
  }

  private subAt(k: number): number { return this.scratch + k * SUBSCRIPTION.size; }
  private evAt(k: number): number { return this.scratch + 2 * SUBSCRIPTION.size + k * 32; }

  private writeClock(k: number, timeoutNs: bigint, abs: boolean): void {
    const dv = this.mem.dv, s = this.subAt(k);
    this.mem.u8.fill(0, s, s + SUBSCRIPTION.size);
    dv.setUint8(s + 10, EVENTTYPE.CLOCK);
    dv.setUint32(s + 24, CLOCK.MONOTONIC, true);
    dv.setBigUint64(s + 32, timeoutNs, true);
    dv.setUint16(s + 48, abs ? SUBCLOCKFLAGS.ABSTIME : 0, true);
  }

  private kernelLock(addr: number, scope: number, type: number): void {
    const dv = this.mem.dv, s = this.subAt(0);
    this.mem.u8.fill(0, s, s + SUBSCRIPTION.size);
    dv.setUint8(s + 10, type);
    dv.setUint32(s + 16, addr, true);
    dv.setUint8(s + 20, scope);
    const e = this.sys.call(SYS.poll, s, this.evAt(0), 1);
    const err = e || dv.getUint16(this.evAt(0) + 8, true);
    if (err) throw new Error(`lock acquisition failed: errno ${err}`);
  }

  /** Waits on the condvar, releasing and retaking `lock`; false when `timeoutNs` (relative) expired. */
  wait(cv: number, lock: number, timeoutNs?: bigint, scope: number = SCOPE.PRIVATE): boolean {
    const [m, i] = this.mem.word(cv);
    Atomics.store(m, i, 1); // tell signallers there may be waiters before the kernel queues us
    const dv = this.mem.dv, s = this.subAt(0);
    this.mem.u8.fill(0, s, s + SUBSCRIPTION.size);
    dv.setUint8(s + 10, EVENTTYPE.CONDVAR);
    dv.setUint32(s + 16, cv, true);
    dv.setUint32(s + 20, lock, true);
    dv.setUint8(s + 24, scope);
    dv.setUint8(s + 25, scope);
    if (timeoutNs !== undefined) this.writeClock(1, timeoutNs, false);
    const e = this.sys.call(SYS.poll, s, this.evAt(0), timeoutNs === undefined ? 1 : 2);
    if (e) throw new Error(`condvar wait failed: errno ${e}`);
    const type = dv.getUint8(this.evAt(0) + 10), err = dv.getUint16(this.evAt(0) + 8, true);
    if (err) throw new Error(`condvar wait failed: errno ${err}`);
    return type === EVENTTYPE.CONDVAR;
  }

  signal(cv: number, n = 1, scope: number = SCOPE.PRIVATE): void {
    const [m, i] = this.mem.word(cv);
    if (Atomics.load(m, i) === 0) return;
    const e = this.sys.call(SYS.condvar_signal, cv, scope, n);
    if (e && e !== E.INVAL) throw new Error(`condvar_signal failed: errno ${e}`);
  }

  broadcast(cv: number, scope: number = SCOPE.PRIVATE): void {
    this.signal(cv, 0x7fffffff, scope);
  }

  /** Sleeps on a clock subscription (relative ns). */
  sleep(ns: bigint): void {
    this.writeClock(0, ns, false);
    this.sys.call(SYS.poll, this.subAt(0), this.evAt(0), 1);
  }
}

export const SCRATCH_BYTES = 2 * SUBSCRIPTION.size + 2 * 32;
