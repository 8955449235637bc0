// Pseudo sockets with a toy echo daemon in a second thread: data sent to the socket comes back from it.
// Blocking receives wait for the daemon's readiness EVENT; poll sees readiness and hangup; accept makes new
// pseudo sockets on the same daemon; a daemon that goes away fails the calls with EIO.
import {
  E, EVENT_HANGUP, EVENT_READABLE, EVENT_WRITABLE, EVENTRWFLAGS, EVENTTYPE, FDFLAGS, FDSFLAGS, OP, RIFLAGS, SDFLAGS, SOCKSTAT, SYS,
  decodeRequests, encodeResponse, utf8Decode, type ArgValue, type Os, type PseudoRequest, type PseudoResponse,
} from '@cosix/libc';
import { Checker } from './lib/check.js';

interface Sock { buf: Uint8Array; shut: boolean }

function serve(socks: Map<bigint, Sock>, q: PseudoRequest, out: PseudoResponse[]): void {
  const ok = (p: Partial<PseudoResponse> = {}): PseudoResponse => ({ id: q.id, errno: 0, flags: 0, value1: 0n, value2: 0n, data: new Uint8Array(0), ...p });
  const fail = (errno: number): void => { out.push({ ...ok(), errno }); };
  const s = socks.get(q.handle);
  const event = (h: bigint, x: Sock): void => {
    out.push({ id: 0, errno: 0, value1: h, value2: BigInt(x.buf.length), data: new Uint8Array(0),
      flags: EVENT_WRITABLE | (x.buf.length || x.shut ? EVENT_READABLE : 0) | (x.shut ? EVENT_HANGUP : 0) });
  };
  if (q.op === OP.CLOSE) return;
  if (!s) return fail(E.BADF);
  switch (q.op) {
    case OP.SOCK_SEND: { const b = new Uint8Array(s.buf.length + q.data1.length); b.set(s.buf); b.set(q.data1, s.buf.length); s.buf = b; out.push(ok({ value1: BigInt(q.data1.length) })); return event(q.handle, s); }
    case OP.SOCK_RECV: {
      if (!s.buf.length) return s.shut ? void out.push(ok()) : fail(E.AGAIN);
      const n = Math.min(Number(q.arg1), s.buf.length), data = s.buf.slice(0, n);
      if (!(q.flags & RIFLAGS.PEEK)) s.buf = s.buf.slice(n);
      out.push(ok({ data }));
      return event(q.handle, s);
    }
    case OP.SOCK_SHUTDOWN: { s.shut = true; out.push(ok()); return event(q.handle, s); }
    case OP.SOCK_STAT_GET: return void out.push(ok({ data: new Uint8Array(SOCKSTAT.size) }));
    case OP.SOCK_ACCEPT: {
      if (socks.has(5n)) return fail(E.AGAIN);
      socks.set(5n, { buf: new Uint8Array(0), shut: false });
      return void out.push(ok({ value1: 5n, value2: 0x82n }));
    }
    default: return fail(E.NOTSUP);
  }
}

export const entries = {
  daemon(os: Os, rev: number): void {
    const socks = new Map<bigint, Sock>([[0n, { buf: new Uint8Array(0), shut: false }]]);
    for (;;) {
      const reqs = decodeRequests(os.read(rev, 1 << 20));
      if (reqs.some((q) => q.op === OP.SOCK_SEND && utf8Decode(q.data1) === 'die')) { os.close(rev); return; }
      const out: PseudoResponse[] = [];
      for (const q of reqs) serve(socks, q, out);
      for (const r of out) os.writeAll(rev, encodeResponse(r));
    }
  },
  late(os: Os, fd: number): void { os.sleep(20); os.writeAll(fd, 'late'); },
};

export function main(os: Os, args: ArgValue): number {
  const c = new Checker(os, 'psock_test');
  const [rev, s] = os.pseudoPair((args as { pseudo: { fd: number } }).pseudo.fd, 'SOCKET_STREAM');
  const d = os.thread('daemon', rev);
  c.eq(os.write(s, 'ping'), 4, 'write to a pseudo socket');
  let ev = os.poll([{ type: EVENTTYPE.FD_READ, fd: s }]);
  c.ok(ev[0].nbytes === 4n && ev[0].error === 0, 'poll sees the bytes the daemon holds');
  c.eq(utf8Decode(os.recv(s, 2, 0, RIFLAGS.PEEK).data), 'pi', 'MSG_PEEK');
  c.eq(utf8Decode(os.read(s, 100)), 'ping', 'read');
  const l = os.thread('late', s);
  c.eq(utf8Decode(os.read(s, 100)), 'late', 'a blocking read waits for the daemon\'s event');
  l.join();
  os.fdstatPut(s, { flags: FDFLAGS.NONBLOCK }, FDSFLAGS.FLAGS);
  c.errno(E.AGAIN, 'non-blocking read with nothing there', () => os.read(s, 10));
  os.fdstatPut(s, { flags: 0 }, FDSFLAGS.FLAGS);
  const st = os.stage(64);
  c.eq(os.sys.call(SYS.sock_stat_get, s, st, 0), 0, 'sock_stat_get');
  const a = os.stage(64);
  c.eq(os.sys.call(SYS.sock_accept, s, a), 0, 'accept');
  const conn = os.sys.r(0);
  os.writeAll(conn, 'conn');
  c.eq(utf8Decode(os.read(conn, 10)), 'conn', 'the accepted socket is served too');
  os.check(os.sys.call(SYS.sock_shutdown, s, SDFLAGS.WR), 'shutdown');
  c.eq(os.read(s, 10).length, 0, 'EOF after shutdown');
  ev = os.poll([{ type: EVENTTYPE.FD_READ, fd: s }]);
  c.ok((ev[0].flags & EVENTRWFLAGS.HANGUP) !== 0, 'poll reports the hangup');
  try { os.write(conn, 'die'); } catch { /* the daemon leaves without answering */ }
  d.join();
  c.errno(E.IO, 'calls after the daemon left', () => os.read(conn, 10));
  return c.done();
}
