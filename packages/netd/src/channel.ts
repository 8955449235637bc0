// A channel is one reverse end the daemon holds, and the handles served through it: handle 0 is the object
// the pseudo pair was made for (a socket, or the control socket); a listener's accepted connections (and
// the control socket's sessions) get new handles on the same reverse end, as the protocol allows.
//
// Each turn of the daemon's loop a channel reads a batch of requests, answers each through its handle, and
// then writes one batch back: first an EVENT for every handle whose readiness changed since the last one
// the kernel saw, then the answers. Events go first so that the kernel's view of readiness is current
// when an EAGAIN answer makes it decide whether to wait (psock.ts asks again at once if its view says
// ready: a stale "readable" would cost a round trip).
import {
  E, EVENT_HANGUP, EVENT_READABLE, EVENT_WRITABLE, OP, PSEUDO_MAX_DATA, RESP_HEADER, decodeRequests, writeResponse,
  type PseudoRequest, type PseudoResponse,
} from '@cosix/kernel/abi';
import type { Os } from '@cosix/libc';
import { NETD_READ_FDS } from './params.js';

export { EVENT_HANGUP, EVENT_READABLE, EVENT_WRITABLE };

/** A handle's answer to one request; `fds` are attached to a SOCK_RECV answer (and closed once sent). */
export interface Answer { errno?: number; value1?: bigint; value2?: bigint; data?: Uint8Array; fds?: number[] }

export interface Readiness { flags: number; nbytes: number }

/** What one daemon handle serves: every request except CLOSE, its readiness, and its end. */
export interface Handle {
  /** `fds` came with a SOCK_SEND (the handle now owns them). `ch` is the channel the request came on. */
  request(q: PseudoRequest, fds: number[], ch: Channel): Answer;
  readiness(): Readiness;
  /** The kernel has dropped the handle (CLOSE), or the daemon is closing the channel. */
  close(): void;
}

const READ_MAX = PSEUDO_MAX_DATA + 64 * 1024; // one whole request always fits (abi/pseudo.ts)

export class Channel {
  readonly handles = new Map<bigint, Handle>();
  private nextHandle = 1n;
  private seen = new Map<bigint, Readiness>();   // the readiness the kernel was last told, per handle
  private answers: PseudoResponse[] = [];
  private fds: number[] = [];
  closed = false;

  constructor(private readonly os: Os, readonly rev: number, root: Handle) {
    this.handles.set(0n, root);
  }

  /** Serves another object through this reverse end (an accepted connection, a session); returns its handle. */
  add(h: Handle): bigint {
    const id = this.nextHandle++;
    this.handles.set(id, h);
    return id;
  }

  /**
   * Reads one batch of requests (the caller polled the reverse end readable) and answers it into the
   * outgoing batch. False when the kernel has cut the channel off (end of file).
   */
  service(): boolean {
    const got = this.os.recv(this.rev, READ_MAX, NETD_READ_FDS);
    if (got.data.length === 0) { got.fds.forEach((f) => this.os.close(f)); return false; }
    let next = 0;
    for (const q of decodeRequests(got.data)) {
      const n = q.op === OP.SOCK_SEND ? Math.min(Number(q.arg2), got.fds.length - next) : 0;
      const fds = got.fds.slice(next, next + n);
      next += n;
      this.answer(q, fds);
    }
    got.fds.slice(next).forEach((f) => this.os.close(f));
    return true;
  }

  private answer(q: PseudoRequest, fds: number[]): void {
    if (q.op === OP.CLOSE) {
      fds.forEach((f) => this.os.close(f));
      const h = this.handles.get(q.handle);
      this.handles.delete(q.handle);
      this.seen.delete(q.handle);
      h?.close();
      return;
    }
    const h = this.handles.get(q.handle);
    let a: Answer;
    if (!h) { fds.forEach((f) => this.os.close(f)); a = { errno: E.BADF }; } else a = h.request(q, fds, this);
    const attach = a.fds ?? [];
    this.fds.push(...attach);
    this.answers.push({
      id: q.id, errno: a.errno ?? 0, flags: 0, value1: a.value1 ?? 0n,
      value2: q.op === OP.SOCK_RECV ? BigInt(attach.length) : a.value2 ?? 0n, data: a.data ?? new Uint8Array(0),
    });
  }

  /** Writes the events due and the answers queued; closes the descriptors the kernel has taken. */
  flush(): void {
    const out: PseudoResponse[] = [];
    for (const [id, h] of this.handles) {
      const r = h.readiness(), was = this.seen.get(id);
      if (was && was.flags === r.flags && was.nbytes === r.nbytes) continue;
      this.seen.set(id, r);
      out.push({ id: 0, errno: 0, flags: r.flags, value1: id, value2: BigInt(r.nbytes), data: new Uint8Array(0) });
    }
    out.push(...this.answers);
    const fds = this.fds;
    this.answers = []; this.fds = [];
    if (out.length === 0) return;
    const size = out.reduce((n, r) => n + RESP_HEADER + r.data.length, 0);
    const buf = new Uint8Array(size);
    let at = 0;
    for (const r of out) at += writeResponse(buf, at, r);
    try { this.os.send(this.rev, buf, fds); } catch { /* cut off meanwhile: the next read sees end of file */ }
    fds.forEach((f) => this.os.close(f));
  }

  /** Ends every handle and gives the reverse end back (the kernel then fails its callers with EIO). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.handles.values()) h.close();
    this.handles.clear();
    this.fds.forEach((f) => this.os.close(f));
    this.fds = [];
    this.os.close(this.rev);
  }
}
