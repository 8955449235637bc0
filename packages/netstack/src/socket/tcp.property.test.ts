/**
 * Two interfaces back to back through a lossy, duplicating, reordering, corrupting link (bench/link.ts):
 * random data crosses byte-exact in both directions and both sides close cleanly. Corrupted frames must
 * be dropped by a checksum (a TCP segment corrupted past its checksum would break the byte comparison).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { type SimHost, VirtualLink, simHost, unitRandom } from '../bench/link.js';
import { seededRng } from '../testing.js';
import { State, TcpSocket } from './tcp.js';

interface Side {
  sock: TcpSocket | null;
  out: Uint8Array;
  sent: number;
  got: Uint8Array[];
  gotLen: number;
  closed: boolean;
}

function side(out: Uint8Array): Side {
  return { sock: null, out, sent: 0, got: [], gotLen: 0, closed: false };
}

/** The application on one end: write what fits, read what arrived, close once everything is queued. */
function drive(s: Side): void {
  if (s.sock === null) return;
  if (s.sent < s.out.length && s.sock.writable) s.sent += s.sock.send(s.out.subarray(s.sent));
  for (let chunk = s.sock.recv(65536); chunk.length > 0; chunk = s.sock.recv(65536)) {
    s.got.push(chunk);
    s.gotLen += chunk.length;
  }
  if (s.sent === s.out.length && !s.closed && s.sock.state !== State.SYN_SENT && s.sock.state !== State.SYN_RECEIVED) {
    s.sock.close();
    s.closed = true;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function bytes(rng: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng() & 0xff;
  return out;
}

describe('TCP over a faulty link (property)', function () {
  this.timeout(20_000);

  it('transfers random data byte-exact both ways and both sides close', () => {
    const scenario = fc.record({
      seed: fc.integer({ min: 1, max: 0x7fffffff }),
      aBytes: fc.integer({ min: 0, max: 60_000 }),
      bBytes: fc.integer({ min: 0, max: 60_000 }),
      // Per mille, so that the rates spread evenly (fast-check's doubles crowd near zero).
      loss: fc.integer({ min: 0, max: 100 }),
      duplicate: fc.integer({ min: 0, max: 50 }),
      corrupt: fc.integer({ min: 0, max: 50 }),
      jitter: fc.integer({ min: 0, max: 20 }),
      sack: fc.boolean(),
      timestamps: fc.boolean(),
      congestionControl: fc.constantFrom<'reno' | 'none'>('reno', 'none'),
    });
    fc.assert(fc.property(scenario, (sc) => {
      const rng = seededRng(sc.seed);
      const a: SimHost = simHost(1, seededRng(sc.seed + 1));
      const b: SimHost = simHost(2, seededRng(sc.seed + 2));
      const link = new VirtualLink(a, b, {
        delay: 5, jitter: sc.jitter, loss: sc.loss / 1000, duplicate: sc.duplicate / 1000, corrupt: sc.corrupt / 1000,
      }, unitRandom(rng));
      const opts = {
        sack: sc.sack, timestamps: sc.timestamps, congestionControl: sc.congestionControl, msl: 500,
        rxBuffer: 16 * 1024, txBuffer: 16 * 1024,
      };
      const listener = new TcpSocket(b.iface.sockets, { rng: seededRng(sc.seed + 3), ...opts });
      expect(listener.listen({ addr: 0, port: 80 }, 4)).to.equal('ok');
      const client = side(bytes(rng, sc.aBytes));
      const server = side(bytes(rng, sc.bBytes));
      client.sock = new TcpSocket(a.iface.sockets, { rng: seededRng(sc.seed + 4), ...opts });
      expect(client.sock.connect({ addr: 0, port: 0 }, { addr: b.addr, port: 80 }, 0)).to.equal('ok');
      const finished = (): boolean => a.iface.sockets.size === 0 && b.iface.sockets.size === 1;
      const ok = link.run(600_000, finished, () => {
        server.sock ??= listener.accept();
        drive(client);
        drive(server);
      });
      expect(ok, `not finished: client ${client.sock.state}, server ${server.sock?.state}`).to.equal(true);
      expect(client.sock.error).to.equal(null);
      expect(server.sock!.error).to.equal(null);
      expect(Buffer.from(concat(server.got)).equals(Buffer.from(client.out))).to.equal(true);
      expect(Buffer.from(concat(client.got)).equals(Buffer.from(server.out))).to.equal(true);
      expect(client.sock.eof && server.sock!.eof).to.equal(true);
      expect([client.sock.state, server.sock!.state]).to.deep.equal([State.CLOSED, State.CLOSED]);
      // Nothing left behind: no socket timers on either side, only the listener in b's set.
      expect([a.iface.sockets.pollAt(link.now), b.iface.sockets.pollAt(link.now)]).to.deep.equal([null, null]);
    }), { seed: 20261125, numRuns: 60 });
  });
});
