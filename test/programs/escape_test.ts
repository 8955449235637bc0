// A path-traversal corpus against the directory fd `dir` (argdata): every path must be refused, by hostfs
// and by tmpfs alike, for file_open (with and without O_CREAT) and for file_stat_get following symlinks,
// and refused as a refusal (ENOTCAPABLE, EINVAL, ENAMETOOLONG...), not as a broken filesystem (EIO).
// With `pseudo`, the program starts its own tmpfs and plants the escaping symlinks first. Under hostfs the
// host directory also holds a FIFO, `fifo`, which must be refused rather than opened (it could block).
import { ArgFd, E, OFLAGS, R, SYS, type ArgValue, type Os } from '@cosix/libc';
import { Checker } from './lib/check.js';

const CORPUS = [
  '..', '../', '../x', './..', 'a/../../x', 'sub/../../x', '/etc/passwd', '/', '//etc', 'link-out', 'link-out/x',
  'link-abs', 'link-up/x', 'sub/link-deep/x', 'x\0', '\0', 'a\0/../..', '..\x01', 'x'.repeat(256), 'x/'.repeat(3000),
];

const REFUSALS = new Set<number>([E.NOTCAPABLE, E.INVAL, E.NAMETOOLONG, E.ILSEQ, E.NOENT, E.NOTDIR, E.LOOP, E.PERM, E.ACCES]);

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
  }
  c.ok(os.readdir(dir).length >= 2, 'the directory fd works'); // so refusals below mean something
  for (const path of CORPUS) {
    const shown = JSON.stringify(path.length > 40 ? path.slice(0, 40) + '...' : path);
    const refused = (what: string, fn: () => void) => {
      try { fn(); c.ok(false, `${what} ${shown}`); } catch (e) {
        const code = (e as { code?: number }).code ?? -1;
        c.ok(REFUSALS.has(code), `${what} ${shown}: refused with errno ${code}, not a refusal`);
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
