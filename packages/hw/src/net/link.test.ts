import { expect } from 'chai';
import fc from 'fast-check';
import { Link, DEFAULT_FAULTS } from './link.js';
import type { LinkOptions } from './link.js';
import { Port } from './port.js';
import { VirtualScheduler, NS_PER_MS, NS_PER_US } from './sched.js';

interface Arrival {
  t: number;
  id: number; // bytes 0..1 of the frame (big-endian sequence number)
  hex: string;
}

function bench(opts: LinkOptions) {
  const sched = new VirtualScheduler();
  const link = new Link(sched, opts);
  const atB: Arrival[] = [];
  const atA: Arrival[] = [];
  const rec = (log: Arrival[]) => (f: Uint8Array) =>
    log.push({ t: sched.now(), id: (f[0] << 8) | f[1], hex: Buffer.from(f).toString('hex') });
  const hostA = new Port('A', rec(atA));
  const hostB = new Port('B', rec(atB));
  Port.connect(hostA, link.a);
  Port.connect(link.b, hostB);
  return { sched, link, hostA, hostB, atA, atB };
}

function pkt(id: number, len = 100): Uint8Array {
  const f = new Uint8Array(len);
  f[0] = id >> 8;
  f[1] = id & 0xff;
  for (let i = 2; i < len; i++) f[i] = (id * 7 + i) & 0xff;
  return f;
}

const NOISY = { loss: 0.2, duplicate: 0.1, reorder: 0.1, corrupt: 0.1, latencyNs: 2 * NS_PER_MS, jitterNs: NS_PER_MS };

/** Offer `n` frames one every `gapNs` from A, run to idle, return what B saw. */
function run(opts: LinkOptions, n: number, gapNs = 10 * NS_PER_US): Arrival[] {
  const { sched, hostA, atB } = bench(opts);
  for (let i = 0; i < n; i++) {
    hostA.send(pkt(i));
    sched.advance(gapNs);
  }
  sched.runUntilIdle();
  return atB;
}

describe('hw/net Link', () => {
  describe('determinism', () => {
    it('the same seed gives identical decisions and timings', () => {
      expect(run({ seed: 42, ...NOISY }, 500)).to.deep.equal(run({ seed: 42, ...NOISY }, 500));
    });

    it('a different seed gives different decisions', () => {
      const a = run({ seed: 42, ...NOISY }, 500);
      const b = run({ seed: 43, ...NOISY }, 500);
      expect(a.map((x) => x.id)).to.not.deep.equal(b.map((x) => x.id));
    });

    it('the directions draw from independent streams', () => {
      const { sched, hostA, hostB, atA, atB } = bench({ seed: 7, loss: 0.5 });
      for (let i = 0; i < 200; i++) {
        hostA.send(pkt(i));
        hostB.send(pkt(i));
      }
      sched.runUntilIdle();
      expect(atA.map((x) => x.id)).to.not.deep.equal(atB.map((x) => x.id));
    });

    it('changing one fault probability does not move the dice of another', () => {
      const corrupted = (loss: number) =>
        new Set(run({ seed: 9, corrupt: 0.3, loss }, 300).filter((x) => x.hex !== Buffer.from(pkt(x.id)).toString('hex')).map((x) => x.id));
      const withLoss = corrupted(0.4);
      const noLoss = corrupted(0);
      expect(withLoss.size).to.be.greaterThan(10);
      for (const id of withLoss) expect(noLoss.has(id)).to.equal(true);
    });

    it('property: any seed and traffic pattern replays identically', () => {
      fc.assert(
        fc.property(fc.integer(), fc.array(fc.integer({ min: 0, max: 50_000 }), { maxLength: 40 }), (seed, gaps) => {
          const once = () => {
            const { sched, hostA, atB } = bench({ seed, ...NOISY, bandwidthBps: 10_000_000, queueLimit: 5 });
            gaps.forEach((g, i) => {
              hostA.send(pkt(i, 60 + (g % 1400)));
              sched.advance(g);
            });
            sched.runUntilIdle();
            return atB;
          };
          expect(once()).to.deep.equal(once());
        }),
        { numRuns: 50 },
      );
    });
  });

  describe('delay', () => {
    it('delivers after exactly latencyNs, in both directions', () => {
      const { sched, hostA, hostB, atA, atB } = bench({ seed: 1, latencyNs: 5 * NS_PER_MS });
      hostA.send(pkt(1));
      sched.advance(NS_PER_MS);
      hostB.send(pkt(2));
      sched.runUntilIdle();
      expect(atB).to.deep.include.members([{ t: 5 * NS_PER_MS, id: 1, hex: Buffer.from(pkt(1)).toString('hex') }]);
      expect(atA.map((x) => [x.t, x.id])).to.deep.equal([[6 * NS_PER_MS, 2]]);
    });

    it('jitter spreads arrivals over [sent + latency, sent + latency + jitter) without reordering', () => {
      const got = run({ seed: 3, latencyNs: 10 * NS_PER_MS, jitterNs: 4 * NS_PER_MS }, 200, NS_PER_MS);
      expect(got.map((x) => x.id)).to.deep.equal([...Array(200).keys()]);
      const delays = got.map((x) => x.t - x.id * NS_PER_MS);
      expect(Math.min(...delays)).to.be.at.least(10 * NS_PER_MS);
      expect(Math.max(...delays)).to.be.below(14 * NS_PER_MS);
      expect(new Set(delays).size).to.be.greaterThan(100);
      got.forEach((x, i) => i > 0 && expect(x.t).to.be.at.least(got[i - 1].t));
    });

    it('bandwidth serialises frames back to back: 1000 bytes at 8 Mbit/s take 1 ms each', () => {
      const { sched, hostA, atB } = bench({ seed: 1, bandwidthBps: 8_000_000, latencyNs: 100 });
      for (let i = 0; i < 3; i++) hostA.send(pkt(i, 1000));
      sched.advance(10 * NS_PER_MS);
      hostA.send(pkt(3, 500));
      sched.runUntilIdle();
      expect(atB.map((x) => x.t)).to.deep.equal([
        NS_PER_MS + 100, 2 * NS_PER_MS + 100, 3 * NS_PER_MS + 100, 10.5 * NS_PER_MS + 100,
      ]);
    });

    it('tail-drops beyond queueLimit and accepts again once the queue drains', () => {
      const { sched, hostA, atB, link } = bench({ seed: 1, bandwidthBps: 8_000_000, queueLimit: 2 });
      for (let i = 0; i < 5; i++) hostA.send(pkt(i, 1000));
      sched.advance(NS_PER_MS); // frame 0 done: one slot free
      hostA.send(pkt(5, 1000));
      hostA.send(pkt(6, 1000));
      sched.runUntilIdle();
      expect(atB.map((x) => [x.id, x.t / NS_PER_MS])).to.deep.equal([[0, 1], [1, 2], [5, 3]]);
      expect(link.stats('ab')).to.include({ offered: 7, delivered: 3, queueDrops: 4 });
    });
  });

  describe('faults', () => {
    it('loss = 1 drops everything; loss = 0.25 drops about a quarter', () => {
      expect(run({ seed: 5, loss: 1 }, 50)).to.have.length(0);
      const got = run({ seed: 5, loss: 0.25 }, 4000).length;
      // binomial(4000, 0.75): mean 3000, sd 27.4; the seed fixes the value, the bound checks the model
      expect(got).to.be.within(3000 - 140, 3000 + 140);
    });

    it('duplicate = 1 delivers each frame twice at the same instant', () => {
      const { sched, hostA, atB, link } = bench({ seed: 1, duplicate: 1, latencyNs: 1000 });
      hostA.send(pkt(1));
      hostA.send(pkt(2));
      sched.runUntilIdle();
      expect(atB.map((x) => [x.t, x.id])).to.deep.equal([[1000, 1], [1000, 1], [1000, 2], [1000, 2]]);
      expect(link.stats('ab')).to.include({ delivered: 4, duplicated: 2 });
    });

    it('a reordered frame is held back reorderDelayNs and overtaken', () => {
      const { sched, hostA, atB, link } = bench({ seed: 1, latencyNs: NS_PER_MS, reorder: 1, reorderDelayNs: 3 * NS_PER_MS });
      hostA.send(pkt(1));
      link.configure({ reorder: 0 });
      sched.advance(NS_PER_US);
      hostA.send(pkt(2));
      sched.runUntilIdle();
      expect(atB.map((x) => [x.id, x.t])).to.deep.equal([[2, NS_PER_MS + NS_PER_US], [1, 4 * NS_PER_MS]]);
      expect(link.stats('ab').reordered).to.equal(1);
    });

    it('corrupt = 1 flips exactly one bit of a copy, never the sender\'s frame', () => {
      const { sched, hostA, atB } = bench({ seed: 11, corrupt: 1 });
      const sent = [pkt(1, 200), pkt(2, 60), pkt(3, 1514)];
      for (const f of sent) hostA.send(f);
      sched.runUntilIdle();
      atB.forEach((x, i) => {
        const got = Buffer.from(x.hex, 'hex');
        const want = pkt(i + 1, sent[i].length);
        expect(Buffer.from(sent[i]).equals(Buffer.from(want))).to.equal(true);
        let bits = 0;
        for (let j = 0; j < got.length; j++) for (let v = got[j] ^ want[j]; v; v &= v - 1) bits++;
        expect(bits).to.equal(1);
      });
    });

    it('rejects invalid parameters', () => {
      const sched = new VirtualScheduler();
      expect(() => new Link(sched, { seed: 1, loss: 1.5 })).to.throw(RangeError);
      expect(() => new Link(sched, { seed: 1, latencyNs: -1 })).to.throw(RangeError);
      expect(() => new Link(sched, { seed: 1, queueLimit: 0 })).to.throw(RangeError);
      expect(new Link(sched, { seed: 1 }).config('ba')).to.deep.equal(DEFAULT_FAULTS);
      expect(() => new Link(sched, { seed: 1 }).configure({ corrupt: -0.1 })).to.throw(RangeError);
    });
  });

  it('configure() can set one direction apart (an asymmetric link)', () => {
    const { sched, hostA, hostB, atA, atB, link } = bench({ seed: 1, latencyNs: 1000 });
    link.configure({ loss: 1 }, 'ab');
    link.configure({ latencyNs: 5000 }, 'ba');
    expect(link.config('ab')).to.include({ loss: 1, latencyNs: 1000 });
    expect(link.config('ba')).to.include({ loss: 0, latencyNs: 5000 });
    hostA.send(pkt(1));
    hostB.send(pkt(2));
    sched.runUntilIdle();
    expect(atB).to.have.length(0);
    expect(atA.map((x) => [x.id, x.t])).to.deep.equal([[2, 5000]]);
  });

  describe('partitions', () => {
    it('a one-way partition cuts only that direction, and heals', () => {
      const { sched, hostA, hostB, atA, atB, link } = bench({ seed: 1, latencyNs: 1000 });
      link.partition('ab');
      hostA.send(pkt(1));
      hostB.send(pkt(2));
      sched.runUntilIdle();
      expect([atB.length, atA.length]).to.deep.equal([0, 1]);
      link.heal('ab');
      hostA.send(pkt(3));
      sched.runUntilIdle();
      expect(atB.map((x) => x.id)).to.deep.equal([3]);
      expect(link.stats('ab').partitionDrops).to.equal(1);
    });

    it('frames in flight when a partition opens are lost; after heal traffic flows', () => {
      const { sched, hostA, atB, link } = bench({ seed: 1, latencyNs: 10 * NS_PER_MS });
      hostA.send(pkt(1));
      sched.advance(5 * NS_PER_MS);
      link.partition();
      expect(link.isPartitioned('ab') && link.isPartitioned('ba')).to.equal(true);
      sched.advance(10 * NS_PER_MS);
      link.heal();
      hostA.send(pkt(2));
      sched.runUntilIdle();
      expect(atB.map((x) => [x.id, x.t])).to.deep.equal([[2, 25 * NS_PER_MS]]);
    });
  });

  it('observers see offered and delivered frames; close() cancels what is in flight', () => {
    const { sched, hostA, hostB, link, atB } = bench({ seed: 1, latencyNs: 1000, loss: 0 });
    const seen: string[] = [];
    link.observe((f, dir) => seen.push(`d${dir}${f[1]}`));
    link.observe((f, dir) => seen.push(`o${dir}${f[1]}`), 'offered');
    hostA.send(pkt(1));
    hostB.send(pkt(2));
    sched.runUntilIdle();
    expect(seen).to.deep.equal(['otx1', 'orx2', 'dtx1', 'drx2']);
    hostA.send(pkt(3));
    expect(link.inFlight()).to.equal(1);
    link.close();
    expect(sched.pending()).to.equal(0);
    sched.runUntilIdle();
    expect(atB).to.have.length(1);
  });
});
