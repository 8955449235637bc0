import { expect } from 'chai';
import { ADVICE, E, FILETYPE, FSFLAGS, OFLAGS, ULFLAGS } from '@cosix/kernel/abi';
import { ChunkPool, SLAB_CHUNKS } from './chunks.js';
import { FileData } from './file.js';
import { CHUNK_SIZE, INODE_COST, MAX_FILE_SIZE } from './params.js';
import type { Tmpfs } from './fs.js';
import { type Fixture, bytes, expectConsistent, expectErr, fixture, mkdir, ok, text } from './testing.js';

function filled(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

describe('file data', () => {
  let f: Fixture, fs: Tmpfs, root: bigint, ino: bigint;
  beforeEach(() => {
    f = fixture();
    ({ fs, root } = f);
    ino = ok(fs.open(root, 'f', OFLAGS.CREAT, 0)).ino;
  });
  afterEach(() => {
    expectErr(fs.unref(ino), E.SUCCESS);
    expectConsistent(fs);
  });

  describe('pread and pwrite', () => {
    it('writes and reads back across chunk boundaries', () => {
      const data = filled(3 * CHUNK_SIZE + 17);
      expect(ok(fs.pwrite(ino, 100n, data))).to.equal(BigInt(100 + data.length));
      expect(ok(fs.pread(ino, 100n, data.length))).to.deep.equal(data);
      expect(ok(fs.pread(ino, BigInt(CHUNK_SIZE - 5), 10))).to.deep.equal(data.subarray(CHUNK_SIZE - 105, CHUNK_SIZE - 95));
    });

    it('reads short at the end, nothing beyond it, and zero bytes for len 0', () => {
      ok(fs.pwrite(ino, 0n, bytes('hello')));
      expect(text(ok(fs.pread(ino, 3n, 100)))).to.equal('lo');
      expect(ok(fs.pread(ino, 5n, 10)).length).to.equal(0);
      expect(ok(fs.pread(ino, 1n << 60n, 10)).length).to.equal(0);
      expect(ok(fs.pread(ino, 0n, 0)).length).to.equal(0);
    });

    it('overwrites in the middle without changing the size', () => {
      ok(fs.pwrite(ino, 0n, bytes('hello world')));
      ok(fs.pwrite(ino, 6n, bytes('WORLD')));
      expect(text(ok(fs.pread(ino, 0n, 100)))).to.equal('hello WORLD');
      expect(ok(fs.statFget(ino)).size).to.equal(11n);
    });

    it('updates mtim and ctim on write and atim on read', () => {
      const s0 = ok(fs.statFget(ino));
      ok(fs.pwrite(ino, 0n, bytes('x')));
      const s1 = ok(fs.statFget(ino));
      expect(s1.mtim > s0.mtim && s1.ctim > s0.ctim).to.equal(true);
      ok(fs.pread(ino, 0n, 1));
      const s2 = ok(fs.statFget(ino));
      expect(s2.atim > s1.atim && s2.mtim === s1.mtim).to.equal(true);
    });

    it('changes nothing for a zero-length write, even past the end', () => {
      const s0 = ok(fs.statFget(ino));
      expect(ok(fs.pwrite(ino, 1000n, new Uint8Array(0)))).to.equal(1000n);
      expect(ok(fs.statFget(ino))).to.deep.equal(s0);
    });

    it('says EFBIG past the largest file size and EINVAL for a bad length', () => {
      expectErr(fs.pwrite(ino, BigInt(MAX_FILE_SIZE), bytes('x')), E.FBIG);
      expectErr(fs.pwrite(ino, 1n << 63n, bytes('x')), E.FBIG);
      expectErr(fs.pread(ino, 0n, -1), E.INVAL);
      expectErr(fs.pread(ino, 0n, 1.5), E.INVAL);
      expect(ok(fs.statFget(ino)).size).to.equal(0n);
    });

    it('says EISDIR on a directory, EINVAL on a socket node and EBADF on a freed inode', () => {
      mkdir(fs, root, 'd');
      const d = ok(fs.stat(root, 'd', 0)).ino;
      expectErr(fs.pread(d, 0n, 1), E.ISDIR);
      expectErr(fs.pwrite(d, 0n, bytes('x')), E.ISDIR);
      expectErr(fs.create(root, 's', FILETYPE.SOCKET_STREAM), E.SUCCESS);
      expectErr(fs.pwrite(ok(fs.stat(root, 's', 0)).ino, 0n, bytes('x')), E.INVAL);
      expectErr(fs.unlink(root, 'd', ULFLAGS.REMOVEDIR), E.SUCCESS);
      expectErr(fs.pread(d, 0n, 1), E.BADF);
    });
  });

  describe('append', () => {
    it('writes at the end and returns the new size', () => {
      expect(ok(fs.append(ino, bytes('ab')))).to.equal(2n);
      expectErr(fs.statFput(ino, { size: 10n }, FSFLAGS.SIZE), E.SUCCESS);
      expect(ok(fs.append(ino, bytes('cd')))).to.equal(12n);
      const all = ok(fs.pread(ino, 0n, 100));
      expect(text(all.subarray(0, 2)) + text(all.subarray(10))).to.equal('abcd');
      expect([...all.subarray(2, 10)]).to.deep.equal(new Array(8).fill(0));
    });
  });

  describe('sparse files', () => {
    it('reads holes as zeros and charges only the chunks written', () => {
      ok(fs.pwrite(ino, 10_000_000n, bytes('end')));
      expect(ok(fs.statFget(ino)).size).to.equal(10_000_003n);
      expect(fs.usage().used).to.equal(2 * INODE_COST + CHUNK_SIZE);
      expect([...ok(fs.pread(ino, 5_000_000n, 8))]).to.deep.equal(new Array(8).fill(0));
      expect(text(ok(fs.pread(ino, 10_000_000n, 8)))).to.equal('end');
    });

    it('extends with a hole through SIZE without charging space', () => {
      ok(fs.pwrite(ino, 0n, bytes('abc')));
      expectErr(fs.statFput(ino, { size: 1n << 40n }, FSFLAGS.SIZE), E.SUCCESS);
      expect(fs.usage().used).to.equal(2 * INODE_COST + CHUNK_SIZE);
      expect(ok(fs.pread(ino, (1n << 40n) - 4n, 10))).to.deep.equal(new Uint8Array(4));
    });

    it('zeroes the cut tail when truncating, so growing again exposes zeros', () => {
      ok(fs.pwrite(ino, 0n, filled(2 * CHUNK_SIZE)));
      expectErr(fs.statFput(ino, { size: 10n }, FSFLAGS.SIZE), E.SUCCESS);
      expect(fs.usage().used).to.equal(2 * INODE_COST + CHUNK_SIZE);
      expectErr(fs.statFput(ino, { size: BigInt(2 * CHUNK_SIZE) }, FSFLAGS.SIZE), E.SUCCESS);
      const back = ok(fs.pread(ino, 0n, 2 * CHUNK_SIZE));
      expect(back.subarray(0, 10)).to.deep.equal(filled(10));
      expect(back.subarray(10).every((b) => b === 0)).to.equal(true);
    });
  });

  describe('allocate', () => {
    it('reserves chunks and grows the size, but never shrinks it', () => {
      expectErr(fs.allocate(ino, 0n, BigInt(CHUNK_SIZE * 2)), E.SUCCESS);
      expect(ok(fs.statFget(ino)).size).to.equal(BigInt(CHUNK_SIZE * 2));
      expect(fs.usage().used).to.equal(2 * INODE_COST + 2 * CHUNK_SIZE);
      expectErr(fs.allocate(ino, 0n, 1n), E.SUCCESS);
      expect(ok(fs.statFget(ino)).size).to.equal(BigInt(CHUNK_SIZE * 2));
      expect([...ok(fs.pread(ino, 0n, 4))]).to.deep.equal([0, 0, 0, 0]);
    });

    it('says EINVAL for len 0, EFBIG past the largest size, EISDIR on a directory', () => {
      expectErr(fs.allocate(ino, 0n, 0n), E.INVAL);
      expectErr(fs.allocate(ino, BigInt(MAX_FILE_SIZE), 1n), E.FBIG);
      expectErr(fs.allocate(root, 0n, 1n), E.ISDIR);
    });
  });

  describe('advise and sync', () => {
    it('accepts every ADVICE value and refuses others with EINVAL', () => {
      for (const a of Object.values(ADVICE)) expectErr(fs.advise(ino, 0n, 100n, a), E.SUCCESS);
      expectErr(fs.advise(ino, 0n, 100n, 0), E.INVAL);
      expectErr(fs.advise(ino, 0n, 100n, 7), E.INVAL);
      expectErr(fs.advise(12345n, 0n, 1n, ADVICE.NORMAL), E.BADF);
    });

    it('syncs successfully, and says EBADF for a freed inode', () => {
      expectErr(fs.sync(ino), E.SUCCESS);
      expectErr(fs.datasync(ino), E.SUCCESS);
      expectErr(fs.sync(12345n), E.BADF);
    });
  });

  describe('unlinked but open', () => {
    it('stays readable and writable, and is freed at the last unref', () => {
      ok(fs.pwrite(ino, 0n, bytes('keep')));
      const second = ok(fs.open(root, 'f', 0, 0)).ino;
      expectErr(fs.unlink(root, 'f', 0), E.SUCCESS);
      expectErr(fs.stat(root, 'f', 0), E.NOENT);
      expect(ok(fs.statFget(ino)).nlink).to.equal(0);
      ok(fs.append(ino, bytes('!')));
      expect(text(ok(fs.pread(second, 0n, 10)))).to.equal('keep!');
      expectErr(fs.unref(second), E.SUCCESS);
      expect(fs.usage().inodes).to.equal(2);
      expectErr(fs.unref(ino), E.SUCCESS);
      expect(fs.usage()).to.deep.include({ inodes: 1, used: INODE_COST });
      ino = ok(fs.open(root, 'f', OFLAGS.CREAT, 0)).ino; // for afterEach
    });

    it('can be relinked by no path, but a new file may take its name', () => {
      expectErr(fs.unlink(root, 'f', 0), E.SUCCESS);
      const other = ok(fs.open(root, 'f', OFLAGS.CREAT | OFLAGS.EXCL, 0)).ino;
      expect(other).to.not.equal(ino);
      ok(fs.pwrite(other, 0n, bytes('new')));
      expect(ok(fs.pread(ino, 0n, 10)).length).to.equal(0);
      expectErr(fs.unref(other), E.SUCCESS);
    });
  });
});

describe('chunk storage', () => {
  it('hands out zeroed chunks cut from slabs, and drops a slab once all its chunks are back', () => {
    const pool = new ChunkPool();
    const got = Array.from({ length: 100 }, () => pool.alloc());
    expect(got.every((c) => c.length === CHUNK_SIZE && c.every((b) => b === 0))).to.equal(true);
    const held = pool.heldBytes;
    expect(held).to.be.at.least(100 * CHUNK_SIZE);
    got[5].fill(9);
    pool.free(got[5]);
    const again = pool.alloc(); // a freed chunk comes back zeroed
    expect(again.every((b) => b === 0)).to.equal(true);
    expect(pool.heldBytes).to.equal(held);
    for (const c of [...got.slice(0, 5), ...got.slice(6), again]) pool.free(c);
    expect(pool.heldBytes).to.be.at.most(SLAB_CHUNKS * CHUNK_SIZE); // all but the slab chunks are cut from
    const one = pool.alloc(); // ... which serves the next chunk without a new slab
    expect(pool.heldBytes).to.be.at.most(SLAB_CHUNKS * CHUNK_SIZE);
    pool.free(one);
    expect(() => pool.free(new Uint8Array(CHUNK_SIZE))).to.throw(/not a chunk/);
  });

  it('a file gives its chunks back when truncated and when freed', () => {
    const d = new FileData();
    d.write(0, new Uint8Array(10 * CHUNK_SIZE).fill(3));
    expect(d.allocated).to.equal(10 * CHUNK_SIZE);
    expect(d.resize(CHUNK_SIZE + 1)).to.equal(8);
    expect(d.check()).to.equal(undefined);
    d.resize(3 * CHUNK_SIZE); // the cut tail reads back as zeros
    expect(d.read(CHUNK_SIZE, 2 * CHUNK_SIZE).subarray(1).every((b) => b === 0)).to.equal(true);
    expect(d.clear()).to.equal(2);
    expect(d.allocated).to.equal(0);
  });

  it('readInto fills a caller buffer, holes as zeros, clipped at the size', () => {
    const d = new FileData();
    d.write(2 * CHUNK_SIZE, new Uint8Array(10).fill(5));
    const dst = new Uint8Array(3 * CHUNK_SIZE).fill(0xee);
    expect(d.readInto(CHUNK_SIZE, dst)).to.equal(CHUNK_SIZE + 10);
    expect(dst.subarray(0, CHUNK_SIZE).every((b) => b === 0)).to.equal(true);
    expect([...dst.subarray(CHUNK_SIZE, CHUNK_SIZE + 10)]).to.deep.equal(new Array(10).fill(5));
    expect(dst[CHUNK_SIZE + 10]).to.equal(0xee); // beyond the size: untouched
    expect(d.readInto(5 * CHUNK_SIZE, dst)).to.equal(0);
  });
});
