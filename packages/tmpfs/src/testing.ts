// Helpers for the tests beside the code: a filesystem on a manual clock, and short ways to make and read
// files. Not exported from index.ts.
import { expect } from 'chai';
import { E, FILETYPE, OFLAGS, errnoName, utf8Decode, utf8Encode } from '@cosix/kernel/abi';
import { Tmpfs } from './fs.js';
import type { Errno } from './types.js';

export interface Fixture {
  fs: Tmpfs;
  root: bigint;
  clock: { t: bigint };
}

/** A filesystem whose clock advances by 1 ns on every reading (so each change has a distinct time). */
export function fixture(opts: { limit?: number; linkMax?: number } = {}): Fixture {
  const clock = { t: 1000n };
  const fs = new Tmpfs({ dev: 42n, now: () => clock.t++, ...opts });
  return { fs, root: fs.root, clock };
}

export const bytes = (s: string): Uint8Array => utf8Encode(s);
export const text = (b: Uint8Array): string => utf8Decode(b) ?? '<bad utf-8>';

/** Asserts an errno result by name, so failures read `expected ENOENT, got EEXIST`. */
export function expectErr(r: unknown, errno: Errno): void {
  expect(typeof r === 'number' ? errnoName(r) : `a value (${String(r)})`).to.equal(errnoName(errno));
}

/** Unwraps a value result, failing the test on an errno. */
export function ok<T>(r: T | Errno): T {
  if (typeof r === 'number') expect.fail(`expected a value, got ${errnoName(r)}`);
  return r as T;
}

export function mkdir(fs: Tmpfs, dir: bigint, path: string): void {
  expectErr(fs.create(dir, path, FILETYPE.DIRECTORY), E.SUCCESS);
}

/** Creates (or truncates) a file with `content` and drops the handle. */
export function writeFile(fs: Tmpfs, dir: bigint, path: string, content: string | Uint8Array): bigint {
  const { ino } = ok(fs.open(dir, path, OFLAGS.CREAT | OFLAGS.TRUNC, 0));
  ok(fs.pwrite(ino, 0n, typeof content === 'string' ? bytes(content) : content));
  expectErr(fs.unref(ino), E.SUCCESS);
  return ino;
}

/** The whole content of a file, as text. */
export function readFile(fs: Tmpfs, dir: bigint, path: string, lookupflags = 0): string | Errno {
  const o = fs.open(dir, path, 0, lookupflags);
  if (typeof o === 'number') return o;
  const data = ok(fs.pread(o.ino, 0n, 1 << 24));
  fs.unref(o.ino);
  return text(data);
}

/** Names in a directory, sorted, without '.' and '..'. */
export function list(fs: Tmpfs, dir: bigint, path = '.'): string[] | Errno {
  const d = fs.open(dir, path, OFLAGS.DIRECTORY, 0);
  if (typeof d === 'number') return d;
  const entries = ok(fs.readdir(d.ino, 0n));
  fs.unref(d.ino);
  return entries.map((e) => text(e.name)).filter((n) => n !== '.' && n !== '..').sort();
}

/** Asserts the filesystem is consistent (fsck) and, if `inodes` is given, that exactly that many are live. */
export function expectConsistent(fs: Tmpfs, inodes?: number): void {
  expect(fs.fsck()).to.deep.equal([]);
  if (inodes !== undefined) expect(fs.usage().inodes).to.equal(inodes);
}
