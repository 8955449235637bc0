// UNIX socket pairs (Cosix's unixsock_test, plus MSG_PEEK and WAITALL that Cosix lacked): datagram and
// stream pairs, fd passing with rights preserved, truncation flags, shutdown, hangup and EPIPE.
import { E, FILETYPE, R, RIFLAGS, ROFLAGS, SDFLAGS, SYS, type Os } from '@cosix/libc';
import { Checker } from './lib/check.js';

function send(os: Os, fd: number, data: string, fds: number[] = []): number {
  const p = os.heap.malloc(64 + data.length + fds.length * 4), dv = os.mem.dv;
  const buf = p + 64, fdb = buf + data.length;
  for (let i = 0; i < data.length; i++) os.mem.u8[buf + i] = data.charCodeAt(i);
  fds.forEach((f, i) => dv.setUint32(fdb + 4 * i, f, true));
  dv.setUint32(p, buf, true); dv.setUint32(p + 4, data.length, true); // iovec
  dv.setUint32(p + 8, p, true); dv.setUint32(p + 12, 1, true); dv.setUint32(p + 16, fdb, true); dv.setUint32(p + 20, fds.length, true); dv.setUint16(p + 24, 0, true);
  const e = os.sys.call(SYS.sock_send, fd, p + 8, p + 28);
  const n = dv.getUint32(p + 28, true);
  os.heap.free(p);
  if (e) throw Object.assign(new Error(`send errno ${e}`), { code: e });
  return n;
}

function recv(os: Os, fd: number, max: number, nfds: number, flags = 0): { data: string; fds: number[]; flags: number } {
  const p = os.heap.malloc(128 + max + nfds * 4), dv = os.mem.dv;
  const buf = p + 128, fdb = buf + max;
  dv.setUint32(p, buf, true); dv.setUint32(p + 4, max, true);
  dv.setUint32(p + 8, p, true); dv.setUint32(p + 12, 1, true); dv.setUint32(p + 16, fdb, true); dv.setUint32(p + 20, nfds, true); dv.setUint16(p + 24, flags, true);
  const e = os.sys.call(SYS.sock_recv, fd, p + 8, p + 32);
  if (e) { os.heap.free(p); throw Object.assign(new Error(`recv errno ${e}`), { code: e }); }
  const n = dv.getUint32(p + 32, true), nf = dv.getUint32(p + 36, true);
  const out = { data: String.fromCharCode(...os.mem.u8.subarray(buf, buf + n)), fds: Array.from({ length: nf }, (_, i) => dv.getUint32(fdb + 4 * i, true)), flags: dv.getUint16(p + 32 + 48, true) };
  os.heap.free(p);
  return out;
}

export function main(os: Os): number {
  const c = new Checker(os, 'unixsock_test');
  const [a, b] = os.socketpair(FILETYPE.SOCKET_DGRAM);
  send(os, a, 'first'); send(os, a, 'second');
  c.eq(recv(os, b, 100, 0, RIFLAGS.PEEK).data, 'first', 'MSG_PEEK sees the first message');
  c.eq(recv(os, b, 100, 0).data, 'first', 'then receives it');
  const t = recv(os, b, 3, 0);
  c.ok(t.data === 'sec' && (t.flags & ROFLAGS.DATA_TRUNCATED) !== 0, 'datagram truncation flag');

  const [pr, pw] = os.pipe();
  send(os, a, 'fd', [pw, pr]);
  const got = recv(os, b, 10, 1);
  c.eq(got.fds.length, 1, 'only as many fds as room for');
  c.ok((got.flags & ROFLAGS.FDS_TRUNCATED) !== 0, 'FDS_TRUNCATED');
  os.writeAll(got.fds[0], 'through a passed fd');
  c.eq(String.fromCharCode(...os.read(pr, 100)), 'through a passed fd', 'passed write end works');
  const st = os.fdstat(got.fds[0]);
  c.ok(st.base === os.fdstat(pw).base && (st.base & R.FD_READ) === 0n, 'rights preserved, not grown');

  const [s1, s2] = os.socketpair(FILETYPE.SOCKET_STREAM);
  send(os, s1, 'hello ');
  send(os, s1, 'world');
  c.eq(recv(os, s2, 11, 0, RIFLAGS.WAITALL).data, 'hello world', 'WAITALL gathers both sends');
  send(os, s1, 'abcdef');
  os.check(os.sys.call(SYS.sock_shutdown, s1, SDFLAGS.WR), 'shutdown');
  c.eq(sendErr(os, s1), E.PIPE, 'send after SHUT_WR');
  const rest = recv(os, s2, 100, 0, RIFLAGS.WAITALL);
  c.ok(rest.data.endsWith('abcdef'), 'WAITALL returns at EOF with what there was');
  c.eq(recv(os, s2, 100, 0).data, '', 'EOF after shutdown');
  os.close(s1);
  c.eq(sendErr(os, s2), E.PIPE, 'send to a closed peer');
  return c.done();
}

function sendErr(os: Os, fd: number): number {
  try { send(os, fd, 'x'); return 0; } catch (e) { return (e as { code: number }).code; }
}
