// proc_fork with a continuation, process fds, exit codes and signals (Cosix's forkfork_test): closing a
// process fd kills the child, a child that raises SIGABRT reports the signal, and the forked child sees a
// copy of the parent's memory and shares its descriptors.
import { E, SIG, type Os } from '@cosix/libc';
import { Checker } from './lib/check.js';

export const entries = {
  child(os: Os, p: number): number {
    const v = os.mem.dv.getUint32(p, true);
    os.mem.dv.setUint32(p, 0, true); // only our copy changes
    os.writeAll(os.mem.dv.getUint32(p + 4, true), 'from child');
    return v === 0xabcd ? 42 : 1;
  },
  sleeper(os: Os): number {
    os.sleep(60_000);
    return 0;
  },
  aborter(os: Os): void {
    os.raise(SIG.ABRT);
  },
};

export function main(os: Os): number {
  const c = new Checker(os, 'fork_test');
  const p = os.heap.malloc(8);
  const hole = os.dup(0);
  const [r, w] = os.pipe();
  os.close(hole); // the child must see the same fd numbers, holes and all
  os.mem.dv.setUint32(p, 0xabcd, true);
  os.mem.dv.setUint32(p + 4, w, true);
  const pfd = os.fork('child', p);
  const st = os.wait(pfd);
  os.close(w);
  c.eq(st.exitcode, 42, 'child exit code');
  c.eq(st.signal, 0, 'no signal');
  c.eq(os.mem.dv.getUint32(p, true), 0xabcd, 'parent memory untouched by the child');
  c.eq(String.fromCharCode(...os.read(r, 100)), 'from child', 'child wrote through the inherited fd');
  os.close(pfd);

  const ab = os.fork('aborter');
  c.eq(os.wait(ab).signal, SIG.ABRT, 'signal reported');
  os.close(ab);

  const sl = os.fork('sleeper');
  const dup = os.dup(sl);
  os.close(sl);
  c.eq(os.poll([{ type: 3 /* fd_read */, fd: dup }])[0]?.error, E.NOTCAPABLE, 'process fds are not readable');
  os.close(dup); // last reference: the child is killed
  return c.done();
}
