import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { Link, NS_PER_MS, Port, RealTimeScheduler, Switch } from '@cosix/hw';
import { TcpSocket, ipv4 } from '@cosix/netstack';
import type { HostForward } from './forward.js';
import { Gateway } from './gateway.js';
import { StackNode } from './node.js';

const GUEST = ipv4('10.0.2.15');
const FAR = ipv4('10.0.2.16');
const rng = (): number => randomBytes(4).readUInt32LE(0);
const sha = (d: Uint8Array): string => createHash('sha256').update(d).digest('hex');

/**
 * A TCP echo server on `port` of a guest node: every byte back, and FIN answered with FIN once all is sent.
 * Connections that end in an error are counted in `errors`.
 */
function echoServer(node: StackNode, port: number, errors: string[]): TcpSocket {
  const listener = new TcpSocket(node.iface.sockets, { rng, rxBuffer: 128 * 1024, txBuffer: 128 * 1024 });
  expect(listener.listen({ addr: 0, port }, 128)).to.equal('ok');
  const conns = new Map<TcpSocket, Uint8Array[]>();
  node.onService(() => {
    for (let s = listener.accept(); s !== null; s = listener.accept()) conns.set(s, []);
    for (const [s, pending] of conns) {
      for (let d = s.recv(65536); d.length > 0; d = s.recv(65536)) pending.push(d);
      while (pending.length > 0) {
        const n = s.send(pending[0]!);
        if (n < pending[0]!.length) {
          pending[0] = pending[0]!.subarray(n);
          break;
        }
        pending.shift();
      }
      if (s.eof && pending.length === 0) s.close();
      if (s.error !== null) errors.push(s.error);
      if (s.error !== null || s.hangup) conns.delete(s);
    }
  });
  return listener;
}

interface Outcome { data: Buffer; error: string | null }

/** Connects to the host port, writes `data` then half-closes, and collects what comes back until close. */
function exchange(port: number, data: Uint8Array): Promise<Outcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: string | null = null;
    const s = net.connect(port, '127.0.0.1', () => s.end(data));
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', (e: NodeJS.ErrnoException) => { error = e.code ?? e.message; });
    s.on('close', () => resolve({ data: Buffer.concat(chunks), error }));
  });
}

/** Resolves once `cond()` holds, checking on every timer tick (the test's timeout bounds the wait). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}

/** Why `nc` cannot be used here, or null. */
function ncMissing(): string | null {
  try {
    const help = execFileSync('sh', ['-c', 'nc -h 2>&1 || true'], { encoding: 'utf8' });
    return help.includes('OpenBSD netcat') ? null : 'nc is not netcat-openbsd (its -N is needed to half-close)';
  } catch {
    return 'nc is not installed (apt-get install -y netcat-openbsd)';
  }
}

describe('gateway host port forwarding (host node:net / nc <-> Gateway <-> Switch <-> guest netstack)', function () {
  this.timeout(30_000);
  let sched: RealTimeScheduler;
  let gw: Gateway;
  let guest: StackNode;
  let far: StackNode; // a second guest behind a slow link
  let slow: Link;
  let farEcho: HostForward;
  let echo: HostForward;
  let closed: HostForward;
  const guestErrors: string[] = [];

  before(async () => {
    sched = new RealTimeScheduler();
    const sw = new Switch(sched);
    gw = new Gateway({ scheduler: sched });
    Port.connect(gw.port, sw.addPort().port);
    guest = new StackNode({
      scheduler: sched, mac: 0x52_54_00_12_34_56, name: 'guest', rng,
      addresses: [{ address: GUEST, prefixLen: 24 }], gateway: gw.address.address,
    });
    Port.connect(guest.port, sw.addPort().port);
    echoServer(guest, 26, guestErrors);
    echo = await gw.forward({ hostPort: 0, guest: { addr: GUEST, port: 26 } });
    closed = await gw.forward({ hostPort: 0, guest: { addr: GUEST, port: 27 } });
    far = new StackNode({
      scheduler: sched, mac: 0x52_54_00_12_34_57, name: 'far guest', rng,
      addresses: [{ address: FAR, prefixLen: 24 }], gateway: gw.address.address,
    });
    slow = Link.between(sched, far.port, sw.addPort().port, { seed: 3, latencyNs: 40 * NS_PER_MS });
    echoServer(far, 26, guestErrors);
    farEcho = await gw.forward({ hostPort: 0, guest: { addr: FAR, port: 26 } });
  });

  after(async () => {
    await gw?.close();
    guest?.close();
    far?.close();
    slow?.close();
    expect(sched.pending()).to.equal(0);
    sched?.close();
  });

  it('Node net: 4 MiB echoed byte-exact through the forward; half-close both ways', async () => {
    const data = randomBytes(4 * 1024 * 1024);
    const before = { ...echo.stats };
    const out = await exchange(echo.port, data);
    expect(out.error).to.equal(null);
    expect(sha(out.data)).to.equal(sha(data));
    await until(() => echo.relays.size === 0);
    expect(echo.stats.completed - before.completed).to.equal(1);
    expect(echo.stats.bytesToGuest - before.bytesToGuest).to.equal(data.length);
    expect(echo.stats.bytesToHost - before.bytesToHost).to.equal(data.length);
    expect(guestErrors).to.deep.equal([]);
  });

  it('nc (netcat-openbsd): 256 KiB echoed through the forward', async function () {
    const why = ncMissing();
    if (why !== null) {
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    const data = randomBytes(256 * 1024);
    const nc = spawn('nc', ['-N', '127.0.0.1', String(echo.port)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    nc.stdout.on('data', (d: Buffer) => chunks.push(d));
    const exit = new Promise<number | null>((resolve) => nc.on('close', (code) => resolve(code)));
    nc.stdin.end(data);
    expect(await exit).to.equal(0);
    expect(sha(Buffer.concat(chunks))).to.equal(sha(data));
  });

  it('a host client that sends and half-closes before the guest has answered the SYN (80 ms RTT)', async () => {
    const data = randomBytes(100_000);
    const out = await exchange(farEcho.port, data);
    expect(out.error).to.equal(null);
    expect(sha(out.data)).to.equal(sha(data));
    await until(() => farEcho.relays.size === 0);
    expect(farEcho.stats).to.include({ accepted: 1, completed: 1, reset: 0 });
  });

  it('64 connections at once, each with its own data, all echoed intact', async () => {
    const datas = Array.from({ length: 64 }, (_, i) => randomBytes(16 * 1024 + i * 997));
    const before = echo.stats.completed;
    const outs = await Promise.all(datas.map((d) => exchange(echo.port, d)));
    outs.forEach((o, i) => {
      expect(o.error, `connection ${i}`).to.equal(null);
      expect(sha(o.data), `connection ${i}`).to.equal(sha(datas[i]!));
    });
    await until(() => echo.relays.size === 0);
    expect(echo.stats.completed - before).to.equal(64);
  });

  it('a guest port nobody listens on: the guest refuses and the host connection is reset, with no data', async () => {
    const out = await exchange(closed.port, Uint8Array.of(1, 2, 3));
    expect(out.data.length).to.equal(0);
    expect(out.error).to.equal('ECONNRESET');
    expect(closed.stats).to.include({ accepted: 1, refused: 1, completed: 0 });
    expect(closed.relays.size).to.equal(0);
  });

  it('a host client that goes away mid-transfer: the guest connection is aborted', async () => {
    const before = { ...echo.stats };
    await new Promise<void>((resolve) => {
      const s = net.connect(echo.port, '127.0.0.1', () => s.write(randomBytes(64 * 1024)));
      s.once('data', () => s.resetAndDestroy()); // the first echoed bytes prove the relay is up
      s.on('error', () => {});
      s.on('close', () => resolve());
    });
    await until(() => echo.relays.size === 0);
    expect(echo.stats.reset - before.reset).to.equal(1);
    expect(echo.stats.completed - before.completed).to.equal(0);
    await until(() => guestErrors.length > 0); // the guest's connection was reset by the gateway's abort()
    expect(guestErrors).to.deep.equal(['reset']);
  });
});
