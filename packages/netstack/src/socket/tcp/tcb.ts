/**
 * The transmission control block (RFC 9293 3.3.1): every variable of one connection, shared by
 * input.ts (segment arrival), ack.ts (the ACK field), output.ts (what to send) and timers.ts.
 * The application-facing class is TcpSocket in ../tcp.ts.
 */
import {
  TCP_CHALLENGE_ACKS_PER_SEC, TCP_DEFAULT_MSS, TCP_DELAYED_ACK_MS, TCP_INITIAL_RTO_MS, TCP_KEEPALIVE_IDLE_MS,
  TCP_KEEPALIVE_INTERVAL_MS, TCP_KEEPALIVE_PROBES, TCP_MAX_RETRIES, TCP_MAX_RTO_MS, TCP_MIN_RTO_MS, TCP_MSL_MS,
  TCP_REASSEMBLY_RANGES, TCP_RX_BUFFER, TCP_SYN_RETRIES, TCP_TX_BUFFER,
} from '../../params.js';
import { TCP_MAX_WINDOW_SCALE } from '../../wire/tcp.js';
import type { Endpoint } from '../set.js';
import { Assembler } from './assembler.js';
import { Congestion } from './congestion.js';
import { ByteRing } from './ring.js';
import { RttEstimator } from './rtt.js';
import { Scoreboard } from './sack.js';
import { seqAdd, seqSub } from './seq.js';

/** RFC 9293 3.3.2 connection states, named as the RFC names them. */
export enum State {
  CLOSED = 'CLOSED',
  LISTEN = 'LISTEN',
  SYN_SENT = 'SYN-SENT',
  SYN_RECEIVED = 'SYN-RECEIVED',
  ESTABLISHED = 'ESTABLISHED',
  FIN_WAIT_1 = 'FIN-WAIT-1',
  FIN_WAIT_2 = 'FIN-WAIT-2',
  CLOSE_WAIT = 'CLOSE-WAIT',
  CLOSING = 'CLOSING',
  LAST_ACK = 'LAST-ACK',
  TIME_WAIT = 'TIME-WAIT',
}

/** Why a connection ended abnormally. */
export type TcpError = 'refused' | 'reset' | 'timeout';

export interface TcpConfig {
  /** Uniformly distributed uint32s: the ISN (RFC 6528) and the timestamp offset (RFC 7323 5.4). */
  rng: () => number;
  rxBuffer: number;
  txBuffer: number;
  msl: number;
  noDelay: boolean;
  /** Offer window scaling (RFC 7323 2), timestamps (RFC 7323 3) and SACK (RFC 2018) in our SYN. */
  windowScale: boolean;
  timestamps: boolean;
  sack: boolean;
  /** 'reno': RFC 5681 / 6582 / 6675 (the default). 'none': only the peer's window limits (congestion.ts). */
  congestionControl: 'reno' | 'none';
  /** Delayed-ACK timer in ms; 0 acknowledges every segment at once. */
  delayedAck: number;
  initialRto: number;
  minRto: number;
  maxRto: number;
  maxRetries: number;
  synRetries: number;
  reassemblyRanges: number;
  keepalive: KeepaliveConfig;
  challengeAcksPerSec: number;
}

export interface KeepaliveConfig {
  enabled: boolean;
  idle: number;
  interval: number;
  probes: number;
}

export function defaultConfig(rng: () => number): TcpConfig {
  return {
    rng, rxBuffer: TCP_RX_BUFFER, txBuffer: TCP_TX_BUFFER, msl: TCP_MSL_MS, noDelay: false,
    windowScale: true, timestamps: true, sack: true, congestionControl: 'reno', delayedAck: TCP_DELAYED_ACK_MS,
    initialRto: TCP_INITIAL_RTO_MS, minRto: TCP_MIN_RTO_MS, maxRto: TCP_MAX_RTO_MS, maxRetries: TCP_MAX_RETRIES,
    synRetries: TCP_SYN_RETRIES, reassemblyRanges: TCP_REASSEMBLY_RANGES, challengeAcksPerSec: TCP_CHALLENGE_ACKS_PER_SEC,
    keepalive: { enabled: false, idle: TCP_KEEPALIVE_IDLE_MS, interval: TCP_KEEPALIVE_INTERVAL_MS, probes: TCP_KEEPALIVE_PROBES },
  };
}

/** A RST owed to some segment (RFC 9293 3.10.7): sent by the next dispatch. */
export interface OwedReset {
  seq: number;
  ack: number | null;
  /** For a listener, which has no connection: the segment's endpoints, swapped. */
  local?: Endpoint;
  remote?: Endpoint;
}

/** What the socket layer wants to hear about. */
export interface TcbHooks {
  /** The handshake completed (SYN-RECEIVED or SYN-SENT -> ESTABLISHED or CLOSE-WAIT). */
  established(): void;
  /** The connection reached CLOSED; any owed RST is still sent by the next dispatch. */
  closed(): void;
}

/** RFC 7323 2.3: the smallest shift that lets a 16-bit field carry the whole buffer. */
export function shiftFor(bytes: number): number {
  let shift = 0;
  while (shift < TCP_MAX_WINDOW_SCALE && bytes >> shift > 0xffff) shift++;
  return shift;
}

export class Tcb {
  state = State.CLOSED;
  local: Endpoint = { addr: 0, port: 0 };
  remote: Endpoint = { addr: 0, port: 0 };
  error: TcpError | null = null;

  // RFC 9293 3.3.1 send sequence variables. sndMax is the highest sequence sent + 1 (SND.NXT may fall
  // back below it after a timeout); maxSndWnd is the largest window the peer offered.
  iss = 0;
  sndUna = 0;
  sndNxt = 0;
  sndMax = 0;
  sndWnd = 0;
  sndWl1 = 0;
  sndWl2 = 0;
  maxSndWnd = 0;
  /** True once our SYN is acknowledged: data then starts at SND.UNA. */
  synAcked = false;
  /** The application closed its sending side: a FIN follows the queued data. */
  finQueued = false;
  /** Sequence number of our FIN once first sent. */
  finSeq: number | null = null;

  // RFC 9293 3.3.1 receive sequence variables (RCV.WND is derived from the free receive buffer).
  irs = 0;
  rcvNxt = 0;
  /** The peer's FIN arrived (RCV.NXT covers it): end of the byte stream. */
  rcvClosed = false;
  /** A FIN that arrived beyond a gap, applied when RCV.NXT reaches it. */
  peerFinSeq: number | null = null;

  // Negotiated options (RFC 9293 3.7.1, RFC 7323, RFC 2018).
  sndMss = TCP_DEFAULT_MSS;
  /** The MSS we advertise (interface MTU - 40), fixed when the first SYN is sent. */
  rcvMss = TCP_DEFAULT_MSS;
  sndShift = 0;
  rcvShift = 0;
  sackOk = false;
  tsOk = false;
  /** RFC 7323 4.3 TS.Recent and Last.ACK.sent; tsOffset randomizes our TSval clock (RFC 7323 5.4). */
  tsRecent = 0;
  lastAckSent = 0;
  tsOffset = 0;
  /** The peer's SYN options, kept by a passive opener until it answers. */
  peerOffered = { ws: null as number | null, sack: false, ts: false, mss: null as number | null };

  readonly tx: ByteRing;
  readonly rx: ByteRing;
  readonly asm: Assembler;
  readonly board = new Scoreboard();
  readonly rtt: RttEstimator;
  readonly cc: Congestion;

  // What dispatch() owes: a SYN (or SYN-ACK), a retransmission at SND.UNA, an ACK now, resets.
  synOwed = false;
  rtxOwed = false;
  ackNow = false;
  resets: OwedReset[] = [];
  /** Further duplicate ACKs owed beyond the one `ackNow` stands for: one per out-of-order segment (RFC 5681 4.2). */
  dupAcksOwed = 0;
  /** Segments received since we last sent an ACK (RFC 5681 4.2: ACK at least every second one). */
  unackedSegments = 0;
  /** RCV.NXT + RCV.WND as last advertised (receiver SWS avoidance, RFC 9293 3.8.6.2.2). */
  advertisedRight = 0;
  /** The interface MTU seen at the last dispatch. */
  mtu = 576;

  // Timers (absolute ms; null when stopped) and their counters.
  rtxAt: number | null = null;
  /** When data was last sent (RFC 5681 4.1 idle restart); null before any. */
  lastDataSentAt: number | null = null;
  retries = 0;
  synRetransmitted = false;
  /** Karn (RFC 6298 3): the timed segment's end and send time; null when nothing valid is being timed. */
  rttEnd: number | null = null;
  rttStart = 0;
  ackDelayedAt: number | null = null;
  persistAt: number | null = null;
  persistBackoff = 0;
  keepaliveAt: number | null = null;
  keepaliveProbes = 0;
  timeWaitAt: number | null = null;
  challenge = { windowStart: 0, count: 0 };

  constructor(readonly cfg: TcpConfig, readonly hooks: TcbHooks) {
    this.tx = new ByteRing(cfg.txBuffer);
    this.rx = new ByteRing(cfg.rxBuffer);
    this.asm = new Assembler(cfg.reassemblyRanges);
    this.rtt = new RttEstimator({ initial: cfg.initialRto, min: cfg.minRto, max: cfg.maxRto });
    this.cc = new Congestion(TCP_DEFAULT_MSS, 0, cfg.congestionControl === 'none');
  }

  /** RFC 6528: ISN = M + F(4-tuple, secret); M is a 4 us clock, F comes from the injected rng here. */
  chooseIss(now: number): void {
    this.iss = seqAdd(this.cfg.rng(), Math.floor(now * 250));
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.sndMax = this.iss;
    this.cc.recover = this.iss;
    this.tsOffset = this.cfg.rng() >>> 0;
  }

  /** Sequence number of the first byte in `tx` (after the SYN while it is unacknowledged). */
  get txStart(): number { return this.synAcked ? this.sndUna : seqAdd(this.iss, 1); }
  /** Sequence number just past the queued data (where the FIN goes). */
  get dataEnd(): number { return seqAdd(this.txStart, this.tx.length); }
  /** RFC 5681 2 FlightSize: sent but not yet acknowledged. */
  get flightSize(): number { return seqSub(this.sndMax, this.sndUna); }
  /** Largest payload of a segment carrying our usual options (RFC 6691: MSS excludes options). */
  get effMss(): number { return Math.max(1, Math.min(this.sndMss, this.rcvMss) - (this.tsOk ? 12 : 0)); }
  /** RCV.WND: the free receive buffer, as far as the 16-bit field and our shift can say (RFC 7323 2.3). */
  get rcvWnd(): number { return Math.min(this.rx.free, 0xffff << this.rcvShift); }
  /** True when the FIN we sent has been acknowledged. */
  get finAcked(): boolean { return this.finSeq !== null && seqSub(this.sndUna, this.finSeq) > 0; }
  /** The peer has seen our SYN and we have seen theirs: RFC 9293's synchronized states. */
  get synchronized(): boolean {
    return this.state !== State.CLOSED && this.state !== State.LISTEN && this.state !== State.SYN_SENT;
  }

  /** RFC 7323 5.4: our TSval clock, in ms from a random origin. */
  tsVal(now: number): number { return seqAdd(this.tsOffset, Math.floor(now)); }

  /** Stops every timer (entering CLOSED or TIME-WAIT). */
  stopTimers(): void {
    this.rtxAt = null;
    this.persistAt = null;
    this.keepaliveAt = null;
    this.ackDelayedAt = null;
  }

  /** Ends the connection: CLOSED, buffers dropped, hooks told. */
  close(error: TcpError | null): void {
    if (this.state === State.CLOSED) return;
    if (error !== null && this.error === null) this.error = error;
    this.state = State.CLOSED;
    this.stopTimers();
    this.timeWaitAt = null;
    this.synOwed = false;
    this.rtxOwed = false;
    this.ackNow = false;
    this.tx.drop(this.tx.length);
    this.asm.clear();
    this.board.clear();
    this.hooks.closed();
  }
}
