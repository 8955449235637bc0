// A bystander next to a hostile program (limits.test.ts): it makes everything it needs before the hostile
// one starts (a pipe whose buffer it has filled once, so that it needs no new memory), says "ready", waits
// for a line on fd 3, and then does its task with syscalls alone: 500 round trips of 4 KiB through its
// pipe, each checked. Under a fork bomb or with the machine's memory exhausted, nothing it does needs a new
// process, thread or buffer.
import { type Os } from '@cosix/libc';
import { Checker } from './lib/check.js';

export function main(os: Os): number {
  const c = new Checker(os, 'bystander');
  const [r, w] = os.pipe();
  const out = new Uint8Array(4096);
  os.writeAll(w, out);
  os.read(r, out.length);
  os.writeAll(0, 'bystander: ready\n');
  os.read(3, 16);
  for (let i = 0; i < 500; i++) {
    out.fill(i & 255);
    os.writeAll(w, out);
    let got = 0, ok = true;
    while (got < out.length) {
      const b = os.read(r, out.length - got);
      ok &&= b.every((x) => x === (i & 255));
      got += b.length;
    }
    c.ok(ok, `round trip ${i}`);
  }
  c.ok(os.clock() > 0n, 'the clock answers');
  return c.done();
}
