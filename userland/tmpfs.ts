// The tmpfs daemon program: argdata {reverse: fd, limit?: number (bytes)}. It serves an empty in-memory
// filesystem through the reverse end until it is killed or the kernel cuts it off. Its files' st_dev is
// the one the kernel gives the reverse end (each instance has its own).
import { CLOCK, type ArgValue, type Os } from '@cosix/libc';
import { Tmpfs, TmpfsServer, serve } from '@cosix/tmpfs';

export async function main(os: Os, args: ArgValue): Promise<number> {
  const a = args as { reverse: { fd: number }; limit?: number };
  const fs = new Tmpfs({ limit: a.limit, now: () => os.clock(CLOCK.REALTIME) });
  return serve(os, a.reverse.fd, new TmpfsServer(fs));
}
