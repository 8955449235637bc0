// poll_fd through the raw syscall: `subs` change the poll object's set (ADD, MODIFY, DELETE...), then up to
// `nout` events are returned, waiting at most `timeoutNs` when given.
import { EVENTTYPE, SYS, type Os, type PollSub } from '@cosix/libc';

export function pollFd(os: Os, pfd: number, subs: PollSub[], nout: number, timeoutNs?: bigint) {
  const n = subs.length, p = os.heap.malloc((n + 1) * 56 + nout * 32 + 64), dv = os.mem.dv;
  os.mem.u8.fill(0, p, p + (n + 1) * 56);
  subs.forEach((s, i) => {
    const at = p + i * 56;
    dv.setBigUint64(at, s.userdata ?? 0n, true); dv.setUint16(at + 8, s.flags ?? 0, true); dv.setUint8(at + 10, s.type);
    if (s.type === EVENTTYPE.CLOCK) { dv.setBigUint64(at + 16, s.identifier ?? 0n, true); dv.setUint32(at + 24, 1, true); dv.setBigUint64(at + 32, s.timeoutNs ?? 0n, true); }
    else dv.setUint32(at + 16, s.fd ?? 0, true);
  });
  const tp = p + n * 56, out = tp + 56;
  if (timeoutNs !== undefined) { dv.setUint8(tp + 10, EVENTTYPE.CLOCK); dv.setUint32(tp + 24, 1, true); dv.setBigUint64(tp + 32, timeoutNs, true); }
  for (const [i, v] of [pfd, p, n, out, nout, timeoutNs !== undefined ? tp : 0].entries()) os.sys.arg(i, v);
  os.check(os.sys.call(SYS.poll_fd), 'poll_fd');
  const evs = os.decodeEvents(out, os.sys.r(0));
  os.heap.free(p);
  return evs;
}
