// The raw-frames capability end to end: a kernel booted with a NIC gives init-like programs the NIC at fd 5
// (initCaps); test/programs/rawframes_test.ts uses it through the real syscalls while this test plays the
// host at the other end of the cable (an ARP request out, golden ARP reply back, pings and pongs, the link
// going down and up). A program given no raw-frames fd cannot touch the wire.
import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { Nic, Port, RealTimeScheduler, SerialPort, parseMac } from '@cosix/hw';
import {
  bootKernel, initCaps, kernelStats, spawnProgram, RawFramesObject, RIGHTSETS, type Capability, type ExitStatus, type Kernel,
} from '@cosix/kernel';
import { ArgFd, type ArgValue } from '@cosix/kernel/abi';

const GUEST_MAC = parseMac('52:54:00:12:34:56');
const HOST_MAC = parseMac('52:55:0a:00:02:02');
const GUEST_IP = Uint8Array.of(10, 0, 2, 15);

const hex = (s: string): Uint8Array => Uint8Array.from(s.replace(/\s+/g, '').match(/../g)!.map((b) => parseInt(b, 16)));
const pad60 = (b: Uint8Array): Uint8Array => { const f = new Uint8Array(60); f.set(b); return f; };

// RFC 826 request, who-has 10.0.2.15 tell 10.0.2.2, broadcast, padded to the 60-byte minimum frame.
const ARP_REQUEST = pad60(hex(`ffffffffffff 52550a000202 0806  0001 0800 06 04 0001
  52550a000202 0a000202  000000000000 0a00020f`));
// The reply the program must build: 10.0.2.15 is-at 52:54:00:12:34:56, as the NIC put it on the wire.
const ARP_REPLY = pad60(hex(`52550a000202 525400123456 0806  0001 0800 06 04 0002
  525400123456 0a00020f  52550a000202 0a000202`));
// Ping 1 from the program: ethertype 0x88b5, kind 1, seq 1, "cosix ping".
const PING_1 = pad60(hex(`52550a000202 525400123456 88b5 01 01 636f736978207069 6e67`));

/** The host's answer to ping `seq`: 100 bytes, kind 2, a pattern the program checks. */
function pong(seq: number): Uint8Array {
  const f = new Uint8Array(100);
  f.set(GUEST_MAC, 0);
  f.set(HOST_MAC, 6);
  f.set([0x88, 0xb5, 2, seq], 12);
  for (let i = 16; i < 100; i++) f[i] = (i * 7 + seq) & 0xff;
  return f;
}

/** A kernel booted with one NIC whose cable ends at `host`, with a captured console. */
class NetMachine {
  readonly sched = new RealTimeScheduler();
  readonly nic = new Nic({ mac: GUEST_MAC, scheduler: this.sched, name: 'eth0' });
  readonly host = new Port('host', (f) => this.fromGuest(f));
  readonly kernel: Kernel;
  readonly serial: SerialPort;
  readonly wire: Uint8Array[] = []; // frames the guest sent, in order
  output = '';

  constructor() {
    Port.connect(this.nic.port, this.host);
    const out = new PassThrough();
    out.on('data', (b: Buffer) => { this.output += b.toString('latin1'); });
    this.serial = new SerialPort(out);
    this.kernel = bootKernel({ serial: this.serial, minWorkers: 2, nics: [this.nic] });
  }

  /** The host side: answer pings, and take the link down when asked (a wire delay of one event-loop turn). */
  private fromGuest(f: Uint8Array): void {
    this.wire.push(f);
    if (f[12] !== 0x88 || f[13] !== 0xb5) return;
    if (f[14] === 1) setImmediate(() => this.host.send(pong(f[15])));
    if (f[14] === 3) setImmediate(() => this.nic.setLink(false));
  }

  async run(name: string, args: ArgValue, caps: Capability[], timeoutMs = 20_000): Promise<{ status: ExitStatus; output: string }> {
    const before = this.output.length;
    const { done } = spawnProgram(this.kernel, name, args, caps);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new Error(`${name} timed out; output:\n${this.output.slice(before)}`)), timeoutMs); });
    try {
      return { status: await Promise.race([done, timeout]), output: this.output.slice(before) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves once the console shows `text` (fails after `ms`). */
  async waitOutput(text: string, ms = 10_000): Promise<void> {
    const end = Date.now() + ms;
    while (!this.output.includes(text)) {
      if (Date.now() > end) throw new Error(`no "${text}" on the console; output:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async settled(ms = 2000): Promise<ReturnType<typeof kernelStats>> {
    const end = Date.now() + ms;
    for (;;) {
      const s = kernelStats(this.kernel);
      if ((s.liveProcesses === 0 && s.threads === 0 && s.waiters === 0 && s.objects === 0) || Date.now() > end) return s;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

describe('raw-frames capability (end to end)', function () {
  let m: NetMachine;
  before(() => { m = new NetMachine(); });
  after(async () => {
    await m.kernel.shutdown();
    m.nic.close();
    expect(m.sched.pending(), 'NIC timers left after shutdown').to.equal(0);
    m.sched.close();
  });

  it('init\'s fd 5 is the NIC\'s raw-frames fd with the rawFrames rights', () => {
    const caps = initCaps(m.kernel, m.serial);
    try {
      expect(caps.length).to.equal(7); // console x3, bootfs, procfs, the NIC, the pseudo-pair factory
      expect(caps[5].obj).to.be.instanceOf(RawFramesObject);
      expect(caps[5].rights).to.equal(RIGHTSETS.rawFrames);
      expect((caps[5].obj as RawFramesObject).dev).to.equal(m.kernel.nics[0]);
    } finally {
      for (const obj of new Set(caps.map((c) => c.obj))) obj.ref().unref(); // never installed: release them
    }
  });

  it('a program answers an ARP request, exchanges frames, and sees the link go down and up', async () => {
    const dev = m.kernel.nics[0];
    const args = { stdout: new ArgFd(0), net: new ArgFd(5), mac: GUEST_MAC, ip: GUEST_IP, mode: 'wire' };
    const running = m.run('rawframes_test', args, initCaps(m.kernel, m.serial));
    m.host.send(ARP_REQUEST); // queued for the program whether or not it is reading yet
    await m.waitOutput('rawframes_test: link down seen');
    expect(dev.linkUp).to.equal(false);
    m.nic.setLink(true);
    const r = await running;
    expect(r.output, r.output).to.include('rawframes_test: ok');
    expect(r.status).to.deep.equal({ code: 0, signal: 0 });

    expect(m.wire.length, 'frames on the wire').to.equal(4);
    expect(m.wire[0], 'ARP reply, golden bytes').to.deep.equal(ARP_REPLY);
    expect(m.wire[1], 'ping 1, golden bytes').to.deep.equal(PING_1);
    expect([...m.wire[2].subarray(14, 16)], 'ping 2').to.deep.equal([1, 2]);
    expect([...m.wire[3].subarray(14, 16)], 'the "take the link down" frame').to.deep.equal([3, 0]);
    expect(dev.stats).to.include({ rxQueued: 3, rxQueueDrops: 0, rxNoHolder: 0, txFrames: 4, txRingFull: 0, linkChanges: 2 });
    const s = await m.settled();
    expect(s, JSON.stringify(s)).to.include({ liveProcesses: 0, threads: 0, waiters: 0, objects: 0 });
    expect(dev.holderCount, 'the raw-frames object died with the process').to.equal(0);
  });

  it('a program not given the fd gets EBADF on fd 5 and puts nothing on the wire', async () => {
    const dev = m.kernel.nics[0];
    const held = dev.open().ref(); // someone else holds the NIC meanwhile: the wire is live
    try {
      const sentBefore = m.wire.length, txBefore = dev.stats.txFrames;
      const all = initCaps(m.kernel, m.serial, []); // init's fds without the NIC
      all.slice(5).forEach((c) => c.obj.ref().unref()); // and without the factory: fd 5 is never opened
      const caps = all.slice(0, 5);
      const r = await m.run('rawframes_test', { stdout: new ArgFd(0), mode: 'nocap' }, caps);
      expect(r.output, r.output).to.include('rawframes_test: ok');
      expect(r.status).to.deep.equal({ code: 0, signal: 0 });
      expect(m.wire.length, 'frames on the wire').to.equal(sentBefore);
      expect(dev.stats.txFrames).to.equal(txBefore);
    } finally {
      held.unref();
    }
    const s = await m.settled();
    expect(s, JSON.stringify(s)).to.include({ liveProcesses: 0, threads: 0, waiters: 0, objects: 0 });
  });
});
