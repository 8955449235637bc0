import { expect } from 'chai';
import { OP, PSEUDO_MAX_DATA, RESP_HEADER, answerBatch, decodeResponses, type PseudoRequest, type PseudoResponse } from './index.js';
import { E } from './errno.js';

const req = (id: number, op: number, arg2 = 0n): PseudoRequest => ({ id, op, flags: 0, handle: 0n, arg1: 0n, arg2, data1: new Uint8Array(0), data2: new Uint8Array(0) });
const ok = (q: PseudoRequest, data: Uint8Array = new Uint8Array(0)): PseudoResponse => ({ id: q.id, errno: 0, flags: 0, value1: 0n, value2: 0n, data });

describe('answerBatch (a daemon answering one batch of requests)', () => {
  const out = new Uint8Array(PSEUDO_MAX_DATA + RESP_HEADER + 1024);

  it('puts answers that fit into one write, skips requests without an answer, and keeps their order', () => {
    const sizes = [...answerBatch([req(1, OP.STAT_FGET), req(2, OP.CLOSE), req(3, OP.STAT_FGET)], (q) => (q.op === OP.CLOSE ? null : ok(q, new Uint8Array(56))), out)];
    expect(sizes).to.deep.equal([2 * (RESP_HEADER + 56)]);
    expect(decodeResponses(out.subarray(0, sizes[0])).responses.map((r) => r.id)).to.deep.equal([1, 3]);
  });

  it('yields when the buffer is full, and makes room for a read before it is answered in place', () => {
    const big = PSEUDO_MAX_DATA - 100;
    let copies = 0;
    const sizes = [...answerBatch([req(1, OP.STAT_FGET), req(2, OP.PREAD, BigInt(PSEUDO_MAX_DATA))], (q, space) => {
      if (q.op !== OP.PREAD) return ok(q, new Uint8Array(2000));
      expect(space.length).to.be.at.least(PSEUDO_MAX_DATA); // room for all the read may return
      space.fill(7, 0, big);
      copies++;
      return ok(q, space.subarray(0, big));
    }, out)];
    expect(sizes).to.deep.equal([RESP_HEADER + 2000, RESP_HEADER + big]);
    expect(copies).to.equal(1);
    const [r] = decodeResponses(out.subarray(0, sizes[1])).responses;
    expect(r.id).to.equal(2);
    expect(r.data.length === big && r.data.every((b) => b === 7)).to.equal(true);
  });

  it('turns an answer larger than PSEUDO_MAX_DATA into EIO instead of overrunning the buffer', () => {
    const sizes = [...answerBatch([req(1, OP.READDIR)], (q) => ok(q, new Uint8Array(PSEUDO_MAX_DATA + 1)), out)];
    const [r] = decodeResponses(out.subarray(0, sizes[0])).responses;
    expect(r.errno).to.equal(E.IO);
    expect(r.data.length).to.equal(0);
  });
});
