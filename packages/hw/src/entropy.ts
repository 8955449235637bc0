// The machine's entropy source: the host's CSPRNG (getrandom(2) via Node's crypto).
import { randomFillSync } from 'node:crypto';

/** Fills `buf` with cryptographically secure random bytes. */
export function fillRandom(buf: Uint8Array): void {
  for (let off = 0; off < buf.length; off += 65536) randomFillSync(buf.subarray(off, Math.min(buf.length, off + 65536)));
}
