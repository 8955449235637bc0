// A path-traversal corpus against the directory fd `dir` (argdata): every path must be refused, by hostfs
// and by tmpfs alike, for file_open (with and without O_CREAT) and for file_stat_get following symlinks,
// each with the errno that says why (ENOTCAPABLE, EINVAL, ENAMETOOLONG), never as a broken filesystem.
// With `pseudo`, the program starts its own tmpfs and plants the escaping symlinks first. Under hostfs the
// host directory also holds a FIFO, `fifo`, which must be refused rather than opened (it could block).
import { ArgFd, E, OFLAGS, R, SYS, type ArgValue, type Os } from '@cosix/libc';
import { Checker } from './lib/check.js';

// Each path with the errnos that refuse it: a way out of the tree is ENOTCAPABLE, bad bytes EINVAL, a long
// name or path ENAMETOOLONG. `a` does not exist, so a filesystem that resolves component by component may
// stop there first (ENOENT); one that checks the path as a whole says ENOTCAPABLE.
const OUT = [E.NOTCAPABLE];
const CORPUS: [string, number[]][] = [
  ['..', OUT], ['../', OUT], ['../x', OUT], ['./..', OUT], ['a/../../x', [E.NOTCAPABLE, E.NOENT]], ['sub/../../x', OUT],
  ['/etc/passwd', OUT], ['/', OUT], ['//etc', OUT], ['link-out', OUT], ['link-out/x', OUT], ['link-abs', OUT],
  ['link-up/x', OUT], ['sub/link-deep/x', OUT], ['x\0', [E.INVAL]], ['\0', [E.INVAL]], ['a\0/../..', [E.INVAL]],
  ['..\x01', [E.INVAL]], ['x'.repeat(256), [E.NAMETOOLONG]], ['x/'.repeat(3000), [E.NAMETOOLONG]],
];

function plant(os: Os, dir: number, target: string, name: string): void {
  const p = os.stage(8192), enc = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0));
  os.mem.u8.set(enc(target), p); os.mem.u8.set(enc(name), p + 4096);
  [p, target.length, dir, p + 4096, name.length].forEach((v, i) => os.sys.arg(i, v));
  os.sys.call(SYS.file_symlink);
}

export function main(os: Os, args: ArgValue): number {
  const a = args as { preopens?: Record<string, ArgFd>; pseudo?: ArgFd; bootfs?: ArgFd };
  const c = new Checker(os, 'escape_test', a.preopens ? 1 : 0);
  let dir = a.preopens?.['/data']?.fd ?? -1;
  if (a.pseudo && a.bootfs) {
    const [rev, root] = os.pseudoPair(a.pseudo.fd, 'DIRECTORY');
    os.spawn(os.open(a.bootfs.fd, 'tmpfs', 0, R.FD_READ | R.PROC_EXEC), { reverse: new ArgFd(0) }, [rev]);
    os.close(rev);
    dir = root;
    const p = os.stage(16); os.mem.u8.set(Uint8Array.from('sub', (ch) => ch.charCodeAt(0)), p);
    os.sys.call(SYS.file_create, dir, p, 3, 0x20);
    plant(os, dir, '../outside', 'link-out');
    plant(os, dir, '/etc/passwd', 'link-abs');
    plant(os, dir, '..', 'link-up');
    plant(os, dir, '../..', 'sub/link-deep');
  }
  c.ok(os.readdir(dir).length >= 2, 'the directory fd works'); // so refusals below mean something
  for (const [path, allowed] of CORPUS) {
    const shown = JSON.stringify(path.length > 40 ? path.slice(0, 40) + '...' : path);
    const refused = (what: string, fn: () => void) => {
      try { fn(); c.ok(false, `${what} ${shown}`); } catch (e) {
        const code = (e as { code?: number }).code ?? -1;
        c.ok(allowed.includes(code), `${what} ${shown}: errno ${code}, want one of ${allowed.join(', ')}`);
      }
    };
    refused('opened', () => os.close(os.open(dir, path, 0, R.FD_READ)));
    refused('created', () => os.close(os.open(dir, path, OFLAGS.CREAT, R.FD_READ)));
    refused('stat followed', () => os.stat(dir, path));
  }
  if (a.preopens) c.errno(E.NOTSUP, 'a FIFO in the host directory is refused, not opened', () => os.open(dir, 'fifo', 0, R.FD_READ));
  c.ok(os.readdir(dir).length >= 2, 'the directory fd still works after the corpus');
  return c.done();
}
