// clock_res_get, clock_time_get, random_get.
import { CPUTIME_RESOLUTION_NS, CLOCK_RESOLUTION_NS, fillRandom } from '@cosix/hw';
import { CLOCK, E } from '../abi/index.js';
import { MAX_RANDOM_GET } from '../params.js';
import type { Ret, Thread } from '../thread.js';

export function clock_res_get(t: Thread): Ret {
  switch (t.u32(0)) {
    case CLOCK.MONOTONIC: case CLOCK.REALTIME: t.setResult(CLOCK_RESOLUTION_NS); return 0;
    case CLOCK.PROCESS_CPUTIME_ID: case CLOCK.THREAD_CPUTIME_ID: t.setResult(CPUTIME_RESOLUTION_NS); return 0;
    default: return E.INVAL;
  }
}

export function clock_time_get(t: Thread): Ret {
  let v: bigint;
  switch (t.u32(0)) {
    case CLOCK.MONOTONIC: v = t.kernel.monotonic(); break;
    case CLOCK.REALTIME: v = t.kernel.realtime(); break;
    case CLOCK.PROCESS_CPUTIME_ID: v = t.proc.cpuNs(); break;
    case CLOCK.THREAD_CPUTIME_ID: v = t.cpuNs(); break;
    default: return E.INVAL;
  }
  t.setResult(v);
  return 0;
}

export function random_get(t: Thread): Ret {
  const len = t.u32(1);
  if (len > MAX_RANDOM_GET) return E.INVAL;
  const buf = new Uint8Array(len);
  fillRandom(buf);
  return t.proc.vm.write(t.u32(0), buf);
}
