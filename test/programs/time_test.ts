// Clocks (Cosix's time_test): all four clocks, their resolutions, sleeping, and the wall clock being the
// wall clock (not the monotonic clock).
import { CLOCK, E, EVENTTYPE, type Os } from '@cosix/libc';
import { Checker } from './lib/check.js';

export function main(os: Os): number {
  const c = new Checker(os, 'time_test');
  for (const id of [CLOCK.MONOTONIC, CLOCK.REALTIME, CLOCK.PROCESS_CPUTIME_ID, CLOCK.THREAD_CPUTIME_ID]) {
    c.ok(os.clockRes(id) > 0n, `resolution of clock ${id}`);
  }
  c.errno(E.INVAL, 'unknown clock', () => os.clock(99));
  const real = os.clock(CLOCK.REALTIME);
  c.ok(real > 1_600_000_000n * 1_000_000_000n, 'realtime is after 2020');
  const m0 = os.clock();
  os.sleep(30);
  const slept = os.clock() - m0;
  c.ok(slept >= 30_000_000n && slept < 2_000_000_000n, `slept 30 ms (${slept} ns)`);
  const cpu0 = os.clock(CLOCK.THREAD_CPUTIME_ID);
  let x = 0;
  for (let i = 0; i < 3e7; i++) x = (x + i) | 0;
  const cpu1 = os.clock(CLOCK.THREAD_CPUTIME_ID);
  c.ok(cpu1 > cpu0 || x === 1, 'thread CPU time advances while computing');
  c.ok(os.clock(CLOCK.PROCESS_CPUTIME_ID) >= cpu1 - 1_000_000n, 'process CPU time covers the thread');
  const abs = os.clock() + 10_000_000n;
  const [ev] = os.poll([{ type: EVENTTYPE.CLOCK, timeoutNs: abs, abstime: true, identifier: 42n }]);
  c.ok(ev.type === EVENTTYPE.CLOCK && os.clock() >= abs, 'absolute clock subscription');
  const r1 = os.random(32), r2 = os.random(32);
  c.ok(r1.some((b, i) => b !== r2[i]), 'random_get returns fresh bytes');
  return c.done();
}
