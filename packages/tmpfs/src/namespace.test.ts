import { expect } from 'chai';
import { E, FILETYPE, LOOKUP, OFLAGS, ULFLAGS } from '@cosix/kernel/abi';
import type { Tmpfs } from './fs.js';
import { type Fixture, bytes, expectConsistent, expectErr, fixture, list, mkdir, ok, readFile, text, writeFile } from './testing.js';

const FOLLOW = LOOKUP.SYMLINK_FOLLOW;
const { CREAT, DIRECTORY, EXCL, TRUNC } = OFLAGS;

describe('namespace', () => {
  let f: Fixture, fs: Tmpfs, root: bigint;
  beforeEach(() => {
    f = fixture();
    ({ fs, root } = f);
  });
  afterEach(() => expectConsistent(fs));

  describe('open', () => {
    it('creates a regular file with CREAT, holding one reference', () => {
      const o = ok(fs.open(root, 'new', CREAT, 0));
      expect(o.type).to.equal(FILETYPE.REGULAR_FILE);
      const st = ok(fs.statFget(o.ino));
      expect([st.nlink, st.size, st.dev]).to.deep.equal([1, 0n, 42n]);
      expectErr(fs.unref(o.ino), E.SUCCESS);
      expectErr(fs.unref(o.ino), E.INVAL);
    });

    it('opens an existing file without flags and says ENOENT for a missing one', () => {
      const ino = writeFile(fs, root, 'f', 'x');
      const o = ok(fs.open(root, 'f', 0, 0));
      expect(o.ino).to.equal(ino);
      fs.unref(o.ino);
      expectErr(fs.open(root, 'missing', 0, 0), E.NOENT);
      expectErr(fs.open(root, 'missing/f', CREAT, 0), E.NOENT);
    });

    it('says EEXIST with CREAT|EXCL for a file, a directory and a dangling symlink', () => {
      writeFile(fs, root, 'f', 'x');
      mkdir(fs, root, 'd');
      expectErr(fs.symlink('nowhere', root, 'dangling'), E.SUCCESS);
      for (const p of ['f', 'd', 'dangling', '.']) expectErr(fs.open(root, p, CREAT | EXCL, FOLLOW), E.EXIST);
      expect(list(fs, root)).to.deep.equal(['d', 'dangling', 'f']);
    });

    it('creates the target of a dangling symlink with CREAT and FOLLOW (as Linux)', () => {
      expectErr(fs.symlink('target', root, 'link'), E.SUCCESS);
      const o = ok(fs.open(root, 'link', CREAT, FOLLOW));
      fs.unref(o.ino);
      expect(ok(fs.stat(root, 'target', 0)).ino).to.equal(o.ino);
    });

    it('truncates with TRUNC and updates mtim', () => {
      writeFile(fs, root, 'f', 'hello world');
      const before = ok(fs.stat(root, 'f', 0));
      const o = ok(fs.open(root, 'f', TRUNC, 0));
      const after = ok(fs.statFget(o.ino));
      fs.unref(o.ino);
      expect(after.size).to.equal(0n);
      expect(after.mtim > before.mtim).to.equal(true);
      expect(fs.usage().used).to.equal(2 * 256); // the root and the file, no data chunk
    });

    it('says ENOTDIR with DIRECTORY for a non-directory and returns the type of a directory', () => {
      writeFile(fs, root, 'f', 'x');
      mkdir(fs, root, 'd');
      expectErr(fs.open(root, 'f', DIRECTORY, 0), E.NOTDIR);
      const d = ok(fs.open(root, 'd', DIRECTORY, 0));
      expect(d.type).to.equal(FILETYPE.DIRECTORY);
      fs.unref(d.ino);
    });

    it('says EISDIR for a directory with CREAT or TRUNC', () => {
      mkdir(fs, root, 'd');
      expectErr(fs.open(root, 'd', CREAT, 0), E.ISDIR);
      expectErr(fs.open(root, 'd', TRUNC, 0), E.ISDIR);
    });

    it('says EINVAL for CREAT|DIRECTORY and unknown oflags', () => {
      expectErr(fs.open(root, 'x', CREAT | DIRECTORY, 0), E.INVAL);
      expectErr(fs.open(root, 'x', 0x100, 0), E.INVAL);
      expect(list(fs, root)).to.deep.equal([]);
    });

    it('says ELOOP for a final symlink without FOLLOW', () => {
      writeFile(fs, root, 'f', 'x');
      expectErr(fs.symlink('f', root, 'l'), E.SUCCESS);
      expectErr(fs.open(root, 'l', 0, 0), E.LOOP);
      expect(readFile(fs, root, 'l', FOLLOW)).to.equal('x');
    });

    it('says ENOTDIR for a new file named with a trailing slash', () => {
      expectErr(fs.open(root, 'new/', CREAT, 0), E.NOTDIR);
    });

    it('returns a socket node with its type, for the daemon to decide', () => {
      expectErr(fs.create(root, 's', FILETYPE.SOCKET_STREAM), E.SUCCESS);
      const o = ok(fs.open(root, 's', 0, 0));
      expect(o.type).to.equal(FILETYPE.SOCKET_STREAM);
      expectErr(fs.pread(o.ino, 0n, 1), E.INVAL);
      fs.unref(o.ino);
    });
  });

  describe('create', () => {
    it('makes directories with nlink 2 and counts them in the parent', () => {
      mkdir(fs, root, 'a');
      mkdir(fs, root, 'a/b');
      mkdir(fs, root, 'a/c/');
      expect(ok(fs.stat(root, 'a', 0)).nlink).to.equal(4);
      expect(ok(fs.stat(root, 'a/b', 0)).nlink).to.equal(2);
      expect(ok(fs.stat(root, '.', 0)).nlink).to.equal(3);
    });

    it('says EEXIST for any existing name, "." and ".."', () => {
      mkdir(fs, root, 'a');
      writeFile(fs, root, 'f', '');
      expectErr(fs.symlink('nowhere', root, 'l'), E.SUCCESS);
      for (const p of ['a', 'f', 'l', '.', 'a/..', 'a/.']) expectErr(fs.create(root, p, FILETYPE.DIRECTORY), E.EXIST);
    });

    it('makes socket nodes and refuses other types with EINVAL', () => {
      expectErr(fs.create(root, 's', FILETYPE.SOCKET_DGRAM), E.SUCCESS);
      expect(ok(fs.stat(root, 's', 0)).filetype).to.equal(FILETYPE.SOCKET_DGRAM);
      expectErr(fs.create(root, 'r', FILETYPE.REGULAR_FILE), E.INVAL);
      expectErr(fs.create(root, 'r', FILETYPE.SYMBOLIC_LINK), E.INVAL);
      expectErr(fs.create(root, 's2/', FILETYPE.SOCKET_STREAM), E.NOTDIR);
    });

    it('says EMLINK for a subdirectory beyond the link limit (2 + subdirectories)', () => {
      ({ fs, root } = fixture({ linkMax: 4 }));
      mkdir(fs, root, 'a');
      mkdir(fs, root, 'b');
      expectErr(fs.create(root, 'c', FILETYPE.DIRECTORY), E.MLINK);
      expectErr(fs.create(root, 's', FILETYPE.SOCKET_STREAM), E.SUCCESS); // not a subdirectory
      expect(ok(fs.statFget(root)).nlink).to.equal(4);
    });

    it('says ENOENT inside a removed directory that a handle keeps', () => {
      mkdir(fs, root, 'gone');
      const d = ok(fs.open(root, 'gone', DIRECTORY, 0));
      expectErr(fs.unlink(root, 'gone', ULFLAGS.REMOVEDIR), E.SUCCESS);
      expectErr(fs.create(d.ino, 'x', FILETYPE.DIRECTORY), E.NOENT);
      expectErr(fs.open(d.ino, 'x', CREAT, 0), E.NOENT);
      expectErr(fs.symlink('t', d.ino, 'x'), E.NOENT);
      expectErr(fs.readdir(d.ino, 0n), E.NOENT);
      expect(ok(fs.statFget(d.ino)).nlink).to.equal(0);
      fs.unref(d.ino);
      expectErr(fs.statFget(d.ino), E.BADF);
    });
  });

  describe('link', () => {
    it('adds a name, counts it in nlink and updates ctim', () => {
      const ino = writeFile(fs, root, 'f', 'data');
      const before = ok(fs.statFget(ino));
      mkdir(fs, root, 'd');
      expectErr(fs.link(root, 'f', 0, root, 'd/g'), E.SUCCESS);
      const after = ok(fs.statFget(ino));
      expect(after.nlink).to.equal(2);
      expect(after.ctim > before.ctim).to.equal(true);
      expect(readFile(fs, root, 'd/g')).to.equal('data');
    });

    it('links the symlink itself without FOLLOW and its target with it', () => {
      writeFile(fs, root, 'f', 'x');
      expectErr(fs.symlink('f', root, 'l'), E.SUCCESS);
      expectErr(fs.link(root, 'l', 0, root, 'l2'), E.SUCCESS);
      expectErr(fs.link(root, 'l', FOLLOW, root, 'f2'), E.SUCCESS);
      expect(ok(fs.stat(root, 'l2', 0)).filetype).to.equal(FILETYPE.SYMBOLIC_LINK);
      expect(ok(fs.stat(root, 'f2', 0)).filetype).to.equal(FILETYPE.REGULAR_FILE);
    });

    it('says EPERM for a directory, EEXIST for an existing target, ENOENT for a missing source', () => {
      mkdir(fs, root, 'd');
      writeFile(fs, root, 'f', 'x');
      expectErr(fs.symlink('x', root, 'dangling'), E.SUCCESS);
      expectErr(fs.link(root, 'd', 0, root, 'd2'), E.PERM);
      expectErr(fs.link(root, 'f', 0, root, 'd'), E.EXIST);
      expectErr(fs.link(root, 'f', 0, root, 'dangling'), E.EXIST);
      expectErr(fs.link(root, 'missing', 0, root, 'g'), E.NOENT);
      expectErr(fs.link(root, 'f', 0x10, root, 'g'), E.INVAL);
      expectErr(fs.link(root, 'f', 0, root, 'g/'), E.NOTDIR);
      expect(ok(fs.stat(root, 'f', 0)).nlink).to.equal(1);
    });

    it('says EMLINK beyond the link limit', () => {
      ({ fs, root } = fixture({ linkMax: 5 }));
      writeFile(fs, root, 'f', 'x');
      for (let i = 1; i < 5; i++) expectErr(fs.link(root, 'f', 0, root, `l${i}`), E.SUCCESS);
      expect(ok(fs.stat(root, 'f', 0)).nlink).to.equal(5);
      expectErr(fs.link(root, 'f', 0, root, 'one-more'), E.MLINK);
      expect(ok(fs.stat(root, 'f', 0)).nlink).to.equal(5);
    });
  });

  describe('symlink and readlink', () => {
    it('stores the target bytes as given, absolute ones included', () => {
      for (const t of ['a/b', '../../x', '/etc/passwd', 'dir/']) {
        expectErr(fs.symlink(t, root, 'l'), E.SUCCESS);
        expect(text(ok(fs.readlink(root, 'l')))).to.equal(t);
        expect(ok(fs.stat(root, 'l', 0)).size).to.equal(BigInt(t.length));
        expectErr(fs.unlink(root, 'l', 0), E.SUCCESS);
      }
    });

    it('refuses an empty target (ENOENT), a NUL (EINVAL) and an overlong one (ENAMETOOLONG)', () => {
      expectErr(fs.symlink('', root, 'l'), E.NOENT);
      expectErr(fs.symlink(bytes('a\0b'), root, 'l'), E.INVAL);
      expectErr(fs.symlink('x'.repeat(4097), root, 'l'), E.NAMETOOLONG);
      expect(list(fs, root)).to.deep.equal([]);
    });

    it('says EEXIST for an existing name and EINVAL from readlink of a non-symlink', () => {
      writeFile(fs, root, 'f', 'x');
      expectErr(fs.symlink('t', root, 'f'), E.EXIST);
      expectErr(fs.readlink(root, 'f'), E.INVAL);
      expectErr(fs.readlink(root, 'missing'), E.NOENT);
    });

    it('reads a link through a symlinked directory', () => {
      mkdir(fs, root, 'd');
      expectErr(fs.symlink('d', root, 'dl'), E.SUCCESS);
      expectErr(fs.symlink('target', root, 'd/l'), E.SUCCESS);
      expect(text(ok(fs.readlink(root, 'dl/l')))).to.equal('target');
    });
  });

  describe('unlink', () => {
    it('removes a file and frees it when unreferenced', () => {
      const ino = writeFile(fs, root, 'f', 'x');
      expectErr(fs.unlink(root, 'f', 0), E.SUCCESS);
      expectErr(fs.statFget(ino), E.BADF);
      expectConsistent(fs, 1);
    });

    it('removes an empty directory with REMOVEDIR and fixes the parent nlink', () => {
      mkdir(fs, root, 'd');
      expectErr(fs.unlink(root, 'd', ULFLAGS.REMOVEDIR), E.SUCCESS);
      expect(ok(fs.stat(root, '.', 0)).nlink).to.equal(2);
    });

    it('says ENOTDIR for REMOVEDIR on a non-directory and EISDIR without it on a directory', () => {
      writeFile(fs, root, 'f', 'x');
      mkdir(fs, root, 'd');
      expectErr(fs.unlink(root, 'f', ULFLAGS.REMOVEDIR), E.NOTDIR);
      expectErr(fs.unlink(root, 'd', 0), E.ISDIR);
      expectErr(fs.unlink(root, 'f/', 0), E.NOTDIR);
    });

    it('says ENOTEMPTY, ENOENT, and EINVAL for "." and bad flags', () => {
      mkdir(fs, root, 'd');
      writeFile(fs, root, 'd/f', 'x');
      expectErr(fs.unlink(root, 'd', ULFLAGS.REMOVEDIR), E.NOTEMPTY);
      expectErr(fs.unlink(root, 'missing', 0), E.NOENT);
      expectErr(fs.unlink(root, 'd/.', ULFLAGS.REMOVEDIR), E.INVAL);
      expectErr(fs.unlink(root, '.', ULFLAGS.REMOVEDIR), E.INVAL);
      expectErr(fs.unlink(root, 'd/..', ULFLAGS.REMOVEDIR), E.NOTEMPTY);
      expectErr(fs.unlink(root, 'd/.', 0), E.ISDIR);
      expectErr(fs.unlink(root, 'd/f', 0x2), E.INVAL);
    });

    it('removes a symlink, not its target', () => {
      mkdir(fs, root, 'd');
      expectErr(fs.symlink('d', root, 'l'), E.SUCCESS);
      expectErr(fs.unlink(root, 'l', ULFLAGS.REMOVEDIR), E.NOTDIR);
      expectErr(fs.unlink(root, 'l', 0), E.SUCCESS);
      expect(list(fs, root)).to.deep.equal(['d']);
    });

    it('updates the directory mtim and the file ctim and nlink', () => {
      const ino = writeFile(fs, root, 'f', 'x');
      expectErr(fs.link(root, 'f', 0, root, 'g'), E.SUCCESS);
      const dirBefore = ok(fs.stat(root, '.', 0)).mtim, fileBefore = ok(fs.statFget(ino)).ctim;
      expectErr(fs.unlink(root, 'g', 0), E.SUCCESS);
      expect(ok(fs.stat(root, '.', 0)).mtim > dirBefore).to.equal(true);
      const st = ok(fs.statFget(ino));
      expect(st.ctim > fileBefore).to.equal(true);
      expect(st.nlink).to.equal(1);
    });
  });
});
