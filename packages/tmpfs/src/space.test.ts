// The space budget: ENOSPC leaves the filesystem exactly as it was (all-or-nothing), and space comes back
// when inodes and chunks are freed.
import { expect } from 'chai';
import fc from 'fast-check';
import { E, FILETYPE, FSFLAGS, OFLAGS, ULFLAGS } from '@cosix/kernel/abi';
import { CHUNK_SIZE, INODE_COST } from './params.js';
import { Tmpfs } from './fs.js';
import { bytes, expectConsistent, expectErr, fixture, list, mkdir, ok, text } from './testing.js';

/** A filesystem with room for the root, `inodes` more inodes and `chunks` data chunks. */
function budget(inodes: number, chunks: number): { fs: Tmpfs; root: bigint } {
  return fixture({ limit: (1 + inodes) * INODE_COST + chunks * CHUNK_SIZE });
}

/** Everything observable about a file: stat (minus atim, which reads update) and content. */
function snapshot(fs: Tmpfs, ino: bigint): unknown {
  const { atim: _, ...st } = ok(fs.statFget(ino));
  return { st, data: [...ok(fs.pread(ino, 0n, 1 << 20))], usage: fs.usage() };
}

describe('space budget', () => {
  it('refuses a new inode of every kind with ENOSPC and creates nothing', () => {
    const { fs, root } = budget(1, 0);
    mkdir(fs, root, 'd');
    const before = fs.usage();
    expectErr(fs.create(root, 'd2', FILETYPE.DIRECTORY), E.NOSPC);
    expectErr(fs.create(root, 's', FILETYPE.SOCKET_STREAM), E.NOSPC);
    expectErr(fs.open(root, 'f', OFLAGS.CREAT, 0), E.NOSPC);
    expectErr(fs.symlink('d', root, 'l'), E.NOSPC);
    expect(fs.usage()).to.deep.equal(before);
    expect(list(fs, root)).to.deep.equal(['d']);
    expect(ok(fs.statFget(root)).nlink).to.equal(3);
    expectConsistent(fs, 2);
  });

  it('charges a symlink its target bytes', () => {
    const { fs, root } = fixture({ limit: 2 * INODE_COST + 10 });
    expectErr(fs.symlink('x'.repeat(11), root, 'l'), E.NOSPC);
    expectErr(fs.symlink('x'.repeat(10), root, 'l'), E.SUCCESS);
    expect(fs.usage().used).to.equal(fs.usage().limit);
    expectErr(fs.unlink(root, 'l', 0), E.SUCCESS);
    expect(fs.usage().used).to.equal(INODE_COST);
  });

  it('writes all or nothing: a write needing one chunk too many changes nothing', () => {
    const { fs, root } = budget(1, 3);
    const { ino } = ok(fs.open(root, 'f', OFLAGS.CREAT, 0));
    ok(fs.pwrite(ino, 0n, bytes('keep me')));
    const before = snapshot(fs, ino);
    expectErr(fs.pwrite(ino, 3n, new Uint8Array(3 * CHUNK_SIZE).fill(7)), E.NOSPC);
    expectErr(fs.append(ino, new Uint8Array(3 * CHUNK_SIZE)), E.NOSPC);
    expect(snapshot(fs, ino)).to.deep.equal(before);
    expect(ok(fs.pwrite(ino, 3n, new Uint8Array(3 * CHUNK_SIZE - 3).fill(7)))).to.equal(BigInt(3 * CHUNK_SIZE));
    expect(fs.usage().used).to.equal(fs.usage().limit);
    fs.unref(ino);
    expectConsistent(fs);
  });

  it('lets overwrites of allocated chunks and writes into holes of them succeed when full', () => {
    const { fs, root } = budget(1, 1);
    const { ino } = ok(fs.open(root, 'f', OFLAGS.CREAT, 0));
    ok(fs.pwrite(ino, 0n, bytes('ab')));
    ok(fs.pwrite(ino, 100n, bytes('cd')));
    ok(fs.pwrite(ino, 0n, bytes('AB')));
    expectErr(fs.pwrite(ino, BigInt(CHUNK_SIZE), bytes('x')), E.NOSPC);
    expect(text(ok(fs.pread(ino, 0n, 2)))).to.equal('AB');
    fs.unref(ino);
    expectConsistent(fs);
  });

  it('reserves with allocate, so later writes in the range cannot fail', () => {
    const { fs, root } = budget(2, 4);
    const a = ok(fs.open(root, 'a', OFLAGS.CREAT, 0)).ino, b = ok(fs.open(root, 'b', OFLAGS.CREAT, 0)).ino;
    expectErr(fs.allocate(a, 0n, BigInt(5 * CHUNK_SIZE)), E.NOSPC);
    expect(ok(fs.statFget(a)).size).to.equal(0n);
    expectErr(fs.allocate(a, 0n, BigInt(3 * CHUNK_SIZE)), E.SUCCESS);
    ok(fs.pwrite(b, 0n, new Uint8Array(CHUNK_SIZE)));
    expectErr(fs.pwrite(b, BigInt(CHUNK_SIZE), bytes('x')), E.NOSPC);
    ok(fs.pwrite(a, 0n, new Uint8Array(3 * CHUNK_SIZE).fill(1)));
    fs.unref(a);
    fs.unref(b);
    expectConsistent(fs);
  });

  it('returns space on truncate, unlink and the last unref of an unlinked file', () => {
    const { fs, root } = budget(1, 2);
    const { ino } = ok(fs.open(root, 'f', OFLAGS.CREAT, 0));
    ok(fs.pwrite(ino, 0n, new Uint8Array(2 * CHUNK_SIZE)));
    expectErr(fs.statFput(ino, { size: 1n }, FSFLAGS.SIZE), E.SUCCESS);
    expect(fs.usage().used).to.equal(2 * INODE_COST + CHUNK_SIZE);
    expectErr(fs.unlink(root, 'f', 0), E.SUCCESS);
    expect(fs.usage().used).to.equal(2 * INODE_COST + CHUNK_SIZE); // still open
    fs.unref(ino);
    expect(fs.usage()).to.deep.equal({ used: INODE_COST, limit: 2 * INODE_COST + 2 * CHUNK_SIZE, inodes: 1 });
    expectConsistent(fs);
  });

  it('accepts a limit below the root\'s own cost, and refuses every allocation', () => {
    const { fs, root } = fixture({ limit: 10 });
    expect(fs.usage().used).to.equal(INODE_COST);
    expectErr(fs.create(root, 'd', FILETYPE.DIRECTORY), E.NOSPC);
    expectConsistent(fs, 1);
  });

  it('stays consistent through random operations under a tight budget', () => {
    const op = fc.record({
      kind: fc.constantFrom('write', 'mkdir', 'rmdir', 'unlink', 'trunc', 'alloc', 'symlink'),
      name: fc.constantFrom('a', 'b', 'c', 'd/e'),
      off: fc.integer({ min: 0, max: 6 * CHUNK_SIZE }),
      len: fc.integer({ min: 1, max: 3 * CHUNK_SIZE }),
    });
    fc.assert(fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const { fs, root } = budget(4, 5);
      for (const o of ops) {
        const { r, before } = applyOp(fs, root, o);
        if (r === E.NOSPC) expect(fs.usage()).to.deep.equal(before);
        expect(fs.usage().used).to.be.at.most(fs.usage().limit);
        expect(fs.fsck()).to.deep.equal([]);
      }
    }), { seed: 7, numRuns: 150 });
  });
});

/** Runs one operation; `before` is the usage just before its last step (a write follows an open). */
function applyOp(fs: Tmpfs, root: bigint, o: { kind: string; name: string; off: number; len: number }): { r: unknown; before: unknown } {
  const before = fs.usage();
  switch (o.kind) {
    case 'mkdir': return { r: fs.create(root, o.name, FILETYPE.DIRECTORY), before };
    case 'rmdir': return { r: fs.unlink(root, o.name, ULFLAGS.REMOVEDIR), before };
    case 'unlink': return { r: fs.unlink(root, o.name, 0), before };
    case 'symlink': return { r: fs.symlink('x'.repeat(o.len % 300 + 1), root, o.name), before };
  }
  const h = fs.open(root, o.name, OFLAGS.CREAT, 0);
  if (typeof h === 'number') return { r: h, before };
  const opened = fs.usage();
  const r = o.kind === 'write' ? fs.pwrite(h.ino, BigInt(o.off), new Uint8Array(o.len).fill(1))
    : o.kind === 'alloc' ? fs.allocate(h.ino, BigInt(o.off), BigInt(o.len))
    : fs.statFput(h.ino, { size: BigInt(o.off) }, FSFLAGS.SIZE);
  const after = fs.usage();
  fs.unref(h.ino);
  return { r, before: r === E.NOSPC ? opened : after };
}
