// Sockets from the netstack daemon (docs/network.md, "The netstack daemon"). A program holds the daemon's
// control socket (a pseudo datagram socket someone handed it); each request here takes a private session
// on it (sock_accept), sends one argdata map, receives the reply with the new socket attached, and closes
// the session again. The sockets are pseudo fds: read, write, sock_recv, sock_send, poll, sock_shutdown,
// sock_stat_get and sock_accept work on them as on any socket, blocking or not.
import { E, SOCKSTAT, SOCKSTAT_PEERNAME, SOCKSTAT_SOCKNAME, SSTATE, SYS, decodeArgdata, encodeArgdata, type ArgValue } from '@cosix/kernel/abi';
import type { Os } from './os.js';
import { Errno } from './sys.js';

/** A socket the daemon made: its fd, and its addresses as "a.b.c.d:port" (when it has them). */
export interface NetSocket { fd: number; local?: string; peer?: string }

/** What sock_stat_get says of a socket: its names ("a.b.c.d:port", null when unset), pending error, listening. */
export interface SockStat { local: string | null; peer: string | null; error: number; listening: boolean }

const AF_INET = 1;

function readSockaddr(dv: DataView, at: number): string | null {
  if (dv.getUint8(at) !== AF_INET) return null;
  const a = dv.getUint32(at + 2, false);
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}:${dv.getUint16(at + 6, true)}`;
}

export class Net {
  constructor(private readonly os: Os, readonly control: number) {}

  /**
   * Sends `req` on a private session and returns the reply and the descriptors attached to it; an error
   * reply is thrown as Errno with the daemon's errno.
   */
  exchange(req: Record<string, ArgValue>): { reply: Record<string, ArgValue>; fds: number[] } {
    const os = this.os;
    const session = this.accept(this.control).fd;
    try {
      os.send(session, encodeRequest(req));
      const r = os.recv(session, 4096, 4);
      let reply: ArgValue;
      try { reply = decodeArgdata(r.data); } catch { reply = null; }
      const m = reply !== null && typeof reply === 'object' && !Array.isArray(reply) && !(reply instanceof Map) ? reply as Record<string, ArgValue> : null;
      if (m === null || typeof m.error === 'string') {
        r.fds.forEach((f) => os.close(f));
        const errno = typeof m?.errno === 'number' ? m.errno : E.IO;
        throw new Errno(errno, `netd ${String(req.command)}${m && typeof m.message === 'string' ? ` (${m.message})` : ''}`);
      }
      return { reply: m, fds: r.fds };
    } finally {
      os.close(session);
    }
  }

  /** Sends `req` and returns the socket of the reply; the daemon's errno is thrown. */
  request(req: Record<string, ArgValue>): NetSocket {
    const { reply: m, fds } = this.exchange(req);
    if (fds.length !== 1) { fds.forEach((f) => this.os.close(f)); throw new Errno(E.IO, `netd ${String(req.command)}: no socket in the reply`); }
    const out: NetSocket = { fd: fds[0] };
    if (typeof m.local === 'string') out.local = m.local;
    if (typeof m.peer === 'string') out.peer = m.peer;
    return out;
  }

  /** The daemon's interfaces: name, MAC ("" for the loopback), link up, IPv4 addresses as "a.b.c.d/len". */
  interfaces(): { name: string; mac: string; link: boolean; addrv4: string[] }[] {
    const { reply } = this.exchange({ command: 'interfaces' });
    return (reply.interfaces as Record<string, ArgValue>[]).map((i) => ({
      name: String(i.name), mac: String(i.mac), link: i.link === true, addrv4: (i.addrv4 as ArgValue[]).map(String),
    }));
  }

  /** A TCP connection to `addr` ("a.b.c.d:port"), once established; `timeout` (ms) gives ETIMEDOUT. */
  tcpConnect(addr: string, opts: { bind?: string; timeout?: number } = {}): NetSocket {
    return this.request({ command: 'tcpsock', connect: addr, ...opts });
  }

  /** A TCP listener on `bind` (port 0: an ephemeral port; `local` says which). */
  tcpListen(bind: string, backlog?: number): NetSocket {
    return this.request({ command: 'tcpsock', bind, ...(backlog !== undefined && { backlog }) });
  }

  /** A fresh TCP socket, for sock_bind / sock_listen / sock_connect. */
  tcpSocket(): NetSocket { return this.request({ command: 'tcpsock' }); }

  /** A UDP socket bound to `bind` and/or connected to `connect` (a connected socket sends to its peer). */
  udp(opts: { bind?: string; connect?: string } = {}): NetSocket {
    return this.request({ command: 'udpsock', ...opts });
  }

  /** sock_accept: a TCP connection from a listener, or a UDP socket for the next peer; with its peer's name. */
  accept(fd: number): NetSocket {
    const os = this.os, p = os.stage(SOCKSTAT.size);
    os.check(os.sys.call(SYS.sock_accept, fd, p), 'sock_accept');
    const out: NetSocket = { fd: os.sys.r(0) };
    const local = readSockaddr(os.mem.dv, p + SOCKSTAT_SOCKNAME), peer = readSockaddr(os.mem.dv, p + SOCKSTAT_PEERNAME);
    if (local) out.local = local;
    if (peer) out.peer = peer;
    return out;
  }

  /** sock_connect of a pseudo socket to "a.b.c.d:port" (blocks until the handshake ends on a blocking fd). */
  connect(fd: number, addr: string): void { this.nameCall(SYS.sock_connect, fd, addr, 'sock_connect'); }
  /** sock_bind of a pseudo socket to "a.b.c.d:port". */
  bind(fd: number, addr: string): void { this.nameCall(SYS.sock_bind, fd, addr, 'sock_bind'); }
  listen(fd: number, backlog: number): void { this.os.check(this.os.sys.call(SYS.sock_listen, fd, backlog), 'sock_listen'); }
  shutdown(fd: number, how: number): void { this.os.check(this.os.sys.call(SYS.sock_shutdown, fd, how), 'sock_shutdown'); }

  stat(fd: number, clearError = false): SockStat {
    const os = this.os, p = os.stage(SOCKSTAT.size);
    os.check(os.sys.call(SYS.sock_stat_get, fd, p, clearError ? 1 : 0), 'sock_stat_get');
    const dv = os.mem.dv;
    return {
      local: readSockaddr(dv, p + SOCKSTAT_SOCKNAME), peer: readSockaddr(dv, p + SOCKSTAT_PEERNAME),
      error: dv.getUint16(p + 40, true), listening: (dv.getUint32(p + 44, true) & SSTATE.ACCEPTCONN) !== 0,
    };
  }

  private nameCall(call: number, fd: number, addr: string, name: string): void {
    const os = this.os, p = os.stage(64);
    for (let i = 0; i < addr.length; i++) os.mem.u8[p + i] = addr.charCodeAt(i);
    os.check(os.sys.call(call, fd, 0, p, addr.length), name);
  }
}

function encodeRequest(req: Record<string, ArgValue>): Uint8Array {
  const clean: Record<string, ArgValue> = {};
  for (const [k, v] of Object.entries(req)) if (v !== undefined) clean[k] = v;
  return encodeArgdata(clean);
}
