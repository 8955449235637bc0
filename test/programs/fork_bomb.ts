// A fork bomb: the program forks in a loop, and so does every child, for ever. A fork the kernel refuses
// (EAGAIN past the process or thread limit, ENOMEM past the machine's memory, EMFILE with no fd left for
// the child) is retried a millisecond later. Only killing the first process (its children die with their
// process fds, and so on down) ends it: limits.test.ts.
import { E, Errno, type Os } from '@cosix/libc';

const REFUSED = new Set<number>([E.AGAIN, E.NOMEM, E.MFILE]);

function bomb(os: Os): number {
  for (;;) {
    try {
      os.fork('bomb');
    } catch (e) {
      if (!(e instanceof Errno) || !REFUSED.has(e.code)) throw e;
      os.sleep(1);
    }
  }
}

export const entries = { bomb };

export function main(os: Os): number {
  os.writeAll(0, 'fork_bomb: started\n');
  return bomb(os);
}
