import { expect } from 'chai';
import { hex, toHex } from '../testing.js';
import { ipv4 } from './address.js';
import { UdpPacket, UdpRepr } from './udp.js';

const SRC = ipv4('10.0.2.15');
const DST = ipv4('10.0.2.3');
// 10.0.2.15:5353 -> 10.0.2.3:53, payload "ping". Checksum by hand: pseudo-header 0a00 + 020f + 0a00 + 0203
// + 0011 + 000c = 0x182f; UDP header 14e9 + 0035 + 000c + 0000 = 0x152a; payload 7069 + 6e67 = 0xded0;
// total 0x10c29, folded 0x0c29 + 1 = 0x0c2a; ~0x0c2a = 0xf3d5.
const DATAGRAM = hex('14e9 0035 000c f3d5 70696e67');

describe('wire/udp', () => {
  it('parses a datagram and verifies its checksum', () => {
    const r = UdpRepr.parse(DATAGRAM, SRC, DST);
    expect(r.ok && { ...r.value, payload: toHex(r.value.payload) })
      .to.deep.equal({ srcPort: 5353, dstPort: 53, payload: '70696e67' });
  });

  it('emits the same bytes', () => {
    const repr = { srcPort: 5353, dstPort: 53, payload: hex('70696e67') };
    const out = new Uint8Array(UdpRepr.bufferLen(repr));
    UdpRepr.emit(repr, out, SRC, DST);
    expect(toHex(out)).to.equal(toHex(DATAGRAM));
  });

  it('accepts a zero checksum as "none computed" (RFC 768)', () => {
    const b = DATAGRAM.slice();
    b[6] = 0; b[7] = 0;
    expect(UdpRepr.parse(b, SRC, DST).ok).to.equal(true);
  });

  it('rejects a wrong checksum, a wrong pseudo-header, bad lengths and port 0', () => {
    const b = DATAGRAM.slice();
    b[8] ^= 1;
    expect(UdpRepr.parse(b, SRC, DST)).to.deep.equal({ ok: false, error: 'checksum' });
    expect(UdpRepr.parse(DATAGRAM, SRC, ipv4('10.0.2.4'))).to.deep.equal({ ok: false, error: 'checksum' });
    expect(UdpPacket.checked(DATAGRAM.subarray(0, 7))).to.deep.equal({ ok: false, error: 'truncated' });
    expect(UdpPacket.checked(DATAGRAM.subarray(0, 11))).to.deep.equal({ ok: false, error: 'truncated' });
    const short = DATAGRAM.slice();
    short[5] = 7;
    expect(UdpPacket.checked(short)).to.deep.equal({ ok: false, error: 'malformed' });
    const port0 = DATAGRAM.slice();
    port0[2] = 0; port0[3] = 0;
    expect(UdpRepr.parse(port0, SRC, DST)).to.deep.equal({ ok: false, error: 'malformed' });
  });

  it('transmits a computed zero checksum as 0xffff (RFC 768)', () => {
    // With payload "ping" + word w the length is 14: 0a00+020f+0a00+0203+0011+000e + 14e9+0035+000e
    // + 7069+6e67 folds to 0x0c2e, so w = 0xffff - 0x0c2e = 0xf3d1 makes the sum 0xffff and the checksum 0.
    const repr = { srcPort: 5353, dstPort: 53, payload: hex('70696e67 f3d1') };
    const out = new Uint8Array(UdpRepr.bufferLen(repr));
    UdpRepr.emit(repr, out, SRC, DST);
    expect(toHex(out.subarray(6, 8))).to.equal('ffff');
    expect(UdpRepr.parse(out, SRC, DST).ok).to.equal(true);
  });
});
