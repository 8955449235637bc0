// The socket handles without a kernel: a netstack loopback and a stand-in for the daemon (the requests are
// what the kernel would send; the answers and readiness are what it would get).
import { expect } from 'chai';
import { E, Errno, OP, RIFLAGS, SDFLAGS, decodeArgdata, encodeArgdata, type PseudoRequest } from '@cosix/kernel/abi';
import type { Os } from '@cosix/libc';
import { SocketSet, loopbackInterface, type Interface, type TcpSocketOptions } from '@cosix/netstack';
import type { Answer, Channel, Handle } from './channel.js';
import { EVENT_HANGUP, EVENT_READABLE, EVENT_WRITABLE } from './channel.js';
import { ControlSession, type PendingConnect } from './control.js';
import type { Stack } from './stack.js';
import { TcpHandle } from './tcp.js';
import { UdpHandle, UdpPorts } from './udp.js';

let seed = 1;
const rng = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed; };
const bytes = (s: string) => new TextEncoder().encode(s);
const ok = (a: Answer) => expect(a.errno ?? 0, JSON.stringify(a)).to.equal(0);
const str = (a: Answer) => new TextDecoder().decode(a.data ?? new Uint8Array(0));

class FakeStack implements Stack {
  readonly os = { close: () => {} } as unknown as Os;
  readonly rng = rng;
  readonly sockets = new SocketSet(rng);
  readonly tcpOptions: TcpSocketOptions = { rng };
  readonly udp: UdpPorts = new UdpPorts(this);
  readonly connects: PendingConnect[] = [];
  readonly iface: Interface = loopbackInterface(rng, this.sockets);
  t = 0;
  now(): number { return this.t; }
  sourceAddressFor(dst: number): number | null { return this.iface.sourceAddressFor(dst); }
  setFor(dst: number): SocketSet | null { return this.iface.route(dst) ? this.sockets : null; }
  setsFor(addr: number): SocketSet[] { return addr === 0 || this.iface.hasAddress(addr) ? [this.sockets] : []; }
  /** What serve() does: hand out fd numbers, or fail as a daemon with a full descriptor table would. */
  full = false;
  served = 0;
  serve(): number { if (this.full) throw new Errno(E.MFILE, 'fd_create'); return 100 + this.served++; }
  dropConnects(): void {}
  interfaceInfo(): [] { return []; }
  /** Lets the network settle: a few polls, 1 ms apart, and UDP delivery. */
  run(): void { for (let i = 0; i < 20; i++) { this.t += 1; this.iface.poll(this.t); for (const p of this.udp.all()) p.deliver(); } }
}

/** A channel that only numbers new handles. */
function channel(): Channel & { added: Handle[] } {
  const added: Handle[] = [];
  return { added, add: (h: Handle) => { added.push(h); return BigInt(added.length); } } as unknown as Channel & { added: Handle[] };
}

function q(op: number, p: Partial<PseudoRequest> = {}): PseudoRequest {
  return { id: 1, op, flags: 0, handle: 0n, arg1: 0n, arg2: 0n, data1: new Uint8Array(0), data2: new Uint8Array(0), ...p };
}

describe('netd UDP handles', function () {
  it('deliver each datagram to the most specific socket on a shared port, and accept peers in order', function () {
    const st = new FakeStack(), ch = channel();
    const open = new UdpHandle(st), toB = new UdpHandle(st), b = new UdpHandle(st), c = new UdpHandle(st);
    expect(open.open({ addr: 0, port: 1234 }, null)).to.equal(0);
    expect(toB.open({ addr: 0, port: 1234 }, { addr: 0x7f000001, port: 5678 })).to.equal(0);
    expect(new UdpHandle(st).open({ addr: 0, port: 1234 }, null)).to.equal(E.ADDRINUSE);
    expect(b.open({ addr: 0x7f000001, port: 5678 }, { addr: 0x7f000001, port: 1234 })).to.equal(0);
    expect(c.open(null, { addr: 0x7f000001, port: 1234 })).to.equal(0);
    b.request(q(OP.SOCK_SEND, { data1: bytes('from b') }), [], ch);
    c.request(q(OP.SOCK_SEND, { data1: bytes('from c') }), [], ch);
    st.run();
    expect(str(toB.request(q(OP.SOCK_RECV, { arg1: 100n }), [], ch))).to.equal('from b');
    expect(open.readiness()).to.deep.equal({ flags: EVENT_READABLE | EVENT_WRITABLE, nbytes: 6 });
    const a = open.request(q(OP.SOCK_ACCEPT), [], ch);
    expect(a.value1).to.equal(1n);
    const peer = ch.added[0] as UdpHandle;
    expect(peer.remote).to.deep.equal({ addr: 0x7f000001, port: c.port!.local.port });
    expect(str(peer.request(q(OP.SOCK_RECV, { arg1: 100n }), [], ch))).to.equal('from c');
    expect(open.request(q(OP.SOCK_ACCEPT), [], ch).errno).to.equal(E.AGAIN);
    expect(open.request(q(OP.SOCK_SEND, { data1: bytes('x') }), [], ch).errno).to.equal(E.DESTADDRREQ);
  });

  it('truncate a datagram to the buffer, peek without taking it, and end the read side on SHUT_RD', function () {
    const st = new FakeStack(), ch = channel();
    const a = new UdpHandle(st), b = new UdpHandle(st);
    a.open({ addr: 0x7f000001, port: 7 }, { addr: 0x7f000001, port: 8 });
    b.open({ addr: 0x7f000001, port: 8 }, { addr: 0x7f000001, port: 7 });
    b.request(q(OP.SOCK_SEND, { data1: bytes('abcdef') }), [], ch);
    st.run();
    expect(str(a.request(q(OP.SOCK_RECV, { arg1: 2n, flags: RIFLAGS.PEEK }), [], ch))).to.equal('ab');
    const cut = a.request(q(OP.SOCK_RECV, { arg1: 3n }), [], ch);
    expect(str(cut)).to.equal('abc');
    expect(cut.value1).to.equal(8n); // DATA_TRUNCATED
    expect(a.request(q(OP.SOCK_RECV, { arg1: 3n }), [], ch).errno).to.equal(E.AGAIN);
    a.request(q(OP.SOCK_SHUTDOWN, { arg1: BigInt(SDFLAGS.RD | SDFLAGS.WR) }), [], ch);
    expect(a.request(q(OP.SOCK_RECV, { arg1: 3n }), [], ch)).to.deep.equal({});
    expect(a.readiness().flags).to.equal(EVENT_READABLE | EVENT_HANGUP);
  });
});

describe('netd TCP handles', function () {
  it('connect through SOCK_CONNECT (EAGAIN, then the outcome), accept, and report readiness', function () {
    const st = new FakeStack(), ch = channel();
    const l = new TcpHandle(st), c = new TcpHandle(st);
    ok(l.request(q(OP.SOCK_BIND, { data1: bytes('127.0.0.1:80') }), [], ch));
    ok(l.request(q(OP.SOCK_LISTEN, { arg1: 4n }), [], ch));
    expect(c.readiness().flags).to.equal(0);
    expect(c.request(q(OP.SOCK_CONNECT, { data1: bytes('127.0.0.1:80') }), [], ch).errno).to.equal(E.AGAIN);
    expect(c.request(q(OP.SOCK_SEND, { data1: bytes('early') }), [], ch).errno).to.equal(E.AGAIN);
    st.run();
    expect(c.readiness().flags & EVENT_WRITABLE).to.equal(EVENT_WRITABLE);
    ok(c.request(q(OP.SOCK_CONNECT, { data1: bytes('127.0.0.1:80') }), [], ch));
    expect(l.readiness()).to.deep.equal({ flags: EVENT_READABLE, nbytes: 1 });
    l.request(q(OP.SOCK_ACCEPT), [], ch);
    const s = ch.added[0] as TcpHandle;
    expect(s.request(q(OP.SOCK_RECV, { arg1: 10n }), [], ch).errno).to.equal(E.AGAIN);
    expect(c.request(q(OP.SOCK_SEND, { data1: bytes('hello') }), [], ch).value1).to.equal(5n);
    st.run();
    expect(s.readiness()).to.deep.equal({ flags: EVENT_READABLE | EVENT_WRITABLE, nbytes: 5 });
    expect(str(s.request(q(OP.SOCK_RECV, { arg1: 10n }), [], ch))).to.equal('hello');
    // Half-close: the server reads end of file and can still answer.
    c.request(q(OP.SOCK_SHUTDOWN, { arg1: BigInt(SDFLAGS.WR) }), [], ch);
    st.run();
    expect(s.request(q(OP.SOCK_RECV, { arg1: 10n }), [], ch)).to.deep.equal({});
    s.request(q(OP.SOCK_SEND, { data1: bytes('bye') }), [], ch);
    st.run();
    expect(str(c.request(q(OP.SOCK_RECV, { arg1: 10n }), [], ch))).to.equal('bye');
  });

  it('a refused connect answers ECONNREFUSED on the retry, and a close with unread data resets the peer', function () {
    const st = new FakeStack(), ch = channel();
    const c = new TcpHandle(st);
    expect(c.request(q(OP.SOCK_CONNECT, { data1: bytes('127.0.0.1:9') }), [], ch).errno).to.equal(E.AGAIN);
    st.run();
    expect(c.readiness().flags & EVENT_HANGUP).to.equal(EVENT_HANGUP);
    expect(c.request(q(OP.SOCK_CONNECT, { data1: bytes('127.0.0.1:9') }), [], ch).errno).to.equal(E.CONNREFUSED);
    const l = new TcpHandle(st), a = new TcpHandle(st);
    l.listen({ addr: 0x7f000001, port: 81 }, 4);
    a.connect({ addr: 0x7f000001, port: 81 });
    st.run();
    l.request(q(OP.SOCK_ACCEPT), [], ch);
    const s = ch.added.at(-1) as TcpHandle;
    a.request(q(OP.SOCK_SEND, { data1: bytes('unread') }), [], ch);
    st.run();
    s.close();
    st.run();
    expect(a.request(q(OP.SOCK_RECV, { arg1: 10n }), [], ch).errno).to.equal(E.CONNRESET);
    expect(a.readiness().flags & EVENT_HANGUP).to.equal(EVENT_HANGUP);
  });
});

describe('netd control sessions', function () {
  const ask = (s: ControlSession, ch: Channel, req: Uint8Array) => {
    expect(s.request(q(OP.SOCK_SEND, { data1: req }), [], ch).value1).to.equal(BigInt(req.length));
    const a = s.request(q(OP.SOCK_RECV, { arg1: 4096n }), [], ch);
    return { reply: decodeArgdata(a.data!) as Record<string, unknown>, fds: a.fds ?? [] };
  };

  it('answer a socket request with the socket attached, and fail one the daemon has no descriptor for', function () {
    const st = new FakeStack(), ch = channel(), s = new ControlSession(st);
    let r = ask(s, ch, encodeArgdata({ command: 'udpsock', bind: '127.0.0.1:53' }));
    expect(r.reply).to.deep.include({ local: '127.0.0.1:53' });
    expect(r.fds).to.deep.equal([100]);
    st.full = true;
    r = ask(s, ch, encodeArgdata({ command: 'udpsock', bind: '127.0.0.1:54' }));
    expect(r.reply).to.deep.include({ error: 'EMFILE', errno: E.MFILE });
    expect(r.fds).to.deep.equal([]);
    st.full = false;
    r = ask(s, ch, encodeArgdata({ command: 'udpsock', bind: '127.0.0.1:54' }));
    expect(r.reply, 'the port of the failed socket is free again').to.deep.include({ local: '127.0.0.1:54' });
  });

  it("hold a connect's reply back until the handshake ends, and the replies behind it too", function () {
    const st = new FakeStack(), ch = channel(), s = new ControlSession(st);
    const l = new TcpHandle(st);
    l.listen({ addr: 0x7f000001, port: 80 }, 4);
    s.request(q(OP.SOCK_SEND, { data1: encodeArgdata({ command: 'tcpsock', connect: '127.0.0.1:80' }) }), [], ch);
    s.request(q(OP.SOCK_SEND, { data1: encodeArgdata({ command: 'nothing' }) }), [], ch);
    expect(s.request(q(OP.SOCK_RECV, { arg1: 4096n }), [], ch).errno).to.equal(E.AGAIN);
    expect(s.readiness().flags & EVENT_READABLE).to.equal(0);
    expect(st.connects.length).to.equal(1);
    st.run();
    const p = st.connects.pop()!;
    p.session.settle(p, false);
    expect(s.readiness().flags & EVENT_READABLE).to.equal(EVENT_READABLE);
    const a = s.request(q(OP.SOCK_RECV, { arg1: 4096n }), [], ch);
    expect(decodeArgdata(a.data!)).to.deep.include({ peer: '127.0.0.1:80' });
    expect(a.fds).to.deep.equal([100]);
    const b = s.request(q(OP.SOCK_RECV, { arg1: 4096n }), [], ch);
    expect(decodeArgdata(b.data!)).to.deep.include({ error: 'EINVAL' });
  });

  it('take no more requests than they hold replies for, until the client reads', function () {
    const st = new FakeStack(), ch = channel(), s = new ControlSession(st);
    const junk = (): Answer => s.request(q(OP.SOCK_SEND, { data1: new Uint8Array([1]) }), [], ch);
    for (let i = 0; i < 64; i++) expect(junk().errno ?? 0).to.equal(0);
    expect(junk().errno).to.equal(E.AGAIN);
    expect(s.readiness().flags & EVENT_WRITABLE).to.equal(0);
    s.request(q(OP.SOCK_RECV, { arg1: 4096n }), [], ch);
    expect(s.readiness().flags & EVENT_WRITABLE).to.equal(EVENT_WRITABLE);
    expect(junk().errno ?? 0).to.equal(0);
  });
});
