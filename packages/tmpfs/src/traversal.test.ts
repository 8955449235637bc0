// The path-traversal corpus: from a handle on `jail`, nothing outside it may be reached, changed or
// created, whatever the path: '..', symlinks pointing out (relative or absolute), absolute paths, NUL and
// control bytes, overlong names and paths, symlink loops. Each path is tried with every path operation.
import { expect } from 'chai';
import { E, FILETYPE, FSFLAGS, LOOKUP, OFLAGS, ULFLAGS, errnoName } from '@cosix/kernel/abi';
import { Tmpfs } from './fs.js';
import { type Errno, isErrno } from './types.js';
import { bytes, expectConsistent, expectErr, fixture, list, mkdir, ok, readFile, text, writeFile } from './testing.js';

const FOLLOW = LOOKUP.SYMLINK_FOLLOW;

/**
 * [path, errno of stat with SYMLINK_FOLLOW, whether the escape is a symlink in the last component]. For the
 * last kind, operations on the link itself (lstat, readlink, unlink, rename) are legitimate and skipped;
 * every operation that follows it must fail.
 */
const CORPUS: [string | Uint8Array, Errno, boolean?][] = [
  ['..', E.NOTCAPABLE], ['../', E.NOTCAPABLE], ['../secret', E.NOTCAPABLE], ['../..', E.NOTCAPABLE],
  ['../../..', E.NOTCAPABLE], ['./..', E.NOTCAPABLE], ['.//..//secret', E.NOTCAPABLE],
  ['sub/../..', E.NOTCAPABLE], ['sub/../../secret', E.NOTCAPABLE], ['sub/./../../jail/inside', E.NOTCAPABLE],
  ['sub/deeper/../../../secret', E.NOTCAPABLE],
  ['/', E.NOTCAPABLE], ['//', E.NOTCAPABLE], ['/secret', E.NOTCAPABLE], ['/jail/inside', E.NOTCAPABLE],
  ['/../secret', E.NOTCAPABLE],
  // symlinks pointing out, relative and absolute, direct and chained
  ['up/secret', E.NOTCAPABLE], ['abs/x', E.NOTCAPABLE], ['absroot/secret', E.NOTCAPABLE],
  ['chain/secret', E.NOTCAPABLE], ['sub/back/x', E.NOTCAPABLE], ['sub/self/../..', E.NOTCAPABLE],
  ['up', E.NOTCAPABLE, true], ['upsecret', E.NOTCAPABLE, true], ['abs', E.NOTCAPABLE, true],
  ['absroot', E.NOTCAPABLE, true], ['deep', E.NOTCAPABLE, true], ['chain', E.NOTCAPABLE, true],
  ['sub/back', E.NOTCAPABLE, true],
  // NUL bytes (anywhere) and a NUL that would hide an escape
  ['inside\0', E.INVAL], ['\0', E.INVAL], ['..\0', E.INVAL], ['sub/\0/..', E.INVAL], [bytes('\0../secret'), E.INVAL],
  // overlong components and paths (the whole path is checked before any component is walked)
  ['x'.repeat(256), E.NAMETOOLONG], [`sub/${'x'.repeat(300)}`, E.NAMETOOLONG], [`../${'x'.repeat(256)}`, E.NAMETOOLONG],
  ['./'.repeat(2049), E.NAMETOOLONG], ['a/'.repeat(2048) + 'a', E.NAMETOOLONG], ['../'.repeat(1366), E.NAMETOOLONG],
  // symlink loops
  ['loop/x', E.LOOP], ['ping/secret', E.LOOP], ['loop', E.LOOP, true], ['ping', E.LOOP, true],
];

/** Every path operation on `p` (in either position of the two-path ones), and whether it follows a final symlink. */
function operations(fs: Tmpfs, jail: bigint, p: string | Uint8Array): [string, boolean, () => unknown][] {
  return [
    ['stat', false, () => fs.stat(jail, p, 0)], ['stat follow', true, () => fs.stat(jail, p, FOLLOW)],
    ['open', true, () => fs.open(jail, p, 0, FOLLOW)], ['open creat', true, () => fs.open(jail, p, OFLAGS.CREAT, FOLLOW)],
    ['open creat excl', false, () => fs.open(jail, p, OFLAGS.CREAT | OFLAGS.EXCL, 0)],
    ['open trunc', true, () => fs.open(jail, p, OFLAGS.TRUNC, FOLLOW)],
    ['create dir', false, () => fs.create(jail, p, FILETYPE.DIRECTORY)],
    ['create socket', false, () => fs.create(jail, p, FILETYPE.SOCKET_STREAM)],
    ['symlink at', false, () => fs.symlink('inside', jail, p)], ['readlink', false, () => fs.readlink(jail, p)],
    ['unlink', false, () => fs.unlink(jail, p, 0)], ['rmdir', false, () => fs.unlink(jail, p, ULFLAGS.REMOVEDIR)],
    ['rename from', false, () => fs.rename(jail, p, jail, 'moved')],
    ['rename to', false, () => fs.rename(jail, 'victim', jail, p)],
    ['link from', true, () => fs.link(jail, p, FOLLOW, jail, 'linked')],
    ['link to', false, () => fs.link(jail, 'inside', 0, jail, p)],
    ['stat put', true, () => fs.statPut(jail, p, FOLLOW, { mtim: 1n }, FSFLAGS.MTIM)],
  ];
}

describe('path traversal corpus', () => {
  const { fs, root } = fixture();
  let jail = 0n;
  let outside: string[] = [];
  before(() => {
    writeFile(fs, root, 'secret', 'SECRET');
    mkdir(fs, root, 'jail');
    mkdir(fs, root, 'jail/sub');
    mkdir(fs, root, 'jail/sub/deeper');
    writeFile(fs, root, 'jail/inside', 'in');
    writeFile(fs, root, 'jail/victim', 'v');
    const links: [string, string][] = [
      ['up', '..'], ['upsecret', '../secret'], ['abs', '/secret'], ['absroot', '/'], ['deep', 'sub/../../secret'],
      ['chain', 'up2'], ['up2', 'sub/../..'], ['sub/back', '../../secret'], ['sub/self', '.'], ['loop', 'loop'],
      ['ping', 'pong'], ['pong', 'ping'],
    ];
    for (const [at, target] of links) expectErr(fs.symlink(target, root, `jail/${at}`), E.SUCCESS);
    jail = ok(fs.open(root, 'jail', OFLAGS.DIRECTORY, 0)).ino;
    outside = list(fs, root) as string[];
  });
  after(() => {
    expectErr(fs.unref(jail), E.SUCCESS);
    expectConsistent(fs);
  });

  for (const [p, errno, finalLink] of CORPUS) {
    const label = JSON.stringify(typeof p === 'string' ? p : text(p)).slice(0, 60);
    it(`refuses ${label} (stat: ${errnoName(errno)}) in every operation`, () => {
      expectErr(fs.stat(jail, p, FOLLOW), errno);
      for (const [op, follows, run] of operations(fs, jail, p)) {
        if (finalLink && !follows) continue;
        const r = run();
        expect(isErrno(r) && r !== E.SUCCESS, `${op} of ${label} succeeded`).to.equal(true);
      }
      expect(readFile(fs, root, 'secret')).to.equal('SECRET');
      expect(list(fs, root)).to.deep.equal(outside);
      expect(readFile(fs, root, 'jail/victim')).to.equal('v');
    });
  }

  it('keeps names with control bytes as ordinary names inside the start directory', () => {
    for (const name of ['..\x01', '\x01..', '.\t.', '\n', '\x7f', '\x1b[2J', '. .', '...']) {
      expectErr(fs.stat(jail, name, FOLLOW), E.NOENT);
      writeFile(fs, jail, name, name);
      expect(readFile(fs, jail, name)).to.equal(name);
      expect((list(fs, jail) as string[]).includes(name)).to.equal(true);
      expectErr(fs.unlink(jail, name, 0), E.SUCCESS);
    }
    expect(list(fs, root)).to.deep.equal(outside);
  });

  it('keeps non-UTF-8 names byte for byte', () => {
    const name = new Uint8Array([0xff, 0xfe, 0x80, 0x2e]);
    ok(fs.open(jail, name, OFLAGS.CREAT, 0));
    const entry = ok(fs.readdir(jail, 0n)).find((e) => e.name.length === 4 && e.name[0] === 0xff);
    expect(entry && [...entry.name]).to.deep.equal([...name]);
    expectErr(fs.unref(entry!.ino), E.SUCCESS);
    expectErr(fs.unlink(jail, name, 0), E.SUCCESS);
  });

  it('lets a symlink climb and come back down inside the start directory', () => {
    expectErr(fs.symlink('sub/deeper/../../inside', jail, 'roundtrip'), E.SUCCESS);
    expect(readFile(fs, jail, 'roundtrip', FOLLOW)).to.equal('in');
    expect(readFile(fs, root, 'jail/up/secret', FOLLOW)).to.equal('SECRET'); // from the root, '..' is inside
    expectErr(fs.unlink(jail, 'roundtrip', 0), E.SUCCESS);
  });
});
