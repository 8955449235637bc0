// Pseudo sockets with a toy echo daemon in a second thread: data sent to the socket comes back from it.
// Blocking receives wait for the daemon's readiness EVENT; poll sees readiness and hangup; accept makes new
// pseudo sockets on the same daemon; a daemon that goes away fails the calls with EIO.
import {
  E, EVENT_HANGUP, EVENT_READABLE, EVENT_WRITABLE, EVENTRWFLAGS, EVENTTYPE, FDFLAGS, FDSFLAGS, FILETYPE, OP, R, RIFLAGS, SDFLAGS,
  SOCKSTAT, SUBFLAGS, SYS,
  decodeRequests, encodeResponse, utf8Decode, type ArgValue, type Os, type PseudoRequest, type PseudoResponse,
} from '@cosix/libc';
import { Checker } from './lib/check.js';
import { pollFd } from './lib/pollfd.js';

interface Sock { buf: Uint8Array; shut: boolean; fds: number[]; connecting?: boolean }

/** Answers one request; `fds` are the descriptors that came with it; an answer may carry some back. */
function serve(socks: Map<bigint, Sock>, q: PseudoRequest, fds: number[], out: [PseudoResponse, number[]][]): void {
  const ok = (p: Partial<PseudoResponse> = {}): PseudoResponse => ({ id: q.id, errno: 0, flags: 0, value1: 0n, value2: 0n, data: new Uint8Array(0), ...p });
  const push = (r: PseudoResponse, with_: number[] = []): void => { out.push([r, with_]); };
  const fail = (errno: number): void => { push({ ...ok(), errno }); };
  const s = socks.get(q.handle);
  const event = (h: bigint, x: Sock): void => {
    push({ id: 0, errno: 0, value1: h, value2: BigInt(x.buf.length), data: new Uint8Array(0),
      flags: EVENT_WRITABLE | (x.buf.length || x.shut ? EVENT_READABLE : 0) | (x.shut ? EVENT_HANGUP : 0) });
  };
  if (q.op === OP.CLOSE) return;
  if (!s) return fail(E.BADF);
  switch (q.op) {
    case OP.SOCK_SEND: {
      const b = new Uint8Array(s.buf.length + q.data1.length); b.set(s.buf); b.set(q.data1, s.buf.length); s.buf = b;
      s.fds.push(...fds);
      push(ok({ value1: BigInt(q.data1.length) }));
      return event(q.handle, s);
    }
    case OP.SOCK_RECV: {
      if (!s.buf.length) return s.shut ? push(ok()) : fail(E.AGAIN);
      const n = Math.min(Number(q.arg1), s.buf.length), data = s.buf.slice(0, n);
      const back = q.flags & RIFLAGS.PEEK ? [] : s.fds.splice(0);
      if (!(q.flags & RIFLAGS.PEEK)) s.buf = s.buf.slice(n);
      push(ok({ data, value2: BigInt(back.length) }), back);
      return event(q.handle, s);
    }
    case OP.SOCK_SHUTDOWN: { s.shut = true; push(ok()); return event(q.handle, s); }
    case OP.SOCK_BIND: case OP.SOCK_LISTEN: return push(ok());
    case OP.SOCK_CONNECT: {
      // A connect takes a while: the first try says EAGAIN, then an EVENT makes the kernel ask again.
      if (utf8Decode(q.data1) !== 'peer:80') return fail(E.CONNREFUSED);
      if (!s.connecting) { s.connecting = true; fail(E.AGAIN); return event(q.handle, s); }
      return push(ok());
    }
    case OP.SOCK_STAT_GET: return push(ok({ data: new Uint8Array(SOCKSTAT.size) }));
    case OP.SOCK_ACCEPT: {
      if (socks.has(5n)) return fail(E.AGAIN);
      socks.set(5n, { buf: new Uint8Array(0), shut: false, fds: [] });
      return push(ok({ value1: 5n, value2: 0x82n }));
    }
    default: return fail(E.NOTSUP);
  }
}

export const entries = {
  daemon(os: Os, rev: number): void {
    const socks = new Map<bigint, Sock>([[0n, { buf: new Uint8Array(0), shut: false, fds: [] }]]);
    for (;;) {
      const got = os.recv(rev, (1 << 20) + 65536, 16); // requests (up to 1 MiB of data each) and the fds sent with them
      const reqs = decodeRequests(got.data);
      if (reqs.some((q) => q.op === OP.SOCK_SEND && utf8Decode(q.data1) === 'die')) { os.close(rev); return; }
      const out: [PseudoResponse, number[]][] = [];
      let next = 0;
      for (const q of reqs) {
        const n = q.op === OP.SOCK_SEND ? Number(q.arg2) : 0;
        serve(socks, q, got.fds.slice(next, next + n), out);
        next += n;
      }
      for (const [r, fds] of out) {
        os.send(rev, encodeResponse(r), fds);
        fds.forEach((f) => os.close(f)); // the kernel took its own references
      }
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
  const pfd = os.create1(FILETYPE.POLL);
  pollFd(os, pfd, [{ type: EVENTTYPE.FD_READ, fd: s, flags: SUBFLAGS.ADD, userdata: 5n }], 0);
  const pe = pollFd(os, pfd, [], 4);
  c.ok(pe.length === 1 && pe[0].userdata === 5n && pe[0].nbytes === 4n, 'poll_fd sees the bytes too');
  os.close(pfd);
  c.eq(utf8Decode(os.read(s, 100)), 'ping', 'read');
  // A send larger than one request can carry is a short send of 1 MiB, and the daemon lives on.
  const big = new Uint8Array(3 << 20).fill(0x42);
  c.eq(os.write(s, big), 1 << 20, 'a 3 MiB write to a pseudo stream socket takes 1 MiB');
  let drained = 0;
  while (drained < 1 << 20) drained += os.read(s, 1 << 20).length;
  c.eq(drained, 1 << 20, 'and that MiB comes back');
  // Descriptors through the daemon: send a pipe's write end along with some data, get it back on receive.
  const [pr, pw] = os.pipe();
  os.send(s, 'fd', [pw]);
  os.close(pw);
  const back = os.recv(s, 10, 4);
  c.ok(utf8Decode(back.data) === 'fd' && back.fds.length === 1, 'a descriptor travels through the daemon and back');
  const rights = os.fdstat(back.fds[0]).base;
  c.ok((rights & R.FD_WRITE) !== 0n && (rights & R.FD_READ) === 0n, 'with the rights it was sent with');
  os.writeAll(back.fds[0], 'through');
  os.close(back.fds[0]);
  c.eq(utf8Decode(os.read(pr, 10)), 'through', 'and still reaches its pipe');
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
  // Names are the daemon's business: bind, listen, and a connect that completes after an EAGAIN and an EVENT.
  const name = (call: number, fd: number, text: string) => {
    const p = os.stage(64); for (let i = 0; i < text.length; i++) os.mem.u8[p + i] = text.charCodeAt(i);
    return os.sys.call(call, fd, 0, p, text.length);
  };
  c.eq(name(SYS.sock_bind, conn, '0.0.0.0:26'), 0, 'bind passes the name to the daemon');
  c.eq(os.sys.call(SYS.sock_listen, conn, 8), 0, 'listen');
  c.eq(name(SYS.sock_connect, conn, 'peer:80'), 0, 'a connect that takes a while completes');
  c.eq(name(SYS.sock_connect, conn, 'nobody:1'), E.CONNREFUSED, 'a refused connect');
  try { os.write(conn, 'die'); } catch { /* the daemon leaves without answering */ }
  d.join();
  c.errno(E.CONNRESET, 'socket calls after the daemon left: the connection is reset', () => os.read(conn, 10));
  return c.done();
}
