// poll in every combination: clocks (relative, absolute, several at once), fd_read/fd_write readiness with
// nbytes and HANGUP, proc_terminate, a lock with a timeout (which Cosix could not do), bad fds reported as
// event errors, and poll_fd with add/modify/delete/oneshot.
import { E, EVENTRWFLAGS, EVENTTYPE, FILETYPE, SUBFLAGS, SYS, type Os } from '@cosix/libc';
import { Checker } from './lib/check.js';
import { pollFd } from './lib/pollfd.js';

export const entries = {
  holder(os: Os, base: number): void {
    os.locks.wrlock(base);
    os.sleep(50);
    os.locks.unlock(base);
  },
};

export function main(os: Os): number {
  const c = new Checker(os, 'poll_test');
  const t0 = os.clock();
  const evs = os.poll([{ type: EVENTTYPE.CLOCK, timeoutNs: 40_000_000n, identifier: 2n }, { type: EVENTTYPE.CLOCK, timeoutNs: 10_000_000n, identifier: 1n }]);
  c.ok(evs.length === 1 && evs[0].userdata === 1n, 'earliest of two clocks fires alone');
  c.ok(os.clock() - t0 >= 10_000_000n, 'clock waited');

  const [r, w] = os.pipe();
  let ev = os.poll([{ type: EVENTTYPE.FD_WRITE, fd: w }]);
  c.ok(ev[0].type === EVENTTYPE.FD_WRITE && ev[0].nbytes === 1048576n, 'empty pipe is writable with 1 MiB room');
  ev = os.poll([{ type: EVENTTYPE.FD_READ, fd: r }, { type: EVENTTYPE.CLOCK, timeoutNs: 5_000_000n }]);
  c.ok(ev.length === 1 && ev[0].type === EVENTTYPE.CLOCK, 'empty pipe not readable: the clock fires');
  os.writeAll(w, 'hello');
  ev = os.poll([{ type: EVENTTYPE.FD_READ, fd: r }]);
  c.ok(ev[0].nbytes === 5n && ev[0].flags === 0, 'readable with nbytes');
  os.close(w);
  os.read(r, 5);
  ev = os.poll([{ type: EVENTTYPE.FD_READ, fd: r }]);
  c.ok((ev[0].flags & EVENTRWFLAGS.HANGUP) !== 0, 'hangup when the writer is gone');
  ev = os.poll([{ type: EVENTTYPE.FD_READ, fd: 999 }]);
  c.eq(ev[0].error, E.BADF, 'bad fd reported in the event');
  c.errno(E.INVAL, 'zero subscriptions', () => os.poll([]));

  // A lock with a timeout: another thread holds it for 50 ms; a 5 ms attempt times out, a long one gets it.
  const base = os.heap.malloc(16);
  os.mem.dv.setUint32(base, 0, true);
  const th = os.thread('holder', base);
  while (os.mem.dv.getUint32(base, true) === 0) os.yield();
  const sp = os.heap.malloc(2 * 56 + 2 * 32), dv = os.mem.dv;
  os.mem.u8.fill(0, sp, sp + 112);
  dv.setUint8(sp + 10, EVENTTYPE.LOCK_WRLOCK); dv.setUint32(sp + 16, base, true); dv.setUint8(sp + 20, 4);
  dv.setUint8(sp + 56 + 10, EVENTTYPE.CLOCK); dv.setUint32(sp + 56 + 24, 1, true); dv.setBigUint64(sp + 56 + 32, 5_000_000n, true);
  os.check(os.sys.call(SYS.poll, sp, sp + 112, 2), 'poll lock+clock');
  c.eq(dv.getUint8(sp + 112 + 10), EVENTTYPE.CLOCK, 'lock wait timed out');
  dv.setBigUint64(sp + 56 + 32, 5_000_000_000n, true);
  os.check(os.sys.call(SYS.poll, sp, sp + 112, 2), 'poll lock+clock');
  c.eq(dv.getUint8(sp + 112 + 10), EVENTTYPE.LOCK_WRLOCK, 'lock acquired within the long timeout');
  os.locks.unlock(base);
  th.join();

  // poll_fd: a persistent set.
  const pfd = os.create1(FILETYPE.POLL);
  const [r2, w2] = os.pipe();
  c.eq(pollFd(os, pfd, [{ type: EVENTTYPE.FD_READ, fd: r2, flags: SUBFLAGS.ADD, userdata: 7n }], 0).length, 0, 'add');
  c.eq(pollFd(os, pfd, [], 4, 5_000_000n).length, 0, 'nothing ready: timeout');
  os.writeAll(w2, 'x');
  let pe = pollFd(os, pfd, [], 4);
  c.ok(pe.length === 1 && pe[0].userdata === 7n && pe[0].nbytes === 1n, 'persistent subscription fires');
  c.eq(pollFd(os, pfd, [], 4).length, 1, 'level-triggered: fires again');
  pollFd(os, pfd, [{ type: EVENTTYPE.FD_READ, fd: r2, flags: SUBFLAGS.DISABLE }], 0);
  c.eq(pollFd(os, pfd, [], 4, 1_000_000n).length, 0, 'disabled');
  pollFd(os, pfd, [{ type: EVENTTYPE.FD_READ, fd: r2, flags: SUBFLAGS.ADD | SUBFLAGS.ONESHOT, userdata: 8n }], 0);
  pe = pollFd(os, pfd, [], 4);
  c.ok(pe.length === 1 && pe[0].userdata === 8n, 'oneshot fires once');
  c.eq(pollFd(os, pfd, [], 4, 1_000_000n).length, 0, 'oneshot is gone');
  pe = pollFd(os, pfd, [{ type: EVENTTYPE.FD_READ, fd: r2, flags: SUBFLAGS.DELETE }], 4);
  c.ok(pe.length === 1 && pe[0].error === E.NOENT, 'deleting a missing subscription: ENOENT');
  pollFd(os, pfd, [{ type: EVENTTYPE.CLOCK, identifier: 9n, timeoutNs: 2_000_000n, flags: SUBFLAGS.ADD, userdata: 9n }], 0);
  pe = pollFd(os, pfd, [], 4);
  c.ok(pe.length === 1 && pe[0].type === EVENTTYPE.CLOCK && pe[0].userdata === 9n, 'clock in a poll set');
  return c.done();
}
