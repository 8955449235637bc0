// proc_raise and default signal actions: ignored signals return, terminating ones end the process with the
// signal reported through its process fd, and a stopped process stays stopped until its fd is closed.
import { E, EVENTTYPE, SIG, type Os } from '@cosix/libc';
import { Checker } from './lib/check.js';

export const entries = {
  raise(os: Os, sig: number): number { os.raise(sig); return 0; },
};

export function main(os: Os): number {
  const c = new Checker(os, 'signal_test');
  for (const sig of [SIG.CHLD, SIG.CONT, SIG.URG]) {
    const p = os.fork('raise', sig);
    c.eq(os.wait(p).signal, 0, `signal ${sig} is ignored`);
    os.close(p);
  }
  for (const sig of [SIG.TERM, SIG.KILL, SIG.SEGV, SIG.USR1, SIG.ALRM]) {
    const p = os.fork('raise', sig);
    c.eq(os.wait(p).signal, sig, `signal ${sig} terminates`);
    os.close(p);
  }
  const stopped = os.fork('raise', SIG.STOP);
  const ev = os.poll([{ type: EVENTTYPE.PROC_TERMINATE, fd: stopped }, { type: EVENTTYPE.CLOCK, timeoutNs: 30_000_000n }]);
  c.ok(ev.length === 1 && ev[0].type === EVENTTYPE.CLOCK, 'a stopped process does not terminate');
  os.close(stopped);
  c.errno(E.INVAL, 'signal 0', () => os.raise(0));
  return c.done();
}
