// Runs user code forever without a syscall: only terminating its worker can stop it. With argdata
// {sleepMs}, it first blocks in poll on a clock for that long.
import { EVENTTYPE, type ArgValue, type Os } from '@cosix/libc';

export function main(os: Os, args: ArgValue): number {
  const sleepMs = (args as { sleepMs?: number } | null)?.sleepMs;
  if (sleepMs) os.poll([{ type: EVENTTYPE.CLOCK, timeoutNs: BigInt(sleepMs) * 1_000_000n }]);
  os.writeAll(0, 'spinning\n');
  let x = 0;
  for (;;) x = (x * 31 + 7) | 0;
}
