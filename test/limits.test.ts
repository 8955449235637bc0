// Machine limits: a process and a thread limit that a fork bomb cannot get past, a memory size at which the
// kernel's allocations stop with ENOMEM, and for memory the kernel cannot see (a program's own heap and
// ArrayBuffers) the workers' heap limit and the OOM killer. In each scenario a bystander that was running
// before must still finish its task, and afterwards everything is reaped: no process, thread, waiter,
// object, busy worker, or byte of charged memory is left.
//
// COSIX_STRESS_FORKBOMB=N (npm run stress) lets the bomb be refused N times under the default limits
// instead of 200 times under small ones.
import { expect } from 'chai';
import { pino, type Logger } from 'pino';
import { createPipe, Description, RIGHTSETS, spawnProgram, type ExitStatus } from '@cosix/kernel';
import { SIG } from '@cosix/kernel/abi';
import { TestMachine } from './harness.js';

const MiB = 1 << 20;

/** Waits until `cond` holds (checked every 10 ms); fails after `ms`. */
async function until(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`still waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A pipe whose read end a program gets as fd 3; `go()` closes the write end, so the program's read returns
 * (end of file: with the machine's memory full, even the kernel could not buffer a byte for it).
 */
function goPipe(m: TestMachine): { caps: ReturnType<TestMachine['caps']>; go: () => void } {
  const [r, w] = createPipe(m.kernel);
  const d = new Description(w, 0).ref();
  return { caps: [...m.caps(), { obj: r, rights: RIGHTSETS.pipeRead }], go: () => d.unref() };
}

/** Starts the bystander and waits until it has made all it needs; `go()` starts its task. */
async function startBystander(m: TestMachine): Promise<{ go: () => void; done: Promise<ExitStatus>; pid: number }> {
  const before = m.output.length, g = goPipe(m);
  const p = spawnProgram(m.kernel, 'bystander', null, g.caps);
  await until(() => m.output.slice(before).includes('bystander: ready'), 'the bystander');
  return { go: g.go, done: p.done, pid: p.proc.pid };
}

async function expectAllReaped(m: TestMachine): Promise<void> {
  const s = await m.settled(10_000);
  expect(s, JSON.stringify(s)).to.include({ liveProcesses: 0, threads: 0, waiters: 0, timers: 0, objects: 0, workersBusy: 0, memoryUsed: 0 });
  expect((await m.run('hello', { text: 'after\n' })).output).to.equal('after\n');
}

/** A logger that keeps its lines. */
function capture(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { lines, logger: pino({ level: 'warn' }, { write: (s: string) => { lines.push(s); } }) };
}

describe('machine limits', function () {
  this.timeout(180_000);

  it('a fork bomb stops at the process and thread limits; a bystander finishes its task, and all is reaped', async function () {
    const stress = Number(process.env.COSIX_STRESS_FORKBOMB ?? 0);
    // Small limits here; the stress form keeps the defaults (where the machine's memory runs out first).
    const m = new TestMachine(stress ? {} : { maxProcesses: 12, maxThreads: 16, maxWorkers: 16 });
    try {
      const k = m.kernel;
      const by = await startBystander(m);
      const refused = () => k.stats.procsRefused + k.stats.threadsRefused + k.memory.refused;
      const want = stress || 200;
      let peakProcs = 0, peakWorkers = 0;
      const sample = setInterval(() => { peakProcs = Math.max(peakProcs, k.procs.size); peakWorkers = Math.max(peakWorkers, k.pool.threads.length); }, 2);
      const bomb = spawnProgram(k, 'fork_bomb', null, m.caps());
      await until(() => refused() >= want / 2, 'the bomb to reach a limit', 600_000);
      expect(() => spawnProgram(k, 'hello', null, []), 'no room for a new process').to.throw(/cannot create a process: E(AGAIN|NOMEM)/);
      // The bystander's task runs with the machine full.
      by.go();
      expect(await by.done).to.deep.equal({ code: 0, signal: 0 });
      expect(m.output).to.include('bystander: ok');
      await until(() => refused() >= want, 'more refused forks', 600_000);
      clearInterval(sample);
      console.log(`      ${refused()} forks refused; at most ${peakProcs} processes and ${peakWorkers} pool workers at once`);
      expect(peakProcs, 'processes at once').to.be.at.most(k.maxProcesses);
      expect(peakWorkers, 'pool workers at once').to.be.at.most(k.maxThreads);
      expect(bomb.proc.alive, 'the bomb is still running').to.equal(true);
      // Killing the first process kills them all: each child dies with its parent's process fd.
      k.terminate(bomb.proc, { code: 0, signal: SIG.KILL });
      expect(await bomb.done).to.deep.equal({ code: 0, signal: SIG.KILL });
      await expectAllReaped(m);
    } finally {
      await m.shutdown();
    }
  });

  it('the kernel\'s allocations stop at the machine memory with ENOMEM, losing nothing; a bystander still works', async function () {
    const size = 96 * MiB;
    const m = new TestMachine({ memoryBytes: size });
    try {
      const k = m.kernel, before = m.output.length;
      const by = await startBystander(m);
      const g = goPipe(m);
      const hog = spawnProgram(k, 'mem_hog', null, g.caps);
      await until(() => m.output.slice(before).includes('mem_hog: full'), 'the hog to fill the memory');
      expect(() => spawnProgram(k, 'hello', null, []), 'no memory for a new process').to.throw(/cannot create a process: ENOMEM/);
      by.go();
      expect(await by.done).to.deep.equal({ code: 0, signal: 0 });
      g.go();
      expect(await hog.done, m.output.slice(before)).to.deep.equal({ code: 0, signal: 0 });
      const out = m.output.slice(before);
      expect(out).to.include('mem_hog: ok');
      // Each kind of allocation got most of the machine, and none got past it (the hog's own core is 16 MiB).
      for (const kind of ['map', 'pipe', 'sock', 'shm']) {
        const n = Number(/mem_hog: (\w+) (\d+)/g.exec(out.slice(out.indexOf(`mem_hog: ${kind} `)))?.[2]);
        expect(n, `${kind}: bytes held at ENOMEM`).to.be.within(size / 2, size - 16 * MiB);
      }
      expect(k.memory.peak).to.be.at.most(size);
      await expectAllReaped(m);
    } finally {
      await m.shutdown();
    }
  });

  for (const hideTid of [false, true]) it(`the OOM killer kills the process holding ArrayBuffers the kernel cannot see${hideTid ? ', even one that cleared its CB\'s host thread id' : ''}; a bystander survives`, async function () {
    const { logger, lines } = capture();
    // The ceiling is set just above what this host process holds now: the hog's buffers cross it.
    const m = new TestMachine({ oomRssBytes: process.memoryUsage.rss() + 512 * MiB, oomCheckMs: 50, logger });
    try {
      const k = m.kernel;
      const by = await startBystander(m);
      const hog = spawnProgram(k, 'ab_hog', { maxMb: 2048, hideTid }, m.caps());
      // The bystander's charged memory (core and pipe) is the larger: only its workers' figures show the hog.
      expect(await hog.done, m.output).to.deep.equal({ code: 0, signal: SIG.KILL });
      expect(k.stats.oomKills).to.equal(1);
      expect(lines.join('')).to.include(`out of memory: killed pid ${hog.proc.pid} (ab_hog)`);
      by.go();
      expect(await by.done).to.deep.equal({ code: 0, signal: 0 });
      await expectAllReaped(m);
      expect(k.stats.oomKills, 'no second kill').to.equal(1);
    } finally {
      await m.shutdown();
    }
  });

  it('a program past its worker\'s JavaScript heap limit is killed with its worker; a bystander survives', async function () {
    const { logger, lines } = capture();
    const m = new TestMachine({ workerHeapMb: 64, logger });
    try {
      const k = m.kernel;
      const by = await startBystander(m);
      // 1 GiB of objects would fit V8's default heap: only the 64 MiB limit stops it.
      const hog = spawnProgram(k, 'ab_hog', { heap: true, maxMb: 1024 }, m.caps());
      expect(await hog.done, m.output).to.deep.equal({ code: 0, signal: SIG.KILL });
      expect(lines.join('')).to.include(`out of memory: killed pid ${hog.proc.pid} (ab_hog): JavaScript heap limit`);
      by.go();
      expect(await by.done).to.deep.equal({ code: 0, signal: 0 });
      await expectAllReaped(m);
    } finally {
      await m.shutdown();
    }
  });
});
