// Clocks of the simulated machine. The kernel reads time only through these functions, so tests can
// reason about it and the netstack can take `now` as an input.
import { readFileSync } from 'node:fs';

const hrStart = process.hrtime.bigint();
const wallStart = BigInt(Date.now()) * 1_000_000n;

/** Nanoseconds since an arbitrary fixed point; never goes backwards. */
export function monotonicNs(): bigint {
  return process.hrtime.bigint();
}

/** Wall-clock nanoseconds since the Unix epoch, advanced by the monotonic clock between reads of Date.now(). */
export function realtimeNs(): bigint {
  const wall = BigInt(Date.now()) * 1_000_000n;
  const fine = wallStart + (process.hrtime.bigint() - hrStart);
  // Follow the host's wall clock when it steps, keep sub-millisecond resolution otherwise.
  const d = fine - wall;
  return d >= 0n && d < 1_000_000n ? fine : wall;
}

/** Resolution of monotonicNs and realtimeNs, in ns. */
export const CLOCK_RESOLUTION_NS = 1n;

/** Resolution of the CPU-time clocks: the scheduler statistics count nanoseconds. */
export const CPUTIME_RESOLUTION_NS = 1n;

/**
 * CPU time consumed so far by host thread `ostid` of this Node.js process (Linux schedstat, ns),
 * or undefined when the thread is gone or the host has no schedstat.
 */
export function threadCpuNs(ostid: number): bigint | undefined {
  try {
    const text = readFileSync(`/proc/self/task/${ostid}/schedstat`, 'latin1');
    return BigInt(text.slice(0, text.indexOf(' ')));
  } catch {
    return undefined;
  }
}

/** The calling host thread's id (Linux), read from /proc/thread-self. */
export function currentOsTid(): number {
  try {
    const link = readFileSync('/proc/thread-self/stat', 'latin1');
    return Number(link.slice(0, link.indexOf(' ')));
  } catch {
    return 0;
  }
}
