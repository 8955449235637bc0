// The netstack daemon (userland/netd.ts, packages/netd) with UDP and TCP on the loopback, end to end: the
// test does what init will do (a pseudo pair for the control socket: the reverse end to the daemon, the
// pseudo end to each program as its `netd` capability) and runs udptest and tcptest inside the OS.
import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { Nic, Port, RealTimeScheduler, SerialPort, Switch, parseMac } from '@cosix/hw';
import { Gateway } from '@cosix/gateway';
import { TcpSocket, UdpSocket, ipv4 } from '@cosix/netstack';
import { bootKernel, ConsoleDevice, PseudoFactory, PseudoObject, RIGHTSETS, ReverseObject, spawnProgram, type ExitStatus, type Process } from '@cosix/kernel';
import { ArgFd, FILETYPE, SIG } from '@cosix/kernel/abi';
import { TestMachine } from './harness.js';

interface Daemon { ctl: PseudoObject; proc: Process; done: Promise<ExitStatus> }

type Machine = Pick<TestMachine, 'kernel' | 'serial'>;

/**
 * Starts netd with a fresh control socket (and the machine's NICs, with DHCP, when `nics`); the caller
 * holds a reference on the control socket's pseudo end.
 */
function startNetd(m: Machine, nics = false): Daemon {
  const k = m.kernel, con = new ConsoleDevice(k, m.serial);
  const rev = new ReverseObject(k);
  const ctl = new PseudoObject(k, FILETYPE.SOCKET_DGRAM, rev, 0n).ref();
  const nicCaps = nics ? k.nics.map((dev) => ({ obj: dev.open(), rights: RIGHTSETS.rawFrames })) : [];
  const args = { stdout: new ArgFd(0), pseudo: new ArgFd(1), control: new ArgFd(2), nics: nicCaps.map((_, i) => new ArgFd(3 + i)), dhcp: nics };
  const { proc, done } = spawnProgram(k, 'netd', args, [
    { obj: con, rights: RIGHTSETS.console },
    { obj: PseudoFactory.open(k), rights: RIGHTSETS.pseudoFactory },
    { obj: rev, rights: RIGHTSETS.reverse },
    ...nicCaps,
  ]);
  return { ctl, proc, done };
}

/** Runs program `name` with the daemon's control socket as argdata `netd`. */
function runClient(m: Machine, d: Daemon, name: string, extra: Record<string, boolean> = {}): { proc: Process; done: Promise<ExitStatus> } {
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

  // Each runs twice on the same daemon: the second run finds the fixed ports (1234, 5678, 2345...) free
  // again although the first run's connections are still in TIME-WAIT.
  for (const [name, run] of [['udptest', 1], ['tcptest', 1], ['udptest', 2], ['tcptest', 2]] as const) {
    it(`${name}${run === 2 ? ', again' : ''}`, async function () {
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

describe('netstack daemon: a NIC configured by DHCP', function () {
  this.timeout(30_000);
  const sched = new RealTimeScheduler();
  let k: ReturnType<typeof bootKernel>, gw: Gateway, output = '';

  before(() => {
    const sw = new Switch(sched);
    gw = new Gateway({ scheduler: sched, leaseSeconds: 3600 });
    Port.connect(gw.port, sw.addPort().port);
    const nic = new Nic({ mac: parseMac('52:54:00:12:34:56'), scheduler: sched, name: 'eth0' });
    Port.connect(nic.port, sw.addPort().port);
    const out = new PassThrough();
    out.on('data', (b: Buffer) => { output += b.toString('latin1'); });
    k = bootKernel({ serial: new SerialPort(out), minWorkers: 2, nics: [nic] });
  });
  after(async () => { await k.shutdown(); await gw.close(); sched.close(); });

  it('netd leases 10.0.2.15 from the LAN\'s gateway through the raw-frames fd (ifconfig shows it), and programs\' TCP and UDP reach the LAN', async function () {
    const serial = new SerialPort(new PassThrough().on('data', (b: Buffer) => { output += b.toString('latin1'); }));
    const m: Machine = { kernel: k, serial };
    const d = startNetd(m, true);
    let shown = '';
    for (const end = Date.now() + 20_000; Date.now() < end;) {
      const before = output.length;
      const st = await runClient(m, d, 'ifconfig').done;
      expect(st).to.deep.equal({ code: 0, signal: 0 });
      shown = output.slice(before);
      if (shown.includes('10.0.2.15/24')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(shown).to.match(/^lo {4}- {18}up {4}127\.0\.0\.1\/8$/m);
    expect(shown).to.match(/^eth0 {2}52:54:00:12:34:56 {2}up {4}10\.0\.2\.15\/24$/m);

    // Sockets over the NIC: the gateway's node runs the peers of test/programs/lantest.ts.
    const node = gw.node, rng = () => (Math.random() * 2 ** 32) >>> 0;
    const srv = new TcpSocket(node.iface.sockets, { rng });
    expect(srv.listen({ addr: 0, port: 8888 }, 4)).to.equal('ok');
    const echo = new UdpSocket(node.iface.sockets);
    expect(echo.bind({ addr: 0, port: 9999 })).to.equal('ok');
    const served: TcpSocket[] = [];
    let toGuest: TcpSocket | null = null, sent = false, fromGuest = '';
    const unhook = node.onService(() => {
      for (let s = srv.accept(); s; s = srv.accept()) served.push(s);
      for (const s of served) {
        const b = s.recv(65536);
        if (b.length) s.send(new TextEncoder().encode(new TextDecoder().decode(b).toUpperCase()));
        if (s.eof) s.close();
      }
      for (let dg = echo.recvFrom(); dg; dg = echo.recvFrom()) echo.sendTo(new TextEncoder().encode('pong'), dg.remote);
      if (toGuest && toGuest.writable && !sent) { toGuest.send(new TextEncoder().encode('from gateway')); sent = true; }
      if (toGuest) { fromGuest += new TextDecoder().decode(toGuest.recv(65536)); if (toGuest.eof) toGuest.close(); }
    });
    const before = output.length;
    const lan = runClient(m, d, 'lantest');
    await within((async () => { while (!output.slice(before).includes('lantest: listening')) await new Promise((r) => setTimeout(r, 5)); })(), 10_000, () => output.slice(before));
    toGuest = new TcpSocket(node.iface.sockets, { rng });
    expect(toGuest.connect({ addr: 0, port: 0 }, { addr: ipv4('10.0.2.15'), port: 7777 }, node.now())).to.equal('ok');
    node.kick();
    const st = await within(lan.done, 20_000, () => output.slice(before));
    const said = output.slice(before);
    expect(said, said).to.include('lantest: ok');
    expect(st).to.deep.equal({ code: 0, signal: 0 });
    expect(fromGuest).to.equal('to gateway');
    unhook();
    d.ctl.unref();
    expect(await d.done).to.deep.equal({ code: 0, signal: 0 });
  });
});
