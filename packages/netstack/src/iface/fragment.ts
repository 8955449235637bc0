/**
 * IPv4 fragmentation and reassembly (RFC 791 2.3 and 3.2, RFC 815), with limits so that fragments from the
 * network cannot exhaust memory: a bounded number of datagrams in progress (the oldest is evicted), a
 * timeout, a maximum reassembled size, and a maximum number of fragments per datagram.
 *
 * Overlaps: a fragment overlapping data already received must agree with it byte for byte (a retransmitted
 * duplicate); otherwise the whole datagram is discarded. Accepting either copy would let an attacker choose
 * what the upper layer sees (RFC 1858 3, the "overlapping fragment attack"; RFC 5722 makes the same choice
 * for IPv6).
 */
import { REASM_MAX_DATAGRAMS, REASM_MAX_FRAGMENTS, REASM_MAX_SIZE, REASM_TIMEOUT_MS } from '../params.js';
import { type Ipv4Repr, ipv4OptionCopied, ipv4OptionsLen } from '../wire/ipv4.js';

export interface ReassemblyLimits {
  maxDatagrams: number;
  timeoutMs: number;
  maxSize: number;
  maxFragments: number;
}

export const DEFAULT_REASSEMBLY_LIMITS: ReassemblyLimits = {
  maxDatagrams: REASM_MAX_DATAGRAMS, timeoutMs: REASM_TIMEOUT_MS, maxSize: REASM_MAX_SIZE,
  maxFragments: REASM_MAX_FRAGMENTS,
};

interface Fragment {
  offset: number;
  data: Uint8Array;
}

interface Assembly {
  expiresAt: number;
  fragments: Fragment[]; // sorted by offset
  totalLen: number | null; // payload length, known once the last fragment (MF = 0) arrives
  first: Ipv4Repr | null; // the offset-0 fragment's header: the reassembled datagram's header (RFC 791 3.2)
}

/** A datagram that timed out; `first` is set when fragment zero had arrived (RFC 792 time exceeded, code 1). */
export interface ExpiredAssembly {
  first: Ipv4Repr | null;
  /** Data bytes fragment zero carried (its header's total length minus the header). */
  payloadLen: number;
}

export type ReassemblyDrop = 'evicted' | 'oversize' | 'overlap' | 'inconsistent' | 'too-many-fragments' | 'timeout';

export class Reassembler {
  private readonly assemblies = new Map<string, Assembly>();
  readonly stats: Record<ReassemblyDrop, number> = {
    evicted: 0, oversize: 0, overlap: 0, inconsistent: 0, 'too-many-fragments': 0, timeout: 0,
  };

  constructor(private readonly limits: ReassemblyLimits = DEFAULT_REASSEMBLY_LIMITS) {}

  get inProgress(): number {
    return this.assemblies.size;
  }

  /**
   * Adds a fragment (moreFragments set or fragmentOffset > 0). Returns the whole datagram once complete,
   * otherwise null. The fragment's payload is copied; `frag` may point into a reused frame buffer.
   */
  add(frag: Ipv4Repr, now: number): Ipv4Repr | null {
    // RFC 791 3.2: fragments are identified by source, destination, protocol and identification.
    const key = `${frag.src}|${frag.dst}|${frag.protocol}|${frag.ident}`;
    let a = this.assemblies.get(key);
    if (a === undefined) {
      if (this.assemblies.size >= this.limits.maxDatagrams) this.evictOldest();
      a = { expiresAt: now + this.limits.timeoutMs, fragments: [], totalLen: null, first: null };
      this.assemblies.set(key, a);
    }
    const problem = this.insert(a, frag);
    if (problem !== null) {
      this.stats[problem]++;
      this.assemblies.delete(key);
      return null;
    }
    if (!complete(a)) return null;
    this.assemblies.delete(key);
    return { ...a.first!, moreFragments: false, fragmentOffset: 0, payload: concat(a.fragments, a.totalLen!) };
  }

  /** Validates and stores one fragment; returns why the whole datagram must go, or null. */
  private insert(a: Assembly, frag: Ipv4Repr): ReassemblyDrop | null {
    const start = frag.fragmentOffset;
    const end = start + frag.payload.length;
    const headerLen = 20 + ipv4OptionsLen(frag.options);
    if (end + headerLen > this.limits.maxSize) return 'oversize';
    // RFC 791 3.2: every fragment but the last carries a multiple of 8 octets, and carries some.
    if (frag.moreFragments && (frag.payload.length === 0 || frag.payload.length % 8 !== 0)) return 'inconsistent';
    if (!frag.moreFragments) {
      if (a.totalLen !== null && a.totalLen !== end) return 'inconsistent';
      a.totalLen = end;
    }
    if (a.totalLen !== null && a.fragments.some((f) => f.offset + f.data.length > a.totalLen!)) return 'inconsistent';
    if (a.totalLen !== null && end > a.totalLen) return 'inconsistent';
    if (!overlapsAgree(a.fragments, start, frag.payload)) return 'overlap';
    if (coveredBy(a.fragments, start, end) && frag.payload.length > 0) return null; // exact duplicate
    if (a.fragments.length >= this.limits.maxFragments) return 'too-many-fragments';
    const at = a.fragments.findIndex((f) => f.offset > start);
    a.fragments.splice(at < 0 ? a.fragments.length : at, 0, { offset: start, data: frag.payload.slice() });
    if (start === 0) a.first = { ...frag, payload: new Uint8Array(0) };
    return null;
  }

  private evictOldest(): void {
    let oldest: string | null = null;
    let at = Infinity;
    for (const [k, a] of this.assemblies) if (a.expiresAt < at) { at = a.expiresAt; oldest = k; }
    if (oldest !== null) {
      this.assemblies.delete(oldest);
      this.stats.evicted++;
    }
  }

  /** Discards datagrams whose time is up (RFC 791 3.2: the reassembly timer). */
  expire(now: number): ExpiredAssembly[] {
    const out: ExpiredAssembly[] = [];
    for (const [k, a] of this.assemblies) {
      if (a.expiresAt > now) continue;
      this.assemblies.delete(k);
      this.stats.timeout++;
      const first = a.first === null ? null : { ...a.first, payload: firstBytes(a) };
      out.push({ first, payloadLen: a.fragments[0]?.data.length ?? 0 });
    }
    return out;
  }

  pollAt(): number | null {
    let at: number | null = null;
    for (const a of this.assemblies.values()) if (at === null || a.expiresAt < at) at = a.expiresAt;
    return at;
  }
}

/** True when every byte of `data` at `start` that lies under an existing fragment equals it. */
function overlapsAgree(fragments: Fragment[], start: number, data: Uint8Array): boolean {
  const end = start + data.length;
  for (const f of fragments) {
    const lo = Math.max(start, f.offset);
    const hi = Math.min(end, f.offset + f.data.length);
    for (let i = lo; i < hi; i++) if (f.data[i - f.offset] !== data[i - start]) return false;
  }
  return true;
}

/** True when [start, end) lies entirely within bytes already received. */
function coveredBy(fragments: Fragment[], start: number, end: number): boolean {
  let reached = start;
  for (const f of fragments) {
    if (f.offset > reached) break;
    reached = Math.max(reached, f.offset + f.data.length);
    if (reached >= end) return true;
  }
  return reached >= end;
}

function complete(a: Assembly): boolean {
  return a.totalLen !== null && a.first !== null && coveredBy(a.fragments, 0, a.totalLen);
}

function concat(fragments: Fragment[], totalLen: number): Uint8Array {
  const out = new Uint8Array(totalLen);
  for (const f of fragments) out.set(f.data, f.offset); // overlaps are identical, so order does not matter
  return out;
}

/** The first 8 payload bytes of fragment zero, quoted by the ICMP time-exceeded message (RFC 792). */
function firstBytes(a: Assembly): Uint8Array {
  const f = a.fragments[0]!;
  return f.data.slice(0, 8);
}

/**
 * Splits `repr` into fragments whose IP datagrams fit `mtu` (RFC 791 3.2 "fragmentation procedure").
 * Non-first fragments carry only options with the copied flag. The caller checks dontFragment.
 */
export function fragmentDatagram(repr: Ipv4Repr, mtu: number): Ipv4Repr[] {
  const out: Ipv4Repr[] = [];
  const copied = repr.options.filter((o) => ipv4OptionCopied(o.type));
  let offset = 0;
  while (offset < repr.payload.length || out.length === 0) {
    const options = offset === 0 ? repr.options : copied;
    const headerLen = 20 + ipv4OptionsLen(options);
    const room = (mtu - headerLen) & ~7;
    const last = offset + room >= repr.payload.length;
    const payload = repr.payload.subarray(offset, last ? repr.payload.length : offset + room);
    out.push({
      ...repr, options, payload, fragmentOffset: repr.fragmentOffset + offset,
      moreFragments: last ? repr.moreFragments : true,
    });
    offset += payload.length;
    if (last) break;
  }
  return out;
}
