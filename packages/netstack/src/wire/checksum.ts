/**
 * The Internet checksum (RFC 1071): the 16-bit ones' complement of the ones' complement sum
 * of the data taken as big-endian 16-bit words, an odd trailing byte padded with zero.
 */
import type { Ipv4Address } from './address.js';

/**
 * Adds `data` to the running accumulator `acc` (not folded). RFC 1071 2(B): carries may be deferred;
 * a double is exact to 2^53, far beyond 65535 words of 0xffff, so they are folded once at the end.
 */
export function sum(data: Uint8Array, acc = 0): number {
  const n = data.length & ~1;
  for (let i = 0; i < n; i += 2) acc += (data[i]! << 8) | data[i + 1]!;
  if (data.length & 1) acc += data[data.length - 1]! << 8;
  return acc;
}

/** Folds carries back into the low 16 bits (RFC 1071 4.1). */
export function fold(acc: number): number {
  while (acc > 0xffff) acc = (acc & 0xffff) + Math.floor(acc / 0x10000);
  return acc;
}

/** The checksum to store in a header: ~sum. Verification sums the header with the stored value: 0xffff. */
export function checksum(data: Uint8Array, acc = 0): number {
  return ~fold(sum(data, acc)) & 0xffff;
}

/** Sum of the TCP/UDP pseudo-header (RFC 793 3.1, RFC 768): src, dst, zero, protocol, length. */
export function pseudoHeaderSum(src: Ipv4Address, dst: Ipv4Address, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}

/** True when `data` (which includes its checksum field) sums to 0xffff, i.e. verifies. */
export function verifies(data: Uint8Array, acc = 0): boolean {
  return fold(sum(data, acc)) === 0xffff;
}
