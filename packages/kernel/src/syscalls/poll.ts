// poll and poll_fd. poll takes either any mix of clock, fd_read, fd_write and proc_terminate subscriptions,
// or one lock/condvar subscription first, optionally followed by one clock subscription as its timeout.
import { E, EVENT, EVENTTYPE, MPROT, R, SUBSCRIPTION } from '../abi/index.js';
import { condWait, enqueueLock, tryLock, type Word } from '../futex.js';
import { MAX_SUBSCRIPTIONS } from '../params.js';
import { checkFdSub, clockDeadline, clockEvent, decodeSub, encodeEvents, isFdSub, isLockSub, type Ev, type Sub } from '../poll.js';
import { isPollObject } from '../pollfd.js';
import { WOULD_BLOCK, type Ret, type Thread } from '../thread.js';
import { WaitQueue } from '../wait.js';
import { userWord } from './sync.js';

export function readSubs(t: Thread, ptr: number, n: number): Sub[] | number {
  if (n > MAX_SUBSCRIPTIONS) return E.INVAL;
  const raw = t.proc.vm.read(ptr, n * SUBSCRIPTION.size);
  if (typeof raw === 'number') return raw;
  const dv = new DataView(raw.buffer);
  return Array.from({ length: n }, (_, i) => decodeSub(dv, i * SUBSCRIPTION.size));
}

function finish(t: Thread, out: number, evs: Ev[]): Ret {
  const e = t.proc.vm.write(out, encodeEvents(evs));
  if (e) return e;
  t.setResult(evs.length);
  return 0;
}

export function poll(t: Thread): Ret {
  const out = t.u32(1), n = t.u32(2);
  if (n === 0) return E.INVAL;
  const subs = readSubs(t, t.u32(0), n);
  if (typeof subs === 'number') return subs;
  if (typeof t.proc.vm.resolve(out, n * EVENT.size, MPROT.WRITE) === 'number') return E.FAULT;
  if (isLockSub(subs[0].type)) return pollLock(t, subs, out);
  return pollSet(t, subs, out);
}

function pollSet(t: Thread, subs: Sub[], out: number): Ret {
  const deadlines = new Map<Sub, bigint | number>();
  for (const s of subs) {
    if (isLockSub(s.type)) return E.INVAL;
    if (s.type === EVENTTYPE.CLOCK) deadlines.set(s, clockDeadline(t.kernel, s));
    else if (!isFdSub(s.type)) return E.INVAL;
  }
  const queues: WaitQueue[] = [];
  const attempt = (): Ret => {
    const evs: Ev[] = [];
    const now = t.kernel.monotonic();
    queues.length = 0;
    for (const s of subs) {
      if (s.type === EVENTTYPE.CLOCK) {
        const d = deadlines.get(s)!;
        if (typeof d === 'number') evs.push(clockEvent(s, d));
        else if (d <= now) evs.push(clockEvent(s));
        continue;
      }
      const r = checkFdSub(t.proc, s);
      if (r instanceof WaitQueue) queues.push(r); else evs.push(r);
    }
    return evs.length ? finish(t, out, evs) : WOULD_BLOCK;
  };
  const ds = [...deadlines.values()].filter((d): d is bigint => typeof d === 'bigint');
  const deadline = ds.length ? ds.reduce((a, b) => (a < b ? a : b)) : undefined;
  return t.tryOrBlock(attempt, () => queues, deadline);
}

function pollLock(t: Thread, subs: Sub[], out: number): Ret {
  const s = subs[0], clock = subs[1];
  if (subs.length > 2 || (clock && clock.type !== EVENTTYPE.CLOCK)) return E.INVAL;
  let deadline: bigint | undefined;
  if (clock) {
    const d = clockDeadline(t.kernel, clock);
    if (typeof d === 'number') return finish(t, out, [clockEvent(clock, d)]);
    deadline = d;
  }
  if (s.type === EVENTTYPE.CONDVAR) return pollCondvar(t, s, clock, deadline, out);
  const w = userWord(t, s.lock, s.lockScope);
  const ev = (error: number): Ev => ({ userdata: s.userdata, error, type: s.type, ptr: s.lock });
  if (typeof w === 'number') return finish(t, out, [ev(w)]);
  const write = s.type === EVENTTYPE.LOCK_WRLOCK;
  const r = tryLock(w, t, write);
  if (r !== E.AGAIN) return finish(t, out, [ev(r)]);
  return waitForLock(t, w, write, deadline, () => finish(t, out, [ev(0)]), () => finish(t, out, [clockEvent(clock)]));
}

/** Queues for `w` and blocks; `onGrant` or (after `deadline`) `onTimeout` completes the call. */
function waitForLock(t: Thread, w: Word, write: boolean, deadline: bigint | undefined, onGrant: () => Ret, onTimeout: () => Ret): Ret {
  const q = new WaitQueue();
  let granted = false;
  // The grant may come at once (inside enqueueLock) or later from another thread's unlock.
  const cancel = enqueueLock(w, t, write, () => { granted = true; q.wakeAll(); });
  if (granted) return onGrant();
  t.onKill.add(cancel);
  return t.blockOn([q], deadline, (timedOut) => {
    if (granted) { t.onKill.delete(cancel); return onGrant(); }
    if (!timedOut) return WOULD_BLOCK;
    cancel();
    t.onKill.delete(cancel);
    return onTimeout();
  });
}

function pollCondvar(t: Thread, s: Sub, clock: Sub | undefined, deadline: bigint | undefined, out: number): Ret {
  const ev = (error: number): Ev => ({ userdata: s.userdata, error, type: EVENTTYPE.CONDVAR, ptr: s.condvar });
  const cv = userWord(t, s.condvar, s.condvarScope);
  if (typeof cv === 'number') return finish(t, out, [ev(cv)]);
  const lock = userWord(t, s.condvarLock, s.condvarLockScope);
  if (typeof lock === 'number') return finish(t, out, [ev(lock)]);
  const q = new WaitQueue();
  let signalled = false;
  const cancel = condWait(cv, lock, t, () => { signalled = true; t.onKill.delete(cancelRef); q.wakeAll(); });
  if (typeof cancel === 'number') return finish(t, out, [ev(cancel)]);
  const cancelRef = cancel;
  t.onKill.add(cancel);
  // Whether woken by a signal or the timeout, the wait returns only once the lock is held again.
  const relock = (done: () => Ret): Ret => {
    const r = tryLock(lock, t, true);
    if (r !== E.AGAIN) return r ? finish(t, out, [ev(r)]) : done();
    return waitForLock(t, lock, true, undefined, done, done);
  };
  return t.blockOn([q], deadline, (timedOut) => {
    if (signalled) return relock(() => finish(t, out, [ev(0)]));
    if (!timedOut) return WOULD_BLOCK;
    cancel();
    t.onKill.delete(cancel);
    return relock(() => finish(t, out, [clockEvent(clock!)]));
  });
}

export function poll_fd(t: Thread): Ret {
  const nin = t.u32(2), nout = t.u32(4), timeoutPtr = t.u32(5);
  const f = t.proc.fds.getObj(t.u32(0), (nin ? R.POLL_MODIFY : 0n) | (nout ? R.POLL_WAIT : 0n), isPollObject, E.INVAL);
  if (typeof f === 'number') return f;
  const pollObj = f[1];
  const subs = readSubs(t, t.u32(1), nin);
  if (typeof subs === 'number') return subs;
  const out = t.u32(3);
  if (typeof t.proc.vm.resolve(out, nout * EVENT.size, MPROT.WRITE) === 'number') return E.FAULT;
  let timeout: Sub | undefined;
  if (timeoutPtr) {
    const ts = readSubs(t, timeoutPtr, 1);
    if (typeof ts === 'number') return ts;
    timeout = ts[0];
    if (timeout.type !== EVENTTYPE.CLOCK) return E.INVAL;
  }
  const errors = pollObj.modify(t.proc, subs);
  if (errors.length || nout === 0) return finish(t, out, errors.slice(0, nout));
  const deadline = timeout ? clockDeadline(t.kernel, timeout) : undefined;
  if (typeof deadline === 'number') return E.INVAL;
  const queues: WaitQueue[] = [];
  const inner = pollObj.nextDeadline();
  const wake = deadline === undefined || (inner !== undefined && inner < deadline) ? inner : deadline;
  return t.tryOrBlock(() => {
    const evs = pollObj.collect(t.proc, nout, queues);
    if (evs.length) return finish(t, out, evs);
    if (deadline !== undefined && deadline <= t.kernel.monotonic()) return finish(t, out, []);
    return WOULD_BLOCK;
  }, () => [...queues, pollObj.readQueue], wake);
}
