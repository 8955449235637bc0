/**
 * The guarantee of wire/index.ts, tested with fast-check: parse() never throws on any bytes, and after
 * checked() succeeds no accessor throws.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { ipv4, mac } from './address.js';
import { ArpOperation, ArpPacket, ArpRepr } from './arp.js';
import { DhcpMessageType, DhcpPacket, DhcpRepr, dhcpRepr } from './dhcp.js';
import { EthernetPacket, EthernetRepr } from './ethernet.js';
import { IcmpPacket, IcmpRepr } from './icmp.js';
import { IpProtocol, Ipv4Packet, Ipv4Repr, ipv4Repr } from './ipv4.js';
import type { Result } from './result.js';
import { TcpFlags, TcpPacket, TcpRepr, tcpRepr } from './tcp.js';
import { UdpPacket, UdpRepr } from './udp.js';

const A = ipv4('10.0.0.1');
const B = ipv4('10.0.0.2');

/** Calls every getter and every read-only method of a checked packet view. */
function touchAll(packet: object): void {
  const proto = Object.getPrototypeOf(packet) as object;
  for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
    if (d.get) void (packet as Record<string, unknown>)[name];
    const isReader = typeof d.value === 'function' && name !== 'constructor' && !/^(set|fill)/.test(name);
    if (isReader) (d.value as (...a: unknown[]) => unknown).call(packet, A, B);
  }
}

interface Codec {
  name: string;
  checked(bytes: Uint8Array): Result<object>;
  parse(bytes: Uint8Array): Result<unknown>;
  valid: Uint8Array;
}

function build<R>(repr: R, len: (r: R) => number, emit: (r: R, b: Uint8Array) => void): Uint8Array {
  const out = new Uint8Array(len(repr));
  emit(repr, out);
  return out;
}

const tcpSeg = build(
  tcpRepr({ srcPort: 1000, dstPort: 80, seqNumber: 5, flags: TcpFlags.SYN, maxSegSize: 1460, windowScale: 7,
    sackPermitted: true, timestamps: { tsVal: 1, tsEcr: 0 }, sackBlocks: [{ left: 1, right: 2 }], payload: Uint8Array.of(1, 2, 3) }),
  TcpRepr.bufferLen, (r, b) => TcpRepr.emit(r, b, A, B));
const udpDgram = build({ srcPort: 68, dstPort: 67, payload: Uint8Array.of(9, 9) }, UdpRepr.bufferLen, (r, b) => UdpRepr.emit(r, b, A, B));
const ipDgram = build(ipv4Repr({ src: A, dst: B, protocol: IpProtocol.Udp, payload: udpDgram, options: [{ type: 148, data: Uint8Array.of(0, 0) }] }),
  Ipv4Repr.bufferLen, Ipv4Repr.emit);
const icmpMsg = build<IcmpRepr>({ type: 'echoRequest', ident: 1, seqNo: 2, data: Uint8Array.of(7) }, IcmpRepr.bufferLen, IcmpRepr.emit);
const arpPkt = build({ operation: ArpOperation.Request, senderHardwareAddr: mac('02:00:00:00:00:01'), senderProtocolAddr: A,
  targetHardwareAddr: 0, targetProtocolAddr: B }, ArpRepr.bufferLen, ArpRepr.emit);
const dhcpMsg = build(dhcpRepr({ messageType: DhcpMessageType.Ack, transactionId: 1, clientHwAddr: 2, routers: [A], dnsServers: [B],
  subnetMask: 0xffffff00, leaseTime: 60, clientIdentifier: Uint8Array.of(1, 2) }), DhcpRepr.bufferLen, DhcpRepr.emit);
const ethFrame = build({ dst: 1, src: 2, ethertype: 0x0800, payload: ipDgram }, EthernetRepr.bufferLen, EthernetRepr.emit);

const CODECS: Codec[] = [
  { name: 'ethernet', checked: EthernetPacket.checked, parse: EthernetRepr.parse, valid: ethFrame },
  { name: 'arp', checked: ArpPacket.checked, parse: ArpRepr.parse, valid: arpPkt },
  { name: 'ipv4', checked: Ipv4Packet.checked, parse: Ipv4Repr.parse, valid: ipDgram },
  { name: 'icmp', checked: IcmpPacket.checked, parse: IcmpRepr.parse, valid: icmpMsg },
  { name: 'udp', checked: UdpPacket.checked, parse: (b) => UdpRepr.parse(b, A, B), valid: udpDgram },
  { name: 'tcp', checked: TcpPacket.checked, parse: (b) => TcpRepr.parse(b, A, B), valid: tcpSeg },
  { name: 'dhcp', checked: DhcpPacket.checked, parse: DhcpRepr.parse, valid: dhcpMsg },
];

function exercise(codec: Codec, bytes: Uint8Array): void {
  const parsed = codec.parse(bytes);
  expect(parsed).to.have.property('ok');
  const checked = codec.checked(bytes);
  if (checked.ok) touchAll(checked.value);
}

describe('wire fuzz: never throw on untrusted bytes', () => {
  for (const codec of CODECS) {
    describe(codec.name, () => {
      it('parses its valid sample', () => {
        expect(codec.parse(codec.valid).ok).to.equal(true);
      });

      it('random bytes', () => {
        fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => exercise(codec, b)), { numRuns: 500, seed: 1 });
      });

      it('every truncation of a valid packet', () => {
        for (let n = 0; n < codec.valid.length; n++) exercise(codec, codec.valid.subarray(0, n));
      });

      it('random byte mutations of a valid packet', () => {
        const mutation = fc.array(fc.tuple(fc.nat(codec.valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 });
        fc.assert(fc.property(mutation, fc.nat(codec.valid.length), (edits, cut) => {
          const b = codec.valid.slice(0, cut);
          for (const [i, v] of edits) if (i < b.length) b[i] = v;
          exercise(codec, b);
        }), { numRuns: 500, seed: 2 });
      });
    });
  }
});

describe('wire fuzz: option parsers behind valid checksums', () => {
  const optionBytes = fc.integer({ min: 0, max: 10 }).chain((words) => fc.uint8Array({ minLength: 4 * words, maxLength: 4 * words }));

  it('TCP: any option area with a correct checksum parses or is rejected as malformed', () => {
    fc.assert(fc.property(optionBytes, fc.uint8Array({ maxLength: 16 }), (opts, payload) => {
      const seg = new Uint8Array(20 + opts.length + payload.length);
      seg.set(tcpSeg.subarray(0, 20));
      seg.set(opts, 20);
      seg.set(payload, 20 + opts.length);
      const p = TcpPacket.unchecked(seg);
      p.setHeaderLenAndFlags(20 + opts.length, TcpFlags.ACK);
      p.fillChecksum(A, B);
      const r = TcpRepr.parse(seg, A, B);
      if (!r.ok) expect(r.error).to.equal('malformed');
      else expect(r.value.payload.length).to.equal(payload.length);
    }), { numRuns: 1000, seed: 5 });
  });

  it('IPv4: any option area with a correct header checksum parses or is rejected as malformed', () => {
    fc.assert(fc.property(optionBytes, (opts) => {
      const dgram = new Uint8Array(20 + opts.length + 4);
      dgram.set(ipDgram.subarray(0, 20));
      dgram.set(opts, 20);
      const p = Ipv4Packet.unchecked(dgram);
      p.setVersionAndHeaderLen(20 + opts.length);
      p.totalLen = dgram.length;
      p.fillChecksum();
      const r = Ipv4Repr.parse(dgram);
      if (!r.ok) expect(r.error).to.equal('malformed');
      else expect(r.value.payload.length).to.equal(4);
    }), { numRuns: 1000, seed: 6 });
  });
});
