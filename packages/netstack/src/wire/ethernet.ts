/**
 * Ethernet II framing (RFC 894). The frame check sequence is not part of the bytes we see:
 * the NIC strips it on receive and appends it on transmit.
 */
import { type EthernetAddress, readMac, writeMac } from './address.js';
import { type Result, err, ok } from './result.js';
import { copyPayload, viewOf } from './bytes.js';

export const EthernetType = { Ipv4: 0x0800, Arp: 0x0806, Ipv6: 0x86dd } as const;

const F = { DST: 0, SRC: 6, ETHERTYPE: 12, PAYLOAD: 14 } as const;
export const ETHERNET_HEADER_LEN = F.PAYLOAD;

export class EthernetPacket {
  private constructor(readonly bytes: Uint8Array, private readonly view: DataView) {}

  /** A view for emitting; the caller provides at least ETHERNET_HEADER_LEN bytes. */
  static unchecked(bytes: Uint8Array): EthernetPacket {
    return new EthernetPacket(bytes, viewOf(bytes));
  }

  static checked(bytes: Uint8Array): Result<EthernetPacket> {
    if (bytes.length < F.PAYLOAD) return err('truncated');
    return ok(new EthernetPacket(bytes, viewOf(bytes)));
  }

  get dstAddr(): EthernetAddress { return readMac(this.view, F.DST); }
  set dstAddr(v: EthernetAddress) { writeMac(this.view, F.DST, v); }
  get srcAddr(): EthernetAddress { return readMac(this.view, F.SRC); }
  set srcAddr(v: EthernetAddress) { writeMac(this.view, F.SRC, v); }
  get ethertype(): number { return this.view.getUint16(F.ETHERTYPE); }
  set ethertype(v: number) { this.view.setUint16(F.ETHERTYPE, v); }
  payload(): Uint8Array { return this.bytes.subarray(F.PAYLOAD); }
}

export interface EthernetRepr {
  dst: EthernetAddress;
  src: EthernetAddress;
  ethertype: number;
  /** On parse: everything after the header (may include link-layer padding). */
  payload: Uint8Array;
}

export const EthernetRepr = {
  parse(bytes: Uint8Array): Result<EthernetRepr> {
    const r = EthernetPacket.checked(bytes);
    if (!r.ok) return r;
    const p = r.value;
    return ok({ dst: p.dstAddr, src: p.srcAddr, ethertype: p.ethertype, payload: p.payload() });
  },

  bufferLen(repr: EthernetRepr): number {
    return F.PAYLOAD + repr.payload.length;
  },

  /** Writes header and payload into `bytes` (at least bufferLen(repr) long). */
  emit(repr: EthernetRepr, bytes: Uint8Array): void {
    const p = EthernetPacket.unchecked(bytes);
    p.dstAddr = repr.dst;
    p.srcAddr = repr.src;
    p.ethertype = repr.ethertype;
    copyPayload(bytes, F.PAYLOAD, repr.payload);
  },
};
