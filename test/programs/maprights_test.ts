// The rights of mappings of a daemon's files (docs/syscalls/mem.md, "Rights and the maximum protection"):
// on a tmpfs started here, or on the directory given as `dir` (a hostfs mount, whose host files
// test/hostfs.test.ts then checks). The directory holds ro.txt and rw.txt with `text` (4096 bytes) in each
// (written here on the tmpfs). A read-only fd maps only for reading, its mapping never becomes writable, and nothing
// stored into it ever reaches the file; a writable fd's shared mapping does reach it (the control). Then
// shared.txt (made here, `text` with STORED at 100 and PWRITE at 200 at the end) is mapped read-only by a
// reader process that stores into its mapping, while this process maps it writable and syncs.
import { ArgFd, E, MFLAGS, MPROT, MSFLAGS, OFLAGS, R, SYS, utf8Decode, utf8Encode, type ArgValue, type Os } from '@cosix/libc';
import { Checker } from './lib/check.js';

// A shared mapping must lie within the file, and a mapping is whole pages: the files are one page long.
const TEXT = 'original bytes, never to be written through a read-only mapping\n'.padEnd(4096, '.');

export function main(os: Os, args: ArgValue): number {
  const a = args as { dir?: ArgFd; pseudo?: ArgFd; bootfs?: ArgFd; text?: string; role?: string };
  const text = a.text ?? TEXT, n = text.length;
  if (a.role === 'reader') return reader(os, text);
  const c = new Checker(os, 'maprights_test');
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
  mirrored(os, c, dir, a.bootfs!.fd, text);

  if (daemon !== undefined) { os.close(dir); os.close(daemon); }
  return c.done();
}

const str = (b: Uint8Array) => utf8Decode(b.slice()) ?? '';

/**
 * A read-only SHARED mapping of a file (docs/syscalls/mem.md, "Read-only shared mappings") in a reader
 * process that holds only an fd with FD_READ | FD_SEEK | MEM_MAP (passed through exec). It stores into its
 * mapping as a hostile program would; this process, a writer with FD_WRITE and a writable SHARED mapping of
 * the same file, then stores and calls mem_sync: the file gets the writer's bytes and never the reader's,
 * and the reader sees the writer's bytes (at the writer's mem_sync) and a fd_pwrite (at its own INVALIDATE).
 */
function mirrored(os: Os, c: Checker, dir: number, bootfs: number, text: string): void {
  const rights = R.FD_READ | R.FD_WRITE | R.FD_SEEK | R.MEM_MAP;
  const wfd = os.open(dir, 'shared.txt', OFLAGS.CREAT, rights);
  os.writeAll(wfd, text);
  const w = os.mmap(4096, MPROT.READ | MPROT.WRITE, MFLAGS.SHARED, wfd, 0);
  const ro = os.open(dir, 'shared.txt', 0, R.FD_READ | R.FD_SEEK | R.MEM_MAP);
  const [toB, cmd] = os.pipe(), [ack, fromB] = os.pipe();
  const image = os.open(bootfs, 'maprights_test', 0, R.FD_READ | R.PROC_EXEC);
  const kid = os.spawn(image, { role: 'reader', text }, [0, ro, toB, fromB]);
  [image, ro, toB, fromB].forEach((fd) => os.close(fd));
  const step = (say: string) => { os.writeAll(cmd, say); return str(os.read(ack, 1)); };

  c.eq(str(os.read(ack, 1)), 's', 'mirror: the reader stored into its read-only mapping and synced it');
  c.eq(str(os.mem.bytes(w, 8)), text.slice(0, 8), 'mirror: the reader\'s stores are not in the writer\'s mapping');
  os.mem.bytes(w + 100, 6).set(utf8Encode('STORED'));
  c.eq(os.sys.call(SYS.mem_sync, w, 4096, MSFLAGS.SYNC), 0, 'mirror: the writer\'s mem_sync');
  c.eq(str(os.pread(wfd, 8, 0)), text.slice(0, 8), 'mirror: the writer\'s mem_sync wrote none of the reader\'s bytes to the file');
  c.eq(str(os.pread(wfd, 6, 100)), 'STORED', 'mirror: and wrote the writer\'s');
  c.eq(step('m'), 'm', 'mirror: the reader sees the writer\'s store after the writer\'s mem_sync');
  pwrite(os, wfd, 'PWRITE', 200);
  c.eq(step('p'), 'p', 'mirror: the reader sees fd_pwrite after its own mem_sync(INVALIDATE)');
  os.writeAll(cmd, 'x');
  c.eq(os.wait(kid).exitcode, 0, 'mirror: the reader\'s own checks');
  const want = text.slice(0, 100) + 'STORED' + text.slice(106, 200) + 'PWRITE' + text.slice(206);
  const got = str(os.pread(wfd, text.length, 0));
  c.ok(got === want, `mirror: the file holds the writer's bytes only: starts ${JSON.stringify(got.slice(0, 16))}`);
  os.munmap(w, 4096);
  [cmd, ack, wfd].forEach((fd) => os.close(fd));
}

/** The reader of `mirrored`: fds 0 the console, 1 shared.txt read-only, 2 commands in, 3 acknowledgements out. */
function reader(os: Os, text: string): number {
  const c = new Checker(os, 'maprights_test reader');
  const m = os.mmap(4096, MPROT.READ, MFLAGS.SHARED, 1, 0);
  c.eq(str(os.mem.bytes(m, 8)), text.slice(0, 8), 'the mapping holds the file');
  os.mem.bytes(m, 8).set(utf8Encode('SCRIBBLE')); // straight into the segment's buffer
  c.eq(os.sys.call(SYS.mem_sync, m, 4096, MSFLAGS.SYNC), 0, 'mem_sync of a read-only mapping');
  os.writeAll(3, 's');
  for (;;) {
    const what = str(os.read(2, 1));
    if (what === 'm') {
      c.eq(str(os.mem.bytes(m + 100, 6)), 'STORED', 'a writer\'s store, after its mem_sync');
      c.eq(str(os.mem.bytes(m, 8)), text.slice(0, 8), 'the writer\'s mem_sync refreshed the range (own stores gone)');
    } else if (what === 'p') {
      c.eq(os.sys.call(SYS.mem_sync, m, 4096, MSFLAGS.INVALIDATE), 0, 'mem_sync(INVALIDATE)');
      c.eq(str(os.mem.bytes(m + 200, 6)), 'PWRITE', 'fd_pwrite, after INVALIDATE');
      c.eq(str(os.mem.bytes(m + 100, 6)), 'STORED', 'and the writer\'s synced store');
    } else break;
    os.writeAll(3, what);
  }
  return c.failures ? 1 : 0;
}

/** fd_pwrite of `text` at `off`. */
function pwrite(os: Os, fd: number, text: string, off: number): void {
  const b = utf8Encode(text), p = os.stage(b.length + 8);
  os.mem.u8.set(b, p + 8);
  os.mem.dv.setUint32(p, p + 8, true); os.mem.dv.setUint32(p + 4, b.length, true);
  os.check(os.sys.call(SYS.fd_pwrite, fd, p, 1, off), 'fd_pwrite');
}
