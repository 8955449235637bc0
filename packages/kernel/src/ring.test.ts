import { expect } from 'chai';
import { ByteRing } from './ring.js';

describe('ByteRing', () => {
  it('keeps FIFO order across wraparound and growth, up to its capacity', () => {
    const r = new ByteRing(64 << 10);
    const seq = (n: number, from: number) => Uint8Array.from({ length: n }, (_, i) => (from + i) & 255);
    let w = 0, rd = 0;
    for (let round = 0; round < 50; round++) {
      const n = r.put(seq(3000 + round * 211, w));
      w += n;
      const out = r.take(2500);
      out.forEach((b, i) => expect(b).to.equal((rd + i) & 255));
      rd += out.length;
    }
    expect(r.length).to.equal(w - rd);
  });

  it('accepts no more than its capacity, and peeks without consuming', () => {
    const r = new ByteRing(100);
    expect(r.put(new Uint8Array(150))).to.equal(100);
    expect(r.put(new Uint8Array(1))).to.equal(0);
    expect(r.take(10, true).length).to.equal(10);
    expect(r.length).to.equal(100);
    const dst = new Uint8Array(40);
    expect(r.takeInto(dst)).to.equal(40);
    expect(r.length).to.equal(60);
  });
});
