// Seeded pseudo-random numbers for the network fault model.
//
// xoshiro128** 1.1 (Blackman & Vigna, "Scrambled Linear Pseudorandom Number Generators", 2018,
// https://prng.di.unimi.it/xoshiro128starstar.c), seeded through splitmix32 so that any 32-bit
// seed, including 0, yields a well-mixed non-zero state. Not cryptographic: it exists so that a
// link given the same seed makes the same drop/duplicate/corrupt decisions on every run.

/** splitmix32 step (a 32-bit variant of Steele et al.'s SplitMix): returns [next state, output]. */
function splitmix32(state: number): [number, number] {
  const s = (state + 0x9e3779b9) | 0;
  let z = s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [s, (z ^ (z >>> 16)) >>> 0];
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export class Rng {
  private readonly s = new Uint32Array(4);

  /** `seed` is reduced to 32 bits; streams with different `stream` numbers are independent. */
  constructor(seed: number, stream = 0) {
    let st = (seed >>> 0) ^ Math.imul(stream >>> 0, 0x632be5ab);
    for (let i = 0; i < 4; i++) {
      const [next, out] = splitmix32(st);
      st = next;
      this.s[i] = out;
    }
    // xoshiro's only forbidden state is all zeros; splitmix32 cannot emit four zeros in a row,
    // but say so where it is relied on.
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /** A generator with an explicit xoshiro state (for checking against the reference C code). */
  static fromState(s0: number, s1: number, s2: number, s3: number): Rng {
    const r = new Rng(0);
    r.s.set([s0, s1, s2, s3]);
    return r;
  }

  /** Next 32-bit unsigned integer (xoshiro128** next()). */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of randomness. */
  nextFloat(): number {
    return this.nextU32() / 0x1_0000_0000;
  }

  /** Uniform integer in [0, n) for 1 <= n <= 2^32 (multiply-shift; bias < n / 2^32). */
  below(n: number): number {
    if (!(n >= 1 && n <= 0x1_0000_0000)) throw new RangeError(`Rng.below: n=${n} out of [1, 2^32]`);
    return Math.floor(this.nextFloat() * n);
  }
}
