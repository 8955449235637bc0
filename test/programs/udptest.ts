// UDP through the netstack daemon on the loopback (Cosix 1.0's udptest, grown): bind/connect combinations,
// most-specific delivery between sockets sharing a port, accept() of peers with their names, datagram
// boundaries and truncation, blocking and non-blocking receives, shutdown, and the control socket's answers
// to garbage. argdata {stdout, netd: the daemon's control socket}.
import {
  E, EVENTTYPE, FDFLAGS, FDSFLAGS, Errno, Net, RIFLAGS, ROFLAGS, SDFLAGS, decodeArgdata, utf8Decode, type ArgValue, type Os,
} from '@cosix/libc';
import { Checker } from './lib/check.js';

const text = (b: Uint8Array) => utf8Decode(b) ?? '';

export const entries = {
  /** Sends "late" on connected socket `fd` after 30 ms. */
  late(os: Os, fd: number): void { os.sleep(30); os.write(fd, 'late'); },
};

export function main(os: Os, args: ArgValue): number {
  const c = new Checker(os, 'udptest');
  const net = new Net(os, (args as { netd: { fd: number } }).netd.fd);

  // A: bound to *:1234, connected to 127.0.0.1:5678. B: the other way round.
  const A = net.udp({ bind: '0.0.0.0:1234', connect: '127.0.0.1:5678' });
  const B = net.udp({ bind: '127.0.0.1:5678', connect: '127.0.0.1:1234' });
  c.eq(A.local, '0.0.0.0:1234', 'A is bound where it asked');
  c.eq(B.peer, '127.0.0.1:1234', 'B is connected where it asked');
  c.eq(os.write(B.fd, 'Foo bar!'), 8, 'B sends a datagram');
  c.eq(text(os.read(A.fd, 64)), 'Foo bar!', 'A receives it');
  os.write(A.fd, 'Hello world!');
  c.eq(text(os.read(B.fd, 64)), 'Hello world!', 'and B receives A\'s answer');
  let st = net.stat(A.fd);
  c.eq(st.local, '127.0.0.1:1234', 'sock_stat_get: A\'s name is the address the route leaves from');
  c.eq(st.peer, '127.0.0.1:5678', 'sock_stat_get: A\'s peer');

  // C: unconnected on A's port. Datagrams from B still go to A (it is connected to B: more specific).
  const C = net.udp({ bind: '0.0.0.0:1234' });
  c.errno(E.ADDRINUSE, 'a second unconnected socket on the same port', () => net.udp({ bind: '0.0.0.0:1234' }));
  c.errno(E.ADDRINUSE, 'a second socket connected to the same peer on the same port', () => net.udp({ bind: '0.0.0.0:1234', connect: '127.0.0.1:5678' }));
  os.write(B.fd, 'to A');
  c.eq(text(os.read(A.fd, 64)), 'to A', 'the connected socket wins over the unconnected one');
  os.fdstatPut(C.fd, { flags: FDFLAGS.NONBLOCK }, FDSFLAGS.FLAGS);
  c.errno(E.AGAIN, 'nothing for C', () => os.read(C.fd, 64));
  c.errno(E.DESTADDRREQ, 'an unconnected socket has nobody to send to', () => os.write(C.fd, 'x'));

  // E and F: connected to C's port from ephemeral ports. accept() on C yields a socket per peer, in order.
  const Ep = net.udp({ connect: '127.0.0.1:1234' }), F = net.udp({ connect: '127.0.0.1:1234' });
  c.ok(/^0\.0\.0\.0:(4915[2-9]|491[6-9]\d|49[2-9]\d\d|5\d{4}|6[0-5]\d{3})$/.test(Ep.local ?? ''), `an unbound socket gets an ephemeral port (${Ep.local})`);
  c.ok(Ep.local !== F.local, 'two of them get two ports');
  const eName = net.stat(Ep.fd).local, fName = net.stat(F.fd).local;
  os.write(Ep.fd, 'Mumblebumble'); os.write(F.fd, 'from F 1'); os.write(Ep.fd, 'again from E'); os.write(F.fd, 'from F 2');
  let ev = os.poll([{ type: EVENTTYPE.FD_READ, fd: C.fd }]);
  c.ok(ev.length === 1 && ev[0].nbytes === 12n, `poll: C is readable, with the first datagram's size (${ev[0]?.nbytes})`);
  const D = net.accept(C.fd);
  c.eq(D.peer, eName, 'accept: the first peer, by name');
  c.eq(D.local, '127.0.0.1:1234', 'accept: our name');
  const G = net.accept(C.fd);
  c.eq(G.peer, fName, 'accept: the second peer');
  c.errno(E.AGAIN, 'no more peers', () => net.accept(C.fd));
  c.eq(text(os.read(D.fd, 64)), 'Mumblebumble', 'the accepted socket has its peer\'s first datagram');
  c.eq(text(os.read(D.fd, 64)), 'again from E', 'and its second, in order');
  c.eq(text(os.read(G.fd, 64)), 'from F 1', 'the other peer\'s socket has its own');
  c.eq(text(os.read(G.fd, 64)), 'from F 2', 'in order');
  os.write(D.fd, 'Dumbleflumble');
  c.eq(text(os.read(Ep.fd, 64)), 'Dumbleflumble', 'the accepted socket answers its peer');
  os.write(Ep.fd, 'later');
  c.eq(text(os.read(D.fd, 64)), 'later', 'later datagrams from that peer go to the accepted socket');
  st = net.stat(G.fd);
  c.ok(st.peer === fName && st.local === '127.0.0.1:1234' && !st.listening, 'sock_stat_get on an accepted socket');

  // Datagram boundaries, truncation, PEEK.
  os.write(B.fd, 'one'); os.write(B.fd, 'two-two');
  c.eq(text(os.recv(A.fd, 64, 0, RIFLAGS.PEEK).data), 'one', 'MSG_PEEK sees the first datagram');
  c.eq(text(os.read(A.fd, 64)), 'one', 'one datagram per read');
  const cut = os.recv(A.fd, 3);
  c.ok(text(cut.data) === 'two' && (cut.flags & ROFLAGS.DATA_TRUNCATED) !== 0, 'a short buffer truncates the datagram and says so');
  os.fdstatPut(A.fd, { flags: FDFLAGS.NONBLOCK }, FDSFLAGS.FLAGS);
  c.errno(E.AGAIN, 'the rest of a truncated datagram is gone', () => os.read(A.fd, 64));
  os.fdstatPut(A.fd, { flags: 0 }, FDSFLAGS.FLAGS);
  const big = new Uint8Array(60000).map((_, i) => i * 7);
  c.eq(os.write(B.fd, big), 60000, 'a 60000-byte datagram');
  const gotBig = os.read(A.fd, 65536);
  c.ok(gotBig.length === 60000 && gotBig.every((b, i) => b === ((i * 7) & 255)), 'arrives whole');
  c.errno(E.MSGSIZE, 'a datagram over 65507 bytes', () => os.write(B.fd, new Uint8Array(70000)));

  // A blocking read waits for a datagram sent later.
  const t = os.thread('late', B.fd);
  c.eq(text(os.read(A.fd, 64)), 'late', 'a blocking read waits for the datagram');
  t.join();

  // sock_connect and sock_bind on fresh sockets (the names go to the daemon).
  const H = net.udp(), I = net.udp();
  net.bind(H.fd, '127.0.0.1:7000');
  net.connect(I.fd, '127.0.0.1:7000');
  c.errno(E.INVAL, 'a second bind', () => net.bind(H.fd, '127.0.0.1:7001'));
  c.errno(E.INVAL, 'a name that is not an address', () => net.connect(H.fd, 'localhost:80'));
  c.errno(E.NETUNREACH, 'sock_connect to an address no route reaches', () => net.connect(H.fd, '8.8.8.8:53'));
  c.errno(E.NETUNREACH, 'udpsock connected to an address no route reaches', () => net.udp({ connect: '8.8.8.8:53' }));
  os.write(I.fd, 'named');
  const J = net.accept(H.fd);
  c.ok(J.peer === net.stat(I.fd).local, 'accept after sock_bind');
  c.eq(text(os.read(J.fd, 64)), 'named', 'sock_connect then write');

  // Shutdown: the read side gives end of file, the write side EPIPE.
  net.shutdown(G.fd, SDFLAGS.RD);
  c.eq(os.read(G.fd, 64).length, 0, 'end of file after SHUT_RD');
  net.shutdown(G.fd, SDFLAGS.WR);
  c.errno(E.PIPE, 'write after SHUT_WR', () => os.write(G.fd, 'x'));
  ev = os.poll([{ type: EVENTTYPE.FD_READ, fd: G.fd }]);
  c.ok(ev.length === 1 && (ev[0].flags & 1) !== 0, 'poll: hangup once both sides are shut');
  c.errno(E.NOTCONN, 'shutdown of an unconnected socket', () => net.shutdown(C.fd, SDFLAGS.WR));

  garbage(os, net, c);

  for (const s of [A, B, C, D, Ep, F, G, H, I, J]) os.close(s.fd);
  // The ports are free again once their sockets are closed.
  const again = net.udp({ bind: '0.0.0.0:1234' });
  c.ok(again.fd >= 0, 'a port is free again after its sockets closed');
  os.close(again.fd);
  return c.done();
}

/** The control socket answers garbage with an error reply and goes on serving. */
function garbage(os: Os, net: Net, c: Checker): void {
  const ask = (bytes: Uint8Array | string): Record<string, ArgValue> => {
    const s = net.accept(net.control).fd;
    os.send(s, bytes);
    const r = os.recv(s, 4096, 4);
    os.close(s);
    c.eq(r.fds.length, 0, 'an error reply carries no descriptor');
    return decodeArgdata(r.data) as Record<string, ArgValue>;
  };
  let r = ask(new Uint8Array([0x06, 0x83, 0x08, 0x61]));
  c.ok(r.error === 'EINVAL' && r.errno === E.INVAL, `malformed argdata: ${JSON.stringify(r)}`);
  r = ask('hello daemon');
  c.ok(r.error === 'EINVAL', 'a string that is not argdata');
  r = ask(new Uint8Array([0x07, 0x81, 0x05]));
  c.ok(r.error === 'EINVAL' && String(r.message).includes('not a map'), 'a sequence');
  c.errno(E.INVAL, 'an unknown command', () => net.request({ command: 'rawsock' }));
  c.errno(E.INVAL, 'an address that does not parse', () => net.request({ command: 'udpsock', bind: '1.2.3:4' }));
  c.errno(E.INVAL, 'a port out of range', () => net.request({ command: 'tcpsock', connect: '127.0.0.1:65536' }));
  c.errno(E.INVAL, 'a timeout that is not a number', () => net.request({ command: 'tcpsock', connect: '127.0.0.1:1', timeout: 'soon' }));
  // Two requests on one session: two replies, in order.
  const s = net.accept(net.control).fd;
  os.send(s, 'x'); os.send(s, new Uint8Array([0x06]));
  const r1 = decodeArgdata(os.recv(s, 4096).data) as Record<string, ArgValue>;
  const r2 = decodeArgdata(os.recv(s, 4096).data) as Record<string, ArgValue>;
  c.ok(r1.error === 'EINVAL' && r2.error === 'EINVAL' && String(r2.message).includes('unknown command'), 'replies in request order');
  os.close(s);
  try {
    const u = net.udp();
    c.ok(u.fd >= 0, 'the daemon still serves after the garbage');
    os.close(u.fd);
  } catch (e) {
    c.ok(false, `the daemon after the garbage: ${e instanceof Errno ? e.message : String(e)}`);
  }
}
