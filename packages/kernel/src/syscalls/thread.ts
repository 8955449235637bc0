// thread_create, thread_exit, thread_yield.
import { THREADATTR } from '../abi/index.js';
import { unlock } from '../futex.js';
import { NO_REPLY, type Ret, type Thread } from '../thread.js';
import { readStruct } from './uaccess.js';
import { userWord } from './sync.js';

export function thread_create(t: Thread): Ret {
  const attr = readStruct(t, t.u32(0), THREADATTR);
  if (typeof attr === 'number') return attr;
  const entry = attr.getUint32(0, true), arg = attr.getUint32(12, true);
  const nt = t.kernel.newThread(t.proc, false);
  if (typeof nt === 'number') return nt;
  t.kernel.runThread(nt, { kind: 'thread', entry, arg });
  t.setResult(nt.tid);
  return 0;
}

export function thread_exit(t: Thread): Ret {
  // The join lock is released whoever set it up; a bad lock pointer does not keep the thread alive.
  const w = userWord(t, t.u32(0), t.u32(1));
  if (typeof w !== 'number') unlock(w, t, true);
  const proc = t.proc;
  t.kill();
  if (proc.threads.size === 0) t.kernel.terminate(proc, { code: 0, signal: 0 });
  return NO_REPLY;
}

export function thread_yield(_t: Thread): Ret {
  return 0;
}
