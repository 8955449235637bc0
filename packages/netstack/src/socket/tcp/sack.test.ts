import { expect } from 'chai';
import { Scoreboard } from './sack.js';

describe('SACK scoreboard (RFC 6675)', () => {
  const SMSS = 100;

  it('merges blocks, ignores D-SACK and blocks beyond what was sent, and prunes on SND.UNA', () => {
    const b = new Scoreboard();
    expect(b.update([{ left: 200, right: 300 }], 100, 1000)).to.equal(true);
    expect(b.update([{ left: 50, right: 100 }, { left: 900, right: 1100 }, { left: 200, right: 300 }], 100, 1000)).to.equal(false);
    b.update([{ left: 300, right: 400 }, { left: 600, right: 700 }], 100, 1000);
    expect(b.ranges).to.deep.equal([{ left: 200, right: 400 }, { left: 600, right: 700 }]);
    b.advance(250);
    expect(b.ranges).to.deep.equal([{ left: 250, right: 400 }, { left: 600, right: 700 }]);
  });

  it('IsLost: more than (DupThresh - 1) * SMSS SACKed above, or DupThresh ranges above', () => {
    const b = new Scoreboard();
    b.update([{ left: 200, right: 400 }], 100, 1000);
    expect(b.isLost(100, SMSS)).to.equal(false); // exactly 2 * SMSS
    b.update([{ left: 400, right: 401 }], 100, 1000);
    expect(b.isLost(100, SMSS)).to.equal(true);
    const c = new Scoreboard();
    c.update([{ left: 200, right: 210 }, { left: 300, right: 310 }, { left: 400, right: 410 }], 100, 1000);
    expect(c.isLost(100, SMSS)).to.equal(true);
    expect(c.isLost(250, SMSS)).to.equal(false);
  });

  it('pipe counts holes not lost once and retransmitted octets once more', () => {
    const b = new Scoreboard();
    b.update([{ left: 200, right: 500 }, { left: 600, right: 700 }], 100, 800);
    // Holes: [100,200) lost (400 SACKed above), [500,600) not lost (100 above), [700,800) not lost.
    expect(b.pipe(100, 800, 100, SMSS)).to.equal(200);
    expect(b.pipe(100, 800, 200, SMSS)).to.equal(300); // [100,200) retransmitted
    expect(b.nextLost(100, 800, SMSS)).to.deep.equal({ left: 100, right: 200 });
    expect(b.nextLost(200, 800, SMSS)).to.equal(null);
    expect(b.nextUnsacked(200)).to.deep.equal({ left: 500, right: 600 });
    expect([b.sackedEnd(250), b.sackedEnd(550), b.nextSackedAfter(500)]).to.deep.equal([500, null, 600]);
  });
});
