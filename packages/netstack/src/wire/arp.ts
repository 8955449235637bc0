/**
 * ARP (RFC 826) for Ethernet hardware and IPv4 protocol addresses.
 * The packet view reads the generic layout; the Repr only accepts htype 1 / ptype 0x0800.
 */
import { type EthernetAddress, type Ipv4Address, readMac, writeMac } from './address.js';
import { EthernetType } from './ethernet.js';
import { type Result, err, ok } from './result.js';
import { viewOf } from './bytes.js';

export const ArpOperation = { Request: 1, Reply: 2 } as const;
export type ArpOperation = (typeof ArpOperation)[keyof typeof ArpOperation];

export const ARP_HTYPE_ETHERNET = 1;

// Offsets for the Ethernet/IPv4 layout (hlen 6, plen 4); generic fields are the first 8 bytes.
const F = { HTYPE: 0, PTYPE: 2, HLEN: 4, PLEN: 5, OPER: 6, SHA: 8, SPA: 14, THA: 18, TPA: 24, END: 28 } as const;
export const ARP_PACKET_LEN = F.END;

export class ArpPacket {
  private constructor(readonly bytes: Uint8Array, private readonly view: DataView) {}

  static unchecked(bytes: Uint8Array): ArpPacket {
    return new ArpPacket(bytes, viewOf(bytes));
  }

  /** Checks the buffer holds the addresses its own hlen/plen announce, and at least the Ethernet/IPv4 layout. */
  static checked(bytes: Uint8Array): Result<ArpPacket> {
    if (bytes.length < F.SHA) return err('truncated');
    const p = new ArpPacket(bytes, viewOf(bytes));
    if (bytes.length < F.SHA + 2 * (p.hardwareLen + p.protocolLen)) return err('truncated');
    if (bytes.length < F.END) return err('truncated');
    return ok(p);
  }

  get hardwareType(): number { return this.view.getUint16(F.HTYPE); }
  set hardwareType(v: number) { this.view.setUint16(F.HTYPE, v); }
  get protocolType(): number { return this.view.getUint16(F.PTYPE); }
  set protocolType(v: number) { this.view.setUint16(F.PTYPE, v); }
  get hardwareLen(): number { return this.view.getUint8(F.HLEN); }
  set hardwareLen(v: number) { this.view.setUint8(F.HLEN, v); }
  get protocolLen(): number { return this.view.getUint8(F.PLEN); }
  set protocolLen(v: number) { this.view.setUint8(F.PLEN, v); }
  get operation(): number { return this.view.getUint16(F.OPER); }
  set operation(v: number) { this.view.setUint16(F.OPER, v); }
  get senderHardwareAddr(): EthernetAddress { return readMac(this.view, F.SHA); }
  set senderHardwareAddr(v: EthernetAddress) { writeMac(this.view, F.SHA, v); }
  get senderProtocolAddr(): Ipv4Address { return this.view.getUint32(F.SPA); }
  set senderProtocolAddr(v: Ipv4Address) { this.view.setUint32(F.SPA, v); }
  get targetHardwareAddr(): EthernetAddress { return readMac(this.view, F.THA); }
  set targetHardwareAddr(v: EthernetAddress) { writeMac(this.view, F.THA, v); }
  get targetProtocolAddr(): Ipv4Address { return this.view.getUint32(F.TPA); }
  set targetProtocolAddr(v: Ipv4Address) { this.view.setUint32(F.TPA, v); }
}

export interface ArpRepr {
  operation: ArpOperation;
  senderHardwareAddr: EthernetAddress;
  senderProtocolAddr: Ipv4Address;
  targetHardwareAddr: EthernetAddress;
  targetProtocolAddr: Ipv4Address;
}

export const ArpRepr = {
  parse(bytes: Uint8Array): Result<ArpRepr> {
    const r = ArpPacket.checked(bytes);
    if (!r.ok) return r;
    const p = r.value;
    if (p.hardwareType !== ARP_HTYPE_ETHERNET || p.protocolType !== EthernetType.Ipv4) return err('unsupported');
    if (p.hardwareLen !== 6 || p.protocolLen !== 4) return err('malformed');
    const op = p.operation;
    if (op !== ArpOperation.Request && op !== ArpOperation.Reply) return err('unsupported');
    return ok({
      operation: op,
      senderHardwareAddr: p.senderHardwareAddr,
      senderProtocolAddr: p.senderProtocolAddr,
      targetHardwareAddr: p.targetHardwareAddr,
      targetProtocolAddr: p.targetProtocolAddr,
    });
  },

  bufferLen(_repr: ArpRepr): number {
    return ARP_PACKET_LEN;
  },

  emit(repr: ArpRepr, bytes: Uint8Array): void {
    const p = ArpPacket.unchecked(bytes);
    p.hardwareType = ARP_HTYPE_ETHERNET;
    p.protocolType = EthernetType.Ipv4;
    p.hardwareLen = 6;
    p.protocolLen = 4;
    p.operation = repr.operation;
    p.senderHardwareAddr = repr.senderHardwareAddr;
    p.senderProtocolAddr = repr.senderProtocolAddr;
    p.targetHardwareAddr = repr.targetHardwareAddr;
    p.targetProtocolAddr = repr.targetProtocolAddr;
  },
};
