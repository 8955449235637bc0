/**
 * ICMPv4 (RFC 792): echo request/reply, destination unreachable, time exceeded.
 */
import { checksum, verifies } from './checksum.js';
import { type Result, err, ok } from './result.js';
import { copyPayload, viewOf } from './bytes.js';

export const IcmpType = { EchoReply: 0, DestUnreachable: 3, EchoRequest: 8, TimeExceeded: 11 } as const;

/** RFC 792 and RFC 1122 3.2.2.1 destination-unreachable codes. */
export const UnreachableCode = {
  Net: 0, Host: 1, Protocol: 2, Port: 3, FragNeeded: 4, SourceRoute: 5, NetUnknown: 6, HostUnknown: 7,
  NetProhibited: 9, HostProhibited: 10, AdminProhibited: 13,
} as const;

export const TimeExceededCode = { TtlExpired: 0, FragReassembly: 1 } as const;

// Echo: IDENT/SEQ; unreachable: unused(2) + next-hop MTU (RFC 1191 4); time exceeded: unused(4).
const F = { TYPE: 0, CODE: 1, CHECKSUM: 2, IDENT: 4, SEQ: 6, MTU: 6, DATA: 8 } as const;
export const ICMP_HEADER_LEN = F.DATA;

export class IcmpPacket {
  private constructor(readonly bytes: Uint8Array, private readonly view: DataView) {}

  static unchecked(bytes: Uint8Array): IcmpPacket {
    return new IcmpPacket(bytes, viewOf(bytes));
  }

  /** Every message type we know has an 8-byte header; the whole buffer is the message. */
  static checked(bytes: Uint8Array): Result<IcmpPacket> {
    if (bytes.length < F.DATA) return err('truncated');
    return ok(new IcmpPacket(bytes, viewOf(bytes)));
  }

  get msgType(): number { return this.view.getUint8(F.TYPE); }
  set msgType(v: number) { this.view.setUint8(F.TYPE, v); }
  get code(): number { return this.view.getUint8(F.CODE); }
  set code(v: number) { this.view.setUint8(F.CODE, v); }
  get checksum(): number { return this.view.getUint16(F.CHECKSUM); }
  set checksum(v: number) { this.view.setUint16(F.CHECKSUM, v); }
  get echoIdent(): number { return this.view.getUint16(F.IDENT); }
  set echoIdent(v: number) { this.view.setUint16(F.IDENT, v); }
  get echoSeqNo(): number { return this.view.getUint16(F.SEQ); }
  set echoSeqNo(v: number) { this.view.setUint16(F.SEQ, v); }
  get nextHopMtu(): number { return this.view.getUint16(F.MTU); }
  set nextHopMtu(v: number) { this.view.setUint16(F.MTU, v); }
  /** Bytes 4..8 as one word (unused fields of error messages must be zero on send). */
  get restOfHeader(): number { return this.view.getUint32(F.IDENT); }
  set restOfHeader(v: number) { this.view.setUint32(F.IDENT, v); }
  data(): Uint8Array { return this.bytes.subarray(F.DATA); }

  /** RFC 792: the checksum covers the whole ICMP message. */
  verifyChecksum(): boolean { return verifies(this.bytes); }
  fillChecksum(): void {
    this.checksum = 0;
    this.checksum = checksum(this.bytes);
  }
}

export type IcmpRepr =
  | { type: 'echoRequest'; ident: number; seqNo: number; data: Uint8Array }
  | { type: 'echoReply'; ident: number; seqNo: number; data: Uint8Array }
  /** `data`: the invoking datagram's IP header and at least 8 bytes of its payload (RFC 792, RFC 1122 3.2.2). */
  | { type: 'destUnreachable'; code: number; nextHopMtu: number; data: Uint8Array }
  | { type: 'timeExceeded'; code: number; data: Uint8Array };

export const IcmpRepr = {
  /** Verifies the checksum; unknown types are 'unsupported' so callers can ignore them (RFC 1122 3.2.2). */
  parse(bytes: Uint8Array): Result<IcmpRepr> {
    const r = IcmpPacket.checked(bytes);
    if (!r.ok) return r;
    const p = r.value;
    if (!p.verifyChecksum()) return err('checksum');
    switch (p.msgType) {
      case IcmpType.EchoRequest:
      case IcmpType.EchoReply:
        if (p.code !== 0) return err('malformed');
        return ok({
          type: p.msgType === IcmpType.EchoRequest ? 'echoRequest' : 'echoReply',
          ident: p.echoIdent, seqNo: p.echoSeqNo, data: p.data(),
        });
      case IcmpType.DestUnreachable:
        return ok({ type: 'destUnreachable', code: p.code, nextHopMtu: p.nextHopMtu, data: p.data() });
      case IcmpType.TimeExceeded:
        return ok({ type: 'timeExceeded', code: p.code, data: p.data() });
      default:
        return err('unsupported');
    }
  },

  bufferLen(repr: IcmpRepr): number {
    return F.DATA + repr.data.length;
  },

  emit(repr: IcmpRepr, bytes: Uint8Array): void {
    const p = IcmpPacket.unchecked(bytes.subarray(0, IcmpRepr.bufferLen(repr)));
    p.restOfHeader = 0;
    switch (repr.type) {
      case 'echoRequest':
      case 'echoReply':
        p.msgType = repr.type === 'echoRequest' ? IcmpType.EchoRequest : IcmpType.EchoReply;
        p.code = 0;
        p.echoIdent = repr.ident;
        p.echoSeqNo = repr.seqNo;
        break;
      case 'destUnreachable':
        p.msgType = IcmpType.DestUnreachable;
        p.code = repr.code;
        p.nextHopMtu = repr.nextHopMtu;
        break;
      case 'timeExceeded':
        p.msgType = IcmpType.TimeExceeded;
        p.code = repr.code;
        break;
    }
    copyPayload(bytes, F.DATA, repr.data);
    p.fillChecksum();
  },
};
