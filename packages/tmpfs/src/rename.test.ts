import { expect } from 'chai';
import { E, FILETYPE, OFLAGS, ULFLAGS } from '@cosix/kernel/abi';
import type { Tmpfs } from './fs.js';
import { expectConsistent, expectErr, fixture, list, mkdir, ok, readFile, writeFile } from './testing.js';

describe('rename', () => {
  let fs: Tmpfs, root: bigint;
  beforeEach(() => {
    ({ fs, root } = fixture());
    mkdir(fs, root, 'a');
    mkdir(fs, root, 'b');
    writeFile(fs, root, 'a/f', 'F');
    writeFile(fs, root, 'b/g', 'G');
  });
  afterEach(() => expectConsistent(fs));

  it('renames within a directory, keeping the inode', () => {
    const ino = ok(fs.stat(root, 'a/f', 0)).ino;
    expectErr(fs.rename(root, 'a/f', root, 'a/h'), E.SUCCESS);
    expect(list(fs, root, 'a')).to.deep.equal(['h']);
    expect(ok(fs.stat(root, 'a/h', 0)).ino).to.equal(ino);
  });

  it('moves a file across directories, updating both mtims and its ctim', () => {
    const before = ok(fs.stat(root, 'a/f', 0));
    const aBefore = ok(fs.stat(root, 'a', 0)).mtim, bBefore = ok(fs.stat(root, 'b', 0)).mtim;
    expectErr(fs.rename(root, 'a/f', root, 'b/f'), E.SUCCESS);
    expect(ok(fs.stat(root, 'a', 0)).mtim > aBefore).to.equal(true);
    expect(ok(fs.stat(root, 'b', 0)).mtim > bBefore).to.equal(true);
    expect(ok(fs.stat(root, 'b/f', 0)).ctim > before.ctim).to.equal(true);
  });

  it('works between two directory handles', () => {
    const a = ok(fs.open(root, 'a', OFLAGS.DIRECTORY, 0)), b = ok(fs.open(root, 'b', OFLAGS.DIRECTORY, 0));
    expectErr(fs.rename(a.ino, 'f', b.ino, 'moved'), E.SUCCESS);
    expect(readFile(fs, root, 'b/moved')).to.equal('F');
    fs.unref(a.ino);
    fs.unref(b.ino);
  });

  it('replaces an existing file, freeing it if unreferenced', () => {
    const victim = ok(fs.stat(root, 'b/g', 0)).ino;
    expectErr(fs.rename(root, 'a/f', root, 'b/g'), E.SUCCESS);
    expect(readFile(fs, root, 'b/g')).to.equal('F');
    expectErr(fs.statFget(victim), E.BADF);
    expect(list(fs, root, 'a')).to.deep.equal([]);
  });

  it('keeps a replaced file that is still open readable', () => {
    const h = ok(fs.open(root, 'b/g', 0, 0));
    expectErr(fs.rename(root, 'a/f', root, 'b/g'), E.SUCCESS);
    expect(ok(fs.statFget(h.ino)).nlink).to.equal(0);
    expect(ok(fs.pread(h.ino, 0n, 10))).to.deep.equal(new Uint8Array([0x47]));
    fs.unref(h.ino);
    expectErr(fs.statFget(h.ino), E.BADF);
  });

  it('moves a directory, fixing both parents\' nlink and its ".."', () => {
    mkdir(fs, root, 'a/sub');
    writeFile(fs, root, 'a/sub/x', 'X');
    expectErr(fs.rename(root, 'a/sub', root, 'b/sub'), E.SUCCESS);
    expect(ok(fs.stat(root, 'a', 0)).nlink).to.equal(2);
    expect(ok(fs.stat(root, 'b', 0)).nlink).to.equal(3);
    expect(ok(fs.stat(root, 'b/sub/..', 0)).ino).to.equal(ok(fs.stat(root, 'b', 0)).ino);
    expect(readFile(fs, root, 'b/sub/x')).to.equal('X');
  });

  it('replaces an empty directory with a directory', () => {
    mkdir(fs, root, 'a/d');
    mkdir(fs, root, 'b/d');
    const victim = ok(fs.stat(root, 'b/d', 0)).ino;
    expectErr(fs.rename(root, 'a/d', root, 'b/d'), E.SUCCESS);
    expectErr(fs.statFget(victim), E.BADF);
    expect(ok(fs.stat(root, 'a', 0)).nlink).to.equal(2);
    expect(ok(fs.stat(root, 'b', 0)).nlink).to.equal(3);
  });

  it('says ENOTEMPTY over a non-empty directory', () => {
    mkdir(fs, root, 'a/d');
    expectErr(fs.rename(root, 'a/d', root, 'b'), E.NOTEMPTY);
  });

  it('says ENOTDIR for a directory over a file and EISDIR for a file over a directory', () => {
    mkdir(fs, root, 'a/d');
    expectErr(fs.rename(root, 'a/d', root, 'b/g'), E.NOTDIR);
    expectErr(fs.rename(root, 'b/g', root, 'a/d'), E.ISDIR);
  });

  it('says ENOTDIR for a trailing slash on a non-directory', () => {
    expectErr(fs.rename(root, 'a/f/', root, 'a/h'), E.NOTDIR);
    expectErr(fs.rename(root, 'a/f', root, 'a/h/'), E.NOTDIR);
    mkdir(fs, root, 'a/d');
    expectErr(fs.rename(root, 'a/d/', root, 'a/e/'), E.SUCCESS);
  });

  it('says EINVAL when moving a directory into itself or its subtree', () => {
    mkdir(fs, root, 'a/d');
    mkdir(fs, root, 'a/d/e');
    expectErr(fs.rename(root, 'a', root, 'a/x'), E.INVAL);
    expectErr(fs.rename(root, 'a', root, 'a/d/e/x'), E.INVAL);
    expectErr(fs.rename(root, 'a/d', root, 'a/d/e/x'), E.INVAL);
    expectErr(fs.rename(root, 'a/d', root, 'a/d/e'), E.INVAL); // e is empty, but inside d
  });

  it('does nothing when source and target are the same file', () => {
    expectErr(fs.link(root, 'a/f', 0, root, 'b/f2'), E.SUCCESS);
    const a = ok(fs.stat(root, 'a', 0)), file = ok(fs.stat(root, 'a/f', 0));
    expectErr(fs.rename(root, 'a/f', root, 'a/f'), E.SUCCESS);
    expectErr(fs.rename(root, 'a/f', root, 'b/f2'), E.SUCCESS);
    expect(list(fs, root, 'a')).to.deep.equal(['f']); // POSIX: both names remain
    expect(list(fs, root, 'b')).to.deep.equal(['f2', 'g']);
    expect(ok(fs.stat(root, 'a', 0)).mtim).to.equal(a.mtim);
    expect(ok(fs.stat(root, 'a/f', 0))).to.deep.equal(file);
  });

  it('says ENOENT for a missing source and for a missing target directory', () => {
    expectErr(fs.rename(root, 'a/missing', root, 'b/x'), E.NOENT);
    expectErr(fs.rename(root, 'a/f', root, 'missing/x'), E.NOENT);
    expect(list(fs, root, 'a')).to.deep.equal(['f']);
  });

  it('says EBUSY for "." or ".." as a last component (as Linux)', () => {
    expectErr(fs.rename(root, 'a/.', root, 'c'), E.BUSY);
    expectErr(fs.rename(root, 'a/..', root, 'c'), E.BUSY);
    expectErr(fs.rename(root, 'a/f', root, 'b/.'), E.BUSY);
  });

  it('says ENOENT when the target directory was removed', () => {
    mkdir(fs, root, 'gone');
    const g = ok(fs.open(root, 'gone', OFLAGS.DIRECTORY, 0));
    expectErr(fs.unlink(root, 'gone', ULFLAGS.REMOVEDIR), E.SUCCESS);
    expectErr(fs.rename(root, 'a/f', g.ino, 'x'), E.NOENT);
    fs.unref(g.ino);
  });

  it('says EMLINK when moving a directory into a parent at the link limit', () => {
    ({ fs, root } = fixture({ linkMax: 4 }));
    for (const d of ['a', 'b', 'b/x', 'b/y']) mkdir(fs, root, d); // root and b at nlink 4
    expectErr(fs.rename(root, 'a', root, 'b/a'), E.MLINK);
    expectErr(fs.rename(root, 'b/x', root, 'b/z'), E.SUCCESS); // same parent: no new link
    expect(ok(fs.stat(root, 'a', 0)).filetype).to.equal(FILETYPE.DIRECTORY);
  });

  it('renames a symlink itself, not its target', () => {
    expectErr(fs.symlink('a', root, 'l'), E.SUCCESS);
    expectErr(fs.rename(root, 'l', root, 'm'), E.SUCCESS);
    expect(ok(fs.stat(root, 'm', 0)).filetype).to.equal(FILETYPE.SYMBOLIC_LINK);
    expect(list(fs, root)).to.deep.equal(['a', 'b', 'm']);
  });

  it('keeps the target name\'s readdir slot, so an iteration sees it once', () => {
    writeFile(fs, root, 'b/h', 'H');
    const first = ok(fs.readdir(ok(fs.stat(root, 'b', 0)).ino, 0n, 3)); // '.', '..', 'g'
    expectErr(fs.rename(root, 'a/f', root, 'b/g'), E.SUCCESS);
    const rest = ok(fs.readdir(ok(fs.stat(root, 'b', 0)).ino, first[2].next));
    expect(rest.map((e) => String.fromCharCode(...e.name))).to.deep.equal(['h']);
  });
});
