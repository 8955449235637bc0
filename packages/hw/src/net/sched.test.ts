import { expect } from 'chai';
import { VirtualScheduler, RealTimeScheduler, NS_PER_MS } from './sched.js';

describe('hw/net schedulers', () => {
  describe('VirtualScheduler', () => {
    it('runs timers in time order, ties in scheduling order, and stops at the deadline', () => {
      const s = new VirtualScheduler();
      const log: string[] = [];
      s.schedule(30, () => log.push(`c@${s.now()}`));
      s.schedule(10, () => log.push(`a@${s.now()}`));
      s.schedule(10, () => log.push(`b@${s.now()}`));
      s.schedule(31, () => log.push('late'));
      s.advance(30);
      expect(log).to.deep.equal(['a@10', 'b@10', 'c@30']);
      expect(s.now()).to.equal(30);
      expect(s.pending()).to.equal(1);
    });

    it('timers scheduled by timers run in the same advance if due', () => {
      const s = new VirtualScheduler();
      const log: number[] = [];
      s.schedule(5, () => s.schedule(5, () => log.push(s.now())));
      s.advance(10);
      expect(log).to.deep.equal([10]);
    });

    it('cancel() removes a timer; cancelling twice or after it ran is harmless', () => {
      const s = new VirtualScheduler();
      let ran = 0;
      const t = s.schedule(5, () => ran++);
      const u = s.schedule(6, () => ran++);
      s.cancel(t);
      s.cancel(t);
      expect(s.pending()).to.equal(1);
      expect(s.runUntilIdle()).to.equal(1);
      s.cancel(u);
      expect([ran, s.pending(), s.now()]).to.deep.equal([1, 0, 6]);
    });

    it('keeps heap order under many random timers', () => {
      const s = new VirtualScheduler();
      const fired: number[] = [];
      for (let i = 0; i < 500; i++) {
        const d = (i * 7919) % 1000;
        s.schedule(d, () => fired.push(s.now()));
      }
      s.runUntilIdle();
      expect(fired).to.deep.equal([...fired].sort((a, b) => a - b));
      expect(fired).to.have.length(500);
    });

    it('refuses negative delays, going back in time, and runaway timer loops', () => {
      const s = new VirtualScheduler();
      expect(() => s.schedule(-1, () => {})).to.throw(RangeError);
      s.advance(10);
      expect(() => s.runUntil(5)).to.throw(RangeError);
      const loop = (): void => void s.schedule(0, loop);
      loop();
      expect(() => s.runUntilIdle(100)).to.throw(/more than 100/);
    });
  });

  describe('RealTimeScheduler', () => {
    it('fires after the delay on the wall clock and close() cancels the rest', async () => {
      const s = new RealTimeScheduler();
      const t0 = s.now();
      const at = await new Promise<number>((resolve) => s.schedule(5 * NS_PER_MS, () => resolve(s.now())));
      expect(at - t0).to.be.at.least(4 * NS_PER_MS);
      let ran = false;
      s.schedule(NS_PER_MS, () => {
        ran = true;
      });
      expect(s.pending()).to.equal(1);
      s.close();
      expect(s.pending()).to.equal(0);
      await new Promise((r) => setTimeout(r, 5));
      expect(ran).to.equal(false);
    });

    it('runs zero-delay timers on the next event-loop turn, well under a millisecond', async () => {
      const s = new RealTimeScheduler();
      const order: string[] = [];
      const t0 = s.now();
      const at = await new Promise<number>((resolve) => {
        s.schedule(0, () => resolve(s.now()));
        order.push('scheduled');
      });
      order.push('ran');
      expect(order).to.deep.equal(['scheduled', 'ran']);
      expect(at - t0).to.be.below(NS_PER_MS);
      const t = s.schedule(0, () => order.push('cancelled one ran'));
      s.cancel(t);
      await new Promise((r) => setImmediate(r));
      expect(order).to.have.length(2);
    });
  });
});
