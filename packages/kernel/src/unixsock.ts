// UNIX sockets: socket pairs (fd_create2) and unconnected sockets (fd_create1), stream and datagram.
// Data and descriptors travel together: a stream keeps a list of chunks, and a chunk that carries fds is
// never merged with bytes before it, so the fds arrive with the first byte they were sent with.
//
// Passed fds keep the rights the sender held. Unlike Zircon channels, the sender keeps its own fds (CloudABI
// and POSIX SCM_RIGHTS semantics, which programs built for CloudABI depend on); the message holds its own
// references until it is received or dropped.
//
// Bytes queued at a socket are charged to its account (the process that made it) while they wait: a send
// that the machine has no memory for fails with ENOMEM (memacct.ts).
import { E, FILETYPE, RIFLAGS, ROFLAGS, SDFLAGS } from './abi/index.js';
import type { Kernel } from './kernel.js';
import type { MemAccount } from './memacct.js';
import { Description, KObject, type Readiness } from './object.js';
import { SOCK_BUF_SIZE, SOCK_MAX_DGRAM } from './params.js';

/** A descriptor in flight: a reference on its description plus the rights it was sent with. */
export interface FdCarry { desc: Description; base: bigint; inheriting: bigint }

interface Chunk { data: Uint8Array; off: number; fds: FdCarry[] }

export interface RecvResult { data: Uint8Array; fds: FdCarry[]; flags: number }

export class UnixSocket extends KObject {
  peer: UnixSocket | undefined;
  private queue: Chunk[] = [];
  private queued = 0;           // bytes in `queue`, charged to `account`
  rdShut = false;               // we shut down reading
  wrShut = false;               // we shut down writing (the peer reads EOF)
  connected = false;
  error = 0;                    // pending error for sock_stat_get

  constructor(kernel: Kernel, readonly type: number, private readonly account: MemAccount = kernel.memory.kernel) { super(kernel); }

  get stream(): boolean { return this.type === FILETYPE.SOCKET_STREAM; }

  /** Queues a message at the peer: returns bytes accepted, or -errno (E.AGAIN when full). */
  send(data: Uint8Array, fds: FdCarry[]): number {
    if (!this.connected) return -E.NOTCONN;
    const p = this.peer;
    if (this.wrShut || !p || p.rdShut) return -E.PIPE;
    const space = SOCK_BUF_SIZE - p.queued;
    if (!this.stream) {
      if (data.length > SOCK_MAX_DGRAM) return -E.MSGSIZE;
      if (data.length > space) return -E.AGAIN;
    } else if (space <= 0 && (data.length > 0 || fds.length > 0)) return -E.AGAIN;
    const n = this.stream ? Math.min(space, data.length) : data.length;
    return p.accept(data.subarray(0, n), fds) ? n : -E.NOMEM;
  }

  /**
   * Takes a message sent by the peer (copying its bytes); false, with nothing taken, when the machine has no
   * memory for it. Kernel-served sockets override it to answer requests themselves.
   */
  protected accept(data: Uint8Array, fds: FdCarry[]): boolean {
    if (!this.account.charge(data.length)) return false;
    this.queue.push({ data: data.slice(), off: 0, fds });
    this.queued += data.length;
    this.readQueue.wakeAll();
    return true;
  }

  /** Takes (or with PEEK copies) up to `max` bytes; E.AGAIN when nothing is there yet. */
  recv(max: number, flags: number): RecvResult | number {
    if (this.rdShut) return { data: new Uint8Array(0), fds: [], flags: 0 };
    if (this.queue.length === 0) return this.eof() ? { data: new Uint8Array(0), fds: [], flags: 0 } : -E.AGAIN;
    const peek = (flags & RIFLAGS.PEEK) !== 0;
    const r = this.stream ? this.takeStream(max, peek) : this.takeDgram(max, peek);
    if (!peek) this.peer?.writeQueue.wakeAll();
    return r;
  }

  private eof(): boolean {
    return !this.connected || !this.peer || this.peer.wrShut;
  }

  private takeDgram(max: number, peek: boolean): RecvResult {
    const c = this.queue[0];
    const flags = c.data.length > max ? ROFLAGS.DATA_TRUNCATED : 0;
    if (!peek) { this.queue.shift(); this.queued -= c.data.length; this.account.uncharge(c.data.length); }
    return { data: c.data.slice(0, max), fds: peek ? [] : c.fds, flags };
  }

  private takeStream(max: number, peek: boolean): RecvResult {
    const parts: Uint8Array[] = [];
    let got = 0;
    let fds: FdCarry[] = [];
    for (let i = 0; i < this.queue.length && got < max; i++) {
      const c = this.queue[i];
      if (c.fds.length && got > 0) break; // fds start a new read
      const n = Math.min(max - got, c.data.length - c.off);
      parts.push(c.data.subarray(c.off, c.off + n));
      got += n;
      if (c.fds.length && !peek) { fds = c.fds; c.fds = []; }
    }
    if (!peek) this.consume(got);
    const data = new Uint8Array(got);
    let at = 0;
    for (const p of parts) { data.set(p, at); at += p.length; }
    return { data, fds, flags: 0 };
  }

  private consume(n: number): void {
    this.queued -= n;
    this.account.uncharge(n);
    while (n > 0) {
      const c = this.queue[0];
      const k = Math.min(n, c.data.length - c.off);
      c.off += k;
      n -= k;
      if (c.off === c.data.length && c.fds.length === 0) this.queue.shift();
    }
    while (this.queue.length && this.queue[0].off === this.queue[0].data.length && this.queue[0].fds.length === 0) this.queue.shift();
  }

  shutdown(how: number): number {
    if (how === 0 || (how & ~(SDFLAGS.RD | SDFLAGS.WR)) !== 0) return E.INVAL;
    if (!this.connected) return E.NOTCONN;
    if (how & SDFLAGS.RD) { this.rdShut = true; this.dropQueue(); this.peer?.writeQueue.wakeAll(); }
    if (how & SDFLAGS.WR) { this.wrShut = true; this.peer?.readQueue.wakeAll(); }
    this.readQueue.wakeAll();
    this.writeQueue.wakeAll();
    return 0;
  }

  override read(_d: Description, max: number): Uint8Array | number {
    const r = this.recv(max, 0);
    if (typeof r === 'number') return r;
    dropFds(r.fds);
    return r.data;
  }

  override write(_d: Description, data: Uint8Array): number {
    return this.send(data, []);
  }

  override readiness(_d: Description, write: boolean): Readiness {
    if (write) {
      const hangup = !this.peer || this.peer.rdShut || this.wrShut;
      const space = this.peer ? SOCK_BUF_SIZE - this.peer.queued : 0;
      return { ready: hangup || space > 0, nbytes: Math.max(0, space), hangup, error: hangup && this.connected ? E.PIPE : undefined };
    }
    const hangup = this.connected && this.eof();
    const n = this.stream ? this.queued : this.queue[0]?.data.length ?? 0;
    return { ready: this.queue.length > 0 || hangup || this.rdShut, nbytes: n, hangup };
  }

  private dropQueue(): void {
    for (const c of this.queue) dropFds(c.fds);
    this.queue = [];
    this.account.uncharge(this.queued);
    this.queued = 0;
  }

  protected override destroy(): void {
    this.dropQueue();
    const p = this.peer;
    this.peer = undefined;
    if (p) {
      p.peer = undefined;
      p.readQueue.wakeAll();
      p.writeQueue.wakeAll();
      p.peerClosed();
    }
  }

  /** The peer has been destroyed. Kernel-served sockets that live only for their peer override this. */
  protected peerClosed(): void {}
}

export function dropFds(fds: FdCarry[]): void {
  for (const f of fds) f.desc.unref();
}

/** A socket of `type` whose queued bytes `account` pays for. */
export function createSocket(kernel: Kernel, type: number, account?: MemAccount): UnixSocket {
  return new UnixSocket(kernel, type, account);
}

export function createSocketPair(kernel: Kernel, type: number, account?: MemAccount): [UnixSocket, UnixSocket] {
  const a = new UnixSocket(kernel, type, account), b = new UnixSocket(kernel, type, account);
  a.peer = b; b.peer = a;
  a.connected = b.connected = true;
  return [a, b];
}

export const isUnixSocket = (o: KObject): o is UnixSocket => o instanceof UnixSocket;
