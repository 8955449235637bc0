// The errors listed in fs.ts that the per-module tests do not already provoke: EBADF and ENOTDIR for every
// handle argument, and argument checks on the by-inode operations.
import { expect } from 'chai';
import { ADVICE, E, FILETYPE, FSFLAGS } from '@cosix/kernel/abi';
import type { Tmpfs } from './fs.js';
import { bytes, expectConsistent, expectErr, fixture, mkdir, ok, writeFile } from './testing.js';

describe('errors of every handle argument', () => {
  let fs: Tmpfs, root: bigint, file: bigint, sock: bigint;
  const DEAD = 9999n;
  beforeEach(() => {
    ({ fs, root } = fixture());
    file = writeFile(fs, root, 'f', 'data');
    mkdir(fs, root, 'd');
    expectErr(fs.create(root, 's', FILETYPE.SOCKET_STREAM), E.SUCCESS);
    sock = ok(fs.stat(root, 's', 0)).ino;
  });
  afterEach(() => expectConsistent(fs));

  /** Every path operation, with `dir` as its (first or second) directory argument. */
  function pathOps(dir: bigint): [string, unknown][] {
    return [
      ['open', fs.open(dir, 'x', 0, 0)], ['create', fs.create(dir, 'x', FILETYPE.DIRECTORY)],
      ['link from', fs.link(dir, 'f', 0, root, 'x')], ['link to', fs.link(root, 'f', 0, dir, 'x')],
      ['rename from', fs.rename(dir, 'f', root, 'x')], ['rename to', fs.rename(root, 'f', dir, 'x')],
      ['symlink', fs.symlink('t', dir, 'x')], ['readlink', fs.readlink(dir, 'x')], ['unlink', fs.unlink(dir, 'f', 0)],
      ['readdir', fs.readdir(dir, 0n)], ['stat', fs.stat(dir, 'f', 0)], ['stat put', fs.statPut(dir, 'f', 0, {}, 0)],
    ];
  }

  it('says EBADF for a directory argument that names no live inode', () => {
    for (const [op, r] of pathOps(DEAD)) expect([op, r]).to.deep.equal([op, E.BADF]);
    expect(ok(fs.stat(root, 'f', 0)).nlink).to.equal(1);
  });

  it('says ENOTDIR for a directory argument that is a file or a socket node', () => {
    for (const dir of [file, sock]) for (const [op, r] of pathOps(dir)) expect([op, r]).to.deep.equal([op, E.NOTDIR]);
  });

  it('says EBADF for every by-inode operation on a dead inode', () => {
    const results = [
      fs.ref(DEAD), fs.unref(DEAD), fs.statFget(DEAD), fs.statFput(DEAD, {}, 0), fs.pread(DEAD, 0n, 1),
      fs.pwrite(DEAD, 0n, bytes('x')), fs.append(DEAD, bytes('x')), fs.allocate(DEAD, 0n, 1n),
      fs.advise(DEAD, 0n, 1n, ADVICE.NORMAL), fs.sync(DEAD), fs.datasync(DEAD),
    ];
    expect(results).to.deep.equal(new Array(results.length).fill(E.BADF));
  });

  it('keeps a referenced inode alive with ref, and unref frees it', () => {
    expectErr(fs.ref(file), E.SUCCESS);
    expectErr(fs.unlink(root, 'f', 0), E.SUCCESS);
    expect(ok(fs.statFget(file)).nlink).to.equal(0);
    expectErr(fs.unref(file), E.SUCCESS);
    expectErr(fs.statFget(file), E.BADF);
  });

  it('says EINVAL for negative offsets and lengths', () => {
    expectErr(fs.pread(file, -1n, 1), E.INVAL);
    expectErr(fs.pwrite(file, -1n, bytes('x')), E.INVAL);
    expectErr(fs.allocate(file, -1n, 1n), E.INVAL);
    expectErr(fs.allocate(file, 0n, -1n), E.INVAL);
    expectErr(fs.advise(file, -1n, 1n, ADVICE.NORMAL), E.INVAL);
    expectErr(fs.advise(file, 0n, -1n, ADVICE.NORMAL), E.INVAL);
    expect(ok(fs.statFget(file)).size).to.equal(4n);
  });

  it('says EINVAL for data operations on a socket node and EISDIR on a directory', () => {
    const d = ok(fs.stat(root, 'd', 0)).ino;
    expect([fs.append(sock, bytes('x')), fs.allocate(sock, 0n, 1n), fs.advise(sock, 0n, 1n, ADVICE.NORMAL),
      fs.statFput(sock, { size: 0n }, FSFLAGS.SIZE)]).to.deep.equal([E.INVAL, E.INVAL, E.INVAL, E.INVAL]);
    expect([fs.append(d, bytes('x')), fs.allocate(d, 0n, 1n), fs.advise(d, 0n, 1n, ADVICE.NORMAL)])
      .to.deep.equal([E.ISDIR, E.ISDIR, E.SUCCESS]);
  });
});
