// Bad input: a hostile process issues random syscalls with random arguments while a bystander runs the
// pipe self-test. Afterwards the bystander has passed, the kernel answers, procfs-visible counters show
// that nothing leaked (processes, threads, waiters, timers, objects, busy workers), and the fuzzer's rights
// probes never mapped or re-protected memory beyond what an fd's rights allow.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostfsMount, RIGHTSETS, spawnProgram } from '@cosix/kernel';
import { ArgFd } from '@cosix/kernel/abi';
import { TestMachine } from './harness.js';

describe('hostile process (fuzz smoke)', function () {
  this.timeout(120_000);
  let m: TestMachine;
  before(() => { m = new TestMachine(); });
  after(() => m.shutdown());

  it('random syscalls never hurt the kernel or a bystander, and leave nothing behind', async function () {
    const seeds = Number(process.env.COSIX_FUZZ_SEEDS ?? 20);
    const iters = Number(process.env.COSIX_FUZZ_ITERS ?? 3000);
    // A seed takes at most 0.7 s plus its bystander; the stress run's 300 seeds need more than the default.
    this.timeout(60_000 + seeds * 2_000);
    let calls = 0, killed = 0;
    const sys0 = m.kernel.stats.syscalls, out0 = m.output.length;
    for (let seed = 1; seed <= seeds; seed++) {
      const bystander = m.run('pipe_test');
      const k = m.kernel;
      // Odd seeds also fuzz a tmpfs through its pseudo fds (fd 3 is then the pseudo-pair factory); seeds
      // 2, 6, 10... a hostfs mount of a scratch directory as fd 3 (the fuzzer's writes stay inside it).
      const withFs = seed % 2 === 1, withHost = seed % 4 === 2;
      const host = withHost ? new HostfsMount(k, mkdtempSync(join(tmpdir(), 'cosix-fuzz-')), false) : undefined;
      const caps = host ? [...m.caps(), { obj: host.directory(), rights: RIGHTSETS.all }] : m.caps({ pseudo: withFs });
      const h = spawnProgram(k, 'fuzz_hostile', { seed, iters, out: new ArgFd(0), ...(withFs ? { pseudo: new ArgFd(3), bootfs: new ArgFd(1) } : {}) }, caps);
      const st = await Promise.race([h.done, new Promise<null>((r) => setTimeout(() => r(null), 700))]);
      if (st === null) { killed++; k.terminate(h.proc, { code: 0, signal: 10 }); await h.done; }
      if (host) { await host.stop(); rmSync(host.root, { recursive: true, force: true }); }
      const b = await bystander;
      expect(b.status, `seed ${seed}: bystander ${JSON.stringify(b)}`).to.deep.equal({ code: 0, signal: 0 });
    }
    calls = m.kernel.stats.syscalls - sys0;
    const s = await m.settled(5000);
    console.log(`      ${seeds} hostile runs, ${calls} syscalls served, ${killed} processes killed with threads blocked`);
    expect(s, JSON.stringify(s)).to.include({ liveProcesses: 0, threads: 0, waiters: 0, timers: 0, objects: 0, workersBusy: 0 });
    // The fuzzer's rights probes (mem_map and mem_protect through narrowed fds) ran, and none got more
    // than the fd's rights allow.
    const out = m.output.slice(out0);
    expect(out.split('\n').filter((l) => l.includes('RIGHTS VIOLATION')), 'rights violations').to.deep.equal([]);
    expect(out, 'no thread reported its rights probes').to.match(/fuzz_hostile: \d+ rights probes/);
    const again = await m.run('hello', { text: 'still here\n' });
    expect(again.output).to.equal('still here\n');
  });
});
