// Packet capture in the classic libpcap file format, readable by Wireshark, tshark and tcpdump.
//
// Format: draft-ietf-opsawg-pcap (the libpcap format as documented by the IETF), section 4
// "File Header" and section 5 "Packet Record". Files are written little-endian; readers detect
// the byte order from the magic number. Link type 1 is LINKTYPE_ETHERNET (tcpdump.org
// link-layer header types registry): frames from the destination MAC on, without FCS, which is
// exactly what the simulated hardware carries.
//
// Timestamps: the capture source's scheduler time (ns) plus an optional epoch, written with
// microsecond (magic 0xA1B2C3D4) or nanosecond (magic 0xA1B23C4D) resolution. With a
// VirtualScheduler and epoch 0 a capture is byte-for-byte reproducible.

import { closeSync, openSync, writeSync } from 'node:fs';
import type { Observable } from './port.js';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_VERSION_MAJOR = 2;
export const PCAP_VERSION_MINOR = 4;
export const LINKTYPE_ETHERNET = 1;
export const PCAP_FILE_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;

export type PcapResolution = 'us' | 'ns';

/** Where capture bytes go. */
export interface PcapSink {
  write(chunk: Uint8Array): void;
  close(): void;
}

/** Collects the capture in memory. */
export class BufferSink implements PcapSink {
  private readonly chunks: Uint8Array[] = [];

  write(chunk: Uint8Array): void {
    this.chunks.push(chunk.slice());
  }

  close(): void {}

  /** The capture so far, as one buffer. */
  bytes(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

/** Writes the capture to a file, in 64 KiB batches (flushed on close or flush()). */
export class FileSink implements PcapSink {
  private fd: number | null;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  write(chunk: Uint8Array): void {
    if (this.fd === null) throw new Error(`FileSink.write: ${this.path} is closed`);
    this.pending.push(chunk.slice());
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= 65536) this.flush();
  }

  flush(): void {
    if (this.fd === null || this.pendingBytes === 0) return;
    writeSync(this.fd, Buffer.concat(this.pending));
    this.pending = [];
    this.pendingBytes = 0;
  }

  close(): void {
    if (this.fd === null) return;
    this.flush();
    closeSync(this.fd);
    this.fd = null;
  }
}

export interface PcapWriterOptions {
  resolution?: PcapResolution;
  /** Bytes kept per frame (draft-ietf-opsawg-pcap 4: SnapLen). Default 262144, tcpdump's. */
  snaplen?: number;
  /** Added to every timestamp: for live captures, the wall-clock time of scheduler time 0. */
  epochNs?: bigint;
}

/** The 24-byte file header (draft-ietf-opsawg-pcap section 4), little-endian. */
export function pcapFileHeader(resolution: PcapResolution, snaplen: number): Uint8Array {
  const h = new Uint8Array(PCAP_FILE_HEADER_LEN);
  const v = new DataView(h.buffer);
  v.setUint32(0, resolution === 'ns' ? PCAP_MAGIC_NS : PCAP_MAGIC_US, true);
  v.setUint16(4, PCAP_VERSION_MAJOR, true);
  v.setUint16(6, PCAP_VERSION_MINOR, true);
  v.setUint32(8, 0, true); // Reserved1 (was thiszone): 0
  v.setUint32(12, 0, true); // Reserved2 (was sigfigs): 0
  v.setUint32(16, snaplen, true);
  v.setUint32(20, LINKTYPE_ETHERNET, true); // FCS length bits (28-31) zero: no FCS
  return h;
}

export class PcapWriter {
  readonly resolution: PcapResolution;
  readonly snaplen: number;
  private readonly epochNs: bigint;
  private closed = false;
  private count = 0;

  constructor(private readonly sink: PcapSink, opts: PcapWriterOptions = {}) {
    this.resolution = opts.resolution ?? 'us';
    this.snaplen = opts.snaplen ?? 262144;
    this.epochNs = opts.epochNs ?? 0n;
    if (!Number.isInteger(this.snaplen) || this.snaplen < 1) throw new RangeError(`PcapWriter: bad snaplen ${this.snaplen}`);
    sink.write(pcapFileHeader(this.resolution, this.snaplen));
  }

  get frames(): number {
    return this.count;
  }

  /** Append one packet record (section 5): timestamp, captured and original length, data. */
  write(frame: Uint8Array, timeNs: number): void {
    if (this.closed) throw new Error('PcapWriter.write: writer is closed');
    const t = this.epochNs + BigInt(Math.max(0, Math.round(timeNs)));
    const sec = t / 1_000_000_000n;
    const subNs = t % 1_000_000_000n;
    const caplen = Math.min(frame.length, this.snaplen);
    const rec = new Uint8Array(PCAP_RECORD_HEADER_LEN + caplen);
    const v = new DataView(rec.buffer);
    v.setUint32(0, Number(sec & 0xffff_ffffn), true);
    v.setUint32(4, Number(this.resolution === 'ns' ? subNs : subNs / 1000n), true);
    v.setUint32(8, caplen, true);
    v.setUint32(12, frame.length, true);
    rec.set(frame.subarray(0, caplen), PCAP_RECORD_HEADER_LEN);
    this.sink.write(rec);
    this.count++;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sink.close();
  }
}

export interface PcapRecord {
  timeNs: bigint;
  frame: Uint8Array;
  origLen: number;
}

export interface PcapFile {
  resolution: PcapResolution;
  snaplen: number;
  linktype: number;
  records: PcapRecord[];
}

/** Parse a classic pcap file of either byte order and resolution; throws on malformed input. */
export function readPcap(bytes: Uint8Array): PcapFile {
  if (bytes.length < PCAP_FILE_HEADER_LEN) throw new Error('readPcap: shorter than a file header');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { le, resolution } = detectMagic(v.getUint32(0, true));
  const major = v.getUint16(4, le);
  if (major !== PCAP_VERSION_MAJOR) throw new Error(`readPcap: unsupported version ${major}`);
  const file: PcapFile = { resolution, snaplen: v.getUint32(16, le), linktype: v.getUint32(20, le) & 0x0fff_ffff, records: [] };
  let off = PCAP_FILE_HEADER_LEN;
  while (off < bytes.length) {
    if (off + PCAP_RECORD_HEADER_LEN > bytes.length) throw new Error(`readPcap: truncated record header at ${off}`);
    const sec = BigInt(v.getUint32(off, le));
    const sub = BigInt(v.getUint32(off + 4, le));
    const caplen = v.getUint32(off + 8, le);
    const origLen = v.getUint32(off + 12, le);
    const start = off + PCAP_RECORD_HEADER_LEN;
    if (start + caplen > bytes.length) throw new Error(`readPcap: truncated record data at ${off}`);
    const timeNs = sec * 1_000_000_000n + (resolution === 'ns' ? sub : sub * 1000n);
    file.records.push({ timeNs, frame: bytes.slice(start, start + caplen), origLen });
    off = start + caplen;
  }
  return file;
}

function detectMagic(m: number): { le: boolean; resolution: PcapResolution } {
  const swapped = ((m & 0xff) << 24 | (m & 0xff00) << 8 | (m >>> 8) & 0xff00 | m >>> 24) >>> 0;
  if (m === PCAP_MAGIC_US) return { le: true, resolution: 'us' };
  if (m === PCAP_MAGIC_NS) return { le: true, resolution: 'ns' };
  if (swapped === PCAP_MAGIC_US) return { le: false, resolution: 'us' };
  if (swapped === PCAP_MAGIC_NS) return { le: false, resolution: 'ns' };
  throw new Error(`readPcap: bad magic 0x${m.toString(16)}`);
}

/**
 * Record every frame `source` (a Nic, a Link...) reports into `writer`, stamped with
 * `clock.now()`. `dir` restricts to one direction. Returns a function that stops capturing.
 */
export function capture(
  source: Observable,
  writer: PcapWriter,
  clock: { now(): number },
  dir?: 'tx' | 'rx',
): () => void {
  return source.observe((frame, d) => {
    if (dir === undefined || d === dir) writer.write(frame, clock.now());
  });
}
