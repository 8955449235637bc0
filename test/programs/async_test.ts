// libc's async syscalls, as a daemon uses them: the event loop stays free while a call is blocked in the
// kernel, so a timer-free promise chain can interleave with a blocked read; calls complete in order.
import { SYS, type Os } from '@cosix/libc';
import { Checker } from './lib/check.js';

export const entries = {
  feeder(os: Os, fd: number): void {
    os.sleep(20);
    os.writeAll(fd, 'late data');
  },
};

export async function main(os: Os): Promise<number> {
  const c = new Checker(os, 'async_test');
  const [r, w] = os.pipe();
  const iov = os.heap.malloc(8), buf = os.heap.malloc(64);
  os.mem.dv.setUint32(iov, buf, true); os.mem.dv.setUint32(iov + 4, 64, true);
  const th = os.thread('feeder', w);
  let ticks = 0;
  let done = false;
  const reading = os.sys.callAsync(SYS.fd_read, r, iov, 1).then((e) => { done = true; return e; });
  // While the read is blocked in the kernel, this context keeps running promise jobs.
  while (!done && ticks < 1e6) { ticks++; await Promise.resolve(); }
  const e = await reading;
  c.eq(e, 0, 'async read errno');
  c.eq(String.fromCharCode(...os.mem.u8.subarray(buf, buf + os.sys.r(0))), 'late data', 'async read data');
  c.ok(ticks > 10, `event loop ran while blocked (${ticks} turns)`);
  th.join();
  const order: number[] = [];
  await Promise.all([1, 2, 3].map((i) => os.sys.callAsync(SYS.clock_time_get, 1, 0).then(() => order.push(i))));
  c.eq(order.join(','), '1,2,3', 'async calls complete in order');
  return c.done();
}
