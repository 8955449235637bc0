// The rights of mappings of a daemon's files (docs/syscalls/mem.md, "Rights and the maximum protection"):
// on a tmpfs started here, or on the directory given as `dir` (a hostfs mount, whose host files
// test/hostfs.test.ts then checks). The directory holds ro.txt and rw.txt with `text` (4096 bytes) in each
// (written here on the tmpfs). A read-only fd maps only for reading, its mapping never becomes writable, and nothing
// stored into it ever reaches the file; a writable fd's shared mapping does reach it (the control).
import { ArgFd, E, MFLAGS, MPROT, MSFLAGS, OFLAGS, R, SYS, utf8Decode, utf8Encode, type ArgValue, type Os } from '@cosix/libc';
import { Checker } from './lib/check.js';

// A shared mapping must lie within the file, and a mapping is whole pages: the files are one page long.
const TEXT = 'original bytes, never to be written through a read-only mapping\n'.padEnd(4096, '.');

export function main(os: Os, args: ArgValue): number {
  const c = new Checker(os, 'maprights_test');
  const a = args as { dir?: ArgFd; pseudo?: ArgFd; bootfs?: ArgFd; text?: string };
  const text = a.text ?? TEXT, n = text.length;
  const rw = MPROT.READ | MPROT.WRITE, str = (b: Uint8Array) => utf8Decode(b) ?? '';
  const same = (b: Uint8Array, what: string) => { const got = str(b); c.ok(got === text, `${what}: starts ${JSON.stringify(got.slice(0, 16))}`); };
  let dir: number, daemon: number | undefined;
  if (a.dir) dir = a.dir.fd;
  else {
    const [rev, root] = os.pseudoPair(a.pseudo!.fd, 'DIRECTORY');
    daemon = os.spawn(os.open(a.bootfs!.fd, 'tmpfs', 0, R.FD_READ | R.PROC_EXEC), { reverse: new ArgFd(0), limit: 1 << 20 }, [rev]);
    os.close(rev);
    dir = root;
    for (const name of ['ro.txt', 'rw.txt']) {
      const f = os.open(dir, name, OFLAGS.CREAT, R.FD_WRITE);
      os.writeAll(f, text);
      os.close(f);
    }
  }

  // FD_READ only: no SHARED mapping with WRITE; a read-only one that mem_protect cannot raise.
  const ro = os.open(dir, 'ro.txt', 0, R.FD_READ | R.FD_SEEK | R.MEM_MAP);
  c.errno(E.NOTCAPABLE, 'SHARED with WRITE through an fd without FD_WRITE', () => os.mmap(4096, rw, MFLAGS.SHARED, ro, 0));
  const m = os.mmap(4096, MPROT.READ, MFLAGS.SHARED, ro, 0);
  same(os.mem.bytes(m, n).slice(), 'a read-only SHARED mapping sees the file');
  c.errno(E.NOTCAPABLE, 'mem_protect cannot make it writable', () => os.mprotect(m, 4096, rw));
  c.errno(E.NOTCAPABLE, 'nor executable (no MEM_MAP_EXEC)', () => os.mprotect(m, 4096, MPROT.READ | MPROT.EXEC));
  // A JavaScript thread can store into its mapped buffer all the same; mem_sync must not carry that to the
  // file. INVALIDATE (a read) is allowed and puts the file's bytes back.
  os.mem.bytes(m, 8).set(utf8Encode('SCRIBBLE'));
  c.eq(os.sys.call(SYS.mem_sync, m, 4096, MSFLAGS.SYNC), 0, 'mem_sync of a read-only mapping');
  same(os.pread(ro, n, 0), 'the file is unchanged after mem_sync of a read-only mapping');
  c.eq(os.sys.call(SYS.mem_sync, m, 4096, MSFLAGS.INVALIDATE), 0, 'mem_sync(INVALIDATE) of a read-only mapping');
  same(os.mem.bytes(m, n).slice(), 'INVALIDATE reloaded the file\'s bytes');
  os.munmap(m, 4096);

  // PRIVATE with WRITE needs FD_READ only: the stores stay in the copy.
  const p = os.mmap(4096, rw, MFLAGS.PRIVATE, ro, 0);
  os.mem.bytes(p, 7).set(utf8Encode('PRIVATE'));
  c.eq(os.sys.call(SYS.mem_sync, p, 4096, MSFLAGS.SYNC), 0, 'mem_sync of a private mapping');
  same(os.pread(ro, n, 0), 'a PRIVATE mapping\'s stores never reach the file');
  os.munmap(p, 4096);
  // With no mapping of the file left, a SHARED one past its end: it fails, and must not leave a shared cache
  // of the file behind, holding the file (the self-test would find the object alive).
  c.errno(E.NXIO, 'a SHARED mapping past the end of the file', () => os.mmap(8192, MPROT.READ, MFLAGS.SHARED, ro, 0));
  os.close(ro);

  // MEM_MAP without FD_READ maps nothing, whatever the protection.
  const mapOnly = os.open(dir, 'ro.txt', 0, R.MEM_MAP | R.FD_SEEK);
  c.errno(E.NOTCAPABLE, 'SHARED READ without FD_READ', () => os.mmap(4096, MPROT.READ, MFLAGS.SHARED, mapOnly, 0));
  c.errno(E.NOTCAPABLE, 'PRIVATE READ without FD_READ', () => os.mmap(4096, MPROT.READ, MFLAGS.PRIVATE, mapOnly, 0));
  os.close(mapOnly);

  // The control: through an fd with FD_WRITE the same steps do reach the file, so the checks above can fail.
  const wfd = os.open(dir, 'rw.txt', 0, R.FD_READ | R.FD_WRITE | R.FD_SEEK | R.MEM_MAP);
  const w = os.mmap(4096, rw, MFLAGS.SHARED, wfd, 0);
  os.mem.bytes(w, 7).set(utf8Encode('CHANGED'));
  c.eq(os.sys.call(SYS.mem_sync, w, 4096, MSFLAGS.SYNC), 0, 'mem_sync of a writable mapping');
  c.eq(str(os.pread(wfd, 7, 0)), 'CHANGED', 'a writable SHARED mapping reaches the file at mem_sync');
  os.munmap(w, 4096);
  os.close(wfd);

  if (daemon !== undefined) { os.close(dir); os.close(daemon); }
  return c.done();
}
