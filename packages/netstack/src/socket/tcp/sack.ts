/**
 * The sender's SACK scoreboard (RFC 2018, RFC 6675 sections 2-4): which octets above SND.UNA the
 * receiver reported holding, and from that IsLost(), the pipe estimate and NextSeg().
 * "Retransmitted" is tracked by HighRxt alone (RFC 6675 2): octets below it were retransmitted.
 */
import type { SackBlock } from '../../wire/tcp.js';
import { seqGe, seqGt, seqLe, seqLt, seqMax, seqMin, seqSub } from './seq.js';

/** RFC 6675 2: DupThresh, the number of duplicate ACKs that trigger loss recovery (RFC 5681 3.2). */
export const DUP_THRESH = 3;

export interface Hole {
  left: number;
  right: number;
}

export class Scoreboard {
  /** Sorted, disjoint, non-adjacent SACKed ranges, all above SND.UNA. */
  ranges: SackBlock[] = [];

  get isEmpty(): boolean { return this.ranges.length === 0; }

  /**
   * Merges received SACK blocks. RFC 2018 / RFC 6675 5.1: blocks at or below SND.UNA (D-SACK) or beyond
   * what we sent are ignored. Returns true when some octet became SACKed for the first time.
   */
  update(blocks: SackBlock[], sndUna: number, sndMax: number): boolean {
    let grew = false;
    for (const b of blocks) {
      if (!seqLt(b.left, b.right) || seqLe(b.right, sndUna) || seqGt(b.right, sndMax)) continue;
      const left = seqMax(b.left, sndUna);
      if (this.covers(left, b.right)) continue;
      this.insert(left, b.right);
      grew = true;
    }
    return grew;
  }

  /** SND.UNA moved: forget what it passed. */
  advance(sndUna: number): void {
    while (this.ranges.length > 0 && seqLe(this.ranges[0]!.right, sndUna)) this.ranges.shift();
    if (this.ranges.length > 0 && seqLt(this.ranges[0]!.left, sndUna)) this.ranges[0]!.left = sndUna;
  }

  clear(): void { this.ranges = []; }

  /** The right edge of the SACKed range holding `seq`, or null when `seq` is not SACKed. */
  sackedEnd(seq: number): number | null {
    for (const r of this.ranges) if (seqGe(seq, r.left) && seqLt(seq, r.right)) return r.right;
    return null;
  }

  /** The left edge of the first SACKed range above `seq`, or null. */
  nextSackedAfter(seq: number): number | null {
    for (const r of this.ranges) if (seqGt(r.left, seq)) return r.left;
    return null;
  }

  /** The highest SACKed octet + 1, or null. */
  get highest(): number | null {
    return this.ranges.length === 0 ? null : this.ranges[this.ranges.length - 1]!.right;
  }

  /**
   * RFC 6675 4 IsLost(SeqNum): DupThresh discontiguous SACKed ranges above it, or more than
   * (DupThresh - 1) * SMSS SACKed octets above it.
   */
  isLost(seq: number, smss: number): boolean {
    let ranges = 0;
    let bytes = 0;
    for (const r of this.ranges) {
      if (seqLe(r.right, seq)) continue;
      ranges++;
      bytes += seqSub(r.right, seqMax(r.left, seq + 1));
    }
    return ranges >= DUP_THRESH || bytes > (DUP_THRESH - 1) * smss;
  }

  /** The un-SACKed stretches of [from, to). */
  holes(from: number, to: number): Hole[] {
    const out: Hole[] = [];
    let at = from;
    for (const r of this.ranges) {
      if (seqGe(at, to)) break;
      if (seqGt(r.left, at)) out.push({ left: at, right: seqMin(r.left, to) });
      at = seqMax(at, r.right);
    }
    if (seqLt(at, to)) out.push({ left: at, right: to });
    return out;
  }

  /**
   * RFC 6675 4 SetPipe(): octets in flight between SND.UNA and SND.NXT. Every octet of a hole counts once
   * unless the hole IsLost (all octets of one hole share that verdict: no SACKed octet lies between them),
   * and once more if it was retransmitted (below HighRxt).
   */
  pipe(sndUna: number, sndNxt: number, highRxt: number, smss: number): number {
    let pipe = 0;
    for (const h of this.holes(sndUna, sndNxt)) {
      if (!this.isLost(h.left, smss)) pipe += seqSub(h.right, h.left);
      const rtxEnd = seqMin(h.right, highRxt);
      if (seqGt(rtxEnd, h.left)) pipe += seqSub(rtxEnd, h.left);
    }
    return pipe;
  }

  /** RFC 6675 4 NextSeg() rule 1: the first lost, un-SACKed, not yet retransmitted stretch at or after `from`. */
  nextLost(from: number, sndNxt: number, smss: number): Hole | null {
    for (const h of this.holes(from, sndNxt)) if (this.isLost(h.left, smss)) return h;
    return null;
  }

  /** RFC 6675 4 NextSeg() rule 3: the first un-SACKed stretch at or after `from` below the highest SACKed octet. */
  nextUnsacked(from: number): Hole | null {
    const top = this.highest;
    if (top === null) return null;
    return this.holes(from, top)[0] ?? null;
  }

  private covers(left: number, right: number): boolean {
    return this.ranges.some((r) => seqLe(r.left, left) && seqGe(r.right, right));
  }

  private insert(left: number, right: number): void {
    let i = 0;
    while (i < this.ranges.length && seqLt(this.ranges[i]!.right, left)) i++;
    let j = i;
    while (j < this.ranges.length && seqLe(this.ranges[j]!.left, right)) j++;
    const merged = { left, right };
    for (let k = i; k < j; k++) {
      merged.left = seqMin(merged.left, this.ranges[k]!.left);
      merged.right = seqMax(merged.right, this.ranges[k]!.right);
    }
    this.ranges.splice(i, j - i, merged);
  }
}
