/**
 * TCP sockets (RFC 9293), plugged into the SocketSet as TransportSocket<'tcp'>.
 *
 * Read before editing:
 *   RFC 9293  TCP: states (3.3.2), sequence variables (3.3.1), SEGMENT ARRIVES (3.10.7), user calls (3.10.1-6)
 *   RFC 6298  retransmission timer, Karn's algorithm          -> tcp/rtt.ts, tcp/timers.ts
 *   RFC 5681  congestion control, fast retransmit/recovery    -> tcp/congestion.ts, tcp/ack.ts
 *   RFC 6582  NewReno partial acknowledgments                 -> tcp/congestion.ts, tcp/ack.ts
 *   RFC 2018  SACK option; RFC 6675 SACK-based loss recovery  -> tcp/assembler.ts, tcp/sack.ts, tcp/output.ts
 *   RFC 7323  window scale, timestamps, PAWS                  -> tcp/input.ts, tcp/output.ts
 *   RFC 5961  RST/SYN/ACK blind-attack mitigations            -> tcp/input.ts, tcp/ack.ts
 *   RFC 1122  4.2: delayed ACK, keepalive, Nagle, zero-window probes; RFC 6528 ISN; RFC 6691 MSS
 *
 * Layout: ingress is process() -> tcp/input.ts (-> tcp/ack.ts); egress is dispatch() -> tcp/output.ts
 * (-> tcp/timers.ts); the connection's variables live in tcp/tcb.ts. process() never transmits.
 *
 * Listening: listen() makes this socket a listener. Each acceptable SYN spawns a child TcpSocket bound to
 * the connection's 4-tuple (so later segments bypass the listener) in SYN-RECEIVED; when its handshake
 * completes it moves from the SYN queue to the accept queue, where accept() finds it.
 * SYN handling under load: a SYN is DROPPED, silently, when the SYN queue is full (synBacklog) or when
 * one more connection could overflow the accept queue (half-open + accepted >= backlog). Dropping rather
 * than answering with RST leaves the client's SYN retransmission to try again once the application has
 * caught up (as Linux does); a RST would fail the client's connect() for a transient overload. Reserving
 * accept-queue room for every half-open child means a completed handshake is never thrown away.
 */
import { TCP_MAX_BACKLOG, TCP_SYN_BACKLOG } from '../params.js';
import { TcpFlags, type TcpRepr } from '../wire/tcp.js';
import type { Egress, Endpoint, IpMeta, SocketSet, TransportError, TransportSocket } from './set.js';
import { acceptSyn, processSegment } from './tcp/input.js';
import { ackSeq, dispatchTcb, pollAtTcb } from './tcp/output.js';
import { type KeepaliveConfig, State, Tcb, type TcpConfig, type TcpError, defaultConfig } from './tcp/tcb.js';

export { type KeepaliveConfig, State, type TcpError } from './tcp/tcb.js';

export interface TcpSocketOptions extends Partial<Omit<TcpConfig, 'rng' | 'keepalive'>> {
  /** Uniformly distributed uint32s (ISNs, timestamp offsets, ephemeral ports come from the set's rng). */
  rng: () => number;
  keepalive?: Partial<KeepaliveConfig>;
  /** Half-open children a listener keeps (the SYN queue). */
  synBacklog?: number;
}

export type TcpConnectResult = 'ok' | 'in-use' | 'no-port' | 'invalid-state';
export type TcpListenResult = 'ok' | 'in-use' | 'invalid-state';

/** A listener's queues (RFC 9293 3.10.7.2 and the overload policy at the top of this file). */
interface Listener {
  backlog: number;
  synBacklog: number;
  synQueue: Set<TcpSocket>;
  acceptQueue: TcpSocket[];
}

export class TcpSocket implements TransportSocket<'tcp'> {
  readonly protocol = 'tcp' as const;
  /** The connection's control block (exposed for tests and diagnostics; applications use the methods). */
  readonly tcb: Tcb;
  readonly stats = { synDropped: 0, segmentsIn: 0 };
  private listener: Listener | null = null;
  private parent: TcpSocket | null = null;
  private used = false;

  constructor(private readonly set: SocketSet, private readonly options: TcpSocketOptions) {
    const base = defaultConfig(options.rng);
    const { keepalive, synBacklog: _s, ...rest } = options;
    const cfg: TcpConfig = { ...base, ...rest, keepalive: { ...base.keepalive, ...keepalive } };
    this.tcb = new Tcb(cfg, { established: () => this.onEstablished(), closed: () => this.onClosed() });
  }

  // --- application API (RFC 9293 3.10: OPEN, SEND, RECEIVE, CLOSE, ABORT, STATUS) ---

  get state(): State { return this.tcb.state; }
  get error(): TcpError | null { return this.tcb.error; }
  get localEndpoint(): Endpoint { return { ...this.tcb.local }; }
  get remoteEndpoint(): Endpoint { return { ...this.tcb.remote }; }

  /** Active OPEN (RFC 9293 3.10.1). Port 0 picks an ephemeral port; address 0 lets the route choose. */
  connect(local: Endpoint, remote: Endpoint, now: number): TcpConnectResult {
    if (this.used) return 'invalid-state';
    const port = local.port !== 0 ? local.port : this.set.ephemeralPort('tcp');
    if (port === null) return 'no-port';
    const endpoint = { addr: local.addr, port };
    if (this.set.bind(this, endpoint, remote) !== 'ok') return 'in-use';
    this.used = true;
    const t = this.tcb;
    t.local = endpoint;
    t.remote = { ...remote };
    t.chooseIss(now);
    t.state = State.SYN_SENT;
    t.synOwed = true;
    this.set.notify(this);
    return 'ok';
  }

  /** Passive OPEN (RFC 9293 3.10.1): accept connections to `local` (address 0: any of ours). */
  listen(local: Endpoint, backlog: number): TcpListenResult {
    if (this.used || local.port === 0) return 'invalid-state';
    if (this.set.bind(this, local, null) !== 'ok') return 'in-use';
    this.used = true;
    this.tcb.local = { ...local };
    this.tcb.state = State.LISTEN;
    this.listener = {
      backlog: Math.max(1, Math.min(backlog, TCP_MAX_BACKLOG)),
      synBacklog: this.options.synBacklog ?? TCP_SYN_BACKLOG,
      synQueue: new Set(),
      acceptQueue: [],
    };
    return 'ok';
  }

  /** The oldest connection whose handshake completed, or null. */
  accept(): TcpSocket | null {
    const child = this.listener?.acceptQueue.shift() ?? null;
    if (child !== null) child.parent = null;
    return child;
  }

  /** SEND (RFC 9293 3.10.2): queues what fits in the send buffer and returns how many bytes it took. */
  send(bytes: Uint8Array): number {
    const s = this.tcb.state;
    const open = s === State.ESTABLISHED || s === State.CLOSE_WAIT || s === State.SYN_SENT || s === State.SYN_RECEIVED;
    if (!open || this.tcb.finQueued) return 0;
    const n = this.tcb.tx.push(bytes);
    if (n > 0) this.set.notify(this);
    return n;
  }

  /** RECEIVE (RFC 9293 3.10.3): up to `max` in-order bytes; empty when none (see `eof`). */
  recv(max: number): Uint8Array {
    const out = this.tcb.rx.read(Math.max(0, max));
    if (out.length > 0) this.set.notify(this); // the window may have reopened (RFC 9293 3.8.6.2.2)
    return out;
  }

  /** CLOSE (RFC 9293 3.10.4): closes our sending side after the queued data (a half-close); recv() goes on. */
  close(): void {
    const t = this.tcb;
    switch (t.state) {
      case State.LISTEN: return this.closeListener();
      case State.SYN_SENT: return t.close(null);
      case State.SYN_RECEIVED: t.finQueued = true; break; // RFC 9293: the FIN follows ESTABLISHED
      case State.ESTABLISHED: t.finQueued = true; t.state = State.FIN_WAIT_1; break;
      case State.CLOSE_WAIT: t.finQueued = true; t.state = State.LAST_ACK; break;
      default: return;
    }
    this.set.notify(this);
  }

  /** ABORT (RFC 9293 3.10.5): a RST to the peer where one is due, and CLOSED at once. */
  abort(): void {
    const t = this.tcb;
    if (t.state === State.LISTEN) return this.closeListener();
    const s = t.state;
    if (s === State.SYN_RECEIVED || s === State.ESTABLISHED || s === State.FIN_WAIT_1 || s === State.FIN_WAIT_2
      || s === State.CLOSE_WAIT) {
      t.resets.push({ seq: ackSeq(t), ack: null }); // RFC 9293 3.10.5: SND.NXT (see ackSeq)
    }
    t.rx.drop(t.rx.length);
    t.close(null);
  }

  /** Nagle's algorithm off (true) or on (RFC 1122 4.2.3.4). */
  setNoDelay(noDelay: boolean): void {
    this.tcb.cfg.noDelay = noDelay;
    this.set.notify(this);
  }

  /** Keepalive probes (RFC 1122 4.2.3.6), off by default; `now` starts the idle period. */
  setKeepalive(enabled: boolean, now: number, options: Partial<Omit<KeepaliveConfig, 'enabled'>> = {}): void {
    const k = this.tcb.cfg.keepalive;
    Object.assign(k, options, { enabled });
    this.tcb.keepaliveAt = enabled && this.tcb.synchronized ? now + k.idle : null;
    this.set.notify(this);
  }

  /** Data to read, the peer's FIN, an error, or (listener) a connection to accept. */
  get readable(): boolean {
    if (this.listener !== null) return this.listener.acceptQueue.length > 0;
    const t = this.tcb;
    return t.rx.length > 0 || t.rcvClosed || t.error !== null;
  }

  /** send() would take at least one byte. */
  get writable(): boolean {
    const t = this.tcb;
    return (t.state === State.ESTABLISHED || t.state === State.CLOSE_WAIT) && !t.finQueued && t.tx.free > 0;
  }

  /** Both directions are finished (or the connection is gone). */
  get hangup(): boolean {
    const t = this.tcb;
    return this.used && t.state === State.CLOSED || t.state === State.TIME_WAIT || t.rcvClosed && t.finQueued;
  }

  /** The peer closed its side and every byte before its FIN has been read. */
  get eof(): boolean { return this.tcb.rcvClosed && this.tcb.rx.length === 0; }

  /** Connections waiting in accept() and half-open ones (listeners only). */
  get queued(): { accept: number; syn: number } {
    return { accept: this.listener?.acceptQueue.length ?? 0, syn: this.listener?.synQueue.size ?? 0 };
  }

  // --- TransportSocket ---

  process(now: number, ip: IpMeta, segment: TcpRepr): void {
    this.stats.segmentsIn++;
    if (this.tcb.state === State.LISTEN) return this.processListen(now, ip, segment);
    processSegment(this.tcb, now, segment);
  }

  dispatch(now: number, egress: Egress): void {
    dispatchTcb(this.tcb, now, egress);
    if (this.tcb.state === State.CLOSED && this.tcb.resets.length === 0 && this.listener === null) this.set.remove(this);
  }

  pollAt(now: number): number | null {
    return pollAtTcb(this.tcb, now);
  }

  /** RFC 1122 4.2.3.9: ICMP errors are soft, except that port/protocol unreachable refuses a SYN. */
  transportError(_now: number, e: TransportError): void {
    const hard = e.kind === 'unreachable' && (e.code === 2 || e.code === 3) && !e.localOrigin;
    if (hard && this.tcb.state === State.SYN_SENT) this.tcb.close('refused');
  }

  // --- listening ---

  /** RFC 9293 3.10.7.2 (LISTEN): RST ignored, ACK answered by RST, SYN spawns a child (if there is room). */
  private processListen(now: number, ip: IpMeta, seg: TcpRepr): void {
    const l = this.listener!;
    const local = { addr: ip.dst, port: seg.dstPort };
    const remote = { addr: ip.src, port: seg.srcPort };
    if (seg.flags & TcpFlags.RST) return;
    if (seg.flags & TcpFlags.ACK) {
      this.tcb.resets.push({ seq: seg.ackNumber, ack: null, local, remote });
      return;
    }
    if (!(seg.flags & TcpFlags.SYN)) return;
    if (l.synQueue.size >= l.synBacklog || l.synQueue.size + l.acceptQueue.length >= l.backlog) {
      this.stats.synDropped++;
      return;
    }
    const child = new TcpSocket(this.set, { ...this.options, ...this.childConfig() });
    if (this.set.bind(child, local, remote) !== 'ok') return;
    child.used = true;
    child.parent = this;
    child.tcb.local = local;
    child.tcb.remote = remote;
    acceptSyn(child.tcb, now, seg);
    l.synQueue.add(child);
    this.set.notify(child);
  }

  /** Children inherit the listener's current settings (NODELAY, keepalive). */
  private childConfig(): Partial<TcpSocketOptions> {
    const c = this.tcb.cfg;
    return { noDelay: c.noDelay, keepalive: { ...c.keepalive } };
  }

  private closeListener(): void {
    const l = this.listener!;
    for (const child of [...l.synQueue, ...l.acceptQueue]) child.abort();
    l.synQueue.clear();
    l.acceptQueue = [];
    this.listener = null;
    this.tcb.state = State.CLOSED;
    this.set.remove(this);
  }

  private onEstablished(): void {
    const l = this.parent?.listener;
    if (!l || !l.synQueue.delete(this)) return;
    l.acceptQueue.push(this);
  }

  private onClosed(): void {
    this.parent?.listener?.synQueue.delete(this);
    this.set.notify(this);
  }
}
