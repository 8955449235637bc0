// UDP sockets as pseudo datagram sockets. The pseudo protocol's SOCK_SEND has no destination and SOCK_RECV
// no source address, so, as in Cosix's networkd, a socket sends only to the peer it is connected to, and an
// unconnected socket learns its peers by accept(): each accept takes the peer of the oldest queued datagram
// and makes a new socket connected to it, which gets that peer's queued datagrams and all its later ones.
//
// Several handles may share a local address and port: one unconnected (the "listener") and any number
// connected to distinct peers. They share one netstack UdpSocket (a UdpPort) bound to that address, and
// the daemon delivers each datagram to the most specific handle: the one connected to its source, else the
// unconnected one, else nobody (dropped, counted).
//
// Readiness: READABLE when a datagram is queued (nbytes: the size of the first) or the read side is shut;
// WRITABLE while the port's send queue has room; HANGUP once both sides are shut.
import { E, FILETYPE, OP, RIFLAGS, ROFLAGS, SDFLAGS, SSFLAGS, utf8Decode, type PseudoRequest } from '@cosix/kernel/abi';
import { UdpSocket, type Endpoint, type Ipv4Address, type SocketSet } from '@cosix/netstack';
import { encodeSockstat, parseEndpoint, sameEndpoint } from './addr.js';
import { EVENT_HANGUP, EVENT_READABLE, EVENT_WRITABLE, type Answer, type Channel, type Handle, type Readiness } from './channel.js';
import { NETD_UDP_QUEUE } from './params.js';
import type { Stack } from './stack.js';


interface Datagram { payload: Uint8Array; from: Endpoint }

/**
 * One bound address and port, and the handles sharing it. It has a netstack UdpSocket in each set the
 * address names (every interface's for the wildcard), all on the same port; a datagram leaves through the
 * one in the set of the interface its route leaves by.
 */
export class UdpPort {
  readonly members = new Set<UdpHandle>();
  dropped = 0;

  constructor(private readonly stack: Stack, readonly socks: UdpSocket[], readonly sets: SocketSet[], readonly local: Endpoint) {}

  /** The netstack socket for datagrams to `dst`, or null when none of this port's interfaces reaches it. */
  sockFor(dst: Ipv4Address): UdpSocket | null {
    const set = this.stack.setFor(dst);
    const i = set === null ? -1 : this.sets.indexOf(set);
    return i < 0 ? null : this.socks[i];
  }

  get canSend(): boolean { return this.socks.every((s) => s.canSend); }

  close(): void { this.socks.forEach((s) => s.close()); }

  /** Hands what the netstack sockets received to the member each datagram is for. */
  deliver(): void {
    for (const sock of this.socks) this.deliverFrom(sock);
  }

  private deliverFrom(sock: UdpSocket): void {
    for (let d = sock.recvFrom(); d !== null; d = sock.recvFrom()) {
      let to: UdpHandle | undefined, open: UdpHandle | undefined;
      for (const m of this.members) {
        if (sameEndpoint(m.remote, d.remote)) { to = m; break; }
        if (m.remote === null) open = m;
      }
      const h = to ?? open;
      if (!h || !h.enqueue({ payload: d.payload, from: d.remote })) this.dropped++;
    }
  }
}

/** Every UdpPort, by "addr:port". */
export class UdpPorts {
  private readonly ports = new Map<string, UdpPort>();

  constructor(private readonly stack: Stack) {}

  all(): Iterable<UdpPort> { return this.ports.values(); }

  /** Makes `h` a member at `local` (port 0: an ephemeral port) with peer `remote`: the port, or an errno. */
  join(h: UdpHandle, local: Endpoint, remote: Endpoint | null): UdpPort | number {
    let port = local.port === 0 ? undefined : this.ports.get(`${local.addr}:${local.port}`);
    if (port) {
      for (const m of port.members) if (m.remote === null ? remote === null : sameEndpoint(m.remote, remote)) return E.ADDRINUSE;
    } else {
      const made = this.bind(local);
      if (typeof made === 'number') return made;
      port = made;
      this.ports.set(`${port.local.addr}:${port.local.port}`, port);
    }
    port.members.add(h);
    return port;
  }

  /** A new port at `local` in every set it names (port 0: an ephemeral port free in all of them). */
  private bind(local: Endpoint): UdpPort | number {
    const sets = this.stack.setsFor(local.addr);
    if (sets.length === 0) return E.ADDRNOTAVAIL;
    for (let tries = 0; tries < 8; tries++) {
      const socks: UdpSocket[] = [];
      let port = local.port, err = 0;
      for (const set of sets) {
        const sock = new UdpSocket(set);
        const r = sock.bind({ addr: local.addr, port });
        if (r !== 'ok') { sock.close(); err = r === 'in-use' ? E.ADDRINUSE : E.ADDRNOTAVAIL; break; }
        socks.push(sock);
        port = sock.localEndpoint!.port; // the first set chose the ephemeral port; the others take it too
      }
      if (!err) return new UdpPort(this.stack, socks, sets, { addr: local.addr, port });
      socks.forEach((x) => x.close());
      if (local.port || err !== E.ADDRINUSE) return err;
    }
    return E.ADDRINUSE;
  }

  leave(h: UdpHandle, port: UdpPort): void {
    port.members.delete(h);
    if (port.members.size > 0) return;
    port.close();
    this.ports.delete(`${port.local.addr}:${port.local.port}`);
  }
}

export class UdpHandle implements Handle {
  port: UdpPort | null = null;
  remote: Endpoint | null = null;
  private rx: Datagram[] = [];
  private rdShut = false;
  private wrShut = false;

  constructor(private readonly stack: Stack) {}

  /** Binds and/or connects (a connect with no bind takes an ephemeral port): 0 or an errno. */
  open(bind: Endpoint | null, connect: Endpoint | null): number {
    if (connect !== null && (connect.port === 0 || connect.addr === 0)) return E.INVAL;
    if (connect !== null && this.stack.sourceAddressFor(connect.addr) === null) return E.NETUNREACH;
    const p = this.stack.udp.join(this, bind ?? { addr: 0, port: 0 }, connect);
    if (typeof p === 'number') return p;
    this.port = p;
    this.remote = connect;
    return 0;
  }

  enqueue(d: Datagram): boolean {
    if (this.rdShut || this.rx.length >= NETD_UDP_QUEUE) return false;
    this.rx.push(d);
    return true;
  }

  request(q: PseudoRequest, fds: number[], ch: Channel): Answer {
    switch (q.op) {
      case OP.SOCK_SEND: return this.send(q.data1, fds);
      case OP.SOCK_RECV: return this.recv(Number(q.arg1), q.flags);
      case OP.SOCK_ACCEPT: return this.accept(ch);
      case OP.SOCK_SHUTDOWN: return this.shutdown(Number(q.arg1));
      case OP.SOCK_STAT_GET:
        return (q.flags & ~SSFLAGS.CLEAR_ERROR) !== 0 ? { errno: E.INVAL } : { data: this.sockstat() };
      case OP.SOCK_BIND: return this.rebind(utf8Decode(q.data1) ?? '', false);
      case OP.SOCK_CONNECT: return this.rebind(utf8Decode(q.data1) ?? '', true);
      case OP.SOCK_LISTEN: return { errno: E.NOTSUP }; // datagram sockets do not listen
      default: return { errno: E.NOTSUP };
    }
  }

  private send(data: Uint8Array, fds: number[]): Answer {
    if (fds.length) { fds.forEach((f) => this.stack.os.close(f)); return { errno: E.NOTSUP }; }
    if (this.wrShut) return { errno: E.PIPE };
    if (this.port === null || this.remote === null) return { errno: E.DESTADDRREQ };
    const sock = this.port.sockFor(this.remote.addr);
    if (sock === null) return { errno: E.NETUNREACH }; // the route changed (a lease ended) since connect
    const r = sock.sendTo(data, this.remote);
    if (r === 'would-block') return { errno: E.AGAIN };
    if (r === 'too-big') return { errno: E.MSGSIZE };
    if (r !== 'ok') return { errno: E.PIPE };
    return { value1: BigInt(data.length) };
  }

  /** One datagram per call; what does not fit is cut off (DATA_TRUNCATED), as recv does with datagrams. */
  private recv(max: number, flags: number): Answer {
    const d = this.rx[0];
    if (!d) return this.rdShut ? {} : { errno: E.AGAIN };
    if (!(flags & RIFLAGS.PEEK)) this.rx.shift();
    const cut = d.payload.length > max;
    return { data: cut ? d.payload.slice(0, max) : d.payload, value1: cut ? BigInt(ROFLAGS.DATA_TRUNCATED) : 0n };
  }

  /** A new socket connected to the peer of the oldest queued datagram, with that peer's datagrams. */
  private accept(ch: Channel): Answer {
    if (this.port === null || this.remote !== null) return { errno: E.INVAL };
    const first = this.rx[0];
    if (!first) return { errno: E.AGAIN };
    const h = new UdpHandle(this.stack);
    h.port = this.port; h.remote = first.from;
    this.port.members.add(h);
    h.rx = this.rx.filter((d) => sameEndpoint(d.from, first.from));
    this.rx = this.rx.filter((d) => !sameEndpoint(d.from, first.from));
    const id = ch.add(h);
    return { value1: id, value2: BigInt(FILETYPE.SOCKET_DGRAM), data: h.sockstat() };
  }

  private shutdown(how: number): Answer {
    if ((how & ~(SDFLAGS.RD | SDFLAGS.WR)) !== 0 || how === 0) return { errno: E.INVAL };
    if (this.remote === null) return { errno: E.NOTCONN };
    if (how & SDFLAGS.RD) { this.rdShut = true; this.rx = []; }
    if (how & SDFLAGS.WR) this.wrShut = true;
    return {};
  }

  /** SOCK_BIND (only before any address) or SOCK_CONNECT (only before a peer; binds too if need be). */
  private rebind(name: string, connect: boolean): Answer {
    const e = parseEndpoint(name);
    if (e === null) return { errno: E.INVAL };
    if (!connect) return this.port !== null ? { errno: E.INVAL } : { errno: this.open(e, null) };
    if (this.remote !== null) return { errno: E.ISCONN };
    if (this.port === null) return { errno: this.open(null, e) };
    if (e.port === 0 || e.addr === 0) return { errno: E.INVAL };
    if (this.stack.sourceAddressFor(e.addr) === null) return { errno: E.NETUNREACH };
    // Connecting a bound socket: it moves from the port's open slot to a peer's.
    const port = this.port;
    this.stack.udp.leave(this, port);
    const again = this.stack.udp.join(this, port.local, e);
    if (typeof again === 'number') { this.port = null; return { errno: again }; }
    this.port = again; this.remote = e;
    this.rx = this.rx.filter((d) => sameEndpoint(d.from, e));
    return {};
  }

  sockstat(): Uint8Array {
    let local = this.port?.local ?? null;
    // Bound to the wildcard and connected: name the address the route to the peer leaves from.
    if (local !== null && local.addr === 0 && this.remote !== null) {
      const src = this.stack.sourceAddressFor(this.remote.addr);
      if (src !== null) local = { addr: src, port: local.port };
    }
    return encodeSockstat(local, this.remote, 0, false);
  }

  readiness(): Readiness {
    const first = this.rx[0];
    const writable = this.port !== null && this.port.canSend && !this.wrShut;
    return {
      flags: (first || this.rdShut ? EVENT_READABLE : 0) | (writable ? EVENT_WRITABLE : 0) | (this.rdShut && this.wrShut ? EVENT_HANGUP : 0),
      nbytes: first ? first.payload.length : 0,
    };
  }

  close(): void {
    if (this.port) this.stack.udp.leave(this, this.port);
    this.port = null;
    this.rx = [];
  }
}
