import { expect } from 'chai';
import fc from 'fast-check';
import { Rng } from './rng.js';

describe('hw/net Rng', () => {
  it('matches the reference xoshiro128** C code from state {1, 2, 3, 4}', () => {
    // Output of prng.di.unimi.it/xoshiro128starstar.c next() with s = {1, 2, 3, 4}.
    const r = Rng.fromState(1, 2, 3, 4);
    expect([...Array(6)].map(() => r.nextU32())).to.deep.equal([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('is a pure function of (seed, stream)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.nat(7), (seed, stream) => {
        const a = new Rng(seed, stream);
        const b = new Rng(seed, stream);
        for (let i = 0; i < 20; i++) expect(a.nextU32()).to.equal(b.nextU32());
      }),
    );
  });

  it('different seeds and different streams diverge', () => {
    const first = (r: Rng): number[] => [r.nextU32(), r.nextU32(), r.nextU32()];
    expect(first(new Rng(1))).to.not.deep.equal(first(new Rng(2)));
    expect(first(new Rng(1, 0))).to.not.deep.equal(first(new Rng(1, 1)));
    expect(first(new Rng(0))).to.not.deep.equal([0, 0, 0]); // seed 0 is as good as any
  });

  it('nextFloat is in [0, 1) and roughly uniform; below(n) is in range', () => {
    const r = new Rng(2026);
    const buckets = new Array(10).fill(0);
    let outOfRange = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = r.nextFloat();
      if (!(x >= 0 && x < 1)) outOfRange++;
      else buckets[Math.floor(x * 10)]++;
    }
    expect(outOfRange).to.equal(0);
    // each bucket ~ binomial(1e5, 0.1): sd ~95; 6 sd bounds
    for (const b of buckets) expect(b).to.be.within(10_000 - 570, 10_000 + 570);
    for (let i = 0; i < 1000; i++) expect(r.below(7)).to.be.within(0, 6);
    expect(() => r.below(0)).to.throw(RangeError);
  });
});
