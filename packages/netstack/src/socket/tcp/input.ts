/**
 * Segment arrival, RFC 9293 3.10.7 ("SEGMENT ARRIVES") for every state but LISTEN (the listener in
 * ../tcp.ts spawns a child and hands it the SYN through acceptSyn()). The ACK field is ack.ts's.
 * Nothing here transmits: replies are recorded on the TCB (ackNow, synOwed, resets) for dispatch().
 */
import { TcpFlags, type TcpRepr, TCP_MAX_WINDOW_SCALE } from '../../wire/tcp.js';
import { processAck } from './ack.js';
import { seqAdd, seqGe, seqGt, seqLe, seqLt, seqSub } from './seq.js';
import { State, type Tcb, shiftFor } from './tcb.js';

const { SYN, ACK, RST, FIN } = TcpFlags;
/** Duplicate ACKs sent for a burst of out-of-order segments: enough for DupThresh and a little more. */
const MAX_DUP_ACKS_OWED = 4;

export function processSegment(t: Tcb, now: number, seg: TcpRepr): void {
  if (t.state === State.CLOSED || t.state === State.LISTEN) return;
  noteActivity(t, now);
  if (t.state === State.SYN_SENT) return synSent(t, now, seg);
  synchronized(t, now, seg);
}

/** Any segment from the peer restarts the keepalive idle period (RFC 1122 4.2.3.6). */
function noteActivity(t: Tcb, now: number): void {
  t.keepaliveProbes = 0;
  if (t.cfg.keepalive.enabled) t.keepaliveAt = now + t.cfg.keepalive.idle;
}

/** RFC 9293 3.10.7.2 (LISTEN, "third: check for a SYN"), run by the new child of a listener. */
export function acceptSyn(t: Tcb, now: number, seg: TcpRepr): void {
  t.chooseIss(now);
  t.irs = seg.seqNumber;
  t.rcvNxt = seqAdd(seg.seqNumber, 1);
  t.peerOffered = { ws: seg.windowScale, sack: seg.sackPermitted, ts: seg.timestamps !== null, mss: seg.maxSegSize };
  negotiate(t, seg);
  // RFC 7323 2.2: the window of a SYN is never scaled.
  t.sndWnd = seg.windowLen;
  t.maxSndWnd = t.sndWnd;
  t.sndWl1 = seg.seqNumber;
  t.sndWl2 = t.iss;
  t.sndNxt = seqAdd(t.iss, 1);
  t.state = State.SYN_RECEIVED;
  t.synOwed = true;
  noteActivity(t, now);
}

/**
 * Option negotiation from the peer's SYN: RFC 9293 3.7.1 (MSS, 536 when absent), RFC 7323 1.3 (window
 * scale only if both SYNs carry it; 2.3 clamps above 14) and 3.2 (timestamps likewise), RFC 2018 2 (SACK).
 */
function negotiate(t: Tcb, seg: TcpRepr): void {
  if (seg.maxSegSize !== null && seg.maxSegSize > 0) t.sndMss = seg.maxSegSize;
  if (t.cfg.windowScale && seg.windowScale !== null) {
    t.sndShift = Math.min(seg.windowScale, TCP_MAX_WINDOW_SCALE);
    t.rcvShift = shiftFor(t.cfg.rxBuffer);
  } else {
    t.sndShift = 0;
    t.rcvShift = 0;
  }
  t.sackOk = t.cfg.sack && seg.sackPermitted;
  t.tsOk = t.cfg.timestamps && seg.timestamps !== null;
  if (t.tsOk) t.tsRecent = seg.timestamps!.tsVal;
  t.cc.setMss(t.effMss);
}

/** RFC 9293 3.10.7.3: SYN-SENT. */
function synSent(t: Tcb, now: number, seg: TcpRepr): void {
  const hasAck = (seg.flags & ACK) !== 0;
  // First: an ACK that does not acknowledge our SYN gets a reset (unless it is one).
  if (hasAck && (seqLe(seg.ackNumber, t.iss) || seqGt(seg.ackNumber, t.sndMax))) {
    if (!(seg.flags & RST)) t.resets.push({ seq: seg.ackNumber, ack: null });
    return;
  }
  // Second: a RST is believed only with an acceptable ACK (RFC 5961 3.2 leaves SYN-SENT to this check).
  if (seg.flags & RST) {
    if (hasAck) t.close('refused');
    return;
  }
  if (!(seg.flags & SYN)) return;
  t.irs = seg.seqNumber;
  t.rcvNxt = seqAdd(seg.seqNumber, 1);
  negotiate(t, seg);
  t.sndWl1 = seg.seqNumber;
  t.sndWl2 = seg.ackNumber;
  t.sndWnd = seg.windowLen; // RFC 7323 2.2: unscaled in a SYN
  t.maxSndWnd = t.sndWnd;
  if (!hasAck) {
    // Simultaneous open (RFC 9293 3.5 figure 8): answer with SYN-ACK from the same ISS.
    t.state = State.SYN_RECEIVED;
    t.synOwed = true;
    return;
  }
  ourSynAcked(t, now, seg.ackNumber);
  t.state = State.ESTABLISHED;
  t.ackNow = true;
  t.hooks.established();
  if (seg.payload.length > 0 || seg.flags & FIN) receiveText(t, now, { ...seg, seqNumber: seqAdd(seg.seqNumber, 1) });
}

/** Our SYN is acknowledged: SND.UNA moves past it, the RTT sample is taken if the SYN went once. */
function ourSynAcked(t: Tcb, now: number, ack: number): void {
  t.sndUna = ack;
  t.synAcked = true;
  if (seqLt(t.sndNxt, t.sndUna)) t.sndNxt = t.sndUna;
  t.synOwed = false;
  if (t.rttEnd !== null && seqGe(ack, t.rttEnd)) t.rtt.sample(now - t.rttStart);
  t.rttEnd = null;
  t.rtt.resetAfterSynTimeout(t.synRetransmitted);
  t.retries = 0;
  t.rtxAt = t.flightSize > 0 ? now + t.rtt.rto : null;
}

/** RFC 9293 3.10.7.4: SYN-RECEIVED and the synchronized states. */
function synchronized(t: Tcb, now: number, seg: TcpRepr): void {
  // A retransmitted SYN while we are in SYN-RECEIVED: our SYN-ACK was lost, send it again.
  if (t.state === State.SYN_RECEIVED && seg.flags & SYN && !(seg.flags & ACK) && seg.seqNumber === t.irs) {
    t.synOwed = true;
    return;
  }
  // Simultaneous open (RFC 9293 3.5 figure 8): the peer's SYN-ACK repeats the SYN we already hold;
  // without its SYN it is an ordinary ACK at RCV.NXT, which completes our handshake.
  if (t.state === State.SYN_RECEIVED && seg.flags & SYN && seg.flags & ACK && seg.seqNumber === t.irs) {
    seg = { ...seg, seqNumber: seqAdd(t.irs, 1), flags: seg.flags & ~SYN };
  }
  if (!timestampsAcceptable(t, seg)) return;
  if (!acceptable(t, seg)) return unacceptable(t, now, seg);
  // RFC 7323 4.3: remember TSval of a segment that covers Last.ACK.sent.
  if (t.tsOk && seg.timestamps && seqLe(seg.seqNumber, t.lastAckSent)) t.tsRecent = seg.timestamps.tsVal;
  if (seg.flags & RST) return onReset(t, now, seg);
  // RFC 9293 3.10.7.4 fourth / RFC 5961 4.2: a SYN in a synchronized state gets a challenge ACK.
  if (seg.flags & SYN) return challengeAck(t, now);
  if (!(seg.flags & ACK)) return;
  if (!processAck(t, now, seg)) return;
  receiveText(t, now, seg);
}

/**
 * RFC 7323 3.2: once negotiated, a non-RST segment without timestamps is dropped; 5.3 R1 (PAWS): a
 * TSval older than TS.Recent marks an old duplicate, which is acknowledged and dropped.
 */
function timestampsAcceptable(t: Tcb, seg: TcpRepr): boolean {
  if (!t.tsOk || seg.flags & RST) return true;
  if (seg.timestamps === null) return false;
  if (seqLt(seg.timestamps.tsVal, t.tsRecent)) {
    t.ackNow = true;
    return false;
  }
  return true;
}

/** RFC 9293 3.10.7.4 first: the four cases of the acceptability test, with RCV.WND from the free buffer. */
function acceptable(t: Tcb, seg: TcpRepr): boolean {
  const len = seg.payload.length + (seg.flags & SYN ? 1 : 0) + (seg.flags & FIN ? 1 : 0);
  const wnd = t.rcvWnd;
  const inWindow = (s: number): boolean => seqGe(s, t.rcvNxt) && seqLt(s, seqAdd(t.rcvNxt, wnd));
  if (len === 0) return wnd === 0 ? seg.seqNumber === t.rcvNxt : inWindow(seg.seqNumber);
  if (wnd === 0) return false;
  return inWindow(seg.seqNumber) || inWindow(seqAdd(seg.seqNumber, len - 1));
}

/**
 * RFC 9293 3.10.7.4 first: an unacceptable segment is answered with an ACK (unless it is a RST) and
 * dropped. With a zero window, "special allowance" is made for the ACK of a segment at RCV.NXT.
 */
function unacceptable(t: Tcb, now: number, seg: TcpRepr): void {
  if (seg.flags & RST) return;
  // TIME-WAIT: the peer retransmitted its FIN; acknowledge and restart the 2 MSL timer.
  if (t.state === State.TIME_WAIT && seg.flags & FIN) t.timeWaitAt = now + 2 * t.cfg.msl;
  if (t.rcvWnd === 0 && seg.seqNumber === t.rcvNxt && seg.flags & ACK && !(seg.flags & SYN)) {
    processAck(t, now, { ...seg, payload: new Uint8Array(0), flags: seg.flags & ~FIN });
  }
  t.ackNow = true;
}

/** RFC 5961 3.2 (RFC 9293 3.10.7.4 second): only a RST at exactly RCV.NXT resets; others are challenged. */
function onReset(t: Tcb, now: number, seg: TcpRepr): void {
  if (seg.seqNumber !== t.rcvNxt) return challengeAck(t, now);
  t.rx.drop(t.rx.length); // RFC 9293: "all segment queues should be flushed"
  switch (t.state) {
    case State.SYN_RECEIVED:
      // A passive open's child just disappears; an active (simultaneous) open was refused.
      return t.close('refused');
    case State.CLOSING: case State.LAST_ACK: case State.TIME_WAIT:
      return t.close(null);
    default:
      return t.close('reset');
  }
}

/** RFC 5961 4.2 / 3.2 challenge ACK, rate-limited per connection (RFC 5961 7). */
export function challengeAck(t: Tcb, now: number): void {
  const c = t.challenge;
  if (now - c.windowStart >= 1000) {
    c.windowStart = now;
    c.count = 0;
  }
  if (c.count >= t.cfg.challengeAcksPerSec) return;
  c.count++;
  t.ackNow = true;
}

/**
 * RFC 9293 3.10.7.4 seventh and eighth: segment text and FIN, in ESTABLISHED, FIN-WAIT-1 and FIN-WAIT-2
 * (after the ACK moved SYN-RECEIVED on). The segment is trimmed to the window; data at RCV.NXT is
 * delivered with whatever the assembler had queued behind it, data beyond it is queued.
 */
function receiveText(t: Tcb, now: number, seg: TcpRepr): void {
  const canReceive = t.state === State.ESTABLISHED || t.state === State.FIN_WAIT_1 || t.state === State.FIN_WAIT_2;
  if (!canReceive) {
    if (seg.flags & FIN && t.rcvClosed) t.ackNow = true; // a retransmitted FIN: re-acknowledge
    return;
  }
  let seq = seg.seqNumber;
  let data = seg.payload;
  const finAt = seqAdd(seg.seqNumber, seg.payload.length);
  if (seqLt(seq, t.rcvNxt)) {
    const skip = Math.min(seqSub(t.rcvNxt, seq), data.length);
    data = data.subarray(skip);
    seq = seqAdd(seq, skip);
  }
  const room = t.rcvWnd - seqSub(seq, t.rcvNxt);
  const fits = data.length <= room;
  if (!fits) data = data.subarray(0, Math.max(0, room));
  if (data.length > 0) storeText(t, now, seq, data);
  else if (seg.payload.length > 0) t.ackNow = true; // wholly duplicate data: the ACK was lost, repeat it
  if (seg.flags & FIN && fits) receiveFin(t, now, finAt);
}

function storeText(t: Tcb, now: number, seq: number, data: Uint8Array): void {
  const offset = seqSub(seq, t.rcvNxt);
  if (offset > 0) {
    // RFC 5681 4.2: each out-of-order segment is acknowledged at once (a duplicate ACK, with SACK blocks),
    // even when several arrive before we transmit: the sender counts them.
    if (t.asm.add(seq, seqAdd(seq, data.length))) t.rx.writeAt(offset, data);
    if (t.ackNow) t.dupAcksOwed = Math.min(t.dupAcksOwed + 1, MAX_DUP_ACKS_OWED);
    t.ackNow = true;
    return;
  }
  const hadGap = !t.asm.isEmpty;
  t.rx.writeAt(0, data);
  const end = t.asm.advance(seqAdd(t.rcvNxt, data.length));
  t.rx.commit(seqSub(end, t.rcvNxt));
  t.rcvNxt = end;
  // RFC 5681 4.2: a segment that fills (part of) a gap is acknowledged at once.
  if (hadGap) t.ackNow = true;
  if (t.peerFinSeq !== null && t.rcvNxt === t.peerFinSeq) receiveFin(t, now, t.peerFinSeq);
  scheduleAck(t, now);
}

/** RFC 1122 4.2.3.2 / RFC 5681 4.2: ACK every second segment at once, otherwise within the delayed-ACK time. */
function scheduleAck(t: Tcb, now: number): void {
  t.unackedSegments++;
  if (t.unackedSegments >= 2 || t.cfg.delayedAck === 0) t.ackNow = true;
  else t.ackDelayedAt ??= now + t.cfg.delayedAck;
}

/** RFC 9293 3.10.7.4 eighth: the FIN at `finSeq`, applied once RCV.NXT reaches it. */
function receiveFin(t: Tcb, now: number, finSeq: number): void {
  if (seqLt(finSeq, t.rcvNxt) || t.rcvClosed) {
    t.ackNow = true;
    return;
  }
  if (seqGt(finSeq, t.rcvNxt)) {
    t.peerFinSeq = finSeq; // beyond a gap: wait for the data before it
    return;
  }
  t.rcvNxt = seqAdd(t.rcvNxt, 1);
  t.rcvClosed = true;
  t.peerFinSeq = null;
  t.ackNow = true;
  if (t.state === State.ESTABLISHED) t.state = State.CLOSE_WAIT;
  else if (t.state === State.FIN_WAIT_1) t.state = t.finAcked ? State.TIME_WAIT : State.CLOSING;
  else if (t.state === State.FIN_WAIT_2) t.state = State.TIME_WAIT;
  if (t.state === State.TIME_WAIT) enterTimeWait(t, now);
}

export function enterTimeWait(t: Tcb, now: number): void {
  t.state = State.TIME_WAIT;
  t.stopTimers();
  t.timeWaitAt = now + 2 * t.cfg.msl;
}
