// A program for `cosix run --dir`: reads in.txt from the preopen /data, writes OUT.txt (upper-cased),
// deletes gone.txt, lists the directory, tries to escape it, and echoes its args and env. Exits with 3.
import { E, OFLAGS, R, SYS, utf8Decode, utf8Encode, type ArgValue, type Os } from '@cosix/libc';

export function main(os: Os, argv: ArgValue): number {
  const a = argv as { args: string[]; env: Record<string, string>; preopens: Record<string, { fd: number }>; stdout: { fd: number } };
  const out = a.stdout.fd, data = a.preopens['/data'].fd;
  const say = (s: string) => os.writeAll(out, s + '\n');
  say(`args=${a.args.join(',')} env=${Object.entries(a.env).map(([k, v]) => `${k}:${v}`).join(',')}`);
  const text = utf8Decode(os.readAll(os.open(data, 'in.txt', 0, R.FD_READ))) ?? '';
  const w = os.open(data, 'OUT.txt', OFLAGS.CREAT | OFLAGS.TRUNC, R.FD_WRITE | R.FILE_STAT_FPUT_SIZE);
  os.writeAll(w, text.toUpperCase());
  os.close(w);
  const p = os.stage(64); os.mem.u8.set(utf8Encode('gone.txt'), p);
  os.check(os.sys.call(SYS.file_unlink, data, p, 8, 0), 'unlink');
  say(`ls=${os.readdir(data).map((e) => e.name).filter((n) => !n.startsWith('.')).sort().join(',')}`);
  for (const path of ['../outside.txt', 'link-out', '/etc/hostname']) {
    try { os.open(data, path, 0, R.FD_READ); say(`ESCAPED via ${path}`); } catch (e) { say(`refused ${path}: ${(e as { code: number }).code === E.NOTCAPABLE ? 'ENOTCAPABLE' : (e as Error).message}`); }
  }
  return 3;
}
