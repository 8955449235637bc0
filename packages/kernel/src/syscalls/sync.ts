// lock_unlock, condvar_signal, and the decoding of lock/condvar words shared with poll.
import { E, MPROT, SCOPE } from '../abi/index.js';
import { condSignal, unlock, wordAt, type Word } from '../futex.js';
import type { Ret, Thread } from '../thread.js';

/** The lock or condvar word at `addr`: EINVAL for a bad scope or alignment, EFAULT for bad memory. */
export function userWord(t: Thread, addr: number, scope: number): Word | number {
  if (scope !== SCOPE.PRIVATE && scope !== SCOPE.SHARED) return E.INVAL;
  if (addr % 4 !== 0) return E.INVAL;
  const r = t.proc.vm.resolve(addr, 4, MPROT.READ | MPROT.WRITE);
  if (typeof r === 'number') return r;
  return wordAt(r.backing, r.off);
}

export function lock_unlock(t: Thread): Ret {
  const w = userWord(t, t.u32(0), t.u32(1));
  if (typeof w === 'number') return w;
  return unlock(w, t);
}

export function condvar_signal(t: Thread): Ret {
  const w = userWord(t, t.u32(0), t.u32(1));
  if (typeof w === 'number') return w;
  const n = t.u32(2);
  if (n === 0) return E.INVAL;
  condSignal(w, n);
  return 0;
}
