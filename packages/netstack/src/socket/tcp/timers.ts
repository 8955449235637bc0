/**
 * The connection's timers, run at the start of each dispatch(): TIME-WAIT (RFC 9293 3.4.2: 2 MSL),
 * retransmission (RFC 6298 5.4-5.7 with RFC 5681 3.1's loss window), persist (RFC 9293 3.8.6.1,
 * RFC 1122 4.2.2.17), delayed ACK (RFC 1122 4.2.3.2) and keepalive (RFC 1122 4.2.3.6).
 */
import { State, type Tcb } from './tcb.js';

export interface DueProbes {
  keepalive: boolean;
  probe: boolean;
}

export function runTimers(t: Tcb, now: number): DueProbes {
  const due = { keepalive: false, probe: false };
  if (t.timeWaitAt !== null && now >= t.timeWaitAt) {
    t.close(null);
    return due;
  }
  if (t.rtxAt !== null && now >= t.rtxAt) retransmitTimeout(t, now);
  if (t.state === State.CLOSED) return due;
  if (t.persistAt !== null && now >= t.persistAt) {
    due.probe = true;
    t.persistBackoff++;
    t.persistAt = now + Math.min(t.rtt.rto * 2 ** t.persistBackoff, t.cfg.maxRto);
  }
  if (t.ackDelayedAt !== null && now >= t.ackDelayedAt) {
    t.ackDelayedAt = null;
    t.ackNow = true;
  }
  if (t.keepaliveAt !== null && now >= t.keepaliveAt) due.keepalive = keepalive(t, now);
  return due;
}

/**
 * RFC 6298 5.4-5.6: retransmit the earliest unacknowledged segment, double RTO, restart the timer.
 * RFC 5681 3.1: ssthresh halves the flight, cwnd falls to one segment and sending goes back to SND.UNA.
 * RFC 1122 4.2.3.5: after too many attempts the connection is dropped.
 */
function retransmitTimeout(t: Tcb, now: number): void {
  t.retries++;
  const limit = t.synAcked ? t.cfg.maxRetries : t.cfg.synRetries;
  if (t.retries > limit) {
    t.close('timeout');
    return;
  }
  t.rtt.backoff();
  t.rttEnd = null; // Karn: what is in flight now will have been sent twice
  t.rtxAt = now + t.rtt.rto;
  if (!t.synAcked) {
    t.synOwed = true;
    t.synRetransmitted = true;
    return;
  }
  t.cc.onTimeout(t.flightSize, t.sndMax, t.retries === 1);
  t.sndNxt = t.sndUna;
  t.rtxOwed = false;
}

/** RFC 1122 4.2.3.6: probe an idle connection; drop it after `probes` unanswered ones. */
function keepalive(t: Tcb, now: number): boolean {
  const k = t.cfg.keepalive;
  const idle = t.state === State.ESTABLISHED || t.state === State.CLOSE_WAIT;
  if (!k.enabled || !idle) {
    t.keepaliveAt = null;
    return false;
  }
  if (t.flightSize > 0) {
    t.keepaliveAt = now + k.idle; // not idle: the retransmission timer watches the peer
    return false;
  }
  if (t.keepaliveProbes >= k.probes) {
    t.close('timeout');
    return false;
  }
  t.keepaliveProbes++;
  t.keepaliveAt = now + k.interval;
  return true;
}
