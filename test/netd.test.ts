// The netstack daemon (userland/netd.ts, packages/netd) with UDP and TCP on the loopback, end to end: the
// test does what init will do (a pseudo pair for the control socket: the reverse end to the daemon, the
// pseudo end to each program as its `netd` capability) and runs udptest and tcptest inside the OS.
import { expect } from 'chai';
import { ConsoleDevice, PseudoFactory, PseudoObject, RIGHTSETS, ReverseObject, spawnProgram, type ExitStatus, type Process } from '@cosix/kernel';
import { ArgFd, FILETYPE, SIG } from '@cosix/kernel/abi';
import { TestMachine } from './harness.js';

interface Daemon { ctl: PseudoObject; proc: Process; done: Promise<ExitStatus> }

/** Starts netd with a fresh control socket; the caller holds a reference on its pseudo end. */
function startNetd(m: TestMachine): Daemon {
  const k = m.kernel, con = new ConsoleDevice(k, m.serial);
  const rev = new ReverseObject(k);
  const ctl = new PseudoObject(k, FILETYPE.SOCKET_DGRAM, rev, 0n).ref();
  const { proc, done } = spawnProgram(k, 'netd', { stdout: new ArgFd(0), pseudo: new ArgFd(1), control: new ArgFd(2) }, [
    { obj: con, rights: RIGHTSETS.console },
    { obj: PseudoFactory.open(k), rights: RIGHTSETS.pseudoFactory },
    { obj: rev, rights: RIGHTSETS.reverse },
  ]);
  return { ctl, proc, done };
}

/** Runs test program `name` with the daemon's control socket as argdata `netd`. */
function runClient(m: TestMachine, d: Daemon, name: string, extra: Record<string, boolean> = {}): { proc: Process; done: Promise<ExitStatus> } {
  const k = m.kernel, con = new ConsoleDevice(k, m.serial);
  return spawnProgram(k, name, { stdout: new ArgFd(0), netd: new ArgFd(1), ...extra }, [
    { obj: con, rights: RIGHTSETS.console }, { obj: d.ctl, rights: RIGHTSETS.socket },
  ]);
}

async function within<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new Error(what())), ms); });
  try { return await Promise.race([p, t]); } finally { clearTimeout(timer); }
}

describe('netstack daemon: sockets on the loopback', function () {
  this.timeout(120_000);
  let m: TestMachine, d: Daemon;
  before(() => { m = new TestMachine(); d = startNetd(m); });
  after(() => m.shutdown());

  for (const name of ['udptest', 'tcptest']) {
    it(name, async function () {
      const before = m.output.length;
      const st = await within(runClient(m, d, name).done, 100_000, () => `${name} timed out:\n${m.output.slice(before)}`);
      const out = m.output.slice(before);
      expect(out, out).to.include(`${name}: ok`);
      expect(st).to.deep.equal({ code: 0, signal: 0 });
    });
  }

  it('exits once its control socket and every socket it made are closed, leaving nothing behind', async function () {
    d.ctl.unref();
    const st = await within(d.done, 5000, () => `netd did not exit:\n${m.output}`);
    expect(st).to.deep.equal({ code: 0, signal: 0 });
    const s = await m.settled();
    expect(s, JSON.stringify(s)).to.include({ liveProcesses: 0, threads: 0, waiters: 0, timers: 0, objects: 0 });
  });
});

describe('netstack daemon: killed under its clients', function () {
  this.timeout(30_000);
  let m: TestMachine;
  before(() => { m = new TestMachine(); });
  after(() => m.shutdown());

  it('its sockets fail with ECONNRESET and its control socket with ECONNRESET, and nothing is left', async function () {
    const d = startNetd(m);
    const v = runClient(m, d, 'tcptest', { victim: true });
    await within((async () => { while (!m.output.includes('victim: ready')) await new Promise((r) => setTimeout(r, 5)); })(), 10_000, () => m.output);
    m.kernel.terminate(d.proc, { code: 0, signal: SIG.KILL });
    expect(await d.done).to.deep.equal({ code: 0, signal: SIG.KILL });
    const st = await within(v.done, 10_000, () => m.output);
    expect(m.output).to.match(/victim: read failed with \w+: ECONNRESET/).and.match(/victim: control request failed with \w+: ECONNRESET/);
    expect(st).to.deep.equal({ code: 0, signal: 0 });
    d.ctl.unref();
    const s = await m.settled();
    expect(s, JSON.stringify(s)).to.include({ liveProcesses: 0, threads: 0, waiters: 0, timers: 0, objects: 0 });
  });
});
