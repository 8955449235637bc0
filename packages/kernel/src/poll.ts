// Subscriptions and events: decoding `subscription` structs, deciding whether one has fired, and encoding
// `event` structs. Shared by poll (one-shot sets) and poll_fd (persistent sets, pollfd.ts).
import { CLOCK, E, EVENT, EVENTRWFLAGS, EVENTTYPE, R, SUBCLOCKFLAGS, SUBSCRIPTION, getField, setField } from './abi/index.js';
import type { Kernel } from './kernel.js';
import { ProcessObject } from './proc.js';
import type { Process } from './proc.js';
import type { WaitQueue } from './wait.js';

export interface Sub {
  userdata: bigint; flags: number; type: number;
  identifier: bigint; clockId: number; timeout: bigint; precision: bigint; clockFlags: number;
  fd: number; fdFlags: number;
  lock: number; lockScope: number; condvar: number; condvarScope: number; condvarLock: number; condvarLockScope: number;
}

export interface Ev {
  userdata: bigint; error: number; type: number;
  identifier?: bigint; ptr?: number; nbytes?: bigint; fd?: number; fdFlags?: number; signal?: number; exitcode?: number;
}

export function decodeSub(dv: DataView, at: number): Sub {
  const g = (n: string) => getField(dv, at, SUBSCRIPTION, n);
  return {
    userdata: g('userdata') as bigint, flags: g('flags') as number, type: g('type') as number,
    identifier: g('clock_identifier') as bigint, clockId: g('clock_id') as number, timeout: g('clock_timeout') as bigint,
    precision: g('clock_precision') as bigint, clockFlags: g('clock_flags') as number,
    fd: g('fd') as number, fdFlags: g('fd_flags') as number,
    lock: g('lock') as number, lockScope: g('lock_scope') as number,
    condvar: g('condvar') as number, condvarScope: g('condvar_scope') as number,
    condvarLock: g('condvar_lock') as number, condvarLockScope: g('condvar_lock_scope') as number,
  };
}

export function encodeEvents(evs: Ev[]): Uint8Array {
  const dv = new DataView(new ArrayBuffer(evs.length * EVENT.size));
  evs.forEach((e, i) => {
    const at = i * EVENT.size;
    const s = (n: string, v: number | bigint) => setField(dv, at, EVENT, n, v);
    s('userdata', e.userdata); s('error', e.error); s('type', e.type);
    if (e.type === EVENTTYPE.CLOCK) s('clock_identifier', e.identifier ?? 0n);
    else if (e.type === EVENTTYPE.CONDVAR) s('condvar', e.ptr ?? 0);
    else if (e.type === EVENTTYPE.LOCK_RDLOCK || e.type === EVENTTYPE.LOCK_WRLOCK) s('lock', e.ptr ?? 0);
    else if (e.type === EVENTTYPE.FD_READ || e.type === EVENTTYPE.FD_WRITE) {
      s('fd_nbytes', e.nbytes ?? 0n); s('fd_fd', e.fd ?? 0); s('fd_flags', e.fdFlags ?? 0);
    } else if (e.type === EVENTTYPE.PROC_TERMINATE) {
      s('proc_fd', e.fd ?? 0); s('proc_signal', e.signal ?? 0); s('proc_exitcode', e.exitcode ?? 0);
    }
  });
  return new Uint8Array(dv.buffer);
}

/** The monotonic deadline of a clock subscription, or an errno for a clock poll cannot wait on. */
export function clockDeadline(k: Kernel, s: Sub): bigint | number {
  const abs = (s.clockFlags & SUBCLOCKFLAGS.ABSTIME) !== 0;
  const now = k.monotonic();
  if (s.clockId === CLOCK.MONOTONIC) return abs ? s.timeout : now + s.timeout;
  if (s.clockId === CLOCK.REALTIME) return abs ? now + (s.timeout - k.realtime()) : now + s.timeout;
  return E.INVAL;
}

export const clockEvent = (s: Sub, error = 0): Ev => ({ userdata: s.userdata, error, type: EVENTTYPE.CLOCK, identifier: s.identifier });

/**
 * Evaluates an fd_read, fd_write or proc_terminate subscription of `proc`: an event if it has fired (or
 * failed), otherwise the queue to wait on.
 */
export function checkFdSub(proc: Process, s: Sub): Ev | WaitQueue {
  const base = { userdata: s.userdata, type: s.type, fd: s.fd };
  if (s.type === EVENTTYPE.PROC_TERMINATE) {
    const f = proc.fds.get(s.fd, R.POLL_PROC_TERMINATE);
    if (typeof f === 'number') return { ...base, error: f };
    const o = f.desc.obj;
    if (!(o instanceof ProcessObject)) return { ...base, error: E.INVAL };
    const st = o.proc.status;
    if (!st) return o.proc.terminated;
    return { ...base, error: 0, signal: st.signal, exitcode: st.code };
  }
  const write = s.type === EVENTTYPE.FD_WRITE;
  const f = proc.fds.get(s.fd, R.POLL_FD_READWRITE);
  if (typeof f === 'number') return { ...base, error: f };
  const r = f.desc.obj.readiness(f.desc, write);
  if (!r.ready) return write ? f.desc.obj.writeQueue : f.desc.obj.readQueue;
  return { ...base, error: r.error ?? 0, nbytes: BigInt(r.nbytes), fdFlags: r.hangup ? EVENTRWFLAGS.HANGUP : 0 };
}

export const isFdSub = (type: number) =>
  type === EVENTTYPE.FD_READ || type === EVENTTYPE.FD_WRITE || type === EVENTTYPE.PROC_TERMINATE;
export const isLockSub = (type: number) =>
  type === EVENTTYPE.LOCK_RDLOCK || type === EVENTTYPE.LOCK_WRLOCK || type === EVENTTYPE.CONDVAR;
