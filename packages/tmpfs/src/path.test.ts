import { expect } from 'chai';
import { E, FILETYPE, LOOKUP, OFLAGS } from '@cosix/kernel/abi';
import { SYMLOOP_MAX } from './params.js';
import { bytes, expectConsistent, expectErr, fixture, mkdir, ok, readFile, writeFile } from './testing.js';

const FOLLOW = LOOKUP.SYMLINK_FOLLOW;

describe('path resolution', () => {
  const f = fixture();
  const { fs, root } = f;
  before(() => {
    mkdir(fs, root, 'd');
    mkdir(fs, root, 'd/e');
    writeFile(fs, root, 'd/e/file', 'hello');
    expectErr(fs.symlink('e/file', root, 'd/rel'), E.SUCCESS);
    expectErr(fs.symlink('e', root, 'd/todir'), E.SUCCESS);
    expectErr(fs.symlink('nowhere', root, 'd/dangling'), E.SUCCESS);
  });
  after(() => expectConsistent(fs));

  it('skips empty and "." components and allows ".." that stays inside', () => {
    expect(readFile(fs, root, 'd//e/./file')).to.equal('hello');
    expect(readFile(fs, root, './d/e/../e/file')).to.equal('hello');
  });

  it('names the start directory with "." and with "x/.."', () => {
    expect(ok(fs.stat(root, '.', 0)).ino).to.equal(root);
    expect(ok(fs.stat(root, 'd/..', 0)).ino).to.equal(root);
  });

  it('refuses an empty path with ENOENT and a NUL byte with EINVAL', () => {
    expectErr(fs.stat(root, '', 0), E.NOENT);
    expectErr(fs.stat(root, new Uint8Array(0), 0), E.NOENT);
    expectErr(fs.stat(root, 'd\0', 0), E.INVAL);
    expectErr(fs.stat(root, bytes('d/e/file\0junk'), 0), E.INVAL);
  });

  it('says ENOENT for a missing component and ENOTDIR for a file in the middle', () => {
    expectErr(fs.stat(root, 'd/missing/file', 0), E.NOENT);
    expectErr(fs.stat(root, 'd/e/file/x', 0), E.NOTDIR);
    expectErr(fs.stat(root, 'd/e/file/..', 0), E.NOTDIR);
  });

  it('requires a directory after a trailing slash', () => {
    expectErr(fs.stat(root, 'd/e/file/', 0), E.NOTDIR);
    expect(ok(fs.stat(root, 'd/e/', 0)).filetype).to.equal(FILETYPE.DIRECTORY);
    expectErr(fs.stat(root, 'd/rel/', FOLLOW), E.NOTDIR);
  });

  it('follows symlinks in the middle always and at the end only with SYMLINK_FOLLOW', () => {
    expect(readFile(fs, root, 'd/todir/file')).to.equal('hello');
    expect(ok(fs.stat(root, 'd/rel', 0)).filetype).to.equal(FILETYPE.SYMBOLIC_LINK);
    expect(ok(fs.stat(root, 'd/rel', FOLLOW)).filetype).to.equal(FILETYPE.REGULAR_FILE);
  });

  it('follows a final symlink to a directory when the path ends in a slash (as Linux)', () => {
    expect(ok(fs.stat(root, 'd/todir/', 0)).filetype).to.equal(FILETYPE.DIRECTORY);
  });

  it('resolves a target from the directory holding the link', () => {
    expect(ok(fs.stat(root, 'd/rel', FOLLOW)).ino).to.equal(ok(fs.stat(root, 'd/e/file', 0)).ino);
  });

  it('reports a dangling symlink itself without FOLLOW and ENOENT with it', () => {
    expect(ok(fs.stat(root, 'd/dangling', 0)).size).to.equal(7n);
    expectErr(fs.stat(root, 'd/dangling', FOLLOW), E.NOENT);
    expectErr(fs.stat(root, 'd/dangling/x', 0), E.NOENT);
  });

  it(`follows ${SYMLOOP_MAX} symlinks and refuses the next with ELOOP`, () => {
    mkdir(fs, root, 'chain');
    writeFile(fs, root, 'chain/l0', 'end');
    for (let i = 1; i <= SYMLOOP_MAX + 1; i++) expectErr(fs.symlink(`l${i - 1}`, root, `chain/l${i}`), E.SUCCESS);
    expect(readFile(fs, root, `chain/l${SYMLOOP_MAX}`, FOLLOW)).to.equal('end');
    expectErr(fs.stat(root, `chain/l${SYMLOOP_MAX + 1}`, FOLLOW), E.LOOP);
  });

  it('refuses a symlink loop with ELOOP', () => {
    expectErr(fs.symlink('loop', root, 'loop'), E.SUCCESS);
    expectErr(fs.symlink('pong', root, 'ping'), E.SUCCESS);
    expectErr(fs.symlink('ping/x', root, 'pong'), E.SUCCESS);
    expectErr(fs.stat(root, 'loop', FOLLOW), E.LOOP);
    expectErr(fs.stat(root, 'loop/x', 0), E.LOOP);
    expectErr(fs.stat(root, 'ping', FOLLOW), E.LOOP);
    expect(ok(fs.stat(root, 'loop', 0)).filetype).to.equal(FILETYPE.SYMBOLIC_LINK);
  });

  it('accepts a 255-byte component and refuses 256 bytes with ENAMETOOLONG', () => {
    const n255 = 'n'.repeat(255);
    mkdir(fs, root, n255);
    expect(ok(fs.stat(root, `${n255}/.`, 0)).filetype).to.equal(FILETYPE.DIRECTORY);
    expectErr(fs.create(root, 'n'.repeat(256), FILETYPE.DIRECTORY), E.NAMETOOLONG);
    expectErr(fs.stat(root, `d/${'n'.repeat(256)}/x`, 0), E.NAMETOOLONG);
  });

  it('accepts a 4096-byte path and refuses 4097 bytes with ENAMETOOLONG', () => {
    const p4096 = './'.repeat(2047) + 'd.';
    expect(p4096.length).to.equal(4096);
    expectErr(fs.stat(root, p4096, 0), E.NOENT);
    expectErr(fs.stat(root, p4096 + 'x', 0), E.NAMETOOLONG);
  });

  it('counts multi-byte UTF-8 names in bytes', () => {
    const name = '\u00e9'.repeat(127); // 254 bytes
    mkdir(fs, root, name);
    expectErr(fs.create(root, name + '\u00e9', FILETYPE.DIRECTORY), E.NAMETOOLONG);
  });

  it('refuses a start that is not a directory (ENOTDIR) or not a live inode (EBADF)', () => {
    const file = ok(fs.stat(root, 'd/e/file', 0)).ino;
    expectErr(fs.stat(file, 'x', 0), E.NOTDIR);
    expectErr(fs.stat(999999n, 'x', 0), E.BADF);
  });

  it('refuses unknown lookup flags with EINVAL', () => {
    expectErr(fs.stat(root, 'd', 0x80), E.INVAL);
    expectErr(fs.open(root, 'd', 0, 0x80), E.INVAL);
  });

  it('resolves from a subdirectory handle and climbs only to it', () => {
    const d = ok(fs.open(root, 'd', OFLAGS.DIRECTORY, 0));
    expect(readFile(fs, d.ino, 'e/../e/file')).to.equal('hello');
    expectErr(fs.stat(d.ino, '..', 0), E.NOTCAPABLE);
    expectErr(fs.stat(d.ino, 'e/../..', 0), E.NOTCAPABLE);
    expectErr(fs.unref(d.ino), E.SUCCESS);
  });
});
