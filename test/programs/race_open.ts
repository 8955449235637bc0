// Opens and reads `path` under the directory fd in argdata `dir` again and again (`n` times) while the test
// swaps a directory on that path for a symlink out of the tree. Prints "race_open: <read the inside file>
// <refused> <escaped>": an escape is a read that returned anything but the inside file's text.
import { R, utf8Decode, type ArgValue, type Os } from '@cosix/libc';

export function main(os: Os, args: ArgValue): number {
  const a = args as { dir: { fd: number }; path: string; inside: string; n: number };
  let inside = 0, refused = 0, escaped = 0;
  for (let i = 0; i < a.n; i++) {
    let fd: number;
    try { fd = os.open(a.dir.fd, a.path, 0, R.FD_READ); } catch { refused++; continue; }
    try {
      const text = utf8Decode(os.read(fd, 4096)) ?? '';
      if (text === a.inside) inside++; else escaped++;
    } catch { refused++; }
    os.close(fd);
  }
  os.writeAll(0, `race_open: ${inside} ${refused} ${escaped}\n`);
  return 0;
}
