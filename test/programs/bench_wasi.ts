// Benchmark program: the same 64 KiB pipe writes from a WASI C program (c_bench) and from a JS program on
// libc (a forked child), each into a pipe this process drains. Reports MB/s for both on fd 0.
import { ArgFd, CLOCK, R, SYS, type ArgValue, type Os } from '@cosix/libc';

const now = (os: Os) => Number(os.clock(CLOCK.MONOTONIC)) / 1e3;

export const entries = {
  jsWriter(os: Os, fd: number): number {
    const iov = os.heap.malloc(8), buf = os.heap.malloc(65536);
    os.mem.dv.setUint32(iov, buf, true); os.mem.dv.setUint32(iov + 4, 65536, true);
    for (let i = 0; i < 16 * 64; i++) os.check(os.sys.call(SYS.fd_write, fd, iov, 1), 'fd_write');
    return 0;
  },
};

function drain(os: Os, r: number): number {
  const iov = os.heap.malloc(8), buf = os.heap.malloc(1 << 20);
  os.mem.dv.setUint32(iov, buf, true); os.mem.dv.setUint32(iov + 4, 1 << 20, true);
  let got = 0;
  for (;;) {
    os.check(os.sys.call(SYS.fd_read, r, iov, 1), 'fd_read');
    if (os.sys.r(0) === 0) return got;
    got += os.sys.r(0);
  }
}

export function main(os: Os, args: ArgValue): number {
  const a = args as { bootfs: ArgFd; mb?: number };
  const mb = a.mb ?? 64;
  let [r, w] = os.pipe();
  const exe = os.open(a.bootfs.fd, 'c_bench', 0, R.FD_READ | R.PROC_EXEC);
  let t0 = now(os);
  const c = os.spawn(exe, { name: 'c_bench', args: ['write', String(mb)] }, [0, w, 2]);
  os.close(w);
  const cBytes = drain(os, r);
  const cMBps = cBytes / (now(os) - t0);
  os.wait(c); os.close(r);
  [r, w] = os.pipe();
  t0 = now(os);
  const j = os.fork('jsWriter', w);
  os.close(w);
  const jBytes = drain(os, r);
  const jsMBps = jBytes / (now(os) - t0);
  os.wait(j);
  os.writeAll(0, JSON.stringify({ cMBps, jsMBps, cBytes, jBytes }) + '\n');
  return 0;
}
