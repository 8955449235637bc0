// Benchmark program: `n` stats of `path` below the directory fd in argdata `dir` (any filesystem: the
// bench mounts a host directory through hostfs). Prints {"statUs": mean microseconds} on fd 0.
import { CLOCK, type ArgValue, type Os } from '@cosix/libc';

export function main(os: Os, args: ArgValue): number {
  const a = args as { dir: { fd: number }; path: string; n: number };
  for (let i = 0; i < Math.min(200, a.n); i++) os.stat(a.dir.fd, a.path); // warm up
  const t0 = os.clock(CLOCK.MONOTONIC);
  for (let i = 0; i < a.n; i++) os.stat(a.dir.fd, a.path);
  const statUs = Number(os.clock(CLOCK.MONOTONIC) - t0) / 1e3 / a.n;
  os.writeAll(0, JSON.stringify({ statUs }) + '\n');
  return 0;
}
