/**
 * TCP segments (RFC 9293 3.1) and options: MSS (RFC 9293 3.2), window scale and timestamps (RFC 7323),
 * SACK-permitted and SACK blocks (RFC 2018). Sequence numbers are unsigned 32-bit numbers;
 * sequence arithmetic belongs to socket/tcp.ts.
 */
import type { Ipv4Address } from './address.js';
import { checksum, pseudoHeaderSum, verifies } from './checksum.js';
import { IpProtocol } from './ipv4.js';
import { type Result, err, ok } from './result.js';
import { copyPayload, viewOf } from './bytes.js';

const F = { SRC_PORT: 0, DST_PORT: 2, SEQ: 4, ACK: 8, FLAGS: 12, WINDOW: 14, CHECKSUM: 16, URGENT: 18, OPTIONS: 20 } as const;
export const TCP_HEADER_LEN = F.OPTIONS;
export const TCP_MAX_OPTIONS_LEN = 40;

/** Control bits (RFC 9293 3.1, RFC 3168 for ECE/CWR), as they sit in the low 9 bits of the 16-bit word at 12. */
export const TcpFlags = {
  FIN: 0x001, SYN: 0x002, RST: 0x004, PSH: 0x008, ACK: 0x010, URG: 0x020, ECE: 0x040, CWR: 0x080, NS: 0x100,
} as const;

export const TcpOptionKind = { End: 0, Nop: 1, Mss: 2, WindowScale: 3, SackPermitted: 4, Sack: 5, Timestamps: 8 } as const;

/** RFC 7323 2.3: a shift count above 14 is treated as 14. */
export const TCP_MAX_WINDOW_SCALE = 14;

export class TcpPacket {
  private constructor(readonly bytes: Uint8Array, private readonly view: DataView) {}

  static unchecked(bytes: Uint8Array): TcpPacket {
    return new TcpPacket(bytes, viewOf(bytes));
  }

  /** The data offset must cover the fixed header and fit in the buffer; the whole buffer is the segment. */
  static checked(bytes: Uint8Array): Result<TcpPacket> {
    if (bytes.length < F.OPTIONS) return err('truncated');
    const p = new TcpPacket(bytes, viewOf(bytes));
    if (p.headerLen < F.OPTIONS) return err('malformed');
    if (p.headerLen > bytes.length) return err('truncated');
    return ok(p);
  }

  get srcPort(): number { return this.view.getUint16(F.SRC_PORT); }
  set srcPort(v: number) { this.view.setUint16(F.SRC_PORT, v); }
  get dstPort(): number { return this.view.getUint16(F.DST_PORT); }
  set dstPort(v: number) { this.view.setUint16(F.DST_PORT, v); }
  get seqNumber(): number { return this.view.getUint32(F.SEQ); }
  set seqNumber(v: number) { this.view.setUint32(F.SEQ, v >>> 0); }
  get ackNumber(): number { return this.view.getUint32(F.ACK); }
  set ackNumber(v: number) { this.view.setUint32(F.ACK, v >>> 0); }
  /** Data offset in bytes. */
  get headerLen(): number { return (this.view.getUint8(F.FLAGS) >> 4) * 4; }
  get flags(): number { return this.view.getUint16(F.FLAGS) & 0x1ff; }
  setHeaderLenAndFlags(headerLen: number, flags: number): void {
    this.view.setUint16(F.FLAGS, ((headerLen >> 2) << 12) | (flags & 0x1ff));
  }
  get windowLen(): number { return this.view.getUint16(F.WINDOW); }
  set windowLen(v: number) { this.view.setUint16(F.WINDOW, v); }
  get checksum(): number { return this.view.getUint16(F.CHECKSUM); }
  set checksum(v: number) { this.view.setUint16(F.CHECKSUM, v); }
  get urgentPointer(): number { return this.view.getUint16(F.URGENT); }
  set urgentPointer(v: number) { this.view.setUint16(F.URGENT, v); }
  options(): Uint8Array { return this.bytes.subarray(F.OPTIONS, this.headerLen); }
  payload(): Uint8Array { return this.bytes.subarray(this.headerLen); }

  /** RFC 9293 3.1: the checksum covers the pseudo-header, header and data. */
  verifyChecksum(src: Ipv4Address, dst: Ipv4Address): boolean {
    return verifies(this.bytes, pseudoHeaderSum(src, dst, IpProtocol.Tcp, this.bytes.length));
  }

  fillChecksum(src: Ipv4Address, dst: Ipv4Address): void {
    this.checksum = 0;
    this.checksum = checksum(this.bytes, pseudoHeaderSum(src, dst, IpProtocol.Tcp, this.bytes.length));
  }
}

/** A SACK block (RFC 2018 3): left edge is the first sequence number, right edge the one after the last. */
export interface SackBlock {
  left: number;
  right: number;
}

export interface TcpTimestamps {
  tsVal: number;
  tsEcr: number;
}

export type TcpOption =
  | { kind: 'mss'; value: number }
  | { kind: 'windowScale'; shift: number }
  | { kind: 'sackPermitted' }
  | { kind: 'sack'; blocks: SackBlock[] }
  | { kind: 'timestamps'; tsVal: number; tsEcr: number }
  | { kind: 'unknown'; type: number; data: Uint8Array };

/** Length each known option must have (RFC 9293 3.2, RFC 7323 2.2/3.2, RFC 2018 2). */
function knownOptionValid(type: number, len: number): boolean {
  switch (type) {
    case TcpOptionKind.Mss: return len === 4;
    case TcpOptionKind.WindowScale: return len === 3;
    case TcpOptionKind.SackPermitted: return len === 2;
    case TcpOptionKind.Sack: return len >= 10 && (len - 2) % 8 === 0;
    case TcpOptionKind.Timestamps: return len === 10;
    default: return true;
  }
}

function decodeOption(type: number, data: Uint8Array): TcpOption {
  const v = viewOf(data);
  switch (type) {
    case TcpOptionKind.Mss: return { kind: 'mss', value: v.getUint16(0) };
    case TcpOptionKind.WindowScale: return { kind: 'windowScale', shift: data[0]! };
    case TcpOptionKind.SackPermitted: return { kind: 'sackPermitted' };
    case TcpOptionKind.Timestamps: return { kind: 'timestamps', tsVal: v.getUint32(0), tsEcr: v.getUint32(4) };
    case TcpOptionKind.Sack: {
      const blocks: SackBlock[] = [];
      for (let i = 0; i < data.length; i += 8) blocks.push({ left: v.getUint32(i), right: v.getUint32(i + 4) });
      return { kind: 'sack', blocks };
    }
    default: return { kind: 'unknown', type, data };
  }
}

/**
 * Parses the option area (RFC 9293 3.2): End stops, Nop is skipped, every other option is kind-length-data.
 * Unknown kinds are returned as 'unknown' so they can be skipped (RFC 9293 3.2: "must be prepared to handle
 * an illegal option length" - a length that is impossible is 'malformed').
 */
export function parseTcpOptions(bytes: Uint8Array): Result<TcpOption[]> {
  const out: TcpOption[] = [];
  let i = 0;
  while (i < bytes.length) {
    const type = bytes[i]!;
    if (type === TcpOptionKind.End) break;
    if (type === TcpOptionKind.Nop) { i += 1; continue; }
    if (i + 1 >= bytes.length) return err('malformed');
    const len = bytes[i + 1]!;
    if (len < 2 || i + len > bytes.length || !knownOptionValid(type, len)) return err('malformed');
    out.push(decodeOption(type, bytes.subarray(i + 2, i + len)));
    i += len;
  }
  return ok(out);
}

/** A segment with its options decoded. Absent options are null (or false / empty). */
export interface TcpRepr {
  srcPort: number;
  dstPort: number;
  seqNumber: number;
  /** Meaningful only when flags has ACK; emitted as-is (zero is conventional without ACK). */
  ackNumber: number;
  /** TcpFlags bits. */
  flags: number;
  /** The raw 16-bit window field: the caller applies the window scale (RFC 7323 2.3). */
  windowLen: number;
  urgentPointer: number;
  maxSegSize: number | null;
  /** Shift count as received (RFC 7323 2.3: values above 14 are the socket's to clamp). */
  windowScale: number | null;
  sackPermitted: boolean;
  sackBlocks: SackBlock[];
  timestamps: TcpTimestamps | null;
  payload: Uint8Array;
}

function applyOption(repr: TcpRepr, o: TcpOption): void {
  switch (o.kind) {
    case 'mss': repr.maxSegSize = o.value; break;
    case 'windowScale': repr.windowScale = o.shift; break;
    case 'sackPermitted': repr.sackPermitted = true; break;
    case 'sack': repr.sackBlocks = o.blocks; break;
    case 'timestamps': repr.timestamps = { tsVal: o.tsVal, tsEcr: o.tsEcr }; break;
    case 'unknown': break; // RFC 9293 3.2: options we do not implement are ignored
  }
}

/**
 * Emits options in the layout Linux uses, every option 4-byte aligned with NOPs:
 *   MSS | SACK-permitted + timestamps (or NOP,NOP + either) | NOP + window scale | NOP,NOP + SACK blocks.
 * SACK blocks that do not fit in the 40 bytes are left out (RFC 2018 3: at most 3 with timestamps).
 */
function optionsLayout(repr: TcpRepr): { len: number; sackBlocks: number } {
  let len = 0;
  if (repr.maxSegSize !== null) len += 4;
  if (repr.timestamps !== null) len += 12;
  else if (repr.sackPermitted) len += 4;
  if (repr.windowScale !== null) len += 4;
  const room = Math.floor((TCP_MAX_OPTIONS_LEN - len - 4) / 8);
  const sackBlocks = Math.max(0, Math.min(repr.sackBlocks.length, room));
  if (sackBlocks > 0) len += 4 + 8 * sackBlocks;
  return { len, sackBlocks };
}

function emitOptions(repr: TcpRepr, out: Uint8Array, sackBlocks: number): void {
  const v = viewOf(out);
  let i = 0;
  const put = (...bytes: number[]): void => { for (const b of bytes) out[i++] = b; };
  if (repr.maxSegSize !== null) { put(TcpOptionKind.Mss, 4); v.setUint16(i, repr.maxSegSize); i += 2; }
  if (repr.timestamps !== null) {
    if (repr.sackPermitted) put(TcpOptionKind.SackPermitted, 2);
    else put(TcpOptionKind.Nop, TcpOptionKind.Nop);
    put(TcpOptionKind.Timestamps, 10);
    v.setUint32(i, repr.timestamps.tsVal >>> 0);
    v.setUint32(i + 4, repr.timestamps.tsEcr >>> 0);
    i += 8;
  } else if (repr.sackPermitted) {
    put(TcpOptionKind.Nop, TcpOptionKind.Nop, TcpOptionKind.SackPermitted, 2);
  }
  if (repr.windowScale !== null) put(TcpOptionKind.Nop, TcpOptionKind.WindowScale, 3, repr.windowScale);
  if (sackBlocks > 0) {
    put(TcpOptionKind.Nop, TcpOptionKind.Nop, TcpOptionKind.Sack, 2 + 8 * sackBlocks);
    for (const b of repr.sackBlocks.slice(0, sackBlocks)) {
      v.setUint32(i, b.left >>> 0);
      v.setUint32(i + 4, b.right >>> 0);
      i += 8;
    }
  }
}

export const TcpRepr = {
  /** `src`/`dst` are the IP addresses of the pseudo-header. Verifies the checksum. */
  parse(bytes: Uint8Array, src: Ipv4Address, dst: Ipv4Address): Result<TcpRepr> {
    const r = TcpPacket.checked(bytes);
    if (!r.ok) return r;
    const p = r.value;
    if (p.srcPort === 0 || p.dstPort === 0) return err('malformed');
    if (!p.verifyChecksum(src, dst)) return err('checksum');
    const options = parseTcpOptions(p.options());
    if (!options.ok) return options;
    const repr: TcpRepr = {
      srcPort: p.srcPort, dstPort: p.dstPort, seqNumber: p.seqNumber, ackNumber: p.ackNumber, flags: p.flags,
      windowLen: p.windowLen, urgentPointer: p.urgentPointer, maxSegSize: null, windowScale: null,
      sackPermitted: false, sackBlocks: [], timestamps: null, payload: p.payload(),
    };
    for (const o of options.value) applyOption(repr, o);
    return ok(repr);
  },

  headerLen(repr: TcpRepr): number {
    return F.OPTIONS + optionsLayout(repr).len;
  },

  bufferLen(repr: TcpRepr): number {
    return TcpRepr.headerLen(repr) + repr.payload.length;
  },

  /** Writes the segment into `bytes` (exactly bufferLen(repr) of it is used) and fills the checksum. */
  emit(repr: TcpRepr, bytes: Uint8Array, src: Ipv4Address, dst: Ipv4Address): void {
    const layout = optionsLayout(repr);
    const headerLen = F.OPTIONS + layout.len;
    const seg = bytes.subarray(0, headerLen + repr.payload.length);
    const p = TcpPacket.unchecked(seg);
    p.srcPort = repr.srcPort;
    p.dstPort = repr.dstPort;
    p.seqNumber = repr.seqNumber;
    p.ackNumber = repr.ackNumber;
    p.setHeaderLenAndFlags(headerLen, repr.flags);
    p.windowLen = repr.windowLen;
    p.urgentPointer = repr.urgentPointer;
    emitOptions(repr, seg.subarray(F.OPTIONS, headerLen), layout.sackBlocks);
    copyPayload(seg, headerLen, repr.payload);
    p.fillChecksum(src, dst);
  },

  /** Sequence space the segment occupies: payload plus one for SYN and one for FIN (RFC 9293 3.4). */
  segmentLen(repr: TcpRepr): number {
    return repr.payload.length + (repr.flags & TcpFlags.SYN ? 1 : 0) + (repr.flags & TcpFlags.FIN ? 1 : 0);
  },
};

/** A Repr with no options and no payload, for building segments field by field. */
export function tcpRepr(fields: Pick<TcpRepr, 'srcPort' | 'dstPort' | 'seqNumber' | 'flags'> & Partial<TcpRepr>): TcpRepr {
  return {
    ackNumber: 0, windowLen: 0, urgentPointer: 0, maxSegSize: null, windowScale: null, sackPermitted: false,
    sackBlocks: [], timestamps: null, payload: new Uint8Array(0), ...fields,
  };
}
