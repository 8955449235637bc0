import { expect } from 'chai';
import { E, FILETYPE, FSFLAGS, LOOKUP, OFLAGS } from '@cosix/kernel/abi';
import type { Tmpfs } from './fs.js';
import { type Fixture, expectConsistent, expectErr, fixture, mkdir, ok, writeFile } from './testing.js';

const { ATIM, ATIM_NOW, MTIM, MTIM_NOW, SIZE } = FSFLAGS;

describe('attributes', () => {
  let f: Fixture, fs: Tmpfs, root: bigint;
  beforeEach(() => {
    f = fixture();
    ({ fs, root } = f);
  });
  afterEach(() => expectConsistent(fs));

  describe('stat', () => {
    it('reports every field of each inode type', () => {
      const t0 = f.clock.t;
      const ino = writeFile(fs, root, 'f', 'abc');
      mkdir(fs, root, 'd');
      expectErr(fs.symlink('f', root, 'l'), E.SUCCESS);
      expectErr(fs.create(root, 's', FILETYPE.SOCKET_STREAM), E.SUCCESS);
      const st = ok(fs.stat(root, 'f', 0));
      expect(st).to.deep.include({ dev: 42n, ino, filetype: FILETYPE.REGULAR_FILE, nlink: 1, size: 3n });
      expect(st.atim >= t0 && st.mtim >= st.atim && st.ctim === st.mtim).to.equal(true);
      expect(ok(fs.stat(root, 'd', 0))).to.deep.include({ filetype: FILETYPE.DIRECTORY, nlink: 2, size: 0n });
      expect(ok(fs.stat(root, 'l', 0))).to.deep.include({ filetype: FILETYPE.SYMBOLIC_LINK, nlink: 1, size: 1n });
      expect(ok(fs.stat(root, 'l', LOOKUP.SYMLINK_FOLLOW)).ino).to.equal(ino);
      expect(ok(fs.stat(root, 's', 0))).to.deep.include({ filetype: FILETYPE.SOCKET_STREAM, nlink: 1 });
    });

    it('gives distinct inode numbers, never reused', () => {
      const a = writeFile(fs, root, 'a', '');
      expectErr(fs.unlink(root, 'a', 0), E.SUCCESS);
      const b = writeFile(fs, root, 'a', '');
      expect(b > a).to.equal(true);
    });

    it('reports the root as a directory with nlink 2 and itself as ".."', () => {
      expect(ok(fs.statFget(root))).to.deep.include({ ino: root, filetype: FILETYPE.DIRECTORY, nlink: 2 });
      const dots = ok(fs.readdir(root, 0n, 2));
      expect(dots.map((e) => e.ino)).to.deep.equal([root, root]);
    });
  });

  describe('stat_put and stat_fput', () => {
    let ino: bigint;
    beforeEach(() => {
      ino = writeFile(fs, root, 'f', 'hello');
    });

    it('sets atim and mtim to given values and updates ctim', () => {
      const before = ok(fs.statFget(ino));
      expectErr(fs.statPut(root, 'f', 0, { atim: 5n, mtim: 7n }, ATIM | MTIM), E.SUCCESS);
      const st = ok(fs.statFget(ino));
      expect([st.atim, st.mtim]).to.deep.equal([5n, 7n]);
      expect(st.ctim > before.ctim).to.equal(true);
    });

    it('sets times to now with the NOW flags', () => {
      expectErr(fs.statFput(ino, { atim: 1n, mtim: 1n }, ATIM | MTIM), E.SUCCESS);
      const now = f.clock.t;
      expectErr(fs.statFput(ino, {}, ATIM_NOW | MTIM_NOW), E.SUCCESS);
      const st = ok(fs.statFget(ino));
      expect(st.atim).to.equal(now);
      expect(st.mtim).to.equal(now);
    });

    it('changes only the selected time', () => {
      const before = ok(fs.statFget(ino));
      expectErr(fs.statFput(ino, { atim: 3n, mtim: 9n }, ATIM), E.SUCCESS);
      const st = ok(fs.statFget(ino));
      expect([st.atim, st.mtim]).to.deep.equal([3n, before.mtim]);
    });

    it('says EINVAL for ATIM with ATIM_NOW, MTIM with MTIM_NOW, unknown flags and missing values', () => {
      const before = ok(fs.statFget(ino));
      expectErr(fs.statFput(ino, { atim: 1n }, ATIM | ATIM_NOW), E.INVAL);
      expectErr(fs.statFput(ino, { mtim: 1n }, MTIM | MTIM_NOW | SIZE), E.INVAL);
      expectErr(fs.statFput(ino, {}, 0x20), E.INVAL);
      expectErr(fs.statFput(ino, {}, ATIM), E.INVAL);
      expectErr(fs.statFput(ino, {}, SIZE), E.INVAL);
      expectErr(fs.statPut(root, 'f', 0, { atim: 1n }, ATIM | ATIM_NOW), E.INVAL);
      expect(ok(fs.statFget(ino))).to.deep.equal(before);
    });

    it('refuses SIZE by path with EINVAL (CloudABI file_stat_put sets times only)', () => {
      expectErr(fs.statPut(root, 'f', 0, { size: 0n }, SIZE), E.INVAL);
      expect(ok(fs.statFget(ino)).size).to.equal(5n);
    });

    it('truncates and extends by fd, updating mtim and ctim', () => {
      const before = ok(fs.statFget(ino));
      expectErr(fs.statFput(ino, { size: 2n }, SIZE), E.SUCCESS);
      const st = ok(fs.statFget(ino));
      expect(st.size).to.equal(2n);
      expect(st.mtim > before.mtim && st.ctim > before.ctim).to.equal(true);
      expectErr(fs.statFput(ino, { size: 4n }, SIZE), E.SUCCESS);
      expect([...ok(fs.pread(ino, 0n, 10))]).to.deep.equal([0x68, 0x65, 0, 0]);
    });

    it('lets an explicit MTIM win over the size change\'s mtim', () => {
      expectErr(fs.statFput(ino, { size: 1n, mtim: 77n }, SIZE | MTIM), E.SUCCESS);
      expect(ok(fs.statFget(ino))).to.deep.include({ size: 1n, mtim: 77n });
    });

    it('says EISDIR for SIZE on a directory, EFBIG past the largest size', () => {
      expectErr(fs.statFput(root, { size: 0n }, SIZE), E.ISDIR);
      expectErr(fs.statFput(ino, { size: 1n << 60n }, SIZE), E.FBIG);
      expectErr(fs.statFput(ino, { size: -1n }, SIZE), E.INVAL);
      expect(ok(fs.statFget(ino)).size).to.equal(5n);
    });

    it('sets the times of a symlink itself without FOLLOW and of its target with it', () => {
      expectErr(fs.symlink('f', root, 'l'), E.SUCCESS);
      expectErr(fs.statPut(root, 'l', 0, { mtim: 11n }, MTIM), E.SUCCESS);
      expectErr(fs.statPut(root, 'l', LOOKUP.SYMLINK_FOLLOW, { mtim: 22n }, MTIM), E.SUCCESS);
      expect(ok(fs.stat(root, 'l', 0)).mtim).to.equal(11n);
      expect(ok(fs.statFget(ino)).mtim).to.equal(22n);
      expectErr(fs.statPut(root, 'missing', 0, { mtim: 1n }, MTIM), E.NOENT);
    });
  });

  describe('nlink and ctim bookkeeping', () => {
    it('counts 2 + subdirectories for directories through create, rename and rmdir', () => {
      mkdir(fs, root, 'p');
      for (const n of ['a', 'b', 'c']) mkdir(fs, root, `p/${n}`);
      writeFile(fs, root, 'p/file', '');
      expect(ok(fs.stat(root, 'p', 0)).nlink).to.equal(5);
      expectErr(fs.rename(root, 'p/a', root, 'a'), E.SUCCESS);
      expectErr(fs.unlink(root, 'p/b', 1), E.SUCCESS);
      expect(ok(fs.stat(root, 'p', 0)).nlink).to.equal(3);
      expect(ok(fs.statFget(root)).nlink).to.equal(4);
    });

    it('keeps a directory handle\'s nlink at 0 after rmdir', () => {
      mkdir(fs, root, 'd');
      const d = ok(fs.open(root, 'd', OFLAGS.DIRECTORY, 0));
      expectErr(fs.unlink(root, 'd', 1), E.SUCCESS);
      expect(ok(fs.statFget(d.ino)).nlink).to.equal(0);
      expectErr(fs.unref(d.ino), E.SUCCESS);
    });
  });
});
