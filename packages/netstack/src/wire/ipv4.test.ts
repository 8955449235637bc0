import { expect } from 'chai';
import { hex, toHex } from '../testing.js';
import { ipv4 } from './address.js';
import { IpProtocol, Ipv4OptionType, Ipv4Packet, Ipv4Repr, ipv4OptionCopied, parseIpv4Options } from './ipv4.js';

// Windows "ping 192.168.1.1": 20-byte header + 8-byte ICMP header + 32 bytes "abcdefghijklmnopqrstuvwabcdefghi".
// Header checksum by hand: 4500 + 003c + 1c46 + 0000 + 8001 + c0a8 + 0164 + c0a8 + 0101 = 0x26538;
// folded 0x6538 + 2 = 0x653a; ~0x653a = 0x9ac5.
export const PING_REQUEST_IP = hex(`
  45 00 003c 1c46 0000 80 01 9ac5 c0a80164 c0a80101 |
  08 00 4d5a 0001 0001 6162636465666768696a6b6c6d6e6f7071727374757677616263646566676869`);

// An IGMPv2 report with the Router Alert option (RFC 2113): IHL 6, TTL 1, DF, checksum 0x4110 (sum 0xbeef).
const ROUTER_ALERT_IP = hex(`
  46 c0 0020 0000 4000 01 02 4110 c0a80164 e00000fb | 94040000 | 16 00 09 04 e00000fb`);

// A first fragment: ident 0xabcd, MF set, offset 185 * 8 = 1480 bytes; 8 payload bytes. Checksum 0x9a48.
const FRAGMENT_IP = hex(`45 00 001c abcd 20b9 40 11 9a48 0a000001 0a000002 | 0102030405060708`);

describe('wire/ipv4', () => {
  it('parses a real echo request datagram', () => {
    const r = Ipv4Repr.parse(PING_REQUEST_IP);
    expect(r.ok).to.equal(true);
    if (!r.ok) return;
    const { payload, ...fields } = r.value;
    expect(fields).to.deep.equal({
      src: ipv4('192.168.1.100'), dst: ipv4('192.168.1.1'), protocol: IpProtocol.Icmp, ttl: 128, dscpEcn: 0,
      ident: 0x1c46, dontFragment: false, moreFragments: false, fragmentOffset: 0, options: [],
    });
    expect(toHex(payload)).to.equal(toHex(PING_REQUEST_IP.subarray(20)));
  });

  it('emits the echo request datagram byte for byte, checksum included', () => {
    const repr = Ipv4Repr.parse(PING_REQUEST_IP);
    if (!repr.ok) throw new Error('golden did not parse');
    const out = new Uint8Array(Ipv4Repr.bufferLen(repr.value));
    Ipv4Repr.emit(repr.value, out);
    expect(toHex(out)).to.equal(toHex(PING_REQUEST_IP));
  });

  it('round-trips options (Router Alert) in both directions', () => {
    const r = Ipv4Repr.parse(ROUTER_ALERT_IP);
    if (!r.ok) throw new Error(r.error);
    expect(r.value.options).to.have.length(1);
    expect(r.value.options[0]!.type).to.equal(Ipv4OptionType.RouterAlert);
    expect(ipv4OptionCopied(r.value.options[0]!.type)).to.equal(true);
    expect(toHex(r.value.options[0]!.data)).to.equal('0000');
    expect(r.value.dontFragment).to.equal(true);
    const out = new Uint8Array(Ipv4Repr.bufferLen(r.value));
    Ipv4Repr.emit(r.value, out);
    expect(toHex(out)).to.equal(toHex(ROUTER_ALERT_IP));
  });

  it('round-trips fragment fields', () => {
    const r = Ipv4Repr.parse(FRAGMENT_IP);
    if (!r.ok) throw new Error(r.error);
    expect(r.value.moreFragments).to.equal(true);
    expect(r.value.fragmentOffset).to.equal(1480);
    expect(r.value.ident).to.equal(0xabcd);
    const out = new Uint8Array(Ipv4Repr.bufferLen(r.value));
    Ipv4Repr.emit(r.value, out);
    expect(toHex(out)).to.equal(toHex(FRAGMENT_IP));
  });

  it('ignores link-layer padding after the total length', () => {
    const padded = new Uint8Array(PING_REQUEST_IP.length + 6);
    padded.set(PING_REQUEST_IP);
    const r = Ipv4Repr.parse(padded);
    expect(r.ok && r.value.payload.length).to.equal(40);
  });

  it('rejects bad checksums, versions, lengths and options', () => {
    const bad = (mutate: (b: Uint8Array) => void): unknown => {
      const b = PING_REQUEST_IP.slice();
      mutate(b);
      return Ipv4Repr.parse(b);
    };
    expect(bad((b) => { b[10] ^= 1; })).to.deep.equal({ ok: false, error: 'checksum' });
    expect(bad((b) => { b[0] = 0x65; })).to.deep.equal({ ok: false, error: 'malformed' });
    expect(bad((b) => { b[0] = 0x44; })).to.deep.equal({ ok: false, error: 'malformed' }); // IHL 4
    expect(bad((b) => { b[3] = 0x10; })).to.deep.equal({ ok: false, error: 'malformed' }); // total 16 < IHL
    expect(bad((b) => { b[3] = 0x40; })).to.deep.equal({ ok: false, error: 'truncated' }); // total > buffer
    expect(Ipv4Packet.checked(PING_REQUEST_IP.subarray(0, 19))).to.deep.equal({ ok: false, error: 'truncated' });
    expect(parseIpv4Options(hex('9401'))).to.deep.equal({ ok: false, error: 'malformed' }); // length < 2
    expect(parseIpv4Options(hex('940800'))).to.deep.equal({ ok: false, error: 'malformed' }); // runs past end
    expect(parseIpv4Options(hex('01 00 ff ff'))).to.deep.equal({ ok: true, value: [] }); // NOP, End stops
  });
});
