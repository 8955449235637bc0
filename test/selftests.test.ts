// The userland self-tests (test/programs/*_test.ts) run as processes through the real syscall interface,
// and after each one the kernel must be back to zero: no processes, threads, waiters, timers or objects.
import { expect } from 'chai';
import { TestMachine } from './harness.js';

const TESTS = ['pipe_test', 'concur_test', 'time_test', 'mmap_test', 'maprights_test', 'unixsock_test', 'poll_test', 'cap_test', 'fork_test', 'sandbox_test', 'signal_test', 'procfs_test', 'pseudo_test', 'tmpfs_test', 'psock_test', 'escape_test'];
const WITH_PSEUDO = ['maprights_test', 'pseudo_test', 'tmpfs_test', 'psock_test', 'escape_test']; // started with a pseudo-pair factory (fd 3)

describe('userland self-tests', function () {
  let m: TestMachine;
  before(() => { m = new TestMachine(); });
  after(() => m.shutdown());

  for (const name of TESTS) {
    it(name, async function () {
      const r = name === 'procfs_test' ? await m.runWithProcfs(name) : WITH_PSEUDO.includes(name) ? await m.runWithPseudo(name) : await m.run(name);
      expect(r.output, r.output).to.include(`${name}: ok`);
      expect(r.status).to.deep.equal({ code: 0, signal: 0 });
      const s = await m.settled();
      expect(s, JSON.stringify(s)).to.include({ liveProcesses: 0, threads: 0, waiters: 0, timers: 0, objects: 0 });
    });
  }
});

describe('a daemon that stops answering', function () {
  let m: TestMachine;
  before(() => { m = new TestMachine({ pseudoTimeoutMs: 300 }); });
  after(() => m.shutdown());

  it('is cut off after the pseudo timeout: its callers get EIO, its fds hang up, nothing is left behind', async function () {
    const r = await m.runWithPseudo('pseudo_test', { muteMs: 300 });
    expect(r.output, r.output).to.include('pseudo_test: ok');
    const s = await m.settled();
    expect(s, JSON.stringify(s)).to.include({ liveProcesses: 0, threads: 0, waiters: 0, timers: 0, objects: 0 });
  });
});
