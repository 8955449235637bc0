import { expect } from 'chai';
import { seqAdd, seqGe, seqGt, seqInRange, seqLe, seqLt, seqMax, seqMin, seqSub } from './seq.js';

describe('TCP sequence arithmetic (RFC 9293 3.4)', () => {
  it('wraps at 2^32 and compares across the wrap', () => {
    expect(seqAdd(0xffff_fff0, 0x20)).to.equal(0x10);
    expect(seqSub(0x10, 0xffff_fff0)).to.equal(0x20);
    expect(seqSub(0xffff_fff0, 0x10)).to.equal(-0x20);
    expect(seqLt(0xffff_fff0, 0x10)).to.equal(true);
    expect(seqGt(0x10, 0xffff_fff0)).to.equal(true);
    expect(seqLe(5, 5) && seqGe(5, 5) && !seqLt(5, 5) && !seqGt(5, 5)).to.equal(true);
    expect(seqMax(0xffff_fff0, 0x10)).to.equal(0x10);
    expect(seqMin(0xffff_fff0, 0x10)).to.equal(0xffff_fff0);
  });

  it('tests half-open ranges across the wrap', () => {
    expect(seqInRange(0, 0xffff_ff00, 0x100)).to.equal(true);
    expect(seqInRange(0x100, 0xffff_ff00, 0x100)).to.equal(false);
    expect(seqInRange(0xffff_ff00, 0xffff_ff00, 0x100)).to.equal(true);
  });
});
