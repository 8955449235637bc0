/**
 * Congestion control: slow start and congestion avoidance (RFC 5681 3.1), fast retransmit and fast
 * recovery (RFC 5681 3.2) with NewReno's partial-ACK handling (RFC 6582), or, when SACK was negotiated,
 * the conservative SACK-based recovery of RFC 6675 (the caller computes pipe with the scoreboard).
 * All quantities are bytes; SMSS is the sender's effective segment size.
 *
 * `unlimited` turns congestion control off: cwnd reads as infinite and only the peer's window limits
 * sending; loss recovery (fast retransmit, SACK, the timer) is unchanged. RFC 5681 requires congestion
 * control on shared networks, so it is never the default: it exists for point-to-point links known to be
 * uncongested, and to compare with stacks measured without congestion control.
 */
import { seqLt } from './seq.js';

export class Congestion {
  private window: number;
  /** RFC 5681 3.1: the initial ssthresh may be arbitrarily high. */
  ssthresh = Number.MAX_SAFE_INTEGER;
  inRecovery = false;
  /** RFC 6582 3.2 "recover": the highest sequence sent when recovery began. */
  recover: number;
  /** RFC 6675 2 HighRxt: octets below it were retransmitted during this recovery. */
  highRxt = 0;
  /**
   * SND.MAX when the latest retransmission of this recovery left: data the peer SACKs above it was sent
   * after that retransmission, so a retransmitted octet still missing was lost again.
   */
  rtxMark: number | null = null;
  dupAcks = 0;
  /** Bytes acknowledged in congestion avoidance not yet turned into cwnd growth (RFC 5681 3.1 eq. 3 note). */
  private avoidanceAcked = 0;

  constructor(public smss: number, iss: number, readonly unlimited = false) {
    this.window = Congestion.initialWindow(smss);
    this.recover = iss;
  }

  get cwnd(): number { return this.unlimited ? Number.MAX_SAFE_INTEGER : this.window; }
  set cwnd(bytes: number) { this.window = bytes; }

  /** RFC 5681 3.1 equation (1): IW by SMSS. */
  static initialWindow(smss: number): number {
    if (smss > 2190) return 2 * smss;
    if (smss > 1095) return 3 * smss;
    return 4 * smss;
  }

  /** The MSS became known (after the handshake): rescale the initial window. */
  setMss(smss: number): void {
    this.smss = smss;
    this.cwnd = Congestion.initialWindow(smss);
  }

  /** New data acknowledged outside recovery (RFC 5681 3.1). */
  onAck(acked: number): void {
    if (this.window < this.ssthresh) {
      // RFC 5681 3.1 equation (2): slow start grows by at most SMSS per ACK.
      this.window += Math.min(acked, this.smss);
      return;
    }
    // RFC 5681 3.1 equation (3) with byte counting (RFC 3465): one SMSS per cwnd of data acknowledged.
    this.avoidanceAcked += acked;
    if (this.avoidanceAcked >= this.window) {
      this.avoidanceAcked -= this.window;
      this.window += this.smss;
    }
  }

  /**
   * RFC 6582 3.2 step 2 / RFC 6675 5 step 4: enter recovery unless the ACK lies below `recover` (duplicate
   * ACKs from the previous episode or from go-back retransmissions after a timeout). An ACK exactly at
   * `recover` qualifies: the segment starting there was first sent after that episode began (the same
   * effect as RFC 6582 4.1's heuristic for this case). Returns whether recovery began.
   */
  enter(ack: number, flightSize: number, sndMax: number, sndUna: number, sack: boolean): boolean {
    if (this.inRecovery || seqLt(ack, this.recover)) return false;
    // RFC 5681 3.2 equation (4): ssthresh = max(FlightSize / 2, 2 * SMSS).
    this.ssthresh = Math.max(Math.floor(flightSize / 2), 2 * this.smss);
    // RFC 5681 3.2 step 3 (NewReno inflates by the three segments that left); RFC 6675 5 step 4.2: cwnd = ssthresh.
    this.cwnd = sack ? this.ssthresh : this.ssthresh + 3 * this.smss;
    this.recover = sndMax;
    this.highRxt = sndUna;
    this.rtxMark = null;
    this.inRecovery = true;
    return true;
  }

  /** RFC 5681 3.2 step 4: each further duplicate ACK inflates cwnd by SMSS (NewReno only). */
  inflate(): void {
    this.window += this.smss;
  }

  /** RFC 5681 4.1: after an idle period longer than RTO, cwnd restarts from min(IW, cwnd). */
  restartAfterIdle(): void {
    this.window = Math.min(this.window, Congestion.initialWindow(this.smss));
  }

  /** RFC 6582 3.2 step 5 partial ACK: deflate by the amount acknowledged, add back SMSS if that was >= SMSS. */
  partialAck(acked: number): void {
    this.window = Math.max(this.smss, this.window - acked + (acked >= this.smss ? this.smss : 0));
  }

  /**
   * A full ACK ends recovery. NewReno: RFC 6582 3.2 step 3 option (1), cwnd = min(ssthresh,
   * max(FlightSize, SMSS) + SMSS), which avoids a burst from the deflated window. SACK: RFC 6675 leaves
   * cwnd at ssthresh (set on entry); pipe kept the flight near cwnd, so no burst follows.
   */
  exit(flightSize: number, sack: boolean): void {
    this.cwnd = sack ? this.ssthresh : Math.min(this.ssthresh, Math.max(flightSize, this.smss) + this.smss);
    this.inRecovery = false;
    this.dupAcks = 0;
  }

  /**
   * RFC 5681 3.1 equations (4) and (5): on a retransmission timeout ssthresh halves the flight and cwnd
   * falls to the loss window; RFC 6582 4.2 (4.1 of RFC 6582): recover = highest sequence sent, so the
   * duplicate ACKs the go-back retransmissions cause do not start a fast retransmit.
   */
  onTimeout(flightSize: number, sndMax: number, firstTimeout: boolean): void {
    if (firstTimeout) this.ssthresh = Math.max(Math.floor(flightSize / 2), 2 * this.smss);
    this.cwnd = this.smss;
    this.inRecovery = false;
    this.recover = sndMax;
    this.dupAcks = 0;
    this.avoidanceAcked = 0;
  }
}
