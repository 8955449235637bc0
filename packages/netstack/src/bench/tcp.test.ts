/** The benchmarks run (small sizes) and their figures are in range, so the bench script cannot rot. */
import { expect } from 'chai';
import { bulkThroughput, lossyGoodput, manyConnections } from './tcp.js';

describe('TCP benchmarks (smoke)', function () {
  this.timeout(10_000);

  it('bulkThroughput moves the bytes and reports a rate', async () => {
    expect(await bulkThroughput(500_000)).to.be.greaterThan(0);
  });

  it('lossyGoodput: near the window/RTT bound without loss, lower with it, higher without congestion control', async () => {
    const clean = await lossyGoodput(0, 100, 32768, 10);
    const lossy = await lossyGoodput(0.02, 100, 32768, 10);
    const lossyNoCc = await lossyGoodput(0.02, 100, 32768, 10, 'none');
    expect(clean).to.be.within(0.85, 1);
    expect(lossy).to.be.below(clean);
    expect(lossyNoCc).to.be.above(lossy);
  });

  it('manyConnections opens them all', async () => {
    const r = await manyConnections(300);
    expect(r.ms).to.be.greaterThan(0);
    expect(r.bytesPerConnection).to.be.a('number');
  });
});
