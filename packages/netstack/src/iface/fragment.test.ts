import { expect } from 'chai';
import fc from 'fast-check';
import { ipv4 } from '../wire/address.js';
import { IpProtocol, type Ipv4Repr, ipv4Repr } from '../wire/ipv4.js';
import { DEFAULT_REASSEMBLY_LIMITS, Reassembler, fragmentDatagram } from './fragment.js';

const SRC = ipv4('10.0.0.1');
const DST = ipv4('10.0.0.2');

function bytes(n: number, seed = 1): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);
}

function frag(offset: number, payload: Uint8Array, more: boolean, ident = 42): Ipv4Repr {
  return ipv4Repr({ src: SRC, dst: DST, protocol: IpProtocol.Udp, ident, fragmentOffset: offset, moreFragments: more, payload });
}

/** The three fragments of a 24-byte payload: [0,8) [8,16) [16,24). */
function thirds(data: Uint8Array, ident = 42): Ipv4Repr[] {
  return [frag(0, data.subarray(0, 8), true, ident), frag(8, data.subarray(8, 16), true, ident), frag(16, data.subarray(16), false, ident)];
}

describe('iface/fragment', () => {
  const data = bytes(24);

  it('reassembles fragments arriving in order', () => {
    const r = new Reassembler();
    const [a, b, c] = thirds(data);
    expect(r.add(a!, 0)).to.equal(null);
    expect(r.add(b!, 0)).to.equal(null);
    const whole = r.add(c!, 0);
    expect(whole && Array.from(whole.payload)).to.deep.equal(Array.from(data));
    expect(whole?.moreFragments).to.equal(false);
    expect(r.inProgress).to.equal(0);
  });

  it('reassembles fragments arriving out of order, and copies their payload', () => {
    const r = new Reassembler();
    const [a, b, c] = thirds(data.slice());
    expect(r.add(c!, 0)).to.equal(null);
    expect(r.add(a!, 0)).to.equal(null);
    a!.payload.fill(0); // the driver reuses its buffer
    const whole = r.add(b!, 0);
    expect(whole && Array.from(whole.payload)).to.deep.equal(Array.from(data));
  });

  it('accepts duplicates and overlaps that agree byte for byte', () => {
    const r = new Reassembler();
    expect(r.add(frag(0, data.subarray(0, 16), true), 0)).to.equal(null);
    expect(r.add(frag(8, data.subarray(8, 16), true), 0)).to.equal(null); // duplicate
    const whole = r.add(frag(8, data.subarray(8), false), 0); // overlaps [8,16), agrees
    expect(whole && Array.from(whole.payload)).to.deep.equal(Array.from(data));
  });

  it('discards the whole datagram when an overlap disagrees (RFC 1858)', () => {
    const r = new Reassembler();
    expect(r.add(frag(0, data.subarray(0, 16), true), 0)).to.equal(null);
    const evil = data.slice(8);
    evil[0] ^= 0xff;
    expect(r.add(frag(8, evil, false), 0)).to.equal(null);
    expect(r.stats.overlap).to.equal(1);
    expect(r.inProgress).to.equal(0);
    // The fragment that would have completed it now starts a new, incomplete datagram.
    expect(r.add(frag(16, data.subarray(16), false), 0)).to.equal(null);
  });

  it('rejects inconsistent ends, unaligned middle fragments, oversize and too many fragments', () => {
    const r = new Reassembler({ ...DEFAULT_REASSEMBLY_LIMITS, maxSize: 100, maxFragments: 2 });
    r.add(frag(16, data.subarray(16), false), 0);
    r.add(frag(24, bytes(8), false), 0); // a second, different end
    expect(r.stats.inconsistent).to.equal(1);
    r.add(frag(0, bytes(5), true), 0); // middle fragment not a multiple of 8
    expect(r.stats.inconsistent).to.equal(2);
    r.add(frag(80, bytes(8), true, 7), 0); // 80 + 8 + 20 > 100
    expect(r.stats.oversize).to.equal(1);
    r.add(frag(0, bytes(8), true, 8), 0);
    r.add(frag(16, bytes(8), true, 8), 0);
    r.add(frag(32, bytes(8), true, 8), 0);
    expect(r.stats['too-many-fragments']).to.equal(1);
  });

  it('times out incomplete datagrams, reporting fragment zero when it had arrived', () => {
    const r = new Reassembler({ ...DEFAULT_REASSEMBLY_LIMITS, timeoutMs: 1000 });
    r.add(frag(0, data.subarray(0, 16), true, 1), 0);
    r.add(frag(16, data.subarray(16), false, 2), 500);
    expect(r.pollAt()).to.equal(1000);
    expect(r.expire(999)).to.deep.equal([]);
    const first = r.expire(1000);
    expect(first).to.have.length(1);
    expect(first[0]!.first?.ident).to.equal(1);
    expect(Array.from(first[0]!.first!.payload)).to.deep.equal(Array.from(data.subarray(0, 8)));
    expect(first[0]!.payloadLen).to.equal(16);
    expect(r.expire(1500)).to.deep.equal([{ first: null, payloadLen: 8 }]);
    expect(r.stats.timeout).to.equal(2);
  });

  it('holds at most maxDatagrams, evicting the oldest', () => {
    const r = new Reassembler({ ...DEFAULT_REASSEMBLY_LIMITS, maxDatagrams: 2 });
    for (let id = 1; id <= 3; id++) r.add(frag(0, bytes(8), true, id), id);
    expect(r.inProgress).to.equal(2);
    expect(r.stats.evicted).to.equal(1);
    // Datagram 1 was evicted: its last fragment alone cannot complete it.
    expect(r.add(frag(8, bytes(8), false, 1), 4)).to.equal(null);
    expect(r.add(frag(8, bytes(8), false, 3), 4)?.payload.length).to.equal(16);
  });

  it('fragments to the MTU, copying only copied options into later fragments (RFC 791 3.2)', () => {
    const repr = ipv4Repr({
      src: SRC, dst: DST, protocol: IpProtocol.Udp, ident: 9, payload: bytes(3000),
      options: [{ type: 148, data: Uint8Array.of(0, 0) }, { type: 7, data: Uint8Array.of(4, 0, 0, 0, 0) }],
    });
    const frags = fragmentDatagram(repr, 1500);
    expect(frags.map((f) => [f.fragmentOffset, f.payload.length, f.moreFragments, f.options.length])).to.deep.equal([
      [0, 1464, true, 2], [1464, 1472, true, 1], [2936, 64, false, 1],
    ]);
  });

  it('property: any fragmentation, delivered in any order with duplicates, reassembles exactly', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 68, max: 1500 }), fc.array(fc.nat(), { maxLength: 40 }),
      (len, mtu, shuffle) => {
        const payload = bytes(len, mtu);
        const frags = fragmentDatagram(ipv4Repr({ src: SRC, dst: DST, protocol: 17, ident: 5, payload }), mtu);
        const order = [...frags, ...shuffle.slice(0, 3).map((i) => frags[i % frags.length]!)];
        for (let i = order.length - 1; i > 0; i--) {
          const j = (shuffle[i % Math.max(1, shuffle.length)] ?? 0) % (i + 1);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        const r = new Reassembler({ ...DEFAULT_REASSEMBLY_LIMITS, maxFragments: 1000 });
        const results = order.map((f) => (frags.length === 1 ? f : r.add(f, 0))).filter((x) => x !== null);
        expect(results.length).to.be.greaterThan(0);
        expect(Array.from(results[0]!.payload)).to.deep.equal(Array.from(payload));
      }), { numRuns: 200, seed: 3 });
  });
});
