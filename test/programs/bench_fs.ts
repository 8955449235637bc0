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
  const mb = a.quick ? 16 : 64, chunk = new Uint8Array(1 << 20).fill(1);
  const fd = os.open(root, 'big', OFLAGS.CREAT, RIGHTS);
  t0 = now(os);
  for (let i = 0; i < mb; i++) os.writeAll(fd, chunk);
  const writeMBps = mb / ((now(os) - t0) / 1e6);
  t0 = now(os);
  let got = 0;
  for (let i = 0; i < mb; i++) got += os.pread(fd, 1 << 20, i * (1 << 20)).length;
  const readMBps = got / (1 << 20) / ((now(os) - t0) / 1e6);
  t0 = now(os);
  for (let i = 0; i < n; i++) os.stat(root, 'big');
  const statUs = (now(os) - t0) / n;
  os.writeAll(0, JSON.stringify({ cyclesPerSec, writeMBps, readMBps, statUs }) + '\n');
  return 0;
}
