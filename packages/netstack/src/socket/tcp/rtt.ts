/**
 * The retransmission timer's estimator, RFC 6298 section 2, with the exponential backoff of section 5.5.
 * Karn's algorithm (RFC 6298 3) is the caller's: it must not call sample() for a segment it retransmitted.
 */
export interface RtoLimits {
  initial: number;
  min: number;
  max: number;
}

/** RFC 6298 2: clock granularity G, in ms; our clock is the caller's millisecond `now`. */
const GRANULARITY_MS = 1;

export class RttEstimator {
  /** Smoothed round-trip time; null until the first sample. */
  srtt: number | null = null;
  rttvar = 0;
  /** The current retransmission timeout, backoff included. */
  rto: number;

  constructor(private readonly limits: RtoLimits) {
    // RFC 6298 2.1: until a sample is taken, RTO is the initial value (1 s).
    this.rto = limits.initial;
  }

  /**
   * Takes one round-trip measurement `r` (ms); collapses any backoff (RFC 6298 5.5 note). With
   * timestamps there are about `perRtt` samples per round trip, and RFC 7323 appendix G divides the gains
   * by that number so that the estimator forgets at the same pace per round trip.
   */
  sample(r: number, perRtt = 1): void {
    if (this.srtt === null) {
      // RFC 6298 2.2: the first measurement.
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      // RFC 6298 2.3: alpha = 1/8, beta = 1/4; RTTVAR is updated with the old SRTT.
      const alpha = 0.125 / perRtt;
      const beta = 0.25 / perRtt;
      this.rttvar = (1 - beta) * this.rttvar + beta * Math.abs(this.srtt - r);
      this.srtt = (1 - alpha) * this.srtt + alpha * r;
    }
    this.rto = this.bound(this.srtt + Math.max(GRANULARITY_MS, 4 * this.rttvar));
  }

  /** RFC 6298 5.5: on expiry, RTO <- RTO * 2, up to the maximum (2.5). */
  backoff(): void {
    this.rto = this.bound(this.rto * 2);
  }

  /** RFC 6298 5.7: after the SYN's timer expired, RTO restarts at 3 s once data flows, unless measured. */
  resetAfterSynTimeout(synRetransmitted: boolean): void {
    if (synRetransmitted && this.srtt === null) this.rto = this.bound(3000);
  }

  /** RFC 6298 2.4 and 2.5: RTO is rounded up to the minimum and may be capped. */
  private bound(rto: number): number {
    return Math.min(this.limits.max, Math.max(this.limits.min, Math.ceil(rto)));
  }
}
