// UTF-8 without TextEncoder/TextDecoder, which are host (web) APIs: userland contexts have only
// ECMAScript builtins, and the ABI helpers run there too.

export function utf8Encode(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

/** Strict decoding: returns undefined for malformed, overlong or surrogate sequences. */
export function utf8Decode(b: Uint8Array): string | undefined {
  let s = '';
  for (let i = 0; i < b.length;) {
    const c = b[i];
    let n = 0, cp = 0, min = 0;
    if (c < 0x80) { s += String.fromCharCode(c); i++; continue; }
    if ((c & 0xe0) === 0xc0) { n = 1; cp = c & 31; min = 0x80; }
    else if ((c & 0xf0) === 0xe0) { n = 2; cp = c & 15; min = 0x800; }
    else if ((c & 0xf8) === 0xf0) { n = 3; cp = c & 7; min = 0x10000; }
    else return undefined;
    for (let k = 1; k <= n; k++) {
      const x = b[i + k];
      if (x === undefined || (x & 0xc0) !== 0x80) return undefined;
      cp = (cp << 6) | (x & 63);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
    s += String.fromCodePoint(cp);
    i += n + 1;
  }
  return s;
}
