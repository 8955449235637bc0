/**
 * What a connection sends (RFC 9293 3.10.7 replies, 3.8.6 windows): resets, SYN and SYN-ACK with our
 * options, data and FIN chosen by nextSegment() (retransmission at SND.UNA, RFC 6675 NextSeg() during
 * SACK recovery, otherwise new data under the peer's window, cwnd, Nagle and sender SWS avoidance),
 * zero-window and keepalive probes, and ACKs (immediate, delayed, window updates).
 */
import { TcpFlags, type TcpRepr, tcpRepr } from '../../wire/tcp.js';
import type { Egress } from '../set.js';
import { seqAdd, seqGe, seqGt, seqLe, seqLt, seqMax, seqMin, seqSub } from './seq.js';
import { State, type Tcb, shiftFor } from './tcb.js';
import { runTimers } from './timers.js';

const { SYN, ACK, RST, FIN, PSH } = TcpFlags;

/** One data/FIN segment to send. `advance` moves SND.NXT to its end; `rtx` marks a retransmission. */
export interface Plan {
  seq: number;
  len: number;
  fin: boolean;
  rtx: boolean;
  advance: boolean;
}

/** States in which data and FIN may be (re)transmitted. */
function sending(t: Tcb): boolean {
  switch (t.state) {
    case State.ESTABLISHED: case State.CLOSE_WAIT: case State.FIN_WAIT_1: case State.CLOSING: case State.LAST_ACK:
      return t.synAcked;
    default:
      return false;
  }
}

/** Payload room of one segment: MSS less the options it will carry (RFC 6691). */
export function segCap(t: Tcb): number {
  const blocks = t.sackOk && !t.asm.isEmpty ? Math.min(t.asm.count, t.tsOk ? 3 : 4) : 0;
  return Math.max(1, t.effMss - (blocks > 0 ? 4 + 8 * blocks : 0));
}

/** A segment starting at `seq` of at most `limit` octets of data; FIN rides along when it reaches the end. */
function segmentAt(t: Tcb, seq: number, limit: number, rtx: boolean, advance: boolean): Plan | null {
  const dataLeft = seqSub(t.dataEnd, seq);
  if (dataLeft < 0) return null;
  const len = Math.max(0, Math.min(limit, segCap(t), dataLeft));
  const fin = t.finQueued && len === dataLeft;
  return len > 0 || fin ? { seq, len, fin, rtx, advance } : null;
}

/** The next segment dispatch() would send, or null. Pure: pollAt() uses it too. */
export function nextSegment(t: Tcb): Plan | null {
  if (!sending(t)) return null;
  if (t.rtxOwed) {
    // RFC 5681 3.2 step 3 / RFC 6582 3.2 step 5: (re)send the first unacknowledged segment.
    const p = segmentAt(t, t.sndUna, Infinity, true, false);
    if (p !== null) return p;
  }
  if (t.cc.inRecovery && t.sackOk) return sackNext(t);
  return normalNext(t);
}

/** RFC 6675 5 step (C) and 4 NextSeg(): while cwnd - pipe >= SMSS, lost holes first, then new data, then rule 3. */
function sackNext(t: Tcb): Plan | null {
  const smss = t.effMss;
  const cc = t.cc;
  if (cc.cwnd - t.board.pipe(t.sndUna, t.sndNxt, cc.highRxt, smss) < smss) return null;
  const from = seqMax(cc.highRxt, t.sndUna);
  const lost = t.board.nextLost(from, t.sndNxt, smss);
  if (lost !== null) return segmentAt(t, lost.left, seqSub(lost.right, lost.left), true, false);
  const fresh = newData(t, t.sndNxt, Infinity);
  if (fresh !== null) return fresh;
  const rescue = t.board.nextUnsacked(from);
  if (rescue !== null && seqLt(rescue.left, t.sndNxt)) {
    return segmentAt(t, rescue.left, seqSub(seqMin(rescue.right, t.sndNxt), rescue.left), true, false);
  }
  return null;
}

/** Outside SACK recovery: from SND.NXT (which a timeout moved back), skipping what the peer SACKed. */
function normalNext(t: Tcb): Plan | null {
  let seq = t.sndNxt;
  // RFC 6675 5.1: after a timeout we keep the scoreboard and do not resend SACKed octets.
  for (let end = t.board.sackedEnd(seq); end !== null && seqLt(seq, t.sndMax); end = t.board.sackedEnd(seq)) seq = end;
  const cwndLeft = t.cc.cwnd - seqSub(seq, t.sndUna);
  // RFC 3042 limited transmit: each of the first two duplicate ACKs may release one new segment.
  const limited = t.cc.inRecovery ? 0 : Math.min(t.cc.dupAcks, 2) * t.effMss;
  if (seqGe(seq, t.sndMax)) return newData(t, seq, cwndLeft + limited);
  const nextSacked = t.board.nextSackedAfter(seq);
  const hole = nextSacked === null ? Infinity : seqSub(nextSacked, seq);
  const wndLeft = seqSub(seqAdd(t.sndUna, t.sndWnd), seq);
  return segmentAt(t, seq, Math.min(hole, wndLeft, cwndLeft), true, true);
}

/**
 * New data at `seq` (>= SND.MAX) within the peer's window (RFC 9293 3.8.6) and `cwndLeft`, subject to
 * Nagle (RFC 9293 3.7.4, RFC 1122 4.2.3.4: a short segment waits while data is unacknowledged, unless
 * NODELAY) and sender SWS avoidance (RFC 9293 3.8.6.2.1: a short, window-limited segment leaves only if
 * it is at least half the largest window the peer offered).
 */
function newData(t: Tcb, seq: number, cwndLeft: number): Plan | null {
  const wndLeft = seqSub(seqAdd(t.sndUna, t.sndWnd), seq);
  const p = segmentAt(t, seq, Math.min(wndLeft, cwndLeft), false, true);
  if (p === null || p.len === 0) return p;
  const dataLeft = seqSub(t.dataEnd, seq);
  if (p.len >= segCap(t)) return p;
  const idle = t.flightSize === 0 || t.cfg.noDelay;
  if (p.len === dataLeft) return idle || t.finQueued ? p : null;
  return p.len === wndLeft && 2 * p.len >= t.maxSndWnd && idle ? p : null;
}

/**
 * SEG.SEQ of a segment without data (ACK, window update, RST on abort). RFC 9293 says SND.NXT, but after
 * a timeout SND.NXT goes back to SND.UNA while the peer may hold data up to SND.MAX: an ACK from below its
 * RCV.NXT would fail its acceptability test and be dropped, ACK field and all (both ends doing so can
 * deadlock). So, as Linux's tcp_acceptable_seq(): SND.MAX, or the right edge of the peer's window if that
 * is lower (a zero-window probe's octet lies beyond it).
 */
export function ackSeq(t: Tcb): number {
  const windowEnd = seqAdd(t.sndUna, t.sndWnd);
  return seqLe(t.sndMax, windowEnd) ? t.sndMax : windowEnd;
}

/** The right edge of the window we would advertise now. */
function rightEdge(t: Tcb): number {
  return seqAdd(t.rcvNxt, t.rcvWnd);
}

/** RFC 9293 3.8.6.2.2: a window update once the edge can move by min(half the buffer, one MSS). */
export function windowUpdateDue(t: Tcb): boolean {
  const receiving = t.state === State.ESTABLISHED || t.state === State.FIN_WAIT_1 || t.state === State.FIN_WAIT_2;
  if (!receiving || t.rcvClosed) return false;
  const grow = seqSub(rightEdge(t), t.advertisedRight);
  return grow > 0 && grow >= Math.min(t.cfg.rxBuffer / 2, t.rcvMss);
}

/**
 * The 16-bit window of a non-SYN segment. Shifting rounds down, which could pull the right edge back
 * below one already advertised; RFC 9293 3.8.6.2.2 / RFC 7323 2.4 say not to shrink the window, so the
 * field is rounded up to keep the old edge (data beyond the free buffer is trimmed on arrival).
 */
function windowField(t: Tcb): number {
  const scale = 2 ** t.rcvShift;
  let field = Math.floor(t.rcvWnd / scale);
  const kept = seqSub(t.advertisedRight, t.rcvNxt);
  if (kept > 0 && kept <= t.rx.capacity) field = Math.max(field, Math.ceil(kept / scale));
  return Math.min(field, 0xffff);
}

/** Builds and sends one segment with the options a synchronized connection carries. */
function emit(t: Tcb, now: number, egress: Egress, seq: number, flags: number, payload?: Uint8Array): void {
  const syn = (flags & SYN) !== 0;
  // RFC 7323 2.2: the window in a SYN is never scaled; afterwards it is shifted by our announced scale.
  const wnd = syn ? Math.min(t.rcvWnd, 0xffff) : windowField(t);
  const repr: TcpRepr = tcpRepr({
    srcPort: t.local.port, dstPort: t.remote.port, seqNumber: seq, flags, windowLen: wnd,
    ackNumber: flags & ACK ? t.rcvNxt : 0, payload: payload ?? new Uint8Array(0),
  });
  if (t.tsOk) repr.timestamps = { tsVal: t.tsVal(now), tsEcr: t.tsRecent };
  // RFC 2018 4: every ACK carries SACK blocks while out-of-order data is held (3 fit beside timestamps).
  if (t.sackOk && !t.asm.isEmpty && !syn) repr.sackBlocks = t.asm.sackBlocks(t.tsOk ? 3 : 4);
  if (syn) synOptions(t, now, repr);
  egress.send('tcp', { src: t.local.addr, dst: t.remote.addr }, repr);
  if (flags & ACK) {
    t.lastAckSent = t.rcvNxt;
    t.ackNow = false;
    t.ackDelayedAt = null;
    t.unackedSegments = 0;
    t.advertisedRight = seqAdd(t.rcvNxt, syn ? wnd : wnd << t.rcvShift);
  }
}

/** Options of SYN and SYN-ACK: RFC 9293 3.7.1 MSS, RFC 7323 window scale and timestamps, RFC 2018 SACK-permitted. */
function synOptions(t: Tcb, now: number, repr: TcpRepr): void {
  repr.maxSegSize = t.rcvMss;
  const active = t.state === State.SYN_SENT;
  // RFC 7323 1.3 / 3.2, RFC 2018 2: a SYN-ACK carries an option only if the SYN did.
  if (active ? t.cfg.windowScale : t.peerOffered.ws !== null && t.cfg.windowScale) repr.windowScale = shiftFor(t.cfg.rxBuffer);
  repr.sackPermitted = active ? t.cfg.sack : t.sackOk;
  if (active ? t.cfg.timestamps : t.tsOk) repr.timestamps = { tsVal: t.tsVal(now), tsEcr: active ? 0 : t.tsRecent };
}

/** SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED, passive or simultaneous open) from the ISS. */
function sendSyn(t: Tcb, now: number, egress: Egress): void {
  if (t.sndMax === t.iss) t.rcvMss = Math.max(1, egress.mtu - 40); // RFC 9293 3.7.1: MTU less the fixed headers
  if (t.state === State.SYN_RECEIVED) t.cc.setMss(t.effMss);
  const flags = t.state === State.SYN_SENT ? SYN : SYN | ACK;
  emit(t, now, egress, t.iss, flags);
  t.synOwed = false;
  const end = seqAdd(t.iss, 1);
  if (t.sndMax === t.iss && !t.synRetransmitted) {
    t.rttEnd = end;
    t.rttStart = now;
  }
  t.sndMax = seqMax(t.sndMax, end);
  t.sndNxt = seqMax(t.sndNxt, end);
  t.rtxAt ??= now + t.rtt.rto; // RFC 6298 5.1
}

/** Sends one planned data/FIN segment and does the bookkeeping of RFC 6298 5.1 and 3 (Karn). */
function transmit(t: Tcb, now: number, egress: Egress, p: Plan): void {
  // A view into the send buffer: emit() copies it into the frame before anything writes the buffer again.
  const payload = p.len > 0 ? t.tx.view(seqSub(p.seq, t.txStart), p.len) : undefined;
  const end = seqAdd(p.seq, p.len + (p.fin ? 1 : 0));
  const push = p.len > 0 && seqAdd(p.seq, p.len) === t.dataEnd ? PSH : 0;
  emit(t, now, egress, p.seq, ACK | push | (p.fin ? FIN : 0), payload);
  if (p.fin) t.finSeq = t.dataEnd;
  if (p.rtx || seqLt(p.seq, t.sndMax)) t.rttEnd = null; // Karn: no sample from a retransmitted segment
  else if (t.rttEnd === null) {
    t.rttEnd = end;
    t.rttStart = now;
  }
  if (p.rtx && t.cc.inRecovery) {
    if (seqGt(end, t.cc.highRxt)) t.cc.highRxt = end;
    t.cc.rtxMark = t.sndMax;
  }
  if (p.advance) t.sndNxt = end;
  t.lastDataSentAt = now;
  t.sndMax = seqMax(t.sndMax, end);
  // RFC 6298 5.1; and as BSD and RFC 6582 3.2 step 5 do, a fast retransmission of the first
  // unacknowledged segment restarts the timer, so that it does not expire while recovery works.
  if (p.rtx && p.seq === t.sndUna && t.cc.inRecovery) t.rtxAt = now + t.rtt.rto;
  else t.rtxAt ??= now + t.rtt.rto;
}

function sendData(t: Tcb, now: number, egress: Egress): void {
  // RFC 5681 4.1: restart from the initial window after an idle period longer than RTO.
  if (t.flightSize === 0 && t.lastDataSentAt !== null && now - t.lastDataSentAt > t.rtt.rto) {
    t.cc.restartAfterIdle();
    t.lastDataSentAt = null;
  }
  for (let p = nextSegment(t); p !== null; p = nextSegment(t)) {
    transmit(t, now, egress, p);
    t.rtxOwed = false;
  }
  t.rtxOwed = false;
  // RFC 9293 3.8.6.1 / RFC 1122 4.2.2.17: data waits on a window that is closed (or too small to use) and
  // nothing is in flight to bring an update: start the persist timer.
  if (sending(t) && t.flightSize === 0 && seqLt(t.sndNxt, t.dataEnd) && t.persistAt === null) {
    t.persistAt = now + persistInterval(t);
  }
}

export function persistInterval(t: Tcb): number {
  return Math.min(t.rtt.rto * 2 ** t.persistBackoff, t.cfg.maxRto);
}

/** RFC 9293 3.8.6.1: a zero-window probe carries one octet of new data beyond the window. */
function sendProbe(t: Tcb, now: number, egress: Egress): void {
  if (!sending(t) || !seqLt(t.sndUna, t.dataEnd)) return;
  emit(t, now, egress, t.sndUna, ACK, t.tx.peek(seqSub(t.sndUna, t.txStart), 1));
  t.sndMax = seqMax(t.sndMax, seqAdd(t.sndUna, 1));
}

export function sendResets(t: Tcb, egress: Egress): void {
  for (const r of t.resets) {
    const local = r.local ?? t.local;
    const remote = r.remote ?? t.remote;
    const repr = tcpRepr({
      srcPort: local.port, dstPort: remote.port, seqNumber: r.seq,
      flags: r.ack === null ? RST : RST | ACK, ackNumber: r.ack ?? 0,
    });
    egress.send('tcp', { src: local.addr, dst: remote.addr }, repr);
  }
  t.resets = [];
}

/** Everything due at `now`: timers, resets, handshake, data, probes, ACKs. */
export function dispatchTcb(t: Tcb, now: number, egress: Egress): void {
  t.mtu = egress.mtu;
  const due = runTimers(t, now);
  sendResets(t, egress);
  if (t.state === State.CLOSED || t.state === State.LISTEN) return;
  if (t.state === State.SYN_SENT || t.state === State.SYN_RECEIVED) {
    if (t.synOwed) sendSyn(t, now, egress);
    else if (t.ackNow && t.state === State.SYN_RECEIVED) emit(t, now, egress, ackSeq(t), ACK);
    t.ackNow = false; // SYN-SENT has nothing to acknowledge yet
    return;
  }
  // RFC 1122 4.2.3.6: a keepalive is an ACK with SEG.SEQ = SND.NXT - 1, which the peer must answer.
  if (due.keepalive) emit(t, now, egress, seqSub(t.sndUna, 1) >>> 0, ACK);
  if (due.probe) sendProbe(t, now, egress);
  sendData(t, now, egress);
  if (t.ackNow || windowUpdateDue(t)) {
    for (; t.dupAcksOwed > 0; t.dupAcksOwed--) emit(t, now, egress, ackSeq(t), ACK);
    emit(t, now, egress, ackSeq(t), ACK);
  }
  t.dupAcksOwed = 0;
}

/** When the connection next needs dispatch(): now if something is owed, else its earliest timer. */
export function pollAtTcb(t: Tcb, now: number): number | null {
  if (t.resets.length > 0 || t.synOwed || t.ackNow) return now;
  if (t.state === State.CLOSED || t.state === State.LISTEN) return null;
  if (nextSegment(t) !== null || windowUpdateDue(t)) return now;
  let at: number | null = null;
  for (const x of [t.rtxAt, t.persistAt, t.ackDelayedAt, t.keepaliveAt, t.timeWaitAt]) {
    if (x !== null && (at === null || x < at)) at = x;
  }
  return at;
}
