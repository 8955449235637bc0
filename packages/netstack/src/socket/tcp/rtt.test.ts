import { expect } from 'chai';
import { RttEstimator } from './rtt.js';

describe('RTT estimator (RFC 6298)', () => {
  const limits = { initial: 1000, min: 200, max: 60_000 };

  it('starts at the initial RTO and takes the first sample whole (2.1, 2.2)', () => {
    const r = new RttEstimator(limits);
    expect(r.rto).to.equal(1000);
    r.sample(100);
    expect([r.srtt, r.rttvar, r.rto]).to.deep.equal([100, 50, 300]);
  });

  it('smooths later samples with alpha 1/8 and beta 1/4, RTTVAR first (2.3)', () => {
    const r = new RttEstimator(limits);
    r.sample(100);
    r.sample(200);
    // RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5; SRTT = 7/8 * 100 + 1/8 * 200 = 112.5; RTO = 112.5 + 250.
    expect([r.srtt, r.rttvar, r.rto]).to.deep.equal([112.5, 62.5, 363]);
  });

  it('rounds up to the minimum, doubles on backoff up to the maximum (2.4, 5.5)', () => {
    const r = new RttEstimator(limits);
    r.sample(1);
    expect(r.rto).to.equal(200);
    for (let i = 0; i < 12; i++) r.backoff();
    expect(r.rto).to.equal(60_000);
  });

  it('restarts at 3 s after a retransmitted SYN when nothing was measured (5.7)', () => {
    const r = new RttEstimator(limits);
    r.backoff();
    r.resetAfterSynTimeout(true);
    expect(r.rto).to.equal(3000);
    const measured = new RttEstimator(limits);
    measured.sample(100);
    measured.resetAfterSynTimeout(true);
    expect(measured.rto).to.equal(300);
  });
});
