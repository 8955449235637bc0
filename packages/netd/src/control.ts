// The control socket: how programs ask the daemon for sockets (docs/network.md, "The netstack daemon").
// It is a pseudo datagram socket. A request is one sock_send of an argdata map; its reply is the next
// sock_recv on the same handle: an argdata map, with the new socket's descriptor attached when there is
// one. Replies come in request order; a reply that waits (a TCP connect) holds back the ones behind it.
// sock_accept on a control socket gives a private session (a new handle): concurrent clients each take one,
// so that no client reads another's reply.
//
// Requests:
//   {command: "tcpsock", connect: "a.b.c.d:port", bind?: "...", timeout?: ms}  a connection, once established
//   {command: "tcpsock", bind: "a.b.c.d:port", backlog?: n}                    a listener (port 0: ephemeral)
//   {command: "tcpsock"}                                                      a fresh socket (sock_bind,
//                                                                             sock_listen, sock_connect)
//   {command: "udpsock", bind?: "...", connect?: "..."}                        a datagram socket
//   {command: "interfaces"}, {command: "addrv4" | "mac", interface: "eth0"}   what the interfaces are
// Replies: {fd: 0, local: "a.b.c.d:port", peer?: "a.b.c.d:port"} with the socket attached (fd 0 names the
// first attached descriptor, as in argdata), or {error: "ECONNREFUSED", errno: 14, message: "..."}.
import {
  ArgFd, E, Errno, FILETYPE, OP, RIFLAGS, ROFLAGS, decodeArgdata, encodeArgdata, errnoName, type ArgValue, type PseudoRequest,
} from '@cosix/kernel/abi';
import type { Endpoint, TcpSocket } from '@cosix/netstack';
import { encodeSockstat, formatEndpoint, parseEndpoint } from './addr.js';
import { EVENT_READABLE, EVENT_WRITABLE, type Answer, type Channel, type Handle, type Readiness } from './channel.js';
import { TcpHandle, tcpErrno } from './tcp.js';
import { UdpHandle } from './udp.js';
import { NETD_DEFAULT_BACKLOG, NETD_SESSION_REPLIES } from './params.js';
import type { Stack } from './stack.js';

/** A reply in the making: `ready` once its bytes (and descriptor) are known. */
interface Reply { ready: boolean; bytes: Uint8Array; fds: number[] }

/** A TCP connect a control request waits for. */
export interface PendingConnect { sock: TcpSocket; reply: Reply; deadline: number | null; session: ControlSession }

export class RequestError extends Error {
  constructor(readonly errno: number, message: string) { super(message); }
}

export const errorReply = (errno: number, message: string): Uint8Array =>
  encodeArgdata({ error: errnoName(errno), errno, message });

export class ControlSession implements Handle {
  private replies: Reply[] = [];
  requests = 0;

  constructor(private readonly stack: Stack) {}

  request(q: PseudoRequest, fds: number[], ch: Channel): Answer {
    switch (q.op) {
      case OP.SOCK_SEND: {
        fds.forEach((f) => this.stack.os.close(f)); // requests carry no descriptors
        if (this.replies.length >= NETD_SESSION_REPLIES) return { errno: E.AGAIN }; // read the replies first
        this.replies.push(this.handle(q.data1));
        return { value1: BigInt(q.data1.length) };
      }
      case OP.SOCK_RECV: {
        const r = this.replies[0];
        if (!r?.ready) return { errno: E.AGAIN };
        const max = Number(q.arg1);
        if (q.flags & RIFLAGS.PEEK) return { data: r.bytes.slice(0, max) };
        this.replies.shift();
        const cut = r.bytes.length > max;
        return { data: r.bytes.subarray(0, max), fds: r.fds, value1: cut ? BigInt(ROFLAGS.DATA_TRUNCATED) : 0n };
      }
      case OP.SOCK_ACCEPT: {
        const id = ch.add(new ControlSession(this.stack));
        return { value1: id, value2: BigInt(FILETYPE.SOCKET_DGRAM), data: encodeSockstat(null, null, 0, false) };
      }
      case OP.SOCK_STAT_GET: return { data: encodeSockstat(null, null, 0, false) };
      default: return { errno: E.NOTSUP };
    }
  }

  readiness(): Readiness {
    const r = this.replies[0];
    const room = this.replies.length < NETD_SESSION_REPLIES;
    return { flags: (room ? EVENT_WRITABLE : 0) | (r?.ready ? EVENT_READABLE : 0), nbytes: r?.ready ? r.bytes.length : 0 };
  }

  close(): void {
    for (const r of this.replies) r.fds.forEach((f) => this.stack.os.close(f));
    this.replies = [];
    this.stack.dropConnects(this);
  }

  /** Decodes and carries out one request; garbage gets an error reply like any failed request. */
  private handle(bytes: Uint8Array): Reply {
    this.requests++;
    try {
      let req: ArgValue;
      try { req = decodeArgdata(bytes); } catch { throw new RequestError(E.INVAL, 'the request is not argdata'); }
      if (req === null || typeof req !== 'object' || Array.isArray(req) || req instanceof Uint8Array || req instanceof ArgFd) {
        throw new RequestError(E.INVAL, 'the request is not a map');
      }
      const m = req instanceof Map ? Object.fromEntries([...req].map(([k, v]) => [String(k), v])) : req as Record<string, ArgValue>;
      switch (m.command) {
        case 'tcpsock': return this.tcpsock(m);
        case 'udpsock': return this.udpsock(m);
        case 'interfaces': case 'addrv4': case 'mac': return this.interfaces(String(m.command), m.interface);
        default: throw new RequestError(E.INVAL, `unknown command ${JSON.stringify(String(m.command))}`);
      }
    } catch (e) {
      if (!(e instanceof RequestError)) throw e;
      return { ready: true, bytes: errorReply(e.errno, e.message), fds: [] };
    }
  }

  private tcpsock(m: Record<string, ArgValue>): Reply {
    const bind = endpointArg(m, 'bind'), connect = endpointArg(m, 'connect');
    const h = new TcpHandle(this.stack);
    if (connect !== null) {
      const e = h.connect(connect, bind);
      if (e) throw new RequestError(e, `cannot connect to ${formatEndpoint(connect)}`);
      const timeout = intArg(m, 'timeout');
      const reply: Reply = { ready: false, bytes: new Uint8Array(0), fds: [] };
      this.stack.connects.push({ sock: h.sock, reply, deadline: timeout === null ? null : this.stack.now() + timeout, session: this });
      return reply;
    }
    if (bind !== null) {
      const e = h.listen(bind, intArg(m, 'backlog') ?? NETD_DEFAULT_BACKLOG);
      if (e) throw new RequestError(e, `cannot listen on ${formatEndpoint(bind)}`);
    }
    return this.socketReply(h, FILETYPE.SOCKET_STREAM, bind !== null ? h.sock.localEndpoint : null, null);
  }

  /** {command: "interfaces"} lists them all; "addrv4" and "mac" (networkd's) answer for the one named. */
  private interfaces(command: string, name: ArgValue | undefined): Reply {
    if (name !== undefined && typeof name !== 'string') throw new RequestError(E.INVAL, 'interface: expected a name');
    if (command !== 'interfaces' && name === undefined) throw new RequestError(E.INVAL, `${command}: which interface?`);
    const list = this.stack.interfaceInfo(name);
    if (name !== undefined && list.length === 0) throw new RequestError(E.NODEV, `no interface ${JSON.stringify(name)}`);
    const body: ArgValue = command === 'addrv4' ? { addrv4: list[0].addrv4 }
      : command === 'mac' ? { mac: list[0].mac ?? '' }
      : { interfaces: list.map((i) => ({ name: i.name, mac: i.mac ?? '', link: i.linkUp, addrv4: i.addrv4 })) };
    return { ready: true, bytes: encodeArgdata(body), fds: [] };
  }

  private udpsock(m: Record<string, ArgValue>): Reply {
    const bind = endpointArg(m, 'bind'), connect = endpointArg(m, 'connect');
    const h = new UdpHandle(this.stack);
    if (bind !== null || connect !== null) {
      const e = h.open(bind, connect);
      if (e) throw new RequestError(e, `cannot bind ${bind ? formatEndpoint(bind) : 'an ephemeral port'}`);
    }
    return this.socketReply(h, FILETYPE.SOCKET_DGRAM, h.port?.local ?? null, h.remote);
  }

  /**
   * A reply carrying a new socket: its own pseudo pair, whose pseudo end travels in the reply. When no pair
   * can be made (the daemon's descriptor table is full: EMFILE; the machine's memory: ENOMEM), the socket
   * is closed again and the request fails with that errno.
   */
  socketReply(h: Handle, type: number, local: Endpoint | null, peer: Endpoint | null): Reply {
    let fd: number;
    try {
      fd = this.stack.serve(type, h);
    } catch (e) {
      h.close();
      throw new RequestError(e instanceof Errno ? e.code : E.IO, `no pseudo pair for the socket: ${(e as Error).message}`);
    }
    const body: Record<string, ArgValue> = { fd: new ArgFd(0) };
    if (local) body.local = formatEndpoint(local);
    if (peer) body.peer = formatEndpoint(peer);
    return { ready: true, bytes: encodeArgdata(body), fds: [fd] };
  }

  /** Settles a pending connect (the stack calls it when the handshake ends, fails or times out). */
  settle(p: PendingConnect, timedOut: boolean): void {
    const s = p.sock;
    if (timedOut || s.error !== null) {
      const errno = timedOut ? E.TIMEDOUT : tcpErrno(s.error);
      if (timedOut) s.abort();
      Object.assign(p.reply, { ready: true, bytes: errorReply(errno, `cannot connect to ${formatEndpoint(s.remoteEndpoint)}`) });
      return;
    }
    const h = new TcpHandle(this.stack, s), { local, peer } = h.names();
    try {
      Object.assign(p.reply, this.socketReply(h, FILETYPE.SOCKET_STREAM, local, peer));
    } catch (e) {
      if (!(e instanceof RequestError)) throw e;
      s.abort();
      Object.assign(p.reply, { ready: true, bytes: errorReply(e.errno, e.message) });
    }
  }
}

function endpointArg(m: Record<string, ArgValue>, key: string): Endpoint | null {
  const v = m[key];
  if (v === undefined || v === null || v === '') return null;
  const e = typeof v === 'string' ? parseEndpoint(v) : null;
  if (e === null) throw new RequestError(E.INVAL, `${key}: expected "a.b.c.d:port"`);
  return e;
}

function intArg(m: Record<string, ArgValue>, key: string): number | null {
  const v = m[key];
  if (v === undefined || v === null) return null;
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new RequestError(E.INVAL, `${key}: expected a non-negative integer`);
  return n;
}
