import { expect } from 'chai';
import { hex, toHex } from '../testing.js';
import { IcmpRepr, TimeExceededCode, UnreachableCode } from './icmp.js';
import { PING_REQUEST_IP } from './ipv4.test.js';

const DATA = new TextEncoder().encode('abcdefghijklmnopqrstuvwabcdefghi');
// Echo request checksum by hand: the 16 data words (6162 + 6364 + ... + 6869) sum to 0x6aa9d; adding the
// header words 0800 + 0001 + 0001 gives 0x6b29f; folding, 0xb29f + 6 = 0xb2a5; ~0xb2a5 = 0x4d5a, the value
// every Windows ping with id 1, seq 1 carries.
const ECHO_REQUEST = PING_REQUEST_IP.subarray(20);
// The reply differs only in type (8 -> 0), so its checksum is 0x4d5a + 0x0800 = 0x555a.
const ECHO_REPLY = hex(`00 00 555a 0001 0001 6162636465666768696a6b6c6d6e6f7071727374757677616263646566676869`);

describe('wire/icmp', () => {
  it('parses and emits an echo request and its reply', () => {
    const req: IcmpRepr = { type: 'echoRequest', ident: 1, seqNo: 1, data: DATA };
    const rep: IcmpRepr = { type: 'echoReply', ident: 1, seqNo: 1, data: DATA };
    for (const [repr, bytes] of [[req, ECHO_REQUEST], [rep, ECHO_REPLY]] as const) {
      const parsed = IcmpRepr.parse(bytes);
      expect(parsed.ok && { ...parsed.value, data: toHex(parsed.value.data) })
        .to.deep.equal({ ...repr, data: toHex(DATA) });
      const out = new Uint8Array(IcmpRepr.bufferLen(repr));
      IcmpRepr.emit(repr, out);
      expect(toHex(out)).to.equal(toHex(bytes));
    }
  });

  it('round-trips port unreachable quoting the invoking datagram', () => {
    const quoted = PING_REQUEST_IP.subarray(0, 28);
    const repr: IcmpRepr = { type: 'destUnreachable', code: UnreachableCode.Port, nextHopMtu: 0, data: quoted };
    const out = new Uint8Array(IcmpRepr.bufferLen(repr));
    IcmpRepr.emit(repr, out);
    expect(toHex(out.subarray(0, 8))).to.equal('0303' + toHex(out.subarray(2, 4)) + '00000000');
    const back = IcmpRepr.parse(out);
    expect(back.ok && back.value.type).to.equal('destUnreachable');
    expect(back.ok && back.value.type === 'destUnreachable' && toHex(back.value.data)).to.equal(toHex(quoted));
  });

  it('round-trips fragmentation-needed with a next-hop MTU and time exceeded', () => {
    const frag: IcmpRepr = { type: 'destUnreachable', code: UnreachableCode.FragNeeded, nextHopMtu: 1400, data: hex('45') };
    const ttl: IcmpRepr = { type: 'timeExceeded', code: TimeExceededCode.TtlExpired, data: hex('45') };
    for (const repr of [frag, ttl]) {
      const out = new Uint8Array(IcmpRepr.bufferLen(repr));
      IcmpRepr.emit(repr, out);
      expect(IcmpRepr.parse(out)).to.deep.equal({ ok: true, value: { ...repr, data: out.subarray(8) } });
    }
  });

  it('rejects bad checksums, truncation and unknown types', () => {
    const b = ECHO_REQUEST.slice();
    b[9] ^= 0xff;
    expect(IcmpRepr.parse(b)).to.deep.equal({ ok: false, error: 'checksum' });
    expect(IcmpRepr.parse(ECHO_REQUEST.subarray(0, 7))).to.deep.equal({ ok: false, error: 'truncated' });
    // Type 13 (timestamp) with a correct checksum: 0d00 f2ff, i.e. ~0x0d00.
    expect(IcmpRepr.parse(hex('0d00f2ff00000000'))).to.deep.equal({ ok: false, error: 'unsupported' });
  });
});
