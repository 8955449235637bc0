// Runs a C (WASI) program from bootfs with a fresh tmpfs as its preopen "/data": the same C tests that run
// against hostfs through `cosix run --dir`, here against tmpfs through pseudo fds. Exits with its status.
import { ArgFd, R, type ArgValue, type Os } from '@cosix/libc';

export function main(os: Os, args: ArgValue): number {
  const a = args as { pseudo: ArgFd; bootfs: ArgFd; program: string; env?: Record<string, string>; args?: string[] };
  const [rev, root] = os.pseudoPair(a.pseudo.fd, 'DIRECTORY');
  const tmpfs = os.spawn(os.open(a.bootfs.fd, 'tmpfs', 0, R.FD_READ | R.PROC_EXEC), { reverse: new ArgFd(0) }, [rev]);
  os.close(rev);
  const exe = os.open(a.bootfs.fd, a.program, 0, R.FD_READ | R.PROC_EXEC);
  const [sock] = os.socketpair(); // fd 4 of the child: a socket, for sock_* tests
  const child = os.spawn(exe, { name: a.program, args: a.args ?? [], env: a.env ?? {}, preopens: { '/data': new ArgFd(3) } }, [0, 0, 2, root, sock]);
  const st = os.wait(child);
  os.close(tmpfs);
  return st.signal ? 128 + st.signal : st.exitcode;
}
