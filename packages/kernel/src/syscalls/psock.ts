// Socket calls on pseudo sockets: each is a request to the daemon. A daemon answers EAGAIN when a call
// would block and later sends an EVENT for the handle; a blocking caller then waits on the socket's queue
// and asks again. Descriptors travel both ways with their rights (abi/pseudo.ts says how).
import { E, FILETYPE, MPROT, OP, PSEUDO_MAX_DATA, SOCKSTAT, type PseudoResponse } from '../abi/index.js';
import type { Description } from '../object.js';
import { PseudoObject, rpc, type Call } from '../pseudo.js';
import type { RightSet } from '../rightsets.js';
import type { Ret, Thread } from '../thread.js';
import type { WaitQueue } from '../wait.js';
import { installNew } from './fd.js';
import { iovViews, type Iov } from './uaccess.js';
import { dropFds, type FdCarry } from '../unixsock.js';

/** An rpc that, on EAGAIN from the daemon and a blocking fd, waits for the socket's EVENT and asks again. */
function waiting(t: Thread, obj: PseudoObject, d: Description, write: boolean, call: Call, onAnswer: (r: PseudoResponse, fds: FdCarry[]) => Ret): Ret {
  const q: WaitQueue = write ? obj.writeQueue : obj.readQueue;
  let c = call;
  const go = (): Ret => rpc(t, obj, c, onAnswer, (e) => {
    if (e !== E.AGAIN || d.nonblock) return e;
    // Descriptors went with the first request (the daemon has them); a retry sends the data alone.
    if (c.fds?.length) c = { ...c, fds: [], arg2: 0n };
    // An EVENT that came with or right after the EAGAIN has already been applied: ask again at once.
    if (obj.readiness(d, write).ready) return go();
    return t.blockOn([q], undefined, () => go());
  });
  return go();
}

/** Receives into `iovs`; `done` gets the byte count, roflags and the descriptors that came with the data. */
export function pRecv(t: Thread, d: Description, obj: PseudoObject, iovs: Iov[], riflags: number, done: (n: number, roflags: number, fds: FdCarry[]) => Ret): Ret {
  const total = iovs.reduce((n, v) => n + v.len, 0);
  return waiting(t, obj, d, false, { op: OP.SOCK_RECV, arg1: BigInt(total), flags: riflags }, (a, fds) => {
    const views = iovViews(t, iovs, MPROT.WRITE);
    if (typeof views === 'number') { dropFds(fds); return views; }
    const data = a.data.subarray(0, total);
    let at = 0;
    for (const v of views) { const n = Math.min(v.length, data.length - at); v.set(data.subarray(at, at + n)); at += n; }
    return done(data.length, Number(a.value1), fds);
  });
}

/**
 * Sends `data` (and `fds`, consumed either way) to the daemon; `done` gets the count it took. A stream
 * socket sends at most PSEUDO_MAX_DATA bytes per call (a short send); a larger datagram is EMSGSIZE.
 */
export function pSend(t: Thread, d: Description, obj: PseudoObject, data: Uint8Array, fds: FdCarry[], done: (n: number) => Ret): Ret {
  const part = obj.type === FILETYPE.SOCKET_STREAM ? data.subarray(0, PSEUDO_MAX_DATA) : data;
  return waiting(t, obj, d, true, { op: OP.SOCK_SEND, data1: part, fds, arg2: BigInt(fds.length) }, (a) => done(Number(a.value1)));
}

export function pSockStat(t: Thread, obj: PseudoObject, buf: number, flags: number): Ret {
  return rpc(t, obj, { op: OP.SOCK_STAT_GET, flags }, (a) => (a.data.length === SOCKSTAT.size ? t.proc.vm.write(buf, a.data) : E.IO));
}

/** Accepts a connection: a new pseudo socket on the same daemon, with the listener's inheriting rights. */
export function pAccept(t: Thread, d: Description, obj: PseudoObject, rights: RightSet, buf: number): Ret {
  return waiting(t, obj, d, false, { op: OP.SOCK_ACCEPT }, (a) => {
    const conn = new PseudoObject(t.kernel, Number(a.value2), obj.reverse, a.value1);
    if (buf && a.data.length === SOCKSTAT.size) {
      const e = t.proc.vm.write(buf, a.data);
      if (e) { conn.ref().unref(); return e; } // the daemon's new handle is closed again
    }
    const fd = installNew(t, conn, rights);
    if (fd < 0) return -fd;
    t.setResult(fd);
    return 0;
  });
}

/** sock_bind / sock_connect / sock_listen on a pseudo socket: the name (or backlog) goes to the daemon. */
export function pSockName(t: Thread, d: Description, obj: PseudoObject, op: number, name: Uint8Array): Ret {
  return waiting(t, obj, d, true, { op, data1: name }, () => 0);
}
