// Benchmark program: tmpfs through pseudo fds. Starts its own tmpfs daemon, then times
// open+write 4 KiB+close+reopen+read+unlink cycles, 1 MiB sequential writes and reads, and stat.
import { ArgFd, CLOCK, OFLAGS, R, SYS, utf8Encode, type ArgValue, type Os } from '@cosix/libc';

const RIGHTS = R.FD_READ | R.FD_WRITE | R.FD_SEEK | R.FILE_STAT_FGET;
const now = (os: Os) => Number(os.clock(CLOCK.MONOTONIC)) / 1e3;

export function main(os: Os, args: ArgValue): number {
  const a = args as { pseudo: ArgFd; bootfs: ArgFd; quick?: boolean };
  const [rev, root] = os.pseudoPair(a.pseudo.fd, 'DIRECTORY');
  os.spawn(os.open(a.bootfs.fd, 'tmpfs', 0, R.FD_READ | R.PROC_EXEC), { reverse: new ArgFd(0) }, [rev]);
  os.close(rev);
  const n = a.quick ? 200 : 2000;
  const page = new Uint8Array(4096).fill(7);
  let t0 = now(os);
  for (let i = 0; i < n; i++) {
    let fd = os.open(root, 'f', OFLAGS.CREAT | OFLAGS.TRUNC, RIGHTS | R.FILE_STAT_FPUT_SIZE);
    os.writeAll(fd, page);
    os.close(fd);
    fd = os.open(root, 'f', 0, RIGHTS);
    os.read(fd, 4096);
    os.close(fd);
    const p = utf8Encode('f'), s = os.stage(8); os.mem.u8.set(p, s);
    os.check(os.sys.call(SYS.file_unlink, root, s, 1, 0), 'unlink');
  }
  const cyclesPerSec = n / ((now(os) - t0) / 1e6);
  // Sequential I/O from and into one 1 MiB buffer of the program's own memory, as the Node.js baseline
  // writes from and reads into one Buffer: what is timed is the system, not a copy in the program.
  const mb = a.quick ? 16 : 64, MiB = 1 << 20;
  const buf = os.heap.malloc(MiB), iov = os.heap.malloc(8);
  os.mem.u8.fill(1, buf, buf + MiB);
  os.mem.dv.setUint32(iov, buf, true); os.mem.dv.setUint32(iov + 4, MiB, true);
  const fd = os.open(root, 'big', OFLAGS.CREAT, RIGHTS);
  t0 = now(os);
  for (let i = 0; i < mb; i++) {
    os.check(os.sys.call(SYS.fd_write, fd, iov, 1), 'fd_write');
    if (os.sys.r(0) !== MiB) throw new Error(`short write: ${os.sys.r(0)}`);
  }
  const writeMBps = mb / ((now(os) - t0) / 1e6);
  os.mem.u8.fill(0, buf, buf + MiB);
  t0 = now(os);
  let got = 0;
  for (let i = 0; i < mb; i++) {
    os.sys.arg(3, i * MiB);
    os.check(os.sys.call(SYS.fd_pread, fd, iov, 1), 'fd_pread');
    got += os.sys.r(0);
  }
  const readMBps = got / MiB / ((now(os) - t0) / 1e6);
  if (os.mem.u8[buf] !== 1 || os.mem.u8[buf + MiB - 1] !== 1 || got !== mb * MiB) throw new Error('read back the wrong bytes');
  t0 = now(os);
  for (let i = 0; i < n; i++) os.stat(root, 'big');
  const statUs = (now(os) - t0) / n;
  os.writeAll(0, JSON.stringify({ cyclesPerSec, writeMBps, readMBps, statUs }) + '\n');
  return 0;
}
