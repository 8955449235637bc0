import { expect } from 'chai';
import fc from 'fast-check';
import { E, FILETYPE, OFLAGS } from '@cosix/kernel/abi';
import { DirEntries } from './dir.js';
import type { Tmpfs } from './fs.js';
import { expectConsistent, expectErr, fixture, mkdir, ok, text, writeFile } from './testing.js';

describe('DirEntries', () => {
  it('hands out cookies in insertion order, starting after "." and ".."', () => {
    const d = new DirEntries<number>();
    for (const [i, n] of ['x', 'y', 'z'].entries()) d.set(n, i);
    expect(d.from(0, 10).map((e) => [e.name, e.next])).to.deep.equal([['x', 3], ['y', 4], ['z', 5]]);
    expect(d.from(4, 10).map((e) => e.name)).to.deep.equal(['z']);
    expect(d.from(99, 10)).to.deep.equal([]);
  });

  it('skips deleted entries and keeps cookies through compaction', () => {
    const d = new DirEntries<number>();
    for (let i = 0; i < 100; i++) d.set(`n${i}`, i);
    for (let i = 0; i < 90; i++) d.delete(`n${i}`); // forces compaction
    expect(d.size).to.equal(10);
    const rest = d.from(0, 100);
    expect(rest.map((e) => e.value)).to.deep.equal([90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
    expect(d.from(rest[4].next, 2).map((e) => e.value)).to.deep.equal([95, 96]);
  });

  it('replaces a value in place and gives a re-added name a new, later slot', () => {
    const d = new DirEntries<number>();
    d.set('a', 1);
    d.set('b', 2);
    d.set('a', 3);
    expect(d.from(0, 10).map((e) => [e.name, e.value])).to.deep.equal([['a', 3], ['b', 2]]);
    d.delete('a');
    d.set('a', 4);
    expect(d.from(0, 10).map((e) => e.name)).to.deep.equal(['b', 'a']);
    expect(d.delete('missing')).to.equal(false);
  });
});

describe('readdir', () => {
  let fs: Tmpfs, root: bigint;
  beforeEach(() => ({ fs, root } = fixture()));
  afterEach(() => expectConsistent(fs));

  it('lists ".", "..", then entries with their inodes and types', () => {
    mkdir(fs, root, 'd');
    const file = writeFile(fs, root, 'd/f', '');
    mkdir(fs, root, 'd/sub');
    expectErr(fs.symlink('f', root, 'd/l'), E.SUCCESS);
    const d = ok(fs.stat(root, 'd', 0)).ino;
    const all = ok(fs.readdir(d, 0n));
    expect(all.map((e) => [text(e.name), e.type])).to.deep.equal([
      ['.', FILETYPE.DIRECTORY], ['..', FILETYPE.DIRECTORY], ['f', FILETYPE.REGULAR_FILE],
      ['sub', FILETYPE.DIRECTORY], ['l', FILETYPE.SYMBOLIC_LINK],
    ]);
    expect([all[0].ino, all[1].ino, all[2].ino]).to.deep.equal([d, root, file]);
    expect(all.map((e) => e.next)).to.deep.equal([1n, 2n, 3n, 4n, 5n]);
  });

  it('resumes from any returned cookie and returns nothing past the end', () => {
    for (const n of ['a', 'b', 'c', 'd']) writeFile(fs, root, n, '');
    const all = ok(fs.readdir(root, 0n));
    for (let i = 0; i < all.length; i++) expect(ok(fs.readdir(root, all[i].next))).to.deep.equal(all.slice(i + 1));
    expect(ok(fs.readdir(root, 1n << 62n))).to.deep.equal([]);
    expect(ok(fs.readdir(root, 0n, 0))).to.deep.equal([]);
  });

  it('says ENOTDIR for a file and updates the directory atim', () => {
    const f = writeFile(fs, root, 'f', '');
    expectErr(fs.readdir(f, 0n), E.NOTDIR);
    const before = ok(fs.statFget(root)).atim;
    ok(fs.readdir(root, 0n));
    expect(ok(fs.statFget(root)).atim > before).to.equal(true);
  });

  it('returns each entry present for the whole iteration exactly once, while others come and go', () => {
    const op = fc.oneof(
      fc.record({ add: fc.integer({ min: 0, max: 39 }) }),
      fc.record({ remove: fc.integer({ min: 0, max: 39 }) }),
    );
    const run = fc.record({ batch: fc.integer({ min: 1, max: 7 }), ops: fc.array(fc.array(op, { maxLength: 4 }), { maxLength: 30 }) });
    fc.assert(fc.property(run, ({ batch, ops }) => iterateWhileChanging(batch, ops)), { seed: 4242, numRuns: 150 });
  });
});

/** Which names existed when, during one iteration. */
interface Names {
  live: Set<string>; // present now
  stable: Set<string>; // present since the start, never removed
  ever: Set<string>; // present at some point
  recreated: Set<string>; // removed and created again
  gone: Map<string, number>; // removed (and not created again): how many names had been returned by then
  seen: string[]; // names returned so far
}

/** Iterates a directory `batch` entries at a time, applying one group of changes between batches. */
function iterateWhileChanging(batch: number, ops: ({ add: number } | { remove: number })[][]): void {
  const { fs, root } = fixture();
  const initial = Array.from({ length: 20 }, (_, i) => `n${i}`);
  for (const n of initial) expectErr(fs.create(root, n, FILETYPE.SOCKET_STREAM), E.SUCCESS);
  const t: Names = { live: new Set(initial), stable: new Set(initial), ever: new Set(initial), recreated: new Set(), gone: new Map(), seen: [] };
  const seen = t.seen;
  const dir = ok(fs.open(root, '.', OFLAGS.DIRECTORY, 0)).ino;
  for (let cookie = 0n, step = 0; ; step++) {
    const got = ok(fs.readdir(dir, cookie, batch));
    if (got.length === 0) break;
    for (const e of got) seen.push(text(e.name));
    cookie = got[got.length - 1].next;
    for (const o of ops[step] ?? []) applyChange(fs, root, o, t);
  }
  expect(seen.slice(0, 2)).to.deep.equal(['.', '..']);
  const names = seen.slice(2);
  // A name removed and created again is a new entry, which may be returned again (POSIX leaves entries added
  // during an iteration unspecified); any other name must not repeat.
  const repeats = names.filter((n, i) => names.indexOf(n) !== i);
  for (const n of repeats) expect(t.recreated.has(n), `${n} returned twice`).to.equal(true);
  for (const n of t.stable) expect(names.filter((m) => m === n).length, `${n} once`).to.equal(1);
  for (const n of names) expect(t.ever.has(n), `${n} existed`).to.equal(true);
  for (const [n, at] of t.gone) expect(seen.lastIndexOf(n), `${n} returned after its removal`).to.be.below(at);
  fs.unref(dir);
  expectConsistent(fs);
}

function applyChange(fs: Tmpfs, root: bigint, o: { add: number } | { remove: number }, t: Names): void {
  const name = `n${'add' in o ? o.add : o.remove}`;
  if ('add' in o && !t.live.has(name)) {
    expectErr(fs.create(root, name, FILETYPE.SOCKET_STREAM), E.SUCCESS);
    if (t.ever.has(name)) t.recreated.add(name);
    t.gone.delete(name);
    t.live.add(name);
    t.ever.add(name);
  } else if ('remove' in o && t.live.has(name)) {
    expectErr(fs.unlink(root, name, 0), E.SUCCESS);
    t.live.delete(name);
    t.stable.delete(name);
    t.gone.set(name, t.seen.length);
  }
}
