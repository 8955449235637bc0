import { expect } from 'chai';
import { BufferPool } from './bufpool.js';

describe('bounce buffer pool', () => {
  it('rounds up to a power-of-two class and reuses a buffer given back', () => {
    const pool = new BufferPool();
    const a = pool.take(5000);
    expect(a.length).to.equal(5000);
    expect(a.buffer.byteLength).to.equal(8192);
    pool.give(a);
    expect(pool.heldBytes).to.equal(8192);
    pool.give(a); // given twice: held once
    expect(pool.heldBytes).to.equal(8192);
    const b = pool.take(6000);
    expect(b.buffer).to.equal(a.buffer);
    expect(pool.heldBytes).to.equal(0);
  });

  it('keeps only a few buffers per class, ignores foreign ones and never pools beyond 1 MiB', () => {
    const pool = new BufferPool();
    const bufs = Array.from({ length: 10 }, () => pool.take(4096));
    for (const b of bufs) pool.give(b);
    expect(pool.heldBytes).to.equal(4 * 4096);
    pool.give(new Uint8Array(3000));
    pool.give(new Uint8Array(new ArrayBuffer(8192), 4096, 100));
    expect(pool.heldBytes).to.equal(4 * 4096);
    const big = pool.take((1 << 20) + 1);
    expect(big.length).to.equal((1 << 20) + 1);
    pool.give(big);
    expect(pool.heldBytes).to.equal(4 * 4096);
  });
});
