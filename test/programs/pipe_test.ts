// Pipes (Cosix's pipe_test): a sender thread writes through a pipe, the main thread reads it back; EOF after
// the write end closes; EPIPE with no reader; non-blocking EAGAIN; a 1 MiB transfer larger than the buffer.
import { E, FDFLAGS, FDSFLAGS, type Os } from '@cosix/libc';
import { Checker } from './lib/check.js';

export const entries = {
  sender(os: Os, fd: number): void {
    for (let i = 0; i < 100; i++) os.writeAll(fd, `line ${i}\n`);
    os.close(fd);
  },
  bulk(os: Os, fd: number): void {
    const chunk = new Uint8Array(65536);
    for (let i = 0; i < 16; i++) { chunk.fill(i); os.writeAll(fd, chunk); }
    os.close(fd);
  },
};

export function main(os: Os): number {
  const c = new Checker(os, 'pipe_test');
  let [r, w] = os.pipe();
  const th = os.thread('sender', w);
  const text = String.fromCharCode(...os.readAll(r));
  th.join();
  c.eq(text.split('\n').length, 101, 'lines received');
  c.ok(text.startsWith('line 0\nline 1\n') && text.endsWith('line 99\n'), 'order');
  c.eq(os.read(r, 10).length, 0, 'EOF after the writer closed');
  os.close(r);

  [r, w] = os.pipe();
  os.close(r);
  c.errno(E.PIPE, 'write with no reader', () => os.write(w, 'x'));
  os.close(w);

  [r, w] = os.pipe();
  os.fdstatPut(r, { flags: FDFLAGS.NONBLOCK }, FDSFLAGS.FLAGS);
  c.errno(E.AGAIN, 'non-blocking read of an empty pipe', () => os.read(r, 1));
  os.fdstatPut(w, { flags: FDFLAGS.NONBLOCK }, FDSFLAGS.FLAGS);
  let n = 0;
  try { for (;;) n += os.write(w, new Uint8Array(4096)); } catch (e) { c.eq((e as { code: number }).code, E.AGAIN, `full pipe (${(e as Error).message})`); }
  c.eq(n, 1 << 20, 'bytes buffered before EAGAIN (PIPE_BUF_SIZE)');
  os.close(r); os.close(w);

  [r, w] = os.pipe();
  const bulk = os.thread('bulk', w);
  const all = os.readAll(r);
  bulk.join();
  c.eq(all.length, 16 * 65536, 'bulk length');
  c.ok(all[0] === 0 && all[65536] === 1 && all[all.length - 1] === 15, 'bulk contents');
  os.close(r);
  return c.done();
}
