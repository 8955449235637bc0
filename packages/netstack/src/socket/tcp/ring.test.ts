import { expect } from 'chai';
import fc from 'fast-check';
import { ByteRing } from './ring.js';

function filledFrom(first: number, n: number): Uint8Array {
  return new Uint8Array(n).map((_, i) => first + i);
}

describe('ByteRing', () => {
  it('allocates nothing until written and never holds more than its capacity', () => {
    const r = new ByteRing(1000);
    expect(r.free).to.equal(1000);
    expect(r.push(new Uint8Array(1500).fill(7))).to.equal(1000);
    expect(r.push(Uint8Array.of(1))).to.equal(0);
    expect(r.read(2000)).to.deep.equal(new Uint8Array(1000).fill(7));
  });

  it('keeps bytes written past the readable end until they are committed', () => {
    const r = new ByteRing(4096);
    r.push(Uint8Array.of(1, 2));
    r.writeAt(2, Uint8Array.of(5, 6)); // out of order: leaves a 2-byte gap
    r.writeAt(0, Uint8Array.of(3, 4));
    r.commit(4);
    expect(r.read(10)).to.deep.equal(Uint8Array.of(1, 2, 3, 4, 5, 6));
  });

  it('view() shares contiguous bytes and copies wrapped ones', () => {
    const r = new ByteRing(512);
    r.push(new Uint8Array(500));
    r.drop(500);
    r.push(filledFrom(1, 100)); // bytes 0..11 sit at the end of the allocation, 12.. wrap to its start
    const [end, start, across] = [r.view(0, 12), r.view(12, 5), r.view(10, 4)];
    expect([end, start, across]).to.deep.equal([filledFrom(1, 12), filledFrom(13, 5), filledFrom(11, 4)]);
    expect(end.buffer).to.equal(start.buffer);
    expect(across.buffer).to.not.equal(end.buffer);
  });

  it('rejects writes outside the free space', () => {
    const r = new ByteRing(10);
    expect(() => r.writeAt(8, new Uint8Array(3))).to.throw(/outside the free space/);
  });

  it('behaves as a FIFO of bytes under any interleaving (model check)', () => {
    const op = fc.oneof(
      fc.record({ push: fc.uint8Array({ maxLength: 700 }) }),
      fc.record({ read: fc.integer({ min: 0, max: 900 }) }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const r = new ByteRing(1500);
      let model: number[] = [];
      for (const o of ops) {
        if ('push' in o) {
          const n = r.push(o.push);
          expect(n).to.equal(Math.min(o.push.length, 1500 - model.length));
          model.push(...o.push.subarray(0, n));
        } else {
          expect([...r.read(o.read)]).to.deep.equal(model.slice(0, o.read));
          model = model.slice(o.read);
        }
        expect(r.length).to.equal(model.length);
      }
    }), { seed: 42, numRuns: 200 });
  });
});
