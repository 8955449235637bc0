// Interop with Linux's own TCP/IP stack (issue 5 section 4): our netstack Interface, on a StackNode, is cabled
// through a seeded hw Link and a Switch to a TapBridge whose TAP device lives in a network namespace this test
// creates. Linux pings us, TCP moves tens of MB each way with sha256 compared on both sides, UDP goes both
// ways (with IP fragmentation), and a transfer each way runs with 1% loss and 1% reordering on the Link: tc netem
// does not work on this machine, so the faults are ours, applied in both directions.
// Everything runs on the wall clock (RealTimeScheduler); the node services its interface from that clock.
import { expect } from 'chai';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { Link, type LinkDirStats, Port, RealTimeScheduler, Switch, TapBridge, openTapNetns } from '@cosix/hw';
import { TcpSocket, TcpState as State, UdpSocket, formatIpv4, ipv4 } from '@cosix/netstack';
import { StackNode } from '@cosix/gateway';

const run = promisify(execFile);
const LINUX = '10.78.0.1';
const OURS = '10.78.0.2';
const MB = 1024 * 1024;
const BULK = 64 * MB; // each direction, lossless
const LOSSY = 16 * MB; // each direction, with 1% loss and 1% reordering

// The Linux side: a node:net / dgram peer run inside the namespace. Modes:
//   sink PORT              accept one connection, hash what arrives, print {bytes, sha256} at EOF, close
//   send HOST PORT BYTES   connect, send BYTES random bytes, half-close, print {bytes, sha256}, wait for EOF
//   echo PORT              UDP: send every datagram back to its sender
const HELPER = `
const net = require('node:net'), dgram = require('node:dgram'), crypto = require('node:crypto');
const [mode, a, b, c] = process.argv.slice(1);
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
if (mode === 'sink') {
  const srv = net.createServer((s) => {
    const h = crypto.createHash('sha256'); let n = 0;
    s.on('data', (d) => { h.update(d); n += d.length; });
    s.on('end', () => { say({ bytes: n, sha256: h.digest('hex') }); s.end(); srv.close(); });
  }).listen(+a, '${LINUX}', () => say({ ready: true }));
} else if (mode === 'send') {
  const data = crypto.randomBytes(+c);
  const s = net.connect(+b, a, () => { s.end(data); say({ bytes: data.length, sha256: crypto.createHash('sha256').update(data).digest('hex') }); });
  s.on('data', () => {}); s.on('error', (e) => { say({ error: e.message }); process.exit(1); });
} else if (mode === 'echo') {
  const u = dgram.createSocket('udp4');
  u.on('message', (m, r) => u.send(m, r.port, r.address));
  u.bind(+a, '${LINUX}', () => say({ ready: true }));
}`;

interface Helper { proc: ChildProcess; lines: AsyncIterator<Record<string, unknown>> }

/** The JSON lines a helper prints, one at a time. */
async function* jsonLines(proc: ChildProcess): AsyncGenerator<Record<string, unknown>> {
  let buf = '';
  for await (const chunk of proc.stdout!) {
    buf += String(chunk);
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      yield JSON.parse(buf.slice(0, i)) as Record<string, unknown>;
      buf = buf.slice(i + 1);
    }
  }
}

async function nextLine(h: Helper): Promise<Record<string, unknown>> {
  const r = await h.lines.next();
  if (r.done) throw new Error(`helper exited (${h.proc.exitCode ?? h.proc.signalCode}) without a result`);
  return r.value;
}

/** Moves `data` out of `sock` (then half-closes) and everything arriving into a hash, in node service turns. */
function transfer(node: StackNode, sock: TcpSocket, data: Uint8Array): Promise<{ bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let sent = 0;
    let received = 0;
    const stop = node.onService(() => {
      if (sock.error !== null) {
        stop();
        return reject(new Error(`TCP ${sock.error} in ${sock.state}`));
      }
      if (sock.state === State.SYN_SENT || sock.state === State.SYN_RECEIVED) return;
      while (sent < data.length) {
        const n = sock.send(data.subarray(sent, sent + 256 * 1024));
        if (n === 0) break;
        sent += n;
      }
      // A receiver (nothing to send) half-closes only once the peer has: it answers the peer's FIN with its own.
      if (sent === data.length && (data.length > 0 || sock.eof)) sock.close();
      for (let got = sock.recv(1 << 20); got.length > 0; got = sock.recv(1 << 20)) {
        hash.update(got);
        received += got.length;
      }
      if (sock.eof) {
        stop();
        resolve({ bytes: received, sha256: hash.digest('hex') });
      }
    });
  });
}

const sha = (d: Uint8Array): string => createHash('sha256').update(d).digest('hex');
const rate = (bytes: number, ms: number): string => `${(bytes / MB / (ms / 1000)).toFixed(1)} MiB/s`;

describe('TCP/IP interop with Linux over a TAP (netstack <-> hw Link/Switch/TapBridge <-> Linux, own netns)', function () {
  this.timeout(60_000);
  const suffix = randomBytes(3).toString('hex');
  const ns = `cosix-iop-${suffix}`;
  const ifname = `cxiop${suffix}`;
  const helpers: ChildProcess[] = [];
  let nsCreated = false;
  let sched: RealTimeScheduler;
  let tap: TapBridge | null = null;
  let link: Link;
  let node: StackNode;

  const tcpOptions = { rng: () => randomBytes(4).readUInt32LE(0), rxBuffer: 512 * 1024, txBuffer: 512 * 1024 };

  function helper(...args: string[]): Helper {
    const proc = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', HELPER, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    helpers.push(proc);
    return { proc, lines: jsonLines(proc) };
  }

  before(async function () {
    const probe = await openTapNetns(ns);
    nsCreated = probe.created;
    if (probe.why !== null) {
      console.log(`      skipped: ${probe.why}`);
      this.skip();
    }
    sched = new RealTimeScheduler();
    tap = await TapBridge.open({ ifname, netns: ns });
    const sw = new Switch(sched);
    Port.connect(tap.port, sw.addPort().port);
    node = new StackNode({
      scheduler: sched, mac: 0x02_00_00_00_78_02, rng: () => randomBytes(4).readUInt32LE(0),
      addresses: [{ address: ipv4(OURS), prefixLen: 24 }],
    });
    link = Link.between(sched, node.port, sw.addPort().port, { seed: 2626, name: 'iop' });
    await run('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', `net.ipv6.conf.${ifname}.disable_ipv6=1`]);
    await run('ip', ['-n', ns, 'addr', 'add', `${LINUX}/24`, 'dev', ifname]);
    await run('ip', ['-n', ns, 'link', 'set', ifname, 'up']);
  });

  after(async () => {
    for (const p of helpers) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    node?.close();
    link?.close();
    await tap?.close();
    sched?.close();
    if (nsCreated) await run('ip', ['netns', 'del', ns]);
  });

  it('Linux pings our stack, with datagrams small and fragmented', async () => {
    const ping = (size: number): Promise<{ stdout: string }> =>
      run('ip', ['netns', 'exec', ns, 'ping', '-n', '-c', '3', '-i', '0.2', '-W', '3', '-s', String(size), OURS]);
    expect((await ping(56)).stdout).to.match(/3 packets transmitted, 3 received/);
    expect((await ping(4000)).stdout).to.match(/3 packets transmitted, 3 received/); // 3 fragments each way
    const { stdout } = await run('ip', ['-n', ns, 'neigh', 'show', OURS]);
    expect(stdout).to.include('02:00:00:00:78:02');
  });

  it(`UDP both ways: datagrams to a Linux echo socket come back byte-exact (fragmented ones too)`, async () => {
    const echo = helper('echo', '7001');
    expect(await nextLine(echo)).to.deep.equal({ ready: true });
    const sock = new UdpSocket(node.iface.sockets);
    expect(sock.bind({ addr: 0, port: 7002 })).to.equal('ok');
    const sizes = [1, 100, 1472, 1473, 4000, 9000];
    const sent = sizes.map((n) => randomBytes(n));
    for (const d of sent) expect(sock.sendTo(d, { addr: ipv4(LINUX), port: 7001 })).to.equal('ok');
    node.kick();
    const got: Uint8Array[] = [];
    await new Promise<void>((resolve) => {
      const stop = node.onService(() => {
        for (let d = sock.recvFrom(); d !== null; d = sock.recvFrom()) {
          expect(formatIpv4(d.remote.addr)).to.equal(LINUX);
          expect(d.remote.port).to.equal(7001);
          got.push(d.payload);
        }
        if (got.length === sizes.length) {
          stop();
          resolve();
        }
      });
    });
    sock.close();
    expect(got.map(sha).sort()).to.deep.equal(sent.map(sha).sort());
  });

  /** Our TcpSocket connects to a Linux sink and sends `bytes`; returns wall milliseconds. */
  async function toLinux(port: number, bytes: number): Promise<number> {
    const sink = helper('sink', String(port));
    expect(await nextLine(sink)).to.deep.equal({ ready: true });
    const data = randomBytes(bytes);
    const sock = new TcpSocket(node.iface.sockets, tcpOptions);
    expect(sock.connect({ addr: 0, port: 0 }, { addr: ipv4(LINUX), port }, node.now())).to.equal('ok');
    const start = performance.now();
    const mine = await transfer(node, sock, data);
    const theirs = await nextLine(sink);
    expect(theirs).to.deep.equal({ bytes, sha256: sha(data) });
    expect(mine.bytes).to.equal(0);
    return performance.now() - start;
  }

  /** A Linux client connects to our listener and sends `bytes`; returns wall milliseconds. */
  async function fromLinux(port: number, bytes: number): Promise<number> {
    const listener = new TcpSocket(node.iface.sockets, tcpOptions);
    expect(listener.listen({ addr: 0, port }, 8)).to.equal('ok');
    const send = helper('send', OURS, String(port), String(bytes));
    const start = performance.now();
    const accepted = new Promise<TcpSocket>((resolve) => {
      const stop = node.onService(() => {
        const s = listener.accept();
        if (s !== null) {
          stop();
          resolve(s);
        }
      });
    });
    const mine = await transfer(node, await accepted, new Uint8Array(0));
    const theirs = await nextLine(send);
    expect(mine).to.deep.equal(theirs);
    expect(mine.bytes).to.equal(bytes);
    listener.close();
    return performance.now() - start;
  }

  it(`TCP, our stack to Linux: ${BULK / MB} MiB, sha256 checked on both sides`, async () => {
    console.log(`      our stack -> Linux: ${rate(BULK, await toLinux(5001, BULK))}`);
  });

  it(`TCP, Linux to our stack: ${BULK / MB} MiB into our listener, sha256 checked on both sides`, async () => {
    console.log(`      Linux -> our stack: ${rate(BULK, await fromLinux(6001, BULK))}`);
  });

  describe('with 1% loss and 1% reordering on the Link, both directions', () => {
    let before: Record<'ab' | 'ba', LinkDirStats>;
    beforeEach(() => {
      link.configure({ loss: 0.01, reorder: 0.01, reorderDelayNs: 3_000_000 });
      before = { ab: link.stats('ab'), ba: link.stats('ba') };
    });
    afterEach(() => link.configure({ loss: 0, reorder: 0 }));

    /** Faults the Link applied during this test, and a check that it did apply some each way. */
    function faults(): string {
      const d = (dir: 'ab' | 'ba', k: 'offered' | 'lost' | 'reordered'): number => link.stats(dir)[k] - before[dir][k];
      for (const dir of ['ab', 'ba'] as const) {
        expect(d(dir, 'lost'), `frames lost ${dir}`).to.be.greaterThan(0);
        expect(d(dir, 'reordered'), `frames reordered ${dir}`).to.be.greaterThan(0);
      }
      return `lost ${d('ab', 'lost')}/${d('ab', 'offered')} out, ${d('ba', 'lost')}/${d('ba', 'offered')} in; ` +
        `reordered ${d('ab', 'reordered')} out, ${d('ba', 'reordered')} in`;
    }

    it(`our stack to Linux: ${LOSSY / MB} MiB, sha256 checked`, async () => {
      const ms = await toLinux(5002, LOSSY);
      console.log(`      lossy, our stack -> Linux: ${rate(LOSSY, ms)} (${faults()})`);
    });

    it(`Linux to our stack: ${LOSSY / MB} MiB, sha256 checked`, async () => {
      const ms = await fromLinux(6002, LOSSY);
      console.log(`      lossy, Linux -> our stack: ${rate(LOSSY, ms)} (${faults()})`);
    });
  });
});
