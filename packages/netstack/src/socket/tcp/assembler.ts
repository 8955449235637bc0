/**
 * Out-of-order reassembly bookkeeping for the receiver (RFC 9293 3.10.7.4 "seventh": segments beyond
 * RCV.NXT are held until the gap fills). The bytes themselves are written straight into the receive ring
 * (ring.ts writeAt); this class only tracks which sequence ranges past RCV.NXT have arrived, bounded in
 * count, and reports them as SACK blocks (RFC 2018 4).
 */
import type { SackBlock } from '../../wire/tcp.js';
import { seqGe, seqGt, seqLe, seqLt, seqMax, seqMin } from './seq.js';

interface Range {
  left: number;
  right: number;
  /** Larger is more recently extended: RFC 2018 4 orders SACK blocks by recency. */
  touched: number;
}

export class Assembler {
  private ranges: Range[] = [];
  private clock = 0;

  constructor(readonly maxRanges: number) {}

  get isEmpty(): boolean { return this.ranges.length === 0; }
  get count(): number { return this.ranges.length; }

  /**
   * Records [left, right) as received. Returns false, recording nothing, when it would need more than
   * maxRanges disjoint ranges: the caller then drops the segment (the sender will retransmit it).
   */
  add(left: number, right: number): boolean {
    let i = 0;
    while (i < this.ranges.length && seqLt(this.ranges[i]!.right, left)) i++;
    let j = i;
    while (j < this.ranges.length && seqLe(this.ranges[j]!.left, right)) j++;
    if (i === j && this.ranges.length >= this.maxRanges) return false;
    const merged: Range = { left, right, touched: ++this.clock };
    for (let k = i; k < j; k++) {
      merged.left = seqMin(merged.left, this.ranges[k]!.left);
      merged.right = seqMax(merged.right, this.ranges[k]!.right);
    }
    this.ranges.splice(i, j - i, merged);
    return true;
  }

  /**
   * RCV.NXT has reached `next`: forgets ranges that start at or before it and returns how far the
   * data is now contiguous (>= next).
   */
  advance(next: number): number {
    let end = next;
    while (this.ranges.length > 0 && seqLe(this.ranges[0]!.left, end)) {
      end = seqMax(end, this.ranges.shift()!.right);
    }
    return end;
  }

  /** True when `seq` lies in a received range (used to tell a FIN that arrived early). */
  has(seq: number): boolean {
    return this.ranges.some((r) => seqGe(seq, r.left) && seqLt(seq, r.right));
  }

  /** The right edge of the highest range, or null. */
  get highest(): number | null {
    return this.ranges.length === 0 ? null : this.ranges[this.ranges.length - 1]!.right;
  }

  /**
   * RFC 2018 4: the first block holds the most recently received segment, the rest follow by recency
   * ("the most recently reported SACK blocks"), at most `max` of them.
   */
  sackBlocks(max: number): SackBlock[] {
    return [...this.ranges]
      .sort((a, b) => b.touched - a.touched)
      .slice(0, max)
      .map((r) => ({ left: r.left, right: r.right }));
  }

  clear(): void {
    this.ranges = [];
  }

  /** Ranges strictly above `seq` (for tests and invariants). */
  rangesAbove(seq: number): SackBlock[] {
    return this.ranges.filter((r) => seqGt(r.left, seq)).map((r) => ({ left: r.left, right: r.right }));
  }
}
