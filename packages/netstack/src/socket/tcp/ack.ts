/**
 * The ACK field of an arriving segment (RFC 9293 3.10.7.4 "fifth"), in SYN-RECEIVED and the synchronized
 * states: acceptability (RFC 5961 5.2), SND.UNA and the send window, RTT samples (RFC 6298, Karn), the
 * retransmission timer (RFC 6298 5.2-5.3), congestion control and loss recovery (RFC 5681, RFC 6582,
 * RFC 6675) and the state changes our FIN being acknowledged causes.
 */
import { TcpFlags, type TcpRepr } from '../../wire/tcp.js';
import { challengeAck, enterTimeWait } from './input.js';
import { DUP_THRESH } from './sack.js';
import { seqGe, seqGt, seqLt, seqMin, seqSub } from './seq.js';
import { State, type Tcb } from './tcb.js';

/** Returns false when the segment must be dropped here (the rest of it is not processed). */
export function processAck(t: Tcb, now: number, seg: TcpRepr): boolean {
  const ack = seg.ackNumber;
  if (t.state === State.SYN_RECEIVED) {
    // RFC 9293 3.10.7.4 fifth, SYN-RECEIVED: an ACK of our SYN completes the handshake; any other is reset.
    if (!(seqGt(ack, t.sndUna) && seqGe(t.sndMax, ack))) {
      t.resets.push({ seq: ack, ack: null });
      return false;
    }
    synReceivedToEstablished(t, now, seg);
  }
  // RFC 5961 5.2: acceptable ACKs lie in [SND.UNA - MAX.SND.WND, SND.NXT]; others get an ACK and are dropped.
  if (seqGt(ack, t.sndMax)) {
    challengeAck(t, now);
    return false;
  }
  if (seqLt(ack, seqSub(t.sndUna, t.maxSndWnd) >>> 0)) {
    t.ackNow = true;
    return false;
  }
  const windowBefore = t.sndWnd;
  const newlySacked = t.sackOk && t.board.update(seg.sackBlocks, t.sndUna, t.sndMax);
  updateWindow(t, seg);
  if (newlySacked) detectLostRetransmission(t);
  if (seqGt(ack, t.sndUna)) newAck(t, now, seg);
  else if (isDuplicateAck(t, seg, windowBefore)) duplicateAck(t, ack, newlySacked);
  else if (newlySacked && !t.cc.inRecovery) maybeEnterRecovery(t, ack);
  return finAcknowledged(t, now);
}

/**
 * Lost retransmissions: RFC 6675 leaves them to the retransmission timer. Like RACK (RFC 8985 6.2) we
 * infer the loss when the peer SACKs data sent after our latest retransmission while a retransmitted
 * octet is still missing; HighRxt falls back to SND.UNA so that NextSeg() sends those holes again.
 */
function detectLostRetransmission(t: Tcb): void {
  const cc = t.cc;
  const top = t.board.highest;
  if (!cc.inRecovery || cc.rtxMark === null || top === null || !seqGt(top, cc.rtxMark)) return;
  const missing = t.board.holes(t.sndUna, seqMin(cc.highRxt, t.sndMax)).length > 0;
  if (!missing) return;
  cc.highRxt = t.sndUna;
  cc.rtxMark = null;
}

/** SYN-RECEIVED -> ESTABLISHED (RFC 9293 3.10.7.4 fifth); a close() made meanwhile now sends its FIN. */
function synReceivedToEstablished(t: Tcb, now: number, seg: TcpRepr): void {
  t.synAcked = true;
  t.synOwed = false;
  if (t.rttEnd !== null && seqGe(seg.ackNumber, t.rttEnd)) t.rtt.sample(now - t.rttStart);
  t.rttEnd = null;
  t.rtt.resetAfterSynTimeout(t.synRetransmitted);
  t.sndUna = seg.ackNumber;
  if (seqLt(t.sndNxt, t.sndUna)) t.sndNxt = t.sndUna;
  t.retries = 0;
  t.rtxAt = null;
  // SND.WL1 before the SYN, so that this segment sets the (now scaled) window.
  t.sndWl1 = seqSub(seg.seqNumber, 1) >>> 0;
  t.sndWl2 = seg.ackNumber;
  t.state = t.finQueued ? State.FIN_WAIT_1 : State.ESTABLISHED;
  t.hooks.established();
}

/** RFC 9293 3.10.7.4 fifth: the window is taken from segments newer than the last update (SND.WL1/WL2). */
export function updateWindow(t: Tcb, seg: TcpRepr): void {
  if (!(seqLt(t.sndWl1, seg.seqNumber) || t.sndWl1 === seg.seqNumber && seqGe(seg.ackNumber, t.sndWl2))) return;
  // RFC 7323 2.3: windows of non-SYN segments are scaled.
  t.sndWnd = seg.windowLen << t.sndShift;
  t.sndWl1 = seg.seqNumber;
  t.sndWl2 = seg.ackNumber;
  t.maxSndWnd = Math.max(t.maxSndWnd, t.sndWnd);
  if (t.sndWnd > 0) {
    t.persistAt = null;
    t.persistBackoff = 0;
  }
}

/** RFC 5681 2 "duplicate acknowledgment": data outstanding, no data or SYN/FIN, same ACK, same window. */
function isDuplicateAck(t: Tcb, seg: TcpRepr, windowBefore: number): boolean {
  return t.flightSize > 0 && seg.payload.length === 0 && !(seg.flags & (TcpFlags.SYN | TcpFlags.FIN))
    && seg.ackNumber === t.sndUna && t.sndWnd === windowBefore && t.sndWnd > 0;
}

function duplicateAck(t: Tcb, ack: number, newlySacked: boolean): void {
  const cc = t.cc;
  cc.dupAcks++;
  if (cc.inRecovery) {
    // RFC 5681 3.2 step 4 (NewReno); with SACK the pipe estimate does this job (RFC 6675 5 step C).
    if (!t.sackOk) cc.inflate();
    return;
  }
  if (cc.dupAcks >= DUP_THRESH || newlySacked) maybeEnterRecovery(t, ack);
}

/** RFC 5681 3.2 step 2 / RFC 6675 5 step 4: fast retransmit on DupThresh duplicates or IsLost(SND.UNA). */
function maybeEnterRecovery(t: Tcb, ack: number): void {
  const lost = t.cc.dupAcks >= DUP_THRESH || t.sackOk && t.board.isLost(t.sndUna, t.effMss);
  if (!lost) return;
  if (!t.cc.enter(ack, t.flightSize, t.sndMax, t.sndUna, t.sackOk)) return;
  // RFC 5681 3.2 step 3 / RFC 6675 5 step 4.3: retransmit the first unacknowledged segment now.
  t.rtxOwed = true;
  t.rttEnd = null; // Karn (RFC 6298 3): a retransmitted segment gives no sample
}

/** The ACK covers new data: RFC 9293 3.10.7.4 fifth (SND.UNA < SEG.ACK =< SND.NXT). */
function newAck(t: Tcb, now: number, seg: TcpRepr): void {
  const ack = seg.ackNumber;
  const acked = seqSub(ack, t.sndUna);
  measureRtt(t, now, seg);
  // RFC 7661 spirit: cwnd grows only while it limited the sender, so an application- or
  // window-limited flow does not build a cwnd it never tested.
  const cwndLimited = t.flightSize + t.effMss >= t.cc.cwnd;
  t.tx.drop(Math.min(seqSub(ack, t.txStart), t.tx.length));
  t.sndUna = ack;
  if (seqLt(t.sndNxt, ack)) t.sndNxt = ack;
  t.board.advance(ack);
  t.retries = 0;
  congestionOnAck(t, ack, acked, cwndLimited);
  // RFC 6298 5.2 / 5.3: stop the timer when all is acknowledged, else restart it.
  t.rtxAt = t.flightSize > 0 ? now + t.rtt.rto : null;
}

/**
 * RTT samples, from an ACK that advances SND.UNA. With timestamps (RFC 7323 4.1-4.2) TSecr tells which
 * transmission is being acknowledged, retransmissions included, so every such ACK measures. Otherwise
 * RFC 6298 2 with Karn's algorithm (RFC 6298 3): only the timed segment, and only if it was sent once.
 */
function measureRtt(t: Tcb, now: number, seg: TcpRepr): void {
  const echo = t.tsOk ? seg.timestamps?.tsEcr ?? 0 : 0;
  if (echo !== 0) {
    const r = seqSub(t.tsVal(now), echo);
    // RFC 7323 appendix G: ExpectedSamples = ceiling(FlightSize / (SMSS * 2)).
    if (r >= 0 && r <= t.cfg.maxRto) t.rtt.sample(r, Math.max(1, Math.ceil(t.flightSize / (2 * t.effMss))));
    t.rttEnd = null;
    return;
  }
  if (t.rttEnd !== null && seqGe(seg.ackNumber, t.rttEnd)) {
    t.rtt.sample(now - t.rttStart);
    t.rttEnd = null;
  }
}

function congestionOnAck(t: Tcb, ack: number, acked: number, cwndLimited: boolean): void {
  const cc = t.cc;
  if (!cc.inRecovery) {
    cc.dupAcks = 0;
    if (cwndLimited) cc.onAck(acked);
    return;
  }
  if (seqGe(ack, cc.recover)) {
    cc.exit(t.flightSize, t.sackOk); // RFC 6582 3.2 step 3: a full acknowledgment ends recovery
    return;
  }
  // RFC 6582 3.2 step 5 partial ACK: retransmit the next hole at once; with SACK, NextSeg() chooses (RFC 6675 5).
  if (!t.sackOk) {
    cc.partialAck(acked);
    t.rtxOwed = true;
  }
  if (seqLt(cc.highRxt, ack)) cc.highRxt = ack;
}

/** RFC 9293 3.10.7.4 fifth, per state: what our FIN being acknowledged means. False ends processing. */
function finAcknowledged(t: Tcb, now: number): boolean {
  if (!t.finAcked) return true;
  switch (t.state) {
    case State.FIN_WAIT_1:
      t.state = State.FIN_WAIT_2;
      return true;
    case State.CLOSING:
      enterTimeWait(t, now);
      return false;
    case State.LAST_ACK:
      t.close(null);
      return false;
    default:
      return true;
  }
}
