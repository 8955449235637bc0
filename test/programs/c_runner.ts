// Runs a C (WASI) program from bootfs with a fresh tmpfs as its preopen "/data": the same C tests that run
// against hostfs through `cosix run --dir`, here against tmpfs through pseudo fds. Exits with its status.
import { ArgFd, R, type ArgValue, type Os } from '@cosix/libc';

// With `writers: N`, N copies run at once with args [...args, <their index>], then one more with `then`
// (the checker of what they did together).
export function main(os: Os, args: ArgValue): number {
  const a = args as { pseudo: ArgFd; bootfs: ArgFd; program: string; env?: Record<string, string>; args?: string[]; writers?: number; then?: string[] };
  const [rev, root] = os.pseudoPair(a.pseudo.fd, 'DIRECTORY');
  const tmpfs = os.spawn(os.open(a.bootfs.fd, 'tmpfs', 0, R.FD_READ | R.PROC_EXEC), { reverse: new ArgFd(0) }, [rev]);
  os.close(rev);
  const exe = os.open(a.bootfs.fd, a.program, 0, R.FD_READ | R.PROC_EXEC);
  const [sock] = os.socketpair(); // fd 4 of the child: a socket, for sock_* tests
  const start = (argv: string[]) => os.spawn(exe, { name: a.program, args: argv, env: a.env ?? {}, preopens: { '/data': new ArgFd(3) } }, [0, 0, 2, root, sock]);
  const status = (child: number) => { const st = os.wait(child); return st.signal ? 128 + st.signal : st.exitcode; };
  let worst = 0;
  if (a.writers) {
    const kids = Array.from({ length: a.writers }, (_, k) => start([...(a.args ?? []), String(k)]));
    for (const kid of kids) worst = Math.max(worst, status(kid));
  }
  if (worst === 0) worst = status(start(a.writers ? a.then ?? [] : a.args ?? []));
  os.close(tmpfs);
  return worst;
}
