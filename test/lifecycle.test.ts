// Process life cycle: killing a process that runs user code forever, thousands of threads and processes
// coming and going, and a procfs-visible return to zero afterwards.
import { expect } from 'chai';
import { spawnProgram } from '@cosix/kernel';
import { ArgFd, CB } from '@cosix/kernel/abi';
import { TestMachine } from './harness.js';

describe('process life cycle', function () {
  this.timeout(120_000);
  let m: TestMachine;
  before(() => { m = new TestMachine(); });
  after(() => m.shutdown());

  it('a process spinning in user code is killed: its worker is terminated and replaced', async function () {
    const k = m.kernel;
    const before = k.stats.workersTerminated;
    const p = spawnProgram(k, 'spinner', null, m.caps());
    // Wait until the thread is back in user code (its last answer taken: STATE is IDLE), so that the kill
    // finds it running JavaScript, not returning from a syscall.
    const [t] = [...p.proc.threads.values()];
    while (!m.output.includes('spinning') || Atomics.load(t.i32, t.base) !== 0) await new Promise((r) => setTimeout(r, 5));
    k.terminate(p.proc, { code: 0, signal: 10 });
    expect(await p.done).to.deep.equal({ code: 0, signal: 10 });
    const s = await m.settled(3000);
    expect(s).to.include({ liveProcesses: 0, threads: 0, workersBusy: 0 });
    expect(k.stats.workersTerminated).to.equal(before + 1);
    expect((await m.run('hello', { text: 'after\n' })).output).to.equal('after\n');
  });

  it('a call that blocks in the kernel is marked PARKED (the thread sleeps instead of spinning) until answered', async function () {
    const k = m.kernel, before = m.output.length;
    const p = spawnProgram(k, 'spinner', { sleepMs: 200 }, m.caps());
    const [t] = [...p.proc.threads.values()];
    while (!t.waiter) await new Promise((r) => setTimeout(r, 2));
    expect(Atomics.load(t.i32, t.base + CB.PARKED)).to.equal(1);
    while (!m.output.slice(before).includes('spinning') || Atomics.load(t.i32, t.base) !== 0) await new Promise((r) => setTimeout(r, 5));
    expect(Atomics.load(t.i32, t.base + CB.PARKED)).to.equal(0);
    k.terminate(p.proc, { code: 0, signal: 10 });
    await p.done;
  });

  it('waves of threads and forked children leave nothing behind', async function () {
    const waves = Number(process.env.COSIX_STRESS_WAVES ?? 5);
    const r = await m.run('stress_test', { waves, threads: 20, children: 20 });
    expect(r.output, r.output).to.include('stress_test: ok');
    const s = await m.settled(5000);
    expect(s, JSON.stringify(s)).to.include({ liveProcesses: 0, threads: 0, waiters: 0, timers: 0, objects: 0, workersBusy: 0 });
  });

  it('threads that come and go give their memory back (control block, staging area, lock scratch page)', async function () {
    // The most memory the process maps, with 5 and with 40 waves of 20 threads: a page kept per dead thread
    // would make the second 2.8 MiB larger (the core is 16 MiB: 4,000 threads used to exhaust it).
    const peak = async (waves: number) => {
      const p = spawnProgram(m.kernel, 'stress_test', { waves, threads: 20, children: 0, stdout: new ArgFd(0) }, m.caps());
      let high = 0;
      const sample = setInterval(() => { if (p.proc.alive) high = Math.max(high, p.proc.vm.mappedBytes); }, 2);
      expect(await p.done).to.deep.equal({ code: 0, signal: 0 });
      clearInterval(sample);
      return high;
    };
    const few = await peak(5), many = await peak(40);
    expect(many - few, `peak mapped bytes: ${few} with 5 waves, ${many} with 40`).to.be.below(512 * 1024);
  });

  it('libc async syscalls keep the event loop free', async function () {
    const r = await m.run('async_test');
    expect(r.output, r.output).to.include('async_test: ok');
  });
});
