// Memory the kernel cannot see (limits.test.ts): ArrayBuffers of 64 MiB, each filled (so the host really
// holds it) and kept, made in a loop; with {heap: true}, small JS objects kept in an array instead. Only the
// OOM killer (ArrayBuffers live outside the V8 heap) or the worker's heap limit stop it; if neither has by
// `maxMb` (default 4096) it gives up and exits with status 3, so that a missing limit fails the test
// instead of the host.
// With {hideTid: true} it first clears its control block's OSTID word (the host thread id the runtime writes
// there), as a hog would that wants the OOM killer to blame someone else.
import { CB } from '@cosix/kernel/abi';
import { type ArgValue, type Os } from '@cosix/libc';

export function main(os: Os, args: ArgValue): number {
  const a = (args ?? {}) as { heap?: boolean; maxMb?: number; hideTid?: boolean };
  if (a.hideTid) { os.sys.i32[os.sys.cbIndex + CB.OSTID] = 0; os.sys.i32[os.sys.cbIndex + CB.CPU0] = 0; }
  const maxMb = a.maxMb ?? 4096;
  os.writeAll(0, 'ab_hog: started\n');
  const keep: unknown[] = [];
  if (a.heap) {
    for (let i = 0; i < maxMb * 16384; i++) keep.push({ i, s: `object ${i}`, next: keep[i - 1] });
    return 3;
  }
  for (let mb = 0; mb < maxMb; mb += 64) {
    const b = new ArrayBuffer(64 << 20);
    new Uint8Array(b).fill(1);
    keep.push(b);
    os.writeAll(0, `ab_hog: ${mb + 64} MiB\n`);
  }
  return 3;
}
