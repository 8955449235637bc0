import { expect } from 'chai';
import fc from 'fast-check';
import { Assembler } from './assembler.js';

describe('Assembler (out-of-order ranges)', () => {
  it('merges overlapping and adjacent ranges and reports the most recent first (RFC 2018 4)', () => {
    const a = new Assembler(8);
    a.add(100, 200);
    a.add(300, 400);
    a.add(500, 600);
    expect(a.sackBlocks(4)).to.deep.equal([{ left: 500, right: 600 }, { left: 300, right: 400 }, { left: 100, right: 200 }]);
    a.add(200, 300); // joins the first two
    expect(a.sackBlocks(4)).to.deep.equal([{ left: 100, right: 400 }, { left: 500, right: 600 }]);
    expect(a.sackBlocks(1)).to.deep.equal([{ left: 100, right: 400 }]);
  });

  it('advance() consumes ranges reached by RCV.NXT', () => {
    const a = new Assembler(8);
    a.add(100, 200);
    a.add(300, 400);
    expect(a.advance(50)).to.equal(50);
    expect(a.advance(100)).to.equal(200);
    expect(a.count).to.equal(1);
    expect(a.advance(350)).to.equal(400);
    expect(a.isEmpty).to.equal(true);
  });

  it('refuses a segment that would need more ranges than allowed, but not one that merges', () => {
    const a = new Assembler(2);
    expect(a.add(100, 200)).to.equal(true);
    expect(a.add(300, 400)).to.equal(true);
    expect(a.add(500, 600)).to.equal(false);
    expect(a.add(200, 300)).to.equal(true);
    expect(a.count).to.equal(1);
  });

  it('works across the sequence-number wrap', () => {
    const a = new Assembler(8);
    a.add(0xffff_ff00, 0x100);
    expect(a.advance(0xffff_ff00)).to.equal(0x100);
  });

  it('agrees with a byte-set model (property)', () => {
    const seg = fc.tuple(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 60 }));
    fc.assert(fc.property(fc.array(seg, { maxLength: 40 }), (segs) => {
      const a = new Assembler(1000);
      const have = new Set<number>();
      for (const [at, len] of segs) {
        a.add(at, at + len);
        for (let i = at; i < at + len; i++) have.add(i);
      }
      // RCV.NXT = 1 (nothing below is ever added) reaches the end of the contiguous run from 1.
      let end = 1;
      while (have.has(end)) end++;
      expect(a.advance(1)).to.equal(end);
      const covered = a.sackBlocks(1000).reduce((n, b) => n + (b.right - b.left), 0);
      expect(covered).to.equal([...have].filter((s) => s >= end).length);
    }), { seed: 7, numRuns: 200 });
  });
});
