// Every error that abi/errors.ts documents (and therefore docs/syscalls/*.md lists) is provoked by
// test/programs/errno_test.ts through the real syscall interface, with its documented cause.
import { expect } from 'chai';
import { COMMON_ERRORS, FS_ERRORS, SYSCALL_ERRORS } from '@cosix/kernel/abi';
import { TestMachine } from './harness.js';

describe('documented errors', function () {
  let m: TestMachine;
  // Small limits, so that errno_test can reach them (machineLimits there).
  before(() => { m = new TestMachine({ maxThreads: 6, memoryBytes: 256 << 20 }); });
  after(() => m.shutdown());

  it('every documented (syscall, errno) pair is provoked, and only documented pairs', async function () {
    const r = await m.runWithPseudo('errno_test');
    expect(r.output, r.output).to.include('errno_test: ok');
    const got = new Set(r.output.split('\n').filter((l) => l.startsWith('PAIR ')).map((l) => l.slice(5)));
    const want = new Set(Object.entries(SYSCALL_ERRORS).flatMap(([n, es]) => es.map(([e]) => `${n} ${e}`)));
    for (const [e] of COMMON_ERRORS) want.add(`* ${e}`);
    expect([...want].filter((p) => !got.has(p)), 'documented but not provoked').to.deep.equal([]);
    expect([...got].filter((p) => !want.has(p)), 'provoked but not documented').to.deep.equal([]);
    // The filesystem's own errors, provoked on a tmpfs.
    const fsGot = new Set(r.output.split('\n').filter((l) => l.startsWith('FSPAIR ')).map((l) => l.slice(7)));
    const fsWant = new Set(Object.entries(FS_ERRORS).flatMap(([n, es]) => es.map(([e]) => `${n} ${e}`)));
    expect([...fsWant].filter((p) => !fsGot.has(p)), 'documented filesystem errors not provoked').to.deep.equal([]);
    expect([...fsGot].filter((p) => !fsWant.has(p)), 'filesystem errors provoked but not documented').to.deep.equal([]);
  });
});
