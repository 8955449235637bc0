// TCP through the netstack daemon on the loopback (Cosix 1.0's tcptest, grown): a rot13 echo server in a
// thread, multi-MiB transfers both ways with a checksum, 64 concurrent connections, refused and timed-out
// connects, half-close with sock_shutdown, a reset on close with unread data, the socket calls (sock_bind,
// sock_listen, sock_connect) on fresh sockets, and non-blocking I/O with poll.
// argdata {stdout, netd: the daemon's control socket, victim?: true}. With `victim` it only makes a
// connection, says "victim: ready" and reads; the test then kills the daemon and the read must fail.
import {
  E, EVENTRWFLAGS, EVENTTYPE, FDFLAGS, FDSFLAGS, Errno, Net, SDFLAGS, utf8Decode, type ArgValue, type Os,
} from '@cosix/libc';
import { Checker } from './lib/check.js';

const text = (b: Uint8Array) => utf8Decode(b) ?? '';
const rot13 = (s: string) => s.replace(/[a-z]/gi, (ch) => {
  const base = ch <= 'Z' ? 65 : 97;
  return String.fromCharCode(((ch.charCodeAt(0) - base + 13) % 26) + base);
});

/** Adler-32 over `b`, continuing from `a` (RFC 1950 8.2). */
function adler32(b: Uint8Array, a = 1): number {
  let s1 = a & 0xffff, s2 = a >>> 16;
  for (let i = 0; i < b.length; i++) { s1 = (s1 + b[i]) % 65521; s2 = (s2 + s1) % 65521; }
  return ((s2 << 16) | s1) >>> 0;
}

/** Deterministic bytes: an xorshift stream from `seed`. */
function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; out[i] = x & 255; }
  return out;
}

const TRANSFER = 4 << 20;

export const entries = {
  /** The rot13 echo server: accepts one connection on listener `listener`, echoes rot13 of what it reads until EOF, then closes. */
  rot13(os: Os, listener: number): void {
    const conn = new Net(os, -1).accept(listener);
    for (;;) {
      const b = os.read(conn.fd, 16);
      if (b.length === 0) break;
      os.writeAll(conn.fd, rot13(text(b)));
    }
    os.close(conn.fd);
  },
  /** Accepts one connection and sends TRANSFER bytes of pattern 7, then closes. */
  source(os: Os, listener: number): void {
    const conn = new Net(os, -1).accept(listener);
    os.writeAll(conn.fd, pattern(TRANSFER, 7));
    os.close(conn.fd);
  },
  /** Writes TRANSFER bytes of pattern 9 on connection `fd` in 100000-byte pieces, then shuts its side down. */
  sink(os: Os, fd: number): void {
    const data = pattern(TRANSFER, 9);
    for (let at = 0; at < data.length; at += 100000) os.writeAll(fd, data.subarray(at, at + 100000));
    new Net(os, -1).shutdown(fd, SDFLAGS.WR);
  },
  late(os: Os, fd: number): void { os.sleep(30); os.writeAll(fd, 'late'); },
};

export function main(os: Os, args: ArgValue): number {
  const a = args as { netd: { fd: number }; victim?: boolean };
  const net = new Net(os, a.netd.fd);
  if (a.victim) return victim(os, net);
  const c = new Checker(os, 'tcptest');

  // The echo server of Cosix 1.0: a listener on *:1234, a thread that accepts and rot13s.
  const L = net.tcpListen('0.0.0.0:1234');
  c.eq(L.local, '0.0.0.0:1234', 'the listener is bound where it asked');
  c.ok(net.stat(L.fd).listening, 'sock_stat_get: listening');
  c.errno(E.ADDRINUSE, 'a second listener on the port', () => net.tcpListen('0.0.0.0:1234'));
  const srv = os.thread('rot13', L.fd);
  const cl = net.tcpConnect('127.0.0.1:1234');
  c.eq(cl.peer, '127.0.0.1:1234', 'the connection\'s peer');
  c.ok(/^127\.0\.0\.1:\d+$/.test(cl.local ?? '') && cl.local !== '127.0.0.1:1234', `its own name: ${cl.local}`);
  os.writeAll(cl.fd, 'Hello, World!');
  let got = '';
  while (got.length < 13) got += text(os.read(cl.fd, 64));
  c.eq(got, 'Uryyb, Jbeyq!', 'rot13 comes back');
  // Half-close: after our FIN the server still answers, then closes (end of file here).
  net.shutdown(cl.fd, SDFLAGS.WR);
  c.errno(E.PIPE, 'write after SHUT_WR', () => os.write(cl.fd, 'x'));
  srv.join();
  c.eq(os.read(cl.fd, 64).length, 0, 'end of file once the server closed');
  os.close(cl.fd);

  transfers(os, net, c);
  many(os, net, c);
  failures(os, net, c);
  socketCalls(os, net, c);
  nonblocking(os, net, c);
  os.close(L.fd);
  return c.done();
}

/** 4 MiB each way through the loopback, checked with Adler-32 on both sides. */
function transfers(os: Os, net: Net, c: Checker): void {
  const L = net.tcpListen('127.0.0.1:0');
  c.ok(/^127\.0\.0\.1:\d+$/.test(L.local ?? '') && L.local !== '127.0.0.1:0', `port 0 listens on an ephemeral port (${L.local})`);
  // Download: a thread sends, we read until end of file.
  let t = os.thread('source', L.fd);
  let conn = net.tcpConnect(L.local!);
  let sum = 1, n = 0;
  const t0 = os.clock();
  for (;;) {
    const b = os.read(conn.fd, 1 << 20);
    if (b.length === 0) break;
    sum = adler32(b, sum); n += b.length;
  }
  const ms = Number(os.clock() - t0) / 1e6;
  t.join();
  c.eq(n, TRANSFER, 'the download\'s length');
  c.eq(sum, adler32(pattern(TRANSFER, 7)), 'the download\'s checksum');
  os.writeAll(0, `tcptest: ${TRANSFER >> 20} MiB in ${ms.toFixed(0)} ms through the daemon\n`);
  os.close(conn.fd);
  // Upload: a thread writes and shuts down its side; the accepted end reads and then answers with the sum.
  conn = net.tcpConnect(L.local!);
  const acc = net.accept(L.fd);
  c.eq(acc.peer, conn.local, 'the accepted connection names the client');
  t = os.thread('sink', conn.fd);
  sum = 1; n = 0;
  for (;;) {
    const b = os.read(acc.fd, 1 << 20);
    if (b.length === 0) break;
    sum = adler32(b, sum); n += b.length;
  }
  t.join();
  c.eq(n, TRANSFER, 'the upload\'s length');
  c.eq(sum, adler32(pattern(TRANSFER, 9)), 'the upload\'s checksum');
  // The half-closed client still reads what the server sends after the client's FIN.
  os.writeAll(acc.fd, `sum ${sum}`);
  os.close(acc.fd);
  let reply = '';
  for (let b = os.read(conn.fd, 64); b.length; b = os.read(conn.fd, 64)) reply += text(b);
  c.eq(reply, `sum ${sum}`, 'the answer after the half-close, then end of file');
  os.close(conn.fd);
  os.close(L.fd);
}

/** 64 connections open at once, each with its own exchange. */
function many(os: Os, net: Net, c: Checker): void {
  const N = 64;
  const L = net.tcpListen('127.0.0.1:0', N);
  const clients = Array.from({ length: N }, () => net.tcpConnect(L.local!));
  c.eq(new Set(clients.map((x) => x.local)).size, N, `${N} connections, ${N} distinct local ports`);
  const accepted = Array.from({ length: N }, () => net.accept(L.fd));
  const byName = new Map(accepted.map((x) => [x.peer, x]));
  c.ok(clients.every((x) => byName.has(x.local)), 'every client is accepted, by name');
  clients.forEach((x, i) => os.writeAll(x.fd, `client ${i}`));
  for (const x of accepted) { const b = os.read(x.fd, 64); os.writeAll(x.fd, `echo ${text(b)}`); }
  let good = 0;
  clients.forEach((x, i) => { if (text(os.read(x.fd, 64)) === `echo client ${i}`) good++; });
  c.eq(good, N, 'every connection carries its own bytes');
  for (const x of [...clients, ...accepted]) os.close(x.fd);
  os.close(L.fd);
}

function failures(os: Os, net: Net, c: Checker): void {
  c.errno(E.CONNREFUSED, 'a closed port refuses', () => net.tcpConnect('127.0.0.1:1'));
  c.errno(E.NETUNREACH, 'no interface reaches 10.0.2.2 (this machine has only the loopback)', () => net.tcpConnect('10.0.2.2:80'));
  const t0 = os.clock();
  c.errno(E.TIMEDOUT, 'nobody answers at 127.0.0.2 (the loopback takes only 127.0.0.1)', () => net.tcpConnect('127.0.0.2:80', { timeout: 200 }));
  const ms = Number(os.clock() - t0) / 1e6;
  c.ok(ms >= 190 && ms < 2000, `the timeout is kept (${ms.toFixed(0)} ms)`);
  // Closing with unread data resets the connection (RFC 1122 4.2.2.13): the peer's read says ECONNRESET.
  const L = net.tcpListen('127.0.0.1:0');
  const cl = net.tcpConnect(L.local!), acc = net.accept(L.fd);
  os.writeAll(cl.fd, 'never read');
  os.poll([{ type: EVENTTYPE.FD_READ, fd: acc.fd }]);
  os.close(acc.fd);
  c.errno(E.CONNRESET, 'read after the peer reset', () => os.read(cl.fd, 64));
  const st = net.stat(cl.fd);
  c.eq(st.error, E.CONNRESET, 'sock_stat_get shows the error');
  c.eq(net.stat(cl.fd, true).error, E.CONNRESET, 'until CLEAR_ERROR');
  c.eq(net.stat(cl.fd).error, 0, 'which clears it');
  os.close(cl.fd);
  os.close(L.fd);
}

/** sock_bind, sock_listen and sock_connect on fresh sockets: the names go to the daemon. */
function socketCalls(os: Os, net: Net, c: Checker): void {
  const l = net.tcpSocket();
  net.bind(l.fd, '127.0.0.1:2345');
  net.listen(l.fd, 8);
  const st = net.stat(l.fd);
  c.ok(st.listening && st.local === '127.0.0.1:2345', 'sock_bind + sock_listen');
  const s = net.tcpSocket();
  net.connect(s.fd, '127.0.0.1:2345');
  c.ok(net.stat(s.fd).peer === '127.0.0.1:2345', 'sock_connect waits for the handshake');
  c.errno(E.ISCONN, 'a second connect', () => net.connect(s.fd, '127.0.0.1:2345'));
  const acc = net.accept(l.fd);
  os.writeAll(s.fd, 'via sock_connect');
  c.eq(text(os.read(acc.fd, 64)), 'via sock_connect', 'and carries data');
  const r = net.tcpSocket();
  c.errno(E.CONNREFUSED, 'sock_connect to a closed port', () => net.connect(r.fd, '127.0.0.1:1'));
  c.errno(E.NOTCONN, 'read on a socket never connected', () => os.read(net.tcpSocket().fd, 4));
  for (const x of [l, s, acc, r]) os.close(x.fd);
}

function nonblocking(os: Os, net: Net, c: Checker): void {
  const L = net.tcpListen('127.0.0.1:0');
  os.fdstatPut(L.fd, { flags: FDFLAGS.NONBLOCK }, FDSFLAGS.FLAGS);
  c.errno(E.AGAIN, 'non-blocking accept with nobody there', () => net.accept(L.fd));
  const cl = net.tcpConnect(L.local!);
  const ev = os.poll([{ type: EVENTTYPE.FD_READ, fd: L.fd }]);
  c.ok(ev.length === 1 && ev[0].nbytes === 1n, 'poll: the listener has one connection queued');
  const acc = net.accept(L.fd);
  os.fdstatPut(acc.fd, { flags: FDFLAGS.NONBLOCK }, FDSFLAGS.FLAGS);
  c.errno(E.AGAIN, 'non-blocking read with nothing there', () => os.read(acc.fd, 64));
  const t = os.thread('late', cl.fd);
  const ev2 = os.poll([{ type: EVENTTYPE.FD_READ, fd: acc.fd }]);
  c.ok(ev2.length === 1 && ev2[0].nbytes === 4n, 'poll wakes for the bytes');
  c.eq(text(os.read(acc.fd, 64)), 'late', 'and they are there');
  t.join();
  // A non-blocking writer fills the buffers and gets EAGAIN, then poll says writable once the reader reads.
  const chunk = new Uint8Array(1 << 20);
  let sent = 0, blocked = false;
  for (let i = 0; i < 64 && !blocked; i++) {
    try { sent += os.write(acc.fd, chunk); } catch (e) { if (!(e instanceof Errno) || e.code !== E.AGAIN) throw e; blocked = true; }
  }
  c.ok(blocked && sent > 0, `a non-blocking write gets EAGAIN once the buffers are full (after ${sent} bytes)`);
  let drained = 0;
  while (drained < sent) drained += os.read(cl.fd, 1 << 20).length;
  const w = os.poll([{ type: EVENTTYPE.FD_WRITE, fd: acc.fd }]);
  c.ok(w.length === 1 && (w[0].flags & EVENTRWFLAGS.HANGUP) === 0, 'poll: writable again');
  os.close(cl.fd);
  // The peer's close: end of file, and poll says readable.
  const eof = os.poll([{ type: EVENTTYPE.FD_READ, fd: acc.fd }]);
  c.ok(eof.length === 1, 'poll: readable at end of file');
  c.eq(os.read(acc.fd, 64).length, 0, 'end of file');
  os.close(acc.fd);
  os.close(L.fd);
}

/** Makes a connection, says so, and reads: the daemon will be killed under it. */
function victim(os: Os, net: Net): number {
  const L = net.tcpListen('127.0.0.1:0');
  const cl = net.tcpConnect(L.local!);
  os.writeAll(0, 'victim: ready\n');
  try {
    os.read(cl.fd, 64);
    os.writeAll(0, 'victim: read returned\n');
    return 1;
  } catch (e) {
    if (!(e instanceof Errno)) throw e;
    os.writeAll(0, `victim: read failed with ${e.message}\n`);
    let next = 'none';
    try { net.udp(); } catch (e2) { next = e2 instanceof Errno ? e2.message : String(e2); }
    os.writeAll(0, `victim: control request failed with ${next}\n`);
    return e.code === E.CONNRESET ? 0 : 1;
  }
}
