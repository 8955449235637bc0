// Kernel-managed locks and condition variables (CloudABI `lock` and `condvar` words). Userspace takes and
// releases uncontended locks with compare-and-swap alone; the kernel is involved only on contention:
// a waiter sets LOCK_KERNEL_MANAGED and queues here, and the owner that sees that bit calls lock_unlock,
// which hands the lock directly to the next waiter(s). State lives on the memory's Backing, keyed by byte
// offset, so a shared mapping in two processes finds the same queue, and a private one dies with its process.
// Called only on the kernel thread. Every change of a lock word that userspace may race is a CAS.
import { E, LOCK_KERNEL_MANAGED as KM, LOCK_OWNER_MASK, LOCK_WRLOCKED } from './abi/index.js';
import type { Thread } from './thread.js';
import type { Backing } from './vm.js';

export interface Word { backing: Backing; off: number; i32: Int32Array; idx: number }

export function wordAt(backing: Backing, off: number): Word {
  return { backing, off, i32: new Int32Array(backing.sab), idx: off >> 2 };
}

interface LockWaiter { t: Thread; write: boolean; granted: () => void }
interface CondWaiter { t: Thread; lock: Word; signalled: () => void }
interface FutexState { lockWaiters: LockWaiter[]; condWaiters: CondWaiter[] }

function state(w: Word, create: boolean): FutexState | undefined {
  let s = w.backing.futexes.get(w.off) as FutexState | undefined;
  if (!s && create) { s = { lockWaiters: [], condWaiters: [] }; w.backing.futexes.set(w.off, s); }
  return s;
}

function gc(w: Word): void {
  const s = state(w, false);
  if (s && s.lockWaiters.length === 0 && s.condWaiters.length === 0) w.backing.futexes.delete(w.off);
}

/** Number of kernel waiters on all futexes of `b` (procfs, leak tests). */
export function futexWaiters(b: Backing): number {
  let n = 0;
  for (const s of b.futexes.values()) n += (s as FutexState).lockWaiters.length + (s as FutexState).condWaiters.length;
  return n;
}

/**
 * Tries to take the lock for `t` now. Returns 0 (taken), E.DEADLK (t already write-holds it) or E.AGAIN.
 * Queued waiters come first: a free lock with waiters is not taken around them.
 */
export function tryLock(w: Word, t: Thread, write: boolean): number {
  const queued = (state(w, false)?.lockWaiters.length ?? 0) > 0;
  for (;;) {
    const v = Atomics.load(w.i32, w.idx) >>> 0;
    if (v & LOCK_WRLOCKED && (v & LOCK_OWNER_MASK) === t.tid) return E.DEADLK;
    let next: number | undefined;
    const held = v & ~KM;
    if (held === 0 && !queued) next = write ? LOCK_WRLOCKED | t.tid : 1;
    else if (!write && !(v & LOCK_WRLOCKED) && held !== 0 && !queued) next = (v + 1) >>> 0;
    if (next === undefined) return E.AGAIN;
    if ((Atomics.compareExchange(w.i32, w.idx, v | 0, next | 0) >>> 0) === v) return 0;
  }
}

/** Queues `t` for the lock, marking the word KERNEL_MANAGED; `granted` runs when it is handed over. */
export function enqueueLock(w: Word, t: Thread, write: boolean, granted: () => void): () => void {
  const s = state(w, true)!;
  const lw: LockWaiter = { t, write, granted };
  s.lockWaiters.push(lw);
  setKm(w);
  // The holder may have released the lock in userspace between tryLock and setKm (it saw no KERNEL_MANAGED
  // bit yet): then nobody would ever call lock_unlock, so hand the free lock to the queue now.
  for (;;) {
    const v = Atomics.load(w.i32, w.idx) >>> 0;
    if ((v & ~KM) !== 0 || handOver(w, v)) break;
  }
  return () => {
    const i = s.lockWaiters.indexOf(lw);
    if (i < 0) return;
    s.lockWaiters.splice(i, 1);
    if (s.lockWaiters.length === 0) clearKmIfUnheld(w);
    gc(w);
  };
}

function setKm(w: Word): void {
  for (;;) {
    const v = Atomics.load(w.i32, w.idx);
    if (v & KM || Atomics.compareExchange(w.i32, w.idx, v, v | KM) === v) return;
  }
}

function clearKmIfUnheld(w: Word): void {
  for (;;) {
    const v = Atomics.load(w.i32, w.idx) >>> 0;
    const next = v & ~KM;
    if (!(v & KM) || (Atomics.compareExchange(w.i32, w.idx, v | 0, next | 0) >>> 0) === v) return;
  }
}

/** lock_unlock: `t` releases its hold; the lock goes to the next waiter(s). EPERM if `t` holds nothing. */
export function unlock(w: Word, t: Thread, anyOwner = false): number {
  for (;;) {
    const v = Atomics.load(w.i32, w.idx) >>> 0;
    const held = v & ~KM;
    if (v & LOCK_WRLOCKED) {
      if (!anyOwner && (v & LOCK_OWNER_MASK) !== t.tid) return E.PERM;
    } else if (held === 0) return E.PERM;
    else if (held > 1) {
      if ((Atomics.compareExchange(w.i32, w.idx, v | 0, (v - 1) | 0) >>> 0) === v) return 0;
      continue;
    }
    if (handOver(w, v)) return 0;
  }
}

/** Moves the lock from its current value `v` to the next waiters, or frees it. False if `v` changed. */
function handOver(w: Word, v: number): boolean {
  const s = state(w, false);
  const ws = s?.lockWaiters ?? [];
  let take: LockWaiter[] = [];
  let next = 0;
  if (ws.length && ws[0].write) { take = [ws[0]]; next = LOCK_WRLOCKED | ws[0].t.tid; }
  else if (ws.length) { take = ws.filter((x) => !x.write); next = take.length; }
  const rest = ws.length - take.length;
  if (rest > 0) next |= KM;
  if ((Atomics.compareExchange(w.i32, w.idx, v | 0, next | 0) >>> 0) !== v) return false;
  if (s) s.lockWaiters = ws.filter((x) => !take.includes(x));
  for (const x of take) x.granted();
  gc(w);
  return true;
}

/** Queues `t` on the condvar and releases `lock` (which `t` must write-hold). */
export function condWait(cv: Word, lock: Word, t: Thread, signalled: () => void): (() => void) | number {
  const v = Atomics.load(lock.i32, lock.idx) >>> 0;
  if (!(v & LOCK_WRLOCKED) || (v & LOCK_OWNER_MASK) !== t.tid) return E.PERM;
  const s = state(cv, true)!;
  const cw: CondWaiter = { t, lock, signalled };
  s.condWaiters.push(cw);
  Atomics.store(cv.i32, cv.idx, 1);
  const e = unlock(lock, t);
  if (e) throw new Error(`condWait: unlock of a held lock failed with ${e} (kernel invariant)`);
  return () => {
    const i = s.condWaiters.indexOf(cw);
    if (i < 0) return;
    s.condWaiters.splice(i, 1);
    if (s.condWaiters.length === 0) Atomics.store(cv.i32, cv.idx, 0);
    gc(cv);
  };
}

/** condvar_signal: wakes up to `n` waiters; each must retake its lock before its wait returns. */
export function condSignal(cv: Word, n: number): void {
  const s = state(cv, false);
  if (!s) { Atomics.store(cv.i32, cv.idx, 0); return; }
  const woken = s.condWaiters.splice(0, n);
  if (s.condWaiters.length === 0) Atomics.store(cv.i32, cv.idx, 0);
  gc(cv);
  for (const cw of woken) cw.signalled();
}
