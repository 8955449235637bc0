// Process life cycle: killing a process that runs user code forever, thousands of threads and processes
// coming and going, and a procfs-visible return to zero afterwards.
import { expect } from 'chai';
import { spawnProgram } from '@cosix/kernel';
import { CB } from '@cosix/kernel/abi';
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

  it('libc async syscalls keep the event loop free', async function () {
    const r = await m.run('async_test');
    expect(r.output, r.output).to.include('async_test: ok');
  });
});
