/**
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 3.4): comparisons are by signed distance, valid while
 * the numbers compared lie within 2^31 of each other (RFC 1982 serial-number arithmetic). Timestamps
 * (RFC 7323 5.2) compare the same way.
 */

/** a + n, wrapped to 32 bits. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** The signed distance a - b. */
export function seqSub(a: number, b: number): number {
  return (a - b) | 0;
}

export function seqLt(a: number, b: number): boolean { return seqSub(a, b) < 0; }
export function seqLe(a: number, b: number): boolean { return seqSub(a, b) <= 0; }
export function seqGt(a: number, b: number): boolean { return seqSub(a, b) > 0; }
export function seqGe(a: number, b: number): boolean { return seqSub(a, b) >= 0; }
export function seqMax(a: number, b: number): number { return seqGe(a, b) ? a : b; }
export function seqMin(a: number, b: number): number { return seqLe(a, b) ? a : b; }

/** lo <= s < hi in sequence space. */
export function seqInRange(s: number, lo: number, hi: number): boolean {
  return seqGe(s, lo) && seqLt(s, hi);
}
