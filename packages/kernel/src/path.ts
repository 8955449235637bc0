// Path arguments: validation and splitting. A path is relative to a directory fd and never leaves what that
// fd reaches: absolute paths and `..` above the start are refused with ENOTCAPABLE (CloudABI's rule).
import { E } from './abi/index.js';
import { MAX_PATH } from './params.js';

const dec = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a user path: ENAMETOOLONG, ENOENT for an empty path, EINVAL for NUL or other control bytes
 * (below 0x20, and 0x7f: Cosix never allowed them in names), EILSEQ for bad UTF-8.
 */
export function decodePath(bytes: Uint8Array): string | number {
  if (bytes.length > MAX_PATH) return E.NAMETOOLONG;
  if (bytes.length === 0) return E.NOENT;
  if (bytes.some((b) => b < 0x20 || b === 0x7f)) return E.INVAL;
  try { return dec.decode(bytes); } catch { return E.ILSEQ; }
}

/** Splits into components, resolving `.` and `..` lexically; ENOTCAPABLE if it escapes or is absolute. */
export function components(path: string): string[] | number {
  if (path.startsWith('/')) return E.NOTCAPABLE;
  const out: string[] = [];
  for (const c of path.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (out.length === 0) return E.NOTCAPABLE;
      out.pop();
      continue;
    }
    if (c.length > 255) return E.NAMETOOLONG;
    out.push(c);
  }
  return out;
}

/** True when the path ends in a slash (then it must name a directory). */
export const wantsDir = (path: string) => path.endsWith('/');
