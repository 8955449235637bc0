// Capability denials: missing rights give ENOTCAPABLE, fds never given give EBADF, rights never grow
// (fd_stat_put, dup, open below a directory), and paths cannot escape a directory fd. An argument slot is
// 64 bits wide: an fd with a high bit set names no fd (EBADF), and any other integer too wide for its type is
// EINVAL, never cut down to a value that would work.
import { E, FDSFLAGS, MAP_ANON_FD, MFLAGS, MPROT, R, RIGHTS_ALL, SYS, utf8Encode, type ArgValue, type Os } from '@cosix/libc';
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
  widths(os, c, bootfs);
  c.eq(os.sys.call(200), E.NOSYS, 'unknown syscall number');
  return c.done();
}

/** Each call would succeed if its slots were cut to their low 32 bits (as they once were). */
function widths(os: Os, c: Checker, bootfs: number): void {
  const HI = 1n << 32n, buf = os.heap.malloc(256), iov = os.heap.malloc(8);
  const call = (n: number, ...a: (number | bigint)[]) => { for (let i = 0; i < 8; i++) os.sys.arg(i, a[i] ?? 0); return os.sys.call(n); };
  const [r, w] = os.pipe();
  os.writeAll(w, 'datadata'); // enough for every read below to find data, with or without the check
  os.mem.dv.setUint32(iov, buf, true); os.mem.dv.setUint32(iov + 4, 4, true);
  c.eq(call(SYS.fd_read, HI | BigInt(r), iov, 1), E.BADF, 'fd_read(2^32 + fd)');
  c.eq(call(SYS.fd_write, (0xffn << 56n) | BigInt(w), iov, 1), E.BADF, 'fd_write with the top byte set');
  c.eq(call(SYS.fd_close, HI | BigInt(w)), E.BADF, 'fd_close(2^32 + fd)');
  c.eq(call(SYS.fd_read, r, iov, 1), 0, 'the fd itself still works');
  c.eq(call(SYS.fd_read, r, HI | BigInt(iov), 1), E.INVAL, 'a pointer with a high bit');
  c.eq(call(SYS.fd_write, w, iov, HI | 1n), E.INVAL, 'an iovec count with a high bit');
  c.eq(call(SYS.random_get, buf, HI | 16n), E.INVAL, 'a size with a high bit');
  c.eq(call(SYS.fd_seek, r, 0, HI | 1n), E.INVAL, 'a u8 (whence) with a high bit');
  c.eq(call(SYS.fd_seek, r, 0, 0x101), E.INVAL, 'a u8 (whence) above 255');
  const anon = MFLAGS.ANON | MFLAGS.PRIVATE, rw = MPROT.READ | MPROT.WRITE;
  c.eq(call(SYS.mem_map, 0, HI | 4096n, rw, anon, MAP_ANON_FD, 0), E.INVAL, 'mem_map of 2^32 + 4096 bytes');
  c.eq(call(SYS.mem_map, 0, 4096, HI | BigInt(rw), anon, MAP_ANON_FD, 0), E.INVAL, 'mem_map with a prot above 32 bits');
  c.eq(call(SYS.mem_map, 0, 4096, rw, anon, HI | BigInt(MAP_ANON_FD), 0), E.BADF, 'mem_map with an fd above 32 bits');
  const page = os.mmap(4096);
  c.eq(call(SYS.mem_protect, page, 4096, HI | BigInt(MPROT.READ)), E.INVAL, 'mem_protect with a prot above 32 bits');
  c.eq(call(SYS.mem_unmap, page, HI | 4096n), E.INVAL, 'mem_unmap of 2^32 + 4096 bytes');
  os.munmap(page, 4096);
  c.eq(call(SYS.proc_exit, HI), E.INVAL, 'proc_exit with a status above 32 bits (the process goes on)');
  // A lookup slot is {fd, flags}: an unknown flag in its high word is refused too.
  const name = utf8Encode('hello');
  os.mem.u8.set(name, buf);
  c.eq(call(SYS.file_stat_get, BigInt(bootfs) | (2n << 32n), buf, name.length, buf + 64), E.INVAL, 'a lookup with an unknown flag');
  c.eq(call(SYS.file_stat_get, BigInt(bootfs) | (1n << 32n), buf, name.length, buf + 64), 0, 'and with SYMLINK_FOLLOW alone');
  os.close(r); os.close(w);
  os.heap.free(buf); os.heap.free(iov);
}
