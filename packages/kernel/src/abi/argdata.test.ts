import { expect } from 'chai';
import { ArgFd, ArgTimestamp, ArgdataError, decodeArgdata, encodeArgdata } from './argdata.js';

describe('argdata', () => {
  it('encodes the reference example: seq [0, true, "A"]', () => {
    expect([...encodeArgdata([0, true, 'A'])]).to.deep.equal([0x07, 0x81, 0x05, 0x82, 0x02, 0x01, 0x83, 0x08, 0x41, 0x00]);
  });

  it('uses minimal two\'s complement ints and big-endian 7-bit length prefixes', () => {
    expect([...encodeArgdata(255)]).to.deep.equal([0x05, 0x00, 0xff]);
    expect([...encodeArgdata(-1)]).to.deep.equal([0x05, 0xff]);
    const long = encodeArgdata([new Uint8Array(127)]); // the subfield is 128 bytes: prefix 01 80
    expect([...long.subarray(0, 3)]).to.deep.equal([0x07, 0x01, 0x80]);
  });

  it('round-trips maps, fds, timestamps, floats, binaries and strings', () => {
    const v = { a: [1, -300, 2 ** 40], fd: new ArgFd(7), t: new ArgTimestamp(123n), f: 1.5, b: new Uint8Array([1, 2]), s: 'héllo', n: null };
    expect(decodeArgdata(encodeArgdata(v))).to.deep.equal(v);
  });

  it('encodes megabyte binaries and strings (as a program\'s large argument or an image would be)', () => {
    const big = new Uint8Array(1 << 20).fill(9), text = 'x'.repeat(1 << 20);
    const back = decodeArgdata(encodeArgdata([big, text])) as [Uint8Array, string];
    expect(back[0].length).to.equal(big.length);
    expect(back[1].length).to.equal(text.length);
  });

  it('rejects malformed input with ArgdataError', () => {
    for (const bad of [[0x07, 0x00, 0x80], [0x08, 0x41], [0x02, 0x02], [0x03, 1, 2], [0x07, 0x85, 1], [0x0a], [0x08, 0xff, 0x00]]) {
      expect(() => decodeArgdata(Uint8Array.from(bad)), JSON.stringify(bad)).to.throw(ArgdataError);
    }
  });
});
