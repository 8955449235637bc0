/**
 * IPv4 (RFC 791): header, options and fragment fields.
 */
import type { Ipv4Address } from './address.js';
import { checksum, verifies } from './checksum.js';
import { type Result, err, ok } from './result.js';
import { copyPayload, viewOf } from './bytes.js';
import { DEFAULT_TTL } from '../params.js';

export const IpProtocol = { Icmp: 1, Tcp: 6, Udp: 17 } as const;

const F = {
  VER_IHL: 0, DSCP_ECN: 1, LENGTH: 2, IDENT: 4, FLG_OFF: 6, TTL: 8, PROTOCOL: 9, CHECKSUM: 10, SRC: 12, DST: 16,
  OPTIONS: 20,
} as const;
export const IPV4_HEADER_LEN = F.OPTIONS;
export const IPV4_MAX_OPTIONS_LEN = 40; // RFC 791 3.1: IHL is at most 15 words

// RFC 791 3.1 flags: bit 0 reserved, bit 1 DF, bit 2 MF; offset in 8-octet units.
const FLAG_DF = 0x4000;
const FLAG_MF = 0x2000;
const OFFSET_MASK = 0x1fff;

/** RFC 791 3.1 option types (copied flag included). */
export const Ipv4OptionType = { End: 0, Nop: 1, RecordRoute: 7, Timestamp: 68, Security: 130, Lssr: 131, Ssrr: 137, RouterAlert: 148 } as const;

export class Ipv4Packet {
  private constructor(readonly bytes: Uint8Array, private readonly view: DataView) {}

  static unchecked(bytes: Uint8Array): Ipv4Packet {
    return new Ipv4Packet(bytes, viewOf(bytes));
  }

  /** Checks header length and total length against the buffer; the version is the Repr's concern. */
  static checked(bytes: Uint8Array): Result<Ipv4Packet> {
    if (bytes.length < F.OPTIONS) return err('truncated');
    const p = new Ipv4Packet(bytes, viewOf(bytes));
    if (p.headerLen < F.OPTIONS) return err('malformed');
    if (p.totalLen < p.headerLen) return err('malformed');
    if (bytes.length < p.headerLen || bytes.length < p.totalLen) return err('truncated');
    return ok(p);
  }

  get version(): number { return this.view.getUint8(F.VER_IHL) >> 4; }
  /** Header length in bytes (IHL * 4). */
  get headerLen(): number { return (this.view.getUint8(F.VER_IHL) & 0x0f) * 4; }
  setVersionAndHeaderLen(headerLen: number): void { this.view.setUint8(F.VER_IHL, 0x40 | (headerLen >> 2)); }
  get dscpEcn(): number { return this.view.getUint8(F.DSCP_ECN); }
  set dscpEcn(v: number) { this.view.setUint8(F.DSCP_ECN, v); }
  get totalLen(): number { return this.view.getUint16(F.LENGTH); }
  set totalLen(v: number) { this.view.setUint16(F.LENGTH, v); }
  get ident(): number { return this.view.getUint16(F.IDENT); }
  set ident(v: number) { this.view.setUint16(F.IDENT, v); }
  get dontFragment(): boolean { return (this.view.getUint16(F.FLG_OFF) & FLAG_DF) !== 0; }
  get moreFragments(): boolean { return (this.view.getUint16(F.FLG_OFF) & FLAG_MF) !== 0; }
  /** Fragment offset in bytes. */
  get fragmentOffset(): number { return (this.view.getUint16(F.FLG_OFF) & OFFSET_MASK) * 8; }
  setFragment(dontFragment: boolean, moreFragments: boolean, offsetBytes: number): void {
    const v = (dontFragment ? FLAG_DF : 0) | (moreFragments ? FLAG_MF : 0) | ((offsetBytes >> 3) & OFFSET_MASK);
    this.view.setUint16(F.FLG_OFF, v);
  }
  get ttl(): number { return this.view.getUint8(F.TTL); }
  set ttl(v: number) { this.view.setUint8(F.TTL, v); }
  get protocol(): number { return this.view.getUint8(F.PROTOCOL); }
  set protocol(v: number) { this.view.setUint8(F.PROTOCOL, v); }
  get checksum(): number { return this.view.getUint16(F.CHECKSUM); }
  set checksum(v: number) { this.view.setUint16(F.CHECKSUM, v); }
  get srcAddr(): Ipv4Address { return this.view.getUint32(F.SRC); }
  set srcAddr(v: Ipv4Address) { this.view.setUint32(F.SRC, v); }
  get dstAddr(): Ipv4Address { return this.view.getUint32(F.DST); }
  set dstAddr(v: Ipv4Address) { this.view.setUint32(F.DST, v); }
  options(): Uint8Array { return this.bytes.subarray(F.OPTIONS, this.headerLen); }
  /** The payload up to totalLen: link-layer padding after it is excluded. */
  payload(): Uint8Array { return this.bytes.subarray(this.headerLen, this.totalLen); }
  header(): Uint8Array { return this.bytes.subarray(0, this.headerLen); }

  /** RFC 791 3.1: the checksum covers the header only. */
  verifyChecksum(): boolean { return verifies(this.header()); }
  fillChecksum(): void {
    this.checksum = 0;
    this.checksum = checksum(this.header());
  }
}

/** An option other than End/Nop: type octet (copied flag, class, number) and its data. */
export interface Ipv4Option {
  type: number;
  data: Uint8Array;
}

/** RFC 791 3.1: the copied flag says whether fragmentation copies the option into every fragment. */
export function ipv4OptionCopied(type: number): boolean {
  return (type & 0x80) !== 0;
}

/** Parses the option area: End stops, Nop is skipped, the rest are type-length-data. */
export function parseIpv4Options(bytes: Uint8Array): Result<Ipv4Option[]> {
  const out: Ipv4Option[] = [];
  let i = 0;
  while (i < bytes.length) {
    const type = bytes[i]!;
    if (type === Ipv4OptionType.End) break;
    if (type === Ipv4OptionType.Nop) { i += 1; continue; }
    if (i + 1 >= bytes.length) return err('malformed');
    const len = bytes[i + 1]!;
    if (len < 2 || i + len > bytes.length) return err('malformed');
    out.push({ type, data: bytes.subarray(i + 2, i + len) });
    i += len;
  }
  return ok(out);
}

/** Encoded length of `options`, padded with End to a 4-byte multiple (RFC 791 3.1 "padding"). */
export function ipv4OptionsLen(options: readonly Ipv4Option[]): number {
  let n = 0;
  for (const o of options) n += 2 + o.data.length;
  return (n + 3) & ~3;
}

function emitIpv4Options(options: readonly Ipv4Option[], out: Uint8Array): void {
  let i = 0;
  for (const o of options) {
    out[i] = o.type;
    out[i + 1] = 2 + o.data.length;
    out.set(o.data, i + 2);
    i += 2 + o.data.length;
  }
  out.fill(Ipv4OptionType.End, i);
}

export interface Ipv4Repr {
  src: Ipv4Address;
  dst: Ipv4Address;
  protocol: number;
  ttl: number;
  dscpEcn: number;
  ident: number;
  dontFragment: boolean;
  moreFragments: boolean;
  /** In bytes; a multiple of 8. */
  fragmentOffset: number;
  options: Ipv4Option[];
  payload: Uint8Array;
}

export const Ipv4Repr = {
  /** Verifies the header checksum. Fragments parse like any datagram; reassembly is the interface's job. */
  parse(bytes: Uint8Array): Result<Ipv4Repr> {
    const r = Ipv4Packet.checked(bytes);
    if (!r.ok) return r;
    const p = r.value;
    if (p.version !== 4) return err('malformed');
    if (!p.verifyChecksum()) return err('checksum');
    const options = parseIpv4Options(p.options());
    if (!options.ok) return options;
    return ok({
      src: p.srcAddr, dst: p.dstAddr, protocol: p.protocol, ttl: p.ttl, dscpEcn: p.dscpEcn, ident: p.ident,
      dontFragment: p.dontFragment, moreFragments: p.moreFragments, fragmentOffset: p.fragmentOffset,
      options: options.value, payload: p.payload(),
    });
  },

  headerLen(repr: Ipv4Repr): number {
    return F.OPTIONS + ipv4OptionsLen(repr.options);
  },

  bufferLen(repr: Ipv4Repr): number {
    return Ipv4Repr.headerLen(repr) + repr.payload.length;
  },

  /** Writes header (checksum computed) and payload. Precondition: options fit in 40 bytes, total in 65535. */
  emit(repr: Ipv4Repr, bytes: Uint8Array): void {
    const headerLen = Ipv4Repr.headerLen(repr);
    if (headerLen > F.OPTIONS + IPV4_MAX_OPTIONS_LEN || headerLen + repr.payload.length > 0xffff) {
      throw new Error('Ipv4Repr.emit: header or datagram too long for RFC 791 3.1 fields');
    }
    const p = Ipv4Packet.unchecked(bytes);
    p.setVersionAndHeaderLen(headerLen);
    p.dscpEcn = repr.dscpEcn;
    p.totalLen = headerLen + repr.payload.length;
    p.ident = repr.ident;
    p.setFragment(repr.dontFragment, repr.moreFragments, repr.fragmentOffset);
    p.ttl = repr.ttl;
    p.protocol = repr.protocol;
    p.srcAddr = repr.src;
    p.dstAddr = repr.dst;
    emitIpv4Options(repr.options, bytes.subarray(F.OPTIONS, headerLen));
    p.fillChecksum();
    copyPayload(bytes, headerLen, repr.payload);
  },
};

/** A Repr with the defaults of an unfragmented datagram without options. */
export function ipv4Repr(fields: Pick<Ipv4Repr, 'src' | 'dst' | 'protocol' | 'payload'> & Partial<Ipv4Repr>): Ipv4Repr {
  return {
    ttl: DEFAULT_TTL, dscpEcn: 0, ident: 0, dontFragment: false, moreFragments: false, fragmentOffset: 0, options: [],
    ...fields,
  };
}
