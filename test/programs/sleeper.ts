// Blocks in poll on a clock far in the future (the 1,000-processes memory benchmark and kill tests).
import { EVENTTYPE, type Os } from '@cosix/libc';

export function main(os: Os): number {
  os.poll([{ type: EVENTTYPE.CLOCK, timeoutNs: 3_600_000_000_000n }]);
  return 0;
}
