import { expect } from 'chai';
import { Congestion } from './congestion.js';

describe('Congestion control (RFC 5681, RFC 6582)', () => {
  it('initial window by SMSS (RFC 5681 3.1 equation (1))', () => {
    expect([2200, 1460, 536].map(Congestion.initialWindow)).to.deep.equal([4400, 4380, 2144]);
  });

  it('slow start adds at most SMSS per ACK; congestion avoidance one SMSS per window', () => {
    const c = new Congestion(1000, 0);
    c.onAck(5000);
    expect(c.cwnd).to.equal(5000);
    c.ssthresh = 5000;
    for (let i = 0; i < 4; i++) c.onAck(1000);
    expect(c.cwnd).to.equal(5000);
    c.onAck(1000);
    expect(c.cwnd).to.equal(6000);
  });

  it('does not re-enter recovery for an ACK below recover (RFC 6582 3.2 step 2)', () => {
    const c = new Congestion(1000, 0);
    expect(c.enter(100, 8000, 9000, 100, false)).to.equal(true);
    c.exit(0, false);
    expect(c.enter(5000, 8000, 12000, 5000, false)).to.equal(false);
    expect(c.enter(9000, 8000, 12000, 9000, false)).to.equal(true);
  });

  it('a timeout sets ssthresh from the flight once and cwnd to one segment', () => {
    const c = new Congestion(1000, 0);
    c.onTimeout(10_000, 5000, true);
    expect([c.ssthresh, c.cwnd]).to.deep.equal([5000, 1000]);
    c.onTimeout(1000, 5000, false);
    expect(c.ssthresh).to.equal(5000);
  });

  it("'none' leaves cwnd unlimited whatever happens", () => {
    const c = new Congestion(1000, 0, true);
    c.onTimeout(10_000, 5000, true);
    c.enter(6000, 8000, 9000, 6000, true);
    expect(c.cwnd).to.equal(Number.MAX_SAFE_INTEGER);
  });
});
