import { expect } from 'chai';
import { hex, toHex } from '../testing.js';
import { ipv4 } from './address.js';
import { TcpFlags, TcpPacket, TcpRepr, parseTcpOptions, tcpRepr } from './tcp.js';

const CLIENT = ipv4('192.168.1.100');
const SERVER = ipv4('93.184.216.34');

// A Linux SYN (curl to port 80): data offset 10 (40 bytes), window 64240, options exactly as Linux lays them
// out: MSS 1460 | SACK-permitted, timestamps (TSval 1000000000, TSecr 0) | NOP, window scale 7.
// Checksum 0xf4ca: the pseudo-header c0a8+0164+5db8+d822+0006+0028 plus all header words (checksum 0) fold
// to 0x0b35, and ~0x0b35 = 0xf4ca.
const LINUX_SYN = hex(`
  d431 0050 | 6a3b1c05 | 00000000 | a002 faf0 | f4ca 0000 |
  020405b4 | 0402 080a 3b9aca00 00000000 | 01 030307`);

const SYN_REPR: TcpRepr = tcpRepr({
  srcPort: 54321, dstPort: 80, seqNumber: 0x6a3b1c05, flags: TcpFlags.SYN, windowLen: 64240,
  maxSegSize: 1460, sackPermitted: true, timestamps: { tsVal: 1_000_000_000, tsEcr: 0 }, windowScale: 7,
});

function emit(repr: TcpRepr, src = CLIENT, dst = SERVER): Uint8Array {
  const out = new Uint8Array(TcpRepr.bufferLen(repr));
  TcpRepr.emit(repr, out, src, dst);
  return out;
}

describe('wire/tcp', () => {
  it('parses a Linux SYN with MSS, SACK-permitted, timestamps and window scale', () => {
    const r = TcpRepr.parse(LINUX_SYN, CLIENT, SERVER);
    expect(r.ok && { ...r.value, payload: r.value.payload.length }).to.deep.equal({ ...SYN_REPR, payload: 0 });
  });

  it('emits the Linux SYN byte for byte, checksum included', () => {
    expect(toHex(emit(SYN_REPR))).to.equal(toHex(LINUX_SYN));
  });

  it('reads every header field through the packet view', () => {
    const p = TcpPacket.checked(LINUX_SYN);
    if (!p.ok) throw new Error(p.error);
    expect([p.value.srcPort, p.value.dstPort, p.value.headerLen, p.value.flags, p.value.checksum])
      .to.deep.equal([54321, 80, 40, TcpFlags.SYN, 0xf4ca]);
    expect(p.value.options().length).to.equal(20);
  });

  it('round-trips an ACK with data, timestamps and three SACK blocks', () => {
    const repr = tcpRepr({
      srcPort: 80, dstPort: 54321, seqNumber: 0xfffffff0, ackNumber: 0x6a3b1c06, flags: TcpFlags.ACK | TcpFlags.PSH,
      windowLen: 502, timestamps: { tsVal: 7, tsEcr: 1_000_000_000 },
      sackBlocks: [{ left: 10, right: 20 }, { left: 30, right: 40 }, { left: 0xfffffff8, right: 4 }],
      payload: hex('48656c6c6f'),
    });
    const bytes = emit(repr, SERVER, CLIENT);
    expect(bytes.length).to.equal(20 + 12 + 28 + 5);
    // NOP NOP TS(10) | NOP NOP SACK len 26
    expect(toHex(bytes.subarray(20, 24))).to.equal('0101080a');
    expect(toHex(bytes.subarray(32, 36))).to.equal('0101051a');
    const back = TcpRepr.parse(bytes, SERVER, CLIENT);
    expect(back.ok && { ...back.value, payload: toHex(back.value.payload) })
      .to.deep.equal({ ...repr, payload: '48656c6c6f' });
  });

  it('leaves out SACK blocks that do not fit in 40 option bytes', () => {
    const blocks = [1, 2, 3, 4].map((i) => ({ left: i * 100, right: i * 100 + 50 }));
    const repr = tcpRepr({ srcPort: 1, dstPort: 2, seqNumber: 0, flags: TcpFlags.ACK, timestamps: { tsVal: 1, tsEcr: 2 }, sackBlocks: blocks });
    const back = TcpRepr.parse(emit(repr), CLIENT, SERVER);
    expect(back.ok && back.value.sackBlocks).to.deep.equal(blocks.slice(0, 3));
    const noTs = TcpRepr.parse(emit({ ...repr, timestamps: null }), CLIENT, SERVER);
    expect(noTs.ok && noTs.value.sackBlocks).to.deep.equal(blocks);
  });

  it('skips unknown options and stops at End', () => {
    // Kind 30 (MPTCP) length 4, then NOP, SACK-permitted, End, then garbage after End.
    expect(parseTcpOptions(hex('1e04abcd 01 0402 00 ffff'))).to.deep.equal({
      ok: true, value: [{ kind: 'unknown', type: 30, data: hex('abcd') }, { kind: 'sackPermitted' }],
    });
    const seg = LINUX_SYN.slice();
    seg.set(hex('1e04abcd'), 20); // replace the MSS option with an unknown one
    TcpPacket.unchecked(seg).fillChecksum(CLIENT, SERVER);
    const r = TcpRepr.parse(seg, CLIENT, SERVER);
    expect(r.ok && r.value.maxSegSize).to.equal(null);
    expect(r.ok && r.value.windowScale).to.equal(7);
  });

  it('rejects impossible option lengths', () => {
    for (const opts of ['0203 05b4', '0204 05', '0302 00', '0403', '050b 00000001 00000002 00', '0809', '1e01', '1e']) {
      expect(parseTcpOptions(hex(opts)), opts).to.deep.equal({ ok: false, error: 'malformed' });
    }
  });

  it('rejects bad checksums, data offsets and truncation', () => {
    const b = LINUX_SYN.slice();
    b[4] ^= 0x80;
    expect(TcpRepr.parse(b, CLIENT, SERVER)).to.deep.equal({ ok: false, error: 'checksum' });
    const off4 = LINUX_SYN.slice();
    off4[12] = 0x40;
    expect(TcpPacket.checked(off4)).to.deep.equal({ ok: false, error: 'malformed' });
    expect(TcpPacket.checked(LINUX_SYN.subarray(0, 39))).to.deep.equal({ ok: false, error: 'truncated' });
    expect(TcpPacket.checked(LINUX_SYN.subarray(0, 19))).to.deep.equal({ ok: false, error: 'truncated' });
  });

  it('counts SYN and FIN in the segment length', () => {
    expect(TcpRepr.segmentLen(SYN_REPR)).to.equal(1);
    expect(TcpRepr.segmentLen(tcpRepr({ srcPort: 1, dstPort: 2, seqNumber: 0, flags: TcpFlags.FIN | TcpFlags.ACK, payload: hex('00') }))).to.equal(2);
  });
});
