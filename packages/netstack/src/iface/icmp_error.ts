/**
 * The rules for ICMP errors on a host: when one may be sent (RFC 1122 3.2.2), what it quotes (RFC 792:
 * the invoking header and the first 64 bits of its data), and how a received one is matched back to the
 * transport endpoint that caused it (RFC 1122 4.2.3.9, 4.1.3.3).
 */
import { IPV4_BROADCAST, type Ipv4Address, isMulticastIpv4 } from '../wire/address.js';
import { IcmpType } from '../wire/icmp.js';
import { IpProtocol, Ipv4Packet, Ipv4Repr } from '../wire/ipv4.js';
import { viewOf } from '../wire/bytes.js';

/** Bytes of the invoking datagram's data an error quotes (RFC 792 "64 bits of Data Datagram"). */
export const ICMP_QUOTE_DATA_LEN = 8;

/**
 * RFC 1122 3.2.2: no error about an ICMP error, a datagram to a broadcast or multicast address (the caller
 * checks the destination was one of ours), a datagram whose source is not a unicast host, or a non-initial
 * fragment.
 */
export function mayReportError(orig: Ipv4Repr): boolean {
  if (orig.fragmentOffset !== 0) return false;
  if (orig.src === 0 || orig.src === IPV4_BROADCAST || isMulticastIpv4(orig.src)) return false;
  if (orig.protocol === IpProtocol.Icmp) {
    const type = orig.payload[0];
    return type === IcmpType.EchoRequest || type === IcmpType.EchoReply;
  }
  return true;
}

/**
 * The invoking header plus 8 data bytes, as the header was on the wire: its total length is the original
 * one (`payloadLen` data bytes), not the length of the quote.
 */
export function quoteDatagram(orig: Ipv4Repr, payloadLen: number): Uint8Array {
  const quoted = { ...orig, payload: orig.payload.subarray(0, ICMP_QUOTE_DATA_LEN) };
  const out = new Uint8Array(Ipv4Repr.bufferLen(quoted));
  Ipv4Repr.emit(quoted, out);
  const p = Ipv4Packet.unchecked(out);
  p.totalLen = Math.min(0xffff, Ipv4Repr.headerLen(orig) + payloadLen);
  p.fillChecksum();
  return out;
}

/** The addresses and ports of a datagram quoted in an ICMP error, as the sender of that datagram sees them. */
export interface QuotedFlow {
  protocol: number;
  src: Ipv4Address;
  dst: Ipv4Address;
  srcPort: number;
  dstPort: number;
}

/** Reads the quoted header and the ports in its first 4 data bytes; null when too short or not IPv4. */
export function parseQuoted(data: Uint8Array): QuotedFlow | null {
  if (data.length < 20) return null;
  const p = Ipv4Packet.unchecked(data);
  if (p.version !== 4 || p.headerLen < 20 || data.length < p.headerLen + 4) return null;
  const ports = viewOf(data.subarray(p.headerLen, p.headerLen + 4));
  return { protocol: p.protocol, src: p.srcAddr, dst: p.dstAddr, srcPort: ports.getUint16(0), dstPort: ports.getUint16(2) };
}
