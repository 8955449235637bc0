// Capability denials: missing rights give ENOTCAPABLE, fds never given give EBADF, rights never grow
// (fd_stat_put, dup, open below a directory), and paths cannot escape a directory fd.
import { E, FDSFLAGS, R, RIGHTS_ALL, SYS, type ArgValue, type Os } from '@cosix/libc';
import { Checker } from './lib/check.js';

export function main(os: Os, args: ArgValue): number {
  const c = new Checker(os, 'cap_test');
  const bootfs = (args as { bootfs: { fd: number } }).bootfs.fd;
  const [r, w] = os.pipe();
  c.errno(E.NOTCAPABLE, 'write to a read end', () => os.write(r, 'x'));
  c.errno(E.NOTCAPABLE, 'read from a write end', () => os.read(w, 1));
  c.errno(E.NOTCAPABLE, 'seek on a pipe', () => os.seek(r, 0, 3));
  c.errno(E.BADF, 'an fd never given', () => os.read(77, 1));
  const st = os.fdstat(w);
  c.errno(E.NOTCAPABLE, 'grow rights with fd_stat_put', () => os.fdstatPut(w, { base: st.base | R.FD_READ, inheriting: 0n }, FDSFLAGS.RIGHTS));
  os.fdstatPut(w, { base: st.base & ~R.FD_WRITE, inheriting: 0n }, FDSFLAGS.RIGHTS);
  c.errno(E.NOTCAPABLE, 'write after dropping FD_WRITE', () => os.write(w, 'x'));
  const d = os.dup(w);
  c.eq(os.fdstat(d).base, os.fdstat(w).base, 'dup keeps the shrunk rights');
  c.errno(E.NOTCAPABLE, 'open with rights beyond the directory\'s inheriting', () => os.open(bootfs, 'hello', 0, RIGHTS_ALL));
  c.errno(E.NOTCAPABLE, 'open .. above the directory', () => os.open(bootfs, '../hello', 0, R.FD_READ));
  c.errno(E.NOTCAPABLE, 'absolute path', () => os.open(bootfs, '/hello', 0, R.FD_READ));
  c.errno(E.NOENT, 'missing file', () => os.open(bootfs, 'no-such-program', 0, R.FD_READ));
  c.errno(E.NOTCAPABLE, 'create in bootfs', () => os.open(bootfs, 'new', 1, R.FD_READ));
  const f = os.open(bootfs, 'hello', 0, R.FD_READ | R.FD_SEEK);
  c.ok(os.read(f, 18).length === 18, 'read a bootfs file');
  c.errno(E.NOTCAPABLE, 'exec without PROC_EXEC', () => os.exec(f, null, []));
  c.errno(E.NOTDIR, 'open relative to a file', () => os.open(f, 'x', 0, 0n));
  c.eq(os.sys.call(SYS.fd_read, r, 0xfffffff0, 4), E.FAULT, 'iovec array at a bad address');
  c.eq(os.sys.call(200), E.NOSYS, 'unknown syscall number');
  return c.done();
}
