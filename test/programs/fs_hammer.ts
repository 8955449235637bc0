// Streams stat requests at the directory fd in argdata `dir` until one fails, then prints
// "fs_hammer: <requests that succeeded> <errno of the failure>" (for tests that stop a daemon midway).
import { type ArgValue, type Os } from '@cosix/libc';

export function main(os: Os, args: ArgValue): number {
  const dir = (args as { dir: { fd: number } }).dir.fd;
  let n = 0;
  for (;;) {
    try { os.stat(dir, '.'); n++; } catch (e) {
      os.writeAll(0, `fs_hammer: ${n} ${(e as { code?: number }).code ?? -1}\n`);
      return 0;
    }
  }
}
