import { expect } from 'chai';
import { hex, toHex } from '../testing.js';
import { mac } from './address.js';
import { ArpOperation, ArpPacket, ArpRepr } from './arp.js';
import { EthernetPacket, EthernetRepr, EthernetType } from './ethernet.js';
import { ipv4 } from './address.js';

// A broadcast ARP request "who has 192.168.1.1? tell 192.168.1.100", as tcpdump -xx shows one.
const ARP_REQUEST_FRAME = hex(`
  ffffffffffff 001a2b3c4d5e 0806 |
  0001 0800 06 04 0001 | 001a2b3c4d5e c0a80164 | 000000000000 c0a80101`);
// The reply from 192.168.1.1 (00:11:22:33:44:55), unicast back.
const ARP_REPLY_FRAME = hex(`
  001a2b3c4d5e 001122334455 0806 |
  0001 0800 06 04 0002 | 001122334455 c0a80101 | 001a2b3c4d5e c0a80164`);

describe('wire/ethernet', () => {
  it('parses the header of a real frame', () => {
    const r = EthernetRepr.parse(ARP_REQUEST_FRAME);
    expect(r.ok).to.equal(true);
    if (!r.ok) return;
    expect(r.value.dst).to.equal(mac('ff:ff:ff:ff:ff:ff'));
    expect(r.value.src).to.equal(mac('00:1a:2b:3c:4d:5e'));
    expect(r.value.ethertype).to.equal(EthernetType.Arp);
    expect(r.value.payload.length).to.equal(28);
  });

  it('emits the same bytes', () => {
    const payload = ARP_REQUEST_FRAME.subarray(14);
    const repr = { dst: mac('ff:ff:ff:ff:ff:ff'), src: mac('00:1a:2b:3c:4d:5e'), ethertype: EthernetType.Arp, payload };
    const out = new Uint8Array(EthernetRepr.bufferLen(repr));
    EthernetRepr.emit(repr, out);
    expect(toHex(out)).to.equal(toHex(ARP_REQUEST_FRAME));
  });

  it('rejects a runt header as truncated', () => {
    expect(EthernetPacket.checked(new Uint8Array(13))).to.deep.equal({ ok: false, error: 'truncated' });
    expect(EthernetPacket.checked(new Uint8Array(14)).ok).to.equal(true);
  });
});

describe('wire/arp', () => {
  const request: ArpRepr = {
    operation: ArpOperation.Request,
    senderHardwareAddr: mac('00:1a:2b:3c:4d:5e'), senderProtocolAddr: ipv4('192.168.1.100'),
    targetHardwareAddr: 0, targetProtocolAddr: ipv4('192.168.1.1'),
  };
  const reply: ArpRepr = {
    operation: ArpOperation.Reply,
    senderHardwareAddr: mac('00:11:22:33:44:55'), senderProtocolAddr: ipv4('192.168.1.1'),
    targetHardwareAddr: mac('00:1a:2b:3c:4d:5e'), targetProtocolAddr: ipv4('192.168.1.100'),
  };

  it('parses a request and a reply', () => {
    expect(ArpRepr.parse(ARP_REQUEST_FRAME.subarray(14))).to.deep.equal({ ok: true, value: request });
    expect(ArpRepr.parse(ARP_REPLY_FRAME.subarray(14))).to.deep.equal({ ok: true, value: reply });
  });

  it('emits a request and a reply byte for byte', () => {
    for (const [repr, frame] of [[request, ARP_REQUEST_FRAME], [reply, ARP_REPLY_FRAME]] as const) {
      const out = new Uint8Array(ArpRepr.bufferLen(repr));
      ArpRepr.emit(repr, out);
      expect(toHex(out)).to.equal(toHex(frame.subarray(14)));
    }
  });

  it('accepts trailing Ethernet padding (a 60-byte minimum frame)', () => {
    const padded = new Uint8Array(46);
    padded.set(ARP_REQUEST_FRAME.subarray(14));
    expect(ArpRepr.parse(padded)).to.deep.equal({ ok: true, value: request });
  });

  it('rejects truncated, non-IPv4 and malformed packets', () => {
    expect(ArpRepr.parse(ARP_REQUEST_FRAME.subarray(14, 41))).to.deep.equal({ ok: false, error: 'truncated' });
    const ipv6 = ARP_REQUEST_FRAME.slice(14);
    ipv6[2] = 0x86; ipv6[3] = 0xdd;
    expect(ArpRepr.parse(ipv6)).to.deep.equal({ ok: false, error: 'unsupported' });
    const badLen = ARP_REQUEST_FRAME.slice(14);
    badLen[5] = 16; // plen 16 announces 8 + 2*(6+16) = 52 bytes
    expect(ArpPacket.checked(badLen)).to.deep.equal({ ok: false, error: 'truncated' });
    const badOp = ARP_REQUEST_FRAME.slice(14);
    badOp[7] = 9;
    expect(ArpRepr.parse(badOp)).to.deep.equal({ ok: false, error: 'unsupported' });
  });
});
