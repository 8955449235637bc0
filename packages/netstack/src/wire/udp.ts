/**
 * UDP (RFC 768).
 */
import type { Ipv4Address } from './address.js';
import { checksum, pseudoHeaderSum, verifies } from './checksum.js';
import { IpProtocol } from './ipv4.js';
import { type Result, err, ok } from './result.js';
import { copyPayload, viewOf } from './bytes.js';

const F = { SRC_PORT: 0, DST_PORT: 2, LENGTH: 4, CHECKSUM: 6, PAYLOAD: 8 } as const;
export const UDP_HEADER_LEN = F.PAYLOAD;

export class UdpPacket {
  private constructor(readonly bytes: Uint8Array, private readonly view: DataView) {}

  static unchecked(bytes: Uint8Array): UdpPacket {
    return new UdpPacket(bytes, viewOf(bytes));
  }

  /** The length field must cover the header and fit in the buffer. */
  static checked(bytes: Uint8Array): Result<UdpPacket> {
    if (bytes.length < F.PAYLOAD) return err('truncated');
    const p = new UdpPacket(bytes, viewOf(bytes));
    if (p.length < F.PAYLOAD) return err('malformed');
    if (p.length > bytes.length) return err('truncated');
    return ok(p);
  }

  get srcPort(): number { return this.view.getUint16(F.SRC_PORT); }
  set srcPort(v: number) { this.view.setUint16(F.SRC_PORT, v); }
  get dstPort(): number { return this.view.getUint16(F.DST_PORT); }
  set dstPort(v: number) { this.view.setUint16(F.DST_PORT, v); }
  get length(): number { return this.view.getUint16(F.LENGTH); }
  set length(v: number) { this.view.setUint16(F.LENGTH, v); }
  get checksum(): number { return this.view.getUint16(F.CHECKSUM); }
  set checksum(v: number) { this.view.setUint16(F.CHECKSUM, v); }
  payload(): Uint8Array { return this.bytes.subarray(F.PAYLOAD, this.length); }
  datagram(): Uint8Array { return this.bytes.subarray(0, this.length); }

  /** RFC 768: a zero checksum means the sender computed none. */
  verifyChecksum(src: Ipv4Address, dst: Ipv4Address): boolean {
    if (this.checksum === 0) return true;
    return verifies(this.datagram(), pseudoHeaderSum(src, dst, IpProtocol.Udp, this.length));
  }

  fillChecksum(src: Ipv4Address, dst: Ipv4Address): void {
    this.checksum = 0;
    const c = checksum(this.datagram(), pseudoHeaderSum(src, dst, IpProtocol.Udp, this.length));
    // RFC 768: a computed zero is transmitted as all ones.
    this.checksum = c === 0 ? 0xffff : c;
  }
}

export interface UdpRepr {
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
}

export const UdpRepr = {
  /** `src`/`dst` are the IP addresses of the pseudo-header (RFC 768). */
  parse(bytes: Uint8Array, src: Ipv4Address, dst: Ipv4Address): Result<UdpRepr> {
    const r = UdpPacket.checked(bytes);
    if (!r.ok) return r;
    const p = r.value;
    if (p.dstPort === 0) return err('malformed');
    if (!p.verifyChecksum(src, dst)) return err('checksum');
    return ok({ srcPort: p.srcPort, dstPort: p.dstPort, payload: p.payload() });
  },

  bufferLen(repr: UdpRepr): number {
    return F.PAYLOAD + repr.payload.length;
  },

  /** Precondition: the datagram fits the 16-bit length field (RFC 768). */
  emit(repr: UdpRepr, bytes: Uint8Array, src: Ipv4Address, dst: Ipv4Address): void {
    if (UdpRepr.bufferLen(repr) > 0xffff) throw new Error('UdpRepr.emit: datagram longer than 65535 bytes');
    const p = UdpPacket.unchecked(bytes);
    p.srcPort = repr.srcPort;
    p.dstPort = repr.dstPort;
    p.length = UdpRepr.bufferLen(repr);
    copyPayload(bytes, F.PAYLOAD, repr.payload);
    p.fillChecksum(src, dst);
  },
};
