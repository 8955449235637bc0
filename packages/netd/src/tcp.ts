// TCP sockets as pseudo stream sockets: each handle wraps a netstack TcpSocket. A handle starts fresh (no
// address), is bound by SOCK_BIND, and becomes a listener (SOCK_LISTEN) or a connection (SOCK_CONNECT); the
// control protocol (control.ts) makes listeners and connections directly. Accepted connections are new
// handles on the listener's channel.
//
// Readiness (the EVENTs the kernel keeps for poll and blocking calls):
//   READABLE  bytes to read, the peer's FIN, an error, our read side shut, or (listener) a connection queued
//   WRITABLE  send() would take a byte, or the connection failed (the call then says why)
//   HANGUP    both directions are finished, or the connection failed or was never made and cannot be
// nbytes is the bytes readable (a listener: connections queued).
import { E, FILETYPE, OP, PSEUDO_MAX_DATA, RIFLAGS, SDFLAGS, SSFLAGS, utf8Decode, type PseudoRequest } from '@cosix/kernel/abi';
import { TcpSocket, TcpState, type Endpoint, type TcpError } from '@cosix/netstack';
import { encodeSockstat, parseEndpoint } from './addr.js';
import { EVENT_HANGUP, EVENT_READABLE, EVENT_WRITABLE, type Answer, type Channel, type Handle, type Readiness } from './channel.js';
import { NETD_DEFAULT_BACKLOG } from './params.js';
import type { Stack } from './stack.js';

const TCP_ERRNO: Record<TcpError, number> = { refused: E.CONNREFUSED, reset: E.CONNRESET, timeout: E.TIMEDOUT };
export const tcpErrno = (e: TcpError | null): number => (e === null ? 0 : TCP_ERRNO[e]);


/** Connected or connecting: the states in which data can still flow one way or the other. */
function synchronized(s: TcpState): boolean {
  return s === TcpState.ESTABLISHED || s === TcpState.FIN_WAIT_1 || s === TcpState.FIN_WAIT_2 || s === TcpState.CLOSE_WAIT
    || s === TcpState.CLOSING || s === TcpState.LAST_ACK || s === TcpState.TIME_WAIT;
}

export class TcpHandle implements Handle {
  private bound: Endpoint | null = null;
  private listening = false;
  private connecting = false;   // a SOCK_CONNECT answered EAGAIN; the kernel will ask again
  private rdShut = false;
  private errorSeen = false;    // the pending error was cleared by sock_stat_get(CLEAR_ERROR)

  /**
   * The connection (a fresh handle's is an unbound placeholder until connect() makes it in the set of the
   * interface its route leaves by), or a listener's first netstack listener; `more` are a wildcard
   * listener's others, one in each other interface's set.
   */
  sock: TcpSocket;
  private more: TcpSocket[] = [];

  constructor(private readonly stack: Stack, sock?: TcpSocket) {
    this.sock = sock ?? new TcpSocket(stack.sockets, stack.tcpOptions);
  }

  get fresh(): boolean { return !this.listening && this.sock.state === TcpState.CLOSED && this.sock.error === null && !this.connecting; }

  /** Passive open on `local` in every set it names (port 0: an ephemeral one free in all): 0 or an errno. */
  listen(local: Endpoint, backlog: number): number {
    const sets = this.stack.setsFor(local.addr);
    if (sets.length === 0) return E.ADDRNOTAVAIL;
    for (let tries = 0; tries < 8; tries++) {
      const port = local.port || sets[0].ephemeralPort('tcp');
      if (port === null) return E.ADDRNOTAVAIL;
      const made: TcpSocket[] = [];
      for (const set of sets) {
        const l = new TcpSocket(set, this.stack.tcpOptions);
        if (l.listen({ addr: local.addr, port }, backlog) !== 'ok') break;
        made.push(l);
      }
      if (made.length === sets.length) {
        [this.sock, ...this.more] = made;
        this.listening = true;
        return 0;
      }
      made.forEach((l) => l.close());
      if (local.port) return E.ADDRINUSE;  // an ephemeral port taken in another set: try another
    }
    return E.ADDRINUSE;
  }

  /** Active open to `remote` from `local` (or the bound address, or an ephemeral port): 0 or an errno. */
  connect(remote: Endpoint, local: Endpoint | null = this.bound): number {
    if (remote.port === 0 || remote.addr === 0) return E.INVAL;
    const set = this.stack.setFor(remote.addr);
    if (set === null) return E.NETUNREACH;
    this.sock = new TcpSocket(set, this.stack.tcpOptions);
    const r = this.sock.connect(local ?? { addr: 0, port: 0 }, remote, this.stack.now());
    if (r === 'in-use') return E.ADDRINUSE;
    if (r === 'no-port') return E.ADDRNOTAVAIL;
    return r === 'ok' ? 0 : E.INVAL;
  }

  request(q: PseudoRequest, fds: number[], ch: Channel): Answer {
    switch (q.op) {
      case OP.SOCK_SEND: return this.send(q.data1, fds);
      case OP.SOCK_RECV: return this.recv(Math.min(Number(q.arg1), PSEUDO_MAX_DATA), q.flags);
      case OP.SOCK_ACCEPT: return this.accept(ch);
      case OP.SOCK_SHUTDOWN: return this.shutdown(Number(q.arg1));
      case OP.SOCK_STAT_GET: return this.stat(q.flags);
      case OP.SOCK_BIND: return this.bind(utf8Decode(q.data1) ?? '');
      case OP.SOCK_LISTEN: return this.listenOp(Number(q.arg1));
      case OP.SOCK_CONNECT: return this.connectOp(utf8Decode(q.data1) ?? '');
      default: return { errno: E.NOTSUP };
    }
  }

  private send(data: Uint8Array, fds: number[]): Answer {
    if (fds.length) { fds.forEach((f) => this.stack.os.close(f)); return { errno: E.NOTSUP }; } // TCP carries no descriptors
    const s = this.sock;
    if (s.error !== null) return { errno: tcpErrno(s.error) };
    if (this.listening) return { errno: E.NOTCONN };
    if (s.state === TcpState.SYN_SENT || s.state === TcpState.SYN_RECEIVED) return { errno: E.AGAIN };
    if (s.state !== TcpState.ESTABLISHED && s.state !== TcpState.CLOSE_WAIT) return { errno: synchronized(s.state) ? E.PIPE : E.NOTCONN };
    if (s.tcb.finQueued) return { errno: E.PIPE };
    const n = s.send(data);
    return n === 0 && data.length > 0 ? { errno: E.AGAIN } : { value1: BigInt(n) };
  }

  private recv(max: number, flags: number): Answer {
    const s = this.sock;
    if (this.listening) return { errno: E.NOTCONN };
    if (this.rdShut) return {};
    const avail = s.tcb.rx.length;
    if (avail > 0) {
      const n = Math.min(max, avail);
      return { data: flags & RIFLAGS.PEEK ? s.tcb.rx.peek(0, n).slice() : s.recv(n) };
    }
    if (s.eof) return {};                       // end of file: the peer sent its FIN
    if (s.error !== null) return { errno: tcpErrno(s.error) };
    if (s.state === TcpState.SYN_SENT || s.state === TcpState.SYN_RECEIVED || synchronized(s.state)) return { errno: E.AGAIN };
    return { errno: E.NOTCONN };
  }

  private accept(ch: Channel): Answer {
    if (!this.listening) return { errno: E.INVAL };
    let c = this.sock.accept();
    for (const l of this.more) c ??= l.accept();
    if (c === null) return { errno: E.AGAIN };
    const h = new TcpHandle(this.stack, c);
    const id = ch.add(h);
    return { value1: id, value2: BigInt(FILETYPE.SOCKET_STREAM), data: h.sockstat() };
  }

  private shutdown(how: number): Answer {
    if ((how & ~(SDFLAGS.RD | SDFLAGS.WR)) !== 0 || how === 0) return { errno: E.INVAL };
    if (this.listening || !synchronized(this.sock.state)) return { errno: E.NOTCONN };
    if (how & SDFLAGS.RD) { this.rdShut = true; this.sock.recv(this.sock.tcb.rx.length); }
    if (how & SDFLAGS.WR) this.sock.close(); // our FIN follows the queued data; reading goes on
    return {};
  }

  private stat(flags: number): Answer {
    if ((flags & ~SSFLAGS.CLEAR_ERROR) !== 0) return { errno: E.INVAL };
    const data = this.sockstat();
    if (flags & SSFLAGS.CLEAR_ERROR) this.errorSeen = true;
    return { data };
  }

  /**
   * Our name and the peer's. A connection made from the wildcard address is named by the address its
   * route leaves from (netstack keeps address 0 and lets the interface choose per segment).
   */
  names(): { local: Endpoint | null; peer: Endpoint | null } {
    const s = this.sock, open = this.listening || s.state !== TcpState.CLOSED || s.error !== null;
    if (!open) return { local: this.bound, peer: null };
    if (this.listening) return { local: s.localEndpoint, peer: null };
    const local = s.localEndpoint, peer = s.remoteEndpoint;
    if (local.addr === 0) local.addr = this.stack.sourceAddressFor(peer.addr) ?? 0;
    return { local, peer };
  }

  sockstat(): Uint8Array {
    const { local, peer } = this.names();
    return encodeSockstat(local, peer, this.errorSeen ? 0 : tcpErrno(this.sock.error), this.listening);
  }

  private bind(name: string): Answer {
    const e = parseEndpoint(name);
    if (e === null) return { errno: E.INVAL };
    if (!this.fresh || this.bound !== null) return { errno: E.INVAL };
    this.bound = e;
    return {};
  }

  private listenOp(backlog: number): Answer {
    if (this.listening) return {};
    if (!this.fresh) return { errno: E.INVAL };
    return { errno: this.listen(this.bound ?? { addr: 0, port: 0 }, backlog > 0 ? backlog : NETD_DEFAULT_BACKLOG) };
  }

  /**
   * The kernel sends SOCK_CONNECT, gets EAGAIN while the handshake runs, and asks again when the EVENT says
   * writable (established) or hangup (failed): the second answer is the outcome.
   */
  private connectOp(name: string): Answer {
    const remote = parseEndpoint(name);
    if (remote === null) return { errno: E.INVAL };
    const s = this.sock;
    if (this.connecting) {
      if (s.error !== null) { this.connecting = false; this.errorSeen = true; return { errno: tcpErrno(s.error) }; }
      if (s.state === TcpState.SYN_SENT) return { errno: E.AGAIN };
      this.connecting = false;
      return {};
    }
    if (this.listening || !this.fresh) return { errno: E.ISCONN };
    const e = this.connect(remote);
    if (e) return { errno: e };
    this.connecting = true;
    return { errno: E.AGAIN };
  }

  readiness(): Readiness {
    const s = this.sock;
    if (this.listening) {
      const q = this.more.reduce((n, l) => n + l.queued.accept, s.queued.accept);
      return { flags: (q > 0 ? EVENT_READABLE : 0) | (s.state === TcpState.LISTEN ? 0 : EVENT_HANGUP), nbytes: q };
    }
    const failed = s.error !== null;
    const readable = s.tcb.rx.length > 0 || s.eof || failed || this.rdShut;
    const hangup = failed || (s.state === TcpState.CLOSED && !this.fresh && !this.connecting) || s.hangup;
    return {
      flags: (readable ? EVENT_READABLE : 0) | (s.writable || failed ? EVENT_WRITABLE : 0) | (hangup ? EVENT_HANGUP : 0),
      nbytes: s.tcb.rx.length,
    };
  }

  /** The last descriptor is gone: a graceful close, or a reset when unread data would be lost (RFC 1122 4.2.2.13). */
  close(): void {
    const s = this.sock;
    if (this.listening) {
      for (const l of [s, ...this.more]) {
        for (let c = l.accept(); c !== null; c = l.accept()) c.abort();
        l.close();
      }
    } else if (s.tcb.rx.length > 0 && !this.rdShut) s.abort();
    else s.close();
  }
}
