/**
 * TCP benchmarks, for the project's bench script to call. Each builds two stacks (Interfaces with their
 * own SocketSets) joined by a VirtualLink (link.ts) and runs on virtual time; wall-clock time is read only
 * to report how fast the simulation itself ran.
 *
 *   bulkThroughput(bytes)          MB/s (wall clock) moving `bytes` one way over a lossless, zero-delay link
 *   lossyGoodput(loss, rtt, window, seconds, cc?)
 *                                  goodput as a fraction of window/RTT, with `loss` on both directions
 *                                  (smoltcp publishes 98.6% at 0%, 67% at 1%, 11.5% at 10% for 32 KiB, 100 ms,
 *                                  measured without congestion control; cc 'none' compares like with like,
 *                                  the default 'reno' shows what RFC 5681 congestion control costs under
 *                                  random loss: it reads every loss as congestion)
 *   manyConnections(n)             open n connections through one stack: wall ms and heap bytes per connection
 */
import { performance } from 'node:perf_hooks';
import { seededRng } from '../testing.js';
import { State, TcpSocket, type TcpSocketOptions } from '../socket/tcp.js';
import { type LinkFaults, NO_FAULTS, type SimHost, VirtualLink, simHost, unitRandom } from './link.js';

interface Pair {
  link: VirtualLink;
  a: SimHost;
  b: SimHost;
  listener: TcpSocket;
}

function pair(faults: LinkFaults, server: Partial<TcpSocketOptions>, seed = 1): Pair {
  const a = simHost(1, seededRng(seed + 1));
  const b = simHost(2, seededRng(seed + 2));
  const link = new VirtualLink(a, b, faults, unitRandom(seededRng(seed + 3)));
  const listener = new TcpSocket(b.iface.sockets, { rng: seededRng(seed + 4), ...server });
  listener.listen({ addr: 0, port: 80 }, 4096);
  return { link, a, b, listener };
}

/** Connects a client from host a and returns both ends once established (or throws). */
function connect(p: Pair, client: Partial<TcpSocketOptions>, seed = 5): { client: TcpSocket; server: TcpSocket } {
  const c = new TcpSocket(p.a.iface.sockets, { rng: seededRng(seed), ...client });
  c.connect({ addr: 0, port: 0 }, { addr: p.b.addr, port: 80 }, p.link.now);
  let server: TcpSocket | null = null;
  const ok = p.link.run(p.link.now + 120_000, () => server !== null && c.state === State.ESTABLISHED, () => {
    server ??= p.listener.accept();
  });
  if (!ok || server === null) throw new Error(`bench: handshake did not complete (${c.state})`);
  return { client: c, server };
}

/** Sender keeps its buffer full; receiver reads everything. Returns bytes delivered. */
function stream(link: VirtualLink, from: TcpSocket, to: TcpSocket, until: number, total: number, chunk: Uint8Array): number {
  let sent = 0;
  let received = 0;
  link.run(until, () => received >= total, () => {
    while (sent < total && from.writable) {
      const n = from.send(chunk.subarray(0, Math.min(chunk.length, total - sent)));
      if (n === 0) break;
      sent += n;
    }
    for (let got = to.recv(1 << 20); got.length > 0; got = to.recv(1 << 20)) received += got.length;
  });
  return received;
}

/** MB/s (10^6 bytes per wall-clock second) for `bytes` over a lossless zero-delay link with 256 KiB buffers. */
export async function bulkThroughput(bytes: number): Promise<number> {
  const buffers = { rxBuffer: 256 * 1024, txBuffer: 256 * 1024 };
  const p = pair(NO_FAULTS, buffers);
  const { client, server } = connect(p, buffers);
  const chunk = new Uint8Array(64 * 1024).map((_, i) => i);
  const start = performance.now();
  const got = stream(p.link, client, server, Number.MAX_SAFE_INTEGER, bytes, chunk);
  const seconds = (performance.now() - start) / 1000;
  if (got !== bytes) throw new Error(`bulkThroughput: delivered ${got} of ${bytes}`);
  return bytes / 1e6 / seconds;
}

/**
 * Goodput over `durationVirtualSec` of virtual time with `lossRate` on each direction, a fixed RTT and the
 * receiver's buffer (the window) of `windowBytes`, as a fraction of windowBytes / RTT.
 */
export async function lossyGoodput(
  lossRate: number, rttMs: number, windowBytes: number, durationVirtualSec: number, congestionControl: 'reno' | 'none' = 'reno',
): Promise<number> {
  const faults = { ...NO_FAULTS, delay: rttMs / 2, loss: lossRate };
  const options = { rxBuffer: windowBytes, txBuffer: 4 * windowBytes, congestionControl };
  const p = pair(faults, options, 11);
  const { client, server } = connect(p, options);
  const start = p.link.now;
  const duration = durationVirtualSec * 1000;
  const chunk = new Uint8Array(64 * 1024).map((_, i) => i * 3);
  const got = stream(p.link, client, server, start + duration, Number.MAX_SAFE_INTEGER, chunk);
  const ideal = (windowBytes / (rttMs / 1000)) * durationVirtualSec;
  return got / ideal;
}

/**
 * Opens `n` connections from host a to one listener on host b (SYNs in batches the SYN queue can take),
 * all left ESTABLISHED. `ms` is wall-clock time to open them all; `bytesPerConnection` the heap growth
 * divided by n, both endpoints' sockets included (run node with --expose-gc for a steadier figure).
 */
export async function manyConnections(n: number): Promise<{ ms: number; bytesPerConnection: number }> {
  const p = pair(NO_FAULTS, {});
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const start = performance.now();
  const clients: TcpSocket[] = [];
  const servers: TcpSocket[] = [];
  const rng = seededRng(99);
  for (let opened = 0; opened < n;) {
    const batch = Math.min(100, n - opened);
    for (let i = 0; i < batch; i++) {
      const c = new TcpSocket(p.a.iface.sockets, { rng });
      if (c.connect({ addr: 0, port: 0 }, { addr: p.b.addr, port: 80 }, p.link.now) !== 'ok') throw new Error('manyConnections: no port');
      clients.push(c);
    }
    opened += batch;
    const ok = p.link.run(p.link.now + 60_000, () => servers.length === opened, () => {
      for (let s = p.listener.accept(); s !== null; s = p.listener.accept()) servers.push(s);
    });
    if (!ok) throw new Error(`manyConnections: only ${servers.length} of ${opened} opened`);
  }
  const ms = performance.now() - start;
  gc?.();
  const bytesPerConnection = (process.memoryUsage().heapUsed - before) / n;
  if (!clients.every((c) => c.state === State.ESTABLISHED)) throw new Error('manyConnections: a client is not established');
  return { ms, bytesPerConnection };
}
