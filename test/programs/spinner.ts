// Runs user code forever without a syscall: only terminating its worker can stop it.
import type { Os } from '@cosix/libc';

export function main(os: Os): number {
  os.writeAll(0, 'spinning\n');
  let x = 0;
  for (;;) x = (x * 31 + 7) | 0;
}
