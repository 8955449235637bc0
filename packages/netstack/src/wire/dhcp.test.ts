import { expect } from 'chai';
import { hex, toHex } from '../testing.js';
import { ipv4, mac } from './address.js';
import { DhcpMessageType, DhcpOption, DhcpPacket, DhcpRepr, dhcpRepr } from './dhcp.js';
import { Ipv4Repr } from './ipv4.js';
import { UdpRepr } from './udp.js';

/** A BOOTP message: the 236-byte fixed part from `fixed` (zero-filled), the cookie, options, padding to `len`. */
function bootp(fixed: string, options: string, len = 300): Uint8Array {
  const out = new Uint8Array(len);
  out.set(hex(fixed));
  out.set(hex('63825363'), 236);
  out.set(hex(options), 240);
  return out;
}

// The DISCOVER of Wireshark's sample dhcp.pcap: xid 0x00003d1d, chaddr 00:0b:82:01:fc:42, options
// 53 = DISCOVER, 61 = client id (type 1 + MAC), 50 = requested 192.168.1.100, 55 = {1, 15, 3, 6}, End.
const DISCOVER = bootp(
  '01 01 06 00 00003d1d 0000 0000 00000000 00000000 00000000 00000000 000b8201fc42',
  '350101 3d0701000b8201fc42 3204c0a80164 3704010f0306 ff');

const DISCOVER_REPR = dhcpRepr({
  messageType: DhcpMessageType.Discover, transactionId: 0x3d1d, clientHwAddr: mac('00:0b:82:01:fc:42'),
  clientIdentifier: hex('01000b8201fc42'), requestedIp: ipv4('192.168.1.100'), parameterRequestList: [1, 15, 3, 6],
});

// An ACK with every option the client consumes: mask, router, two DNS servers, lease 3600 s, T1 1800, T2 3150.
const ACK = bootp(
  '02 01 06 00 00003d1e 0000 0000 00000000 c0a8010a 00000000 00000000 000b8201fc42',
  `350105 3604c0a80101 0104ffffff00 0304c0a80101 0608c0a80101 08080808
   3304 00000e10 3a04 00000708 3b04 00000c4e ff`);

const ACK_REPR = dhcpRepr({
  messageType: DhcpMessageType.Ack, transactionId: 0x3d1e, clientHwAddr: mac('00:0b:82:01:fc:42'),
  yourIp: ipv4('192.168.1.10'), serverIdentifier: ipv4('192.168.1.1'), subnetMask: ipv4('255.255.255.0'),
  routers: [ipv4('192.168.1.1')], dnsServers: [ipv4('192.168.1.1'), ipv4('8.8.8.8')], leaseTime: 3600,
  renewalTime: 1800, rebindingTime: 3150,
});

function emit(repr: DhcpRepr): Uint8Array {
  const out = new Uint8Array(DhcpRepr.bufferLen(repr));
  DhcpRepr.emit(repr, out);
  return out;
}

describe('wire/dhcp', () => {
  it('parses a DISCOVER and an ACK', () => {
    expect(DhcpRepr.parse(DISCOVER)).to.deep.equal({ ok: true, value: DISCOVER_REPR });
    expect(DhcpRepr.parse(ACK)).to.deep.equal({ ok: true, value: ACK_REPR });
  });

  it('emits both byte for byte, padded to the 300-byte BOOTP minimum', () => {
    expect(toHex(emit(DISCOVER_REPR))).to.equal(toHex(DISCOVER));
    expect(toHex(emit(ACK_REPR))).to.equal(toHex(ACK));
  });

  it('carries the DISCOVER in a broadcast UDP/IP datagram with hand-checked checksums', () => {
    // 0.0.0.0:68 -> 255.255.255.255:67, UDP length 308: the pseudo-header (0000 0000 ffff ffff 0011 0134)
    // and the datagram fold to 0x660d, so the UDP checksum is ~0x660d = 0x99f2. IP header (TOS 0x10 like
    // dhclient, TTL 128) checksum 0x3996.
    const frame = hex(`45 10 0148 0000 0000 80 11 3996 00000000 ffffffff | 0044 0043 0134 99f2 ${toHex(DISCOVER)}`);
    const ip = Ipv4Repr.parse(frame);
    if (!ip.ok) throw new Error(ip.error);
    const udp = UdpRepr.parse(ip.value.payload, ip.value.src, ip.value.dst);
    if (!udp.ok) throw new Error(udp.error);
    expect(DhcpRepr.parse(udp.value.payload)).to.deep.equal({ ok: true, value: DISCOVER_REPR });
    const udpOut = new Uint8Array(UdpRepr.bufferLen(udp.value));
    UdpRepr.emit(udp.value, udpOut, 0, 0xffffffff);
    const ipOut = new Uint8Array(Ipv4Repr.bufferLen({ ...ip.value, payload: udpOut }));
    Ipv4Repr.emit({ ...ip.value, payload: udpOut }, ipOut);
    expect(toHex(ipOut)).to.equal(toHex(frame));
  });

  it('skips unknown options and pads; requires End and the message type', () => {
    const withUnknown = bootp('02 01 06 00 00000001', '00 00 0c03616263 350102 ff');
    const r = DhcpRepr.parse(withUnknown);
    expect(r.ok && r.value.messageType).to.equal(DhcpMessageType.Offer);
    expect(DhcpRepr.parse(bootp('02 01 06 00 00000001', '0c03616263 ff'))).to.deep.equal({ ok: false, error: 'malformed' });
    expect(DhcpRepr.parse(bootp('02 01 06 00 00000001', '350102', 243))).to.deep.equal({ ok: false, error: 'malformed' });
  });

  it('rejects bad cookies, wrong op for the type, bad option lengths and truncation', () => {
    const cookie = DISCOVER.slice();
    cookie[239] = 0;
    expect(DhcpRepr.parse(cookie)).to.deep.equal({ ok: false, error: 'malformed' });
    expect(DhcpRepr.parse(bootp('02 01 06 00', '350101 ff'))).to.deep.equal({ ok: false, error: 'malformed' });
    for (const opt of ['0103ffffff', '0303c0a801', '330200', '3500', '350109', '3d0101', '39020100', '3d09']) {
      expect(DhcpRepr.parse(bootp('01 01 06 00', `350101 ${opt} ff`)), opt).to.deep.equal({ ok: false, error: 'malformed' });
    }
    expect(DhcpRepr.parse(bootp('01 06 06 00', '350101 ff'))).to.deep.equal({ ok: false, error: 'unsupported' });
    expect(DhcpPacket.checked(DISCOVER.subarray(0, 239))).to.deep.equal({ ok: false, error: 'truncated' });
    expect(DhcpOption.End).to.equal(255);
  });
});
