// Pseudo file descriptors. A pseudo pair is a pseudo end, which behaves like any fd of its type, and a
// reverse end held by a daemon: every operation on the pseudo end becomes a request (abi/pseudo.ts) that
// the daemon reads from the reverse end and answers by writing to it. The kernel checks rights on the
// pseudo end before forwarding; the daemon gets only the request's bytes. Many requests can be in flight.
// A daemon that exits (its reverse end closes) or misses a request's deadline is cut off: every pending
// and later call on its pseudo fds fails with EIO, its pseudo fds report hangup, and its own reads of the
// reverse end see end-of-file. Called only on the kernel thread.
import {
  E, EVENT_HANGUP, EVENT_READABLE, EVENT_WRITABLE, FILETYPE, OP, PSEUDO_MAX_DATA, REQ_HEADER, decodeResponses, encodeRequestHeader,
  type PseudoRequest, type PseudoResponse,
} from './abi/index.js';
import type { TimerHandle } from '@cosix/hw';
import type { Kernel } from './kernel.js';
import { Description, KObject, type Readiness } from './object.js';
import { RIGHTSETS } from './rightsets.js';
import type { Ret, Thread } from './thread.js';
import { UnixSocket, dropFds, type FdCarry, type RecvResult } from './unixsock.js';
import { utf8Decode, utf8Encode } from './abi/index.js';

/** A request waiting for its answer; `since` (performance.now, ms) is when it was queued or last read. */
interface Pending { done: (r: PseudoResponse | number, fds: FdCarry[]) => void; since: number; op: number }
/**
 * A queued request: its header and data, copied into the daemon's buffer only when the daemon reads;
 * `release` then gives back a bounce buffer the data came in.
 */
interface Outgoing { id?: number; parts: Uint8Array[]; size: number; fds: FdCarry[]; release?: () => void }

export class ReverseObject extends KObject {
  readonly type = FILETYPE.SOCKET_DGRAM;
  private outbox: Outgoing[] = [];
  private pending = new Map<number, Pending>();
  private nextId = 1;
  dead = false;
  readonly objects = new Map<bigint, Set<PseudoObject>>(); // pseudo objects by daemon handle (events)

  /** Called once when the reverse end is cut off (a host daemon's owner ends its process then). */
  onCutOff: (() => void) | undefined;
  /** The st_dev of every file behind this reverse end: the kernel stamps it on the daemon's stat answers. */
  readonly dev: bigint;

  constructor(kernel: Kernel) {
    super(kernel);
    this.dev = kernel.newDeviceId();
  }

  get inFlight(): number { return this.pending.size; }

  /** Queues a request; `done` gets the response, or EIO if the daemon dies or does not answer in time. */
  request(r: Omit<PseudoRequest, 'id'>, done: (r: PseudoResponse | number, fds: FdCarry[]) => void, fds: FdCarry[] = [], release?: () => void): void {
    if (this.dead) { dropFds(fds); release?.(); done(E.IO, []); return; }
    const id = this.nextId;
    this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1;
    this.pending.set(id, { done, since: performance.now(), op: r.op });
    if (!this.watchdog) this.watch();
    this.post({ ...r, id }, fds, release);
  }

  /**
   * Deadlines. A request must be answered within pseudoTimeoutMs of being queued, and again of being read
   * by the daemon (time spent queued behind other requests does not count twice); a daemon that misses one
   * is cut off. One timer per reverse end checks them every quarter of the timeout while requests are
   * pending (so a miss is seen within 1.25 timeouts): per-request timers cost about 10% of a small request.
   */
  private watchdog: TimerHandle | undefined;

  private watch(): void {
    const ms = this.kernel.pseudoTimeoutMs;
    this.watchdog = this.kernel.timers.add(this.kernel.monotonic() + BigInt(Math.ceil(ms / 4)) * 1_000_000n, () => {
      this.watchdog = undefined;
      if (this.dead || this.pending.size === 0) return;
      const now = performance.now();
      for (const p of this.pending.values()) {
        if (now - p.since < ms) continue;
        this.kernel.log.warn({ op: p.op, ms }, 'pseudo: daemon did not answer in time; cutting it off');
        this.cutOff();
        return;
      }
      this.watch();
    });
  }

  /** The daemon has taken these requests: their deadlines start again. */
  private taken(ms: Outgoing[]): void {
    const now = performance.now();
    for (const m of ms) {
      const p = m.id === undefined ? undefined : this.pending.get(m.id);
      if (p) p.since = now;
    }
  }

  /** Sends a request that expects no answer (CLOSE). */
  post(r: PseudoRequest, fds: FdCarry[] = [], release?: () => void): void {
    if (this.dead) { dropFds(fds); release?.(); return; }
    const parts = [encodeRequestHeader(r), r.data1, r.data2].filter((p) => p.length > 0);
    this.outbox.push({ id: r.id || undefined, parts, size: parts.reduce((n, p) => n + p.length, 0), fds, release });
    this.readQueue.wakeAll();
  }

  /**
   * sock_recv on the reverse end: whole requests, with the descriptors clients attached to them (a SOCK_SEND
   * request says in arg2 how many are its own, in order).
   */
  recv(max: number): RecvResult | number {
    const k = this.fitting(max);
    if (k < 0) return k === -1 ? { data: new Uint8Array(0), fds: [], flags: 0 } : k;
    const taken = this.outbox.splice(0, k), data = new Uint8Array(taken.reduce((n, m) => n + m.size, 0)), fds: FdCarry[] = [];
    this.taken(taken);
    let at = 0;
    for (const m of taken) {
      for (const p of m.parts) { data.set(p, at); at += p.length; }
      fds.push(...m.fds);
      m.release?.();
    }
    return { data, fds, flags: 0 };
  }

  /**
   * How many queued requests fit in `max` bytes; -1 at the end (the daemon is gone), -EAGAIN when there are
   * none yet, -EMSGSIZE when the first one does not fit.
   */
  private fitting(max: number): number {
    if (this.outbox.length === 0) return this.dead ? -1 : -E.AGAIN;
    if (this.outbox[0].size > max) return -E.MSGSIZE;
    let n = 0, k = 0;
    while (k < this.outbox.length && n + this.outbox[k].size <= max) n += this.outbox[k++].size;
    return k;
  }

  /** sock_send on the reverse end: answers, with descriptors for SOCK_RECV answers (value2: how many each). */
  send(data: Uint8Array, fds: FdCarry[]): number {
    const { responses, bad } = decodeResponses(data);
    let next = 0;
    for (const r of responses) {
      // Only answers to SOCK_RECV carry descriptors; value2 says how many of the remaining ones are theirs.
      const own = this.pending.get(r.id)?.op === OP.SOCK_RECV ? Math.min(Number(r.value2), fds.length - next) : 0;
      this.deliver(r, fds.slice(next, next + Math.max(0, own)));
      next += Math.max(0, own);
    }
    dropFds(fds.slice(next));
    if (bad) {
      this.kernel.log.warn({ bytes: data.length, parsed: responses.length }, 'pseudo: malformed response from daemon');
      return -E.INVAL;
    }
    return data.length;
  }

  readonly stream = false;

  override read(_d: Description, max: number): Uint8Array | number {
    const r = this.recv(max);
    if (typeof r === 'number') return r;
    dropFds(r.fds); // a plain read takes no descriptors
    return r.data;
  }

  /** fd_read on the reverse end: whole requests copied straight into the daemon's buffers (no descriptors). */
  override readInto(_d: Description, dst: Uint8Array[]): number {
    const k = this.fitting(dst.reduce((n, v) => n + v.length, 0));
    if (k < 0) return k === -1 ? 0 : k;
    let vi = 0, vat = 0, total = 0;
    const taken = this.outbox.splice(0, k);
    this.taken(taken);
    for (const m of taken) {
      dropFds(m.fds);
      for (const p of m.parts) {
        for (let at = 0; at < p.length;) {
          const v = dst[vi], n = Math.min(v.length - vat, p.length - at);
          v.set(p.subarray(at, at + n), vat);
          at += n; vat += n; total += n;
          if (vat === v.length) { vi++; vat = 0; }
        }
      }
      m.release?.();
    }
    return total;
  }

  override write(_d: Description, data: Uint8Array): number {
    return this.send(data, []);
  }

  private deliver(r: PseudoResponse, fds: FdCarry[]): void {
    if (r.id === 0) {
      for (const o of this.objects.get(r.value1) ?? []) o.event(r.flags, r.value2);
      return;
    }
    const p = this.pending.get(r.id);
    if (!p) { dropFds(fds); return; } // late answer to a request that timed out
    this.pending.delete(r.id);
    p.done(r, fds);
  }

  override readiness(_d: Description, write: boolean): Readiness {
    if (write) return { ready: true, nbytes: 1 << 20, hangup: this.dead };
    return { ready: this.outbox.length > 0 || this.dead, nbytes: this.outbox[0]?.size ?? 0, hangup: this.dead };
  }

  protected override destroy(): void { this.cutOff(); }

  /**
   * Ends the service of this reverse end (the daemon closed it, or stopped answering): pending calls fail
   * with EIO, later ones at once, pseudo fds report hangup, and the daemon's reads see end-of-file.
   */
  cutOff(): void {
    if (this.dead) return;
    this.dead = true;
    this.onCutOff?.();
    this.readQueue.wakeAll();
    for (const m of this.outbox) { dropFds(m.fds); m.release?.(); }
    this.outbox = [];
    const pend = [...this.pending.values()];
    this.pending.clear();
    if (this.watchdog) this.kernel.timers.cancel(this.watchdog);
    this.watchdog = undefined;
    for (const p of pend) p.done(E.IO, []);
    for (const set of this.objects.values()) for (const o of set) { o.readQueue.wakeAll(); o.writeQueue.wakeAll(); }
  }
}

/** The pseudo end: an object of `type` whose operations are requests to the daemon behind `reverse`. */
export class PseudoObject extends KObject {
  /** Readiness of a pseudo socket as the daemon last reported it (EVENT); files and directories are always ready. */
  private sock = { flags: EVENT_WRITABLE, nbytes: 0 };

  constructor(kernel: Kernel, readonly type: number, readonly reverse: ReverseObject, readonly handle: bigint) {
    super(kernel);
    let set = reverse.objects.get(handle);
    if (!set) reverse.objects.set(handle, (set = new Set()));
    set.add(this);
  }

  get isSocket(): boolean { return this.type === FILETYPE.SOCKET_STREAM || this.type === FILETYPE.SOCKET_DGRAM; }

  /** The daemon says the handle's state changed: remember it and wake whoever waits. */
  event(flags: number, nbytes: bigint): void {
    this.sock = { flags, nbytes: Number(nbytes) };
    this.readQueue.wakeAll();
    this.writeQueue.wakeAll();
  }

  override readiness(_d: Description, write: boolean): Readiness {
    const dead = this.reverse.dead;
    if (!this.isSocket || dead) return { ready: true, nbytes: 0, hangup: dead, error: dead ? E.IO : undefined };
    const f = this.sock.flags, hangup = (f & EVENT_HANGUP) !== 0;
    const ready = hangup || (write ? (f & EVENT_WRITABLE) !== 0 : (f & EVENT_READABLE) !== 0);
    return { ready, nbytes: write ? 0 : this.sock.nbytes, hangup };
  }

  override seekable(): boolean { return this.type === FILETYPE.REGULAR_FILE; }

  protected override destroy(): void {
    const set = this.reverse.objects.get(this.handle);
    set?.delete(this);
    if (set && set.size === 0) this.reverse.objects.delete(this.handle);
    this.reverse.post({ id: 0, op: OP.CLOSE, flags: 0, handle: this.handle, arg1: 0n, arg2: 0n, data1: new Uint8Array(0), data2: new Uint8Array(0) });
  }
}

export const isPseudo = (o: KObject): o is PseudoObject => o instanceof PseudoObject;
export const isPseudoDir = (o: KObject): o is PseudoObject => o instanceof PseudoObject && o.type === FILETYPE.DIRECTORY;

export interface Call {
  op: number; flags?: number; arg1?: bigint; arg2?: bigint; data1?: Uint8Array; data2?: Uint8Array; fds?: FdCarry[];
  /** Called once the request's data is no longer needed (read by the daemon, or dropped). */
  release?: () => void;
}

/**
 * Sends `call` about `obj` and blocks `t` until the answer; `onAnswer` turns a successful answer into the
 * result, `onError` (if given) a daemon's errno (pseudo sockets use it to wait for an EVENT after EAGAIN),
 * `onLost` (if given) the errno of a request the daemon never answered. A call whose data exceeds
 * PSEUDO_MAX_DATA is EMSGSIZE and never reaches the daemon; one the machine has no memory to queue is ENOMEM.
 * A queued request is charged to the caller's process until the daemon reads it (memacct.ts).
 * They run as the answer arrives, while the daemon's write is being served: the answer's data is a view of
 * the daemon's memory, valid only until they return, so they copy what they keep.
 */
export function rpc(t: Thread, obj: PseudoObject, call: Call, onAnswer: (r: PseudoResponse, fds: FdCarry[]) => Ret, onError?: (e: number) => Ret, onLost?: (e: number) => Ret): Ret {
  const settle = (answer: PseudoResponse | number, got: FdCarry[]): Ret => {
    if (typeof answer === 'number' || answer.errno) {
      dropFds(got);
      // The daemon went away (or never answered): for a socket that is a reset connection. `onLost` sees
      // that errno (a call made of several requests reports what it did before).
      if (typeof answer === 'number') {
        const e = answer === E.IO && obj.isSocket ? E.CONNRESET : answer;
        return onLost ? onLost(e) : e;
      }
      return onError ? onError(answer.errno) : answer.errno;
    }
    return onAnswer(answer, got);
  };
  // The protocol's promise to daemons: no request carries more than PSEUDO_MAX_DATA bytes of data, so a
  // daemon's buffer of that size (plus a header) always holds a whole request. Callers split larger I/O.
  if ((call.data1?.length ?? 0) + (call.data2?.length ?? 0) > PSEUDO_MAX_DATA) {
    dropFds(call.fds ?? []);
    call.release?.();
    return E.MSGSIZE;
  }
  const account = t.proc.mem, queued = REQ_HEADER + (call.data1?.length ?? 0) + (call.data2?.length ?? 0);
  if (!account.charge(queued)) {
    dropFds(call.fds ?? []);
    call.release?.();
    return E.NOMEM;
  }
  let early: [PseudoResponse | number, FdCarry[]] | undefined;
  let parked = false;
  obj.reverse.request({
    op: call.op, flags: call.flags ?? 0, handle: obj.handle, arg1: call.arg1 ?? 0n, arg2: call.arg2 ?? 0n,
    data1: call.data1 ?? new Uint8Array(0), data2: call.data2 ?? new Uint8Array(0),
  }, (r, fds) => {
    if (!parked) early = [r, fds]; // answered at once (a dead daemon)
    else t.resume(() => settle(r, fds), () => { dropFds(fds); closeOrphan(obj.reverse, call.op, r); });
  }, call.fds, () => { account.uncharge(queued); call.release?.(); });
  if (early) return settle(...early);
  parked = true;
  return t.park();
}

/** A handle the daemon made (OPEN, SOCK_ACCEPT) for a caller that is gone: close it again. */
function closeOrphan(rev: ReverseObject, op: number, r: PseudoResponse | number): void {
  if (typeof r === 'number' || r.errno || (op !== OP.OPEN && op !== OP.SOCK_ACCEPT)) return;
  rev.post({ id: 0, op: OP.CLOSE, flags: 0, handle: r.value1, arg1: 0n, arg2: 0n, data1: new Uint8Array(0), data2: new Uint8Array(0) });
}

const ANSWER_MAX = 128; // bytes of the factory's longest answer

const PAIR_TYPES: Record<string, number> = {
  DIRECTORY: FILETYPE.DIRECTORY, REGULAR_FILE: FILETYPE.REGULAR_FILE,
  SOCKET_STREAM: FILETYPE.SOCKET_STREAM, SOCKET_DGRAM: FILETYPE.SOCKET_DGRAM,
};

/**
 * The pseudo-pair factory (Cosix's ifstore PSEUDOPAIR command): a kernel-served datagram socket. Sending
 * "PSEUDOPAIR <TYPE>" (DIRECTORY by default) answers "OK" with two fds attached: the reverse end, then a
 * pseudo end whose daemon handle is 0. Anything else answers "ERROR <reason>".
 */
export class PseudoFactory extends UnixSocket {
  private constructor(kernel: Kernel) { super(kernel, FILETYPE.SOCKET_DGRAM); }

  /** The client's end of a new factory; the factory lives as long as that end. */
  static open(kernel: Kernel): UnixSocket {
    const f = new PseudoFactory(kernel).ref();
    const user = new UnixSocket(kernel, FILETYPE.SOCKET_DGRAM);
    user.peer = f; f.peer = user;
    user.connected = f.connected = true;
    return user;
  }

  protected override peerClosed(): void { this.unref(); }

  protected override accept(data: Uint8Array, fds: FdCarry[]): boolean {
    // The answer is queued at the client's end: with no memory for it, refuse the request (nothing taken).
    if (!this.kernel.memory.fits(ANSWER_MAX)) return false;
    for (const f of fds) f.desc.unref();
    const [cmd, arg = 'DIRECTORY', extra] = (utf8Decode(data) ?? '').trim().split(/\s+/);
    const type = PAIR_TYPES[arg];
    if (cmd !== 'PSEUDOPAIR' || type === undefined || extra !== undefined) {
      this.send(utf8Encode(`ERROR expected PSEUDOPAIR [${Object.keys(PAIR_TYPES).join('|')}]`), []);
      return true;
    }
    const rev = new ReverseObject(this.kernel);
    const pseudo = new PseudoObject(this.kernel, type, rev, 0n);
    const carry = (o: KObject, base: bigint, inheriting: bigint): FdCarry => ({ desc: new Description(o, 0).ref(), base, inheriting });
    const pair = [carry(rev, RIGHTSETS.reverse.base, RIGHTSETS.reverse.inheriting), carry(pseudo, RIGHTSETS.all.base, RIGHTSETS.all.inheriting)];
    if (this.send(utf8Encode('OK'), pair) < 0) dropFds(pair); // the client's end is full or gone
    return true;
  }
}
