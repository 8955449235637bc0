import { expect } from 'chai';
import fc from 'fast-check';
import { DispatchSchedule } from './schedule.js';

describe('socket/schedule', () => {
  it('property: takeDue returns exactly the sockets whose latest time has come', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(20), fc.option(fc.nat(1000))), { maxLength: 200 }), fc.nat(1000), (ops, now) => {
      const sched = new DispatchSchedule<number>();
      const latest = new Map<number, number | null>();
      for (const [s, t] of ops) {
        sched.schedule(s, t);
        latest.set(s, t);
      }
      const expected = [...latest].filter(([, t]) => t !== null && t <= now).map(([s]) => s).sort((x, y) => x - y);
      expect(sched.takeDue(now).sort((x, y) => x - y)).to.deep.equal(expected);
      const rest = [...latest.values()].filter((t): t is number => t !== null && t > now);
      expect(sched.next(now)).to.equal(rest.length > 0 ? Math.min(...rest) : null);
    }), { numRuns: 300, seed: 8 });
  });

  it('bounds stale entries by rebuilding the heap', () => {
    const sched = new DispatchSchedule<string>();
    for (let t = 0; t < 10_000; t++) sched.schedule('rto', 1_000_000 - t);
    expect(sched.entries).to.be.at.most(2 + 64);
    expect(sched.next(0)).to.equal(1_000_000 - 9_999);
  });
});
