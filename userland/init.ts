// init: the first process. It holds the console (fds 0-2), bootfs (3) and procfs (4). Until the console
// daemon exists, it runs the userland self-tests from bootfs and prints a summary.
import { ArgFd, type ArgValue, type Os } from '@cosix/libc';

const SELFTESTS = ['pipe_test', 'concur_test', 'time_test', 'mmap_test', 'unixsock_test', 'poll_test', 'cap_test', 'fork_test'];

export function main(os: Os, args: ArgValue): number {
  const a = args as { bootfs: ArgFd; procfs: ArgFd };
  const bootfs = a.bootfs.fd;
  const names = new Set(os.readdir(bootfs).map((e) => e.name));
  os.writeAll(1, `cosix init: running ${SELFTESTS.length} self-tests\n`);
  let failed = 0;
  for (const t of SELFTESTS) {
    if (!names.has(t)) { os.writeAll(1, `  ${t}: MISSING\n`); failed++; continue; }
    const exe = os.open(bootfs, t, 0, 1n << 32n | 1n << 1n | 1n << 2n);
    const pfd = os.spawn(exe, { stdout: new ArgFd(0), bootfs: new ArgFd(1) }, [1, bootfs]);
    os.close(exe);
    const st = os.wait(pfd);
    os.close(pfd);
    const ok = st.signal === 0 && st.exitcode === 0;
    if (!ok) failed++;
    os.writeAll(1, `  ${t}: ${ok ? 'ok' : `FAILED (exit ${st.exitcode}, signal ${st.signal})`}\n`);
  }
  os.writeAll(1, `cosix init: ${SELFTESTS.length - failed} passed, ${failed} failed\n`);
  return failed ? 1 : 0;
}
