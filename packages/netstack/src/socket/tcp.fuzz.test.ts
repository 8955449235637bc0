/**
 * Hostile input: arbitrary segments thrown at a connection in every state never make it throw, and the
 * sequence variables keep their order (SND.UNA <= SND.NXT <= SND.MAX, nothing acknowledged beyond what
 * was sent, buffers within their bounds). Also MSS negotiation against a small MTU.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { seqLe } from './tcp/seq.js';
import { ACK, ISS, PEER_ISS, Rig, SYN, US, brief, established, filled } from './tcp/testkit.js';
import { State } from './tcp.js';

const A = ISS + 1;
const P = PEER_ISS + 1;

describe('TCP against arbitrary segments (property)', () => {
  it('never throws and keeps SND.UNA <= SND.NXT <= SND.MAX', () => {
    const seg = fc.record({
      dSeq: fc.integer({ min: -70_000, max: 70_000 }),
      dAck: fc.integer({ min: -70_000, max: 70_000 }),
      flags: fc.integer({ min: 0, max: 0x3f }),
      windowLen: fc.integer({ min: 0, max: 0xffff }),
      len: fc.integer({ min: 0, max: 3000 }),
      sack: fc.array(fc.tuple(fc.integer({ min: -5000, max: 70_000 }), fc.integer({ min: 0, max: 5000 })), { maxLength: 3 }),
      close: fc.boolean(),
      dt: fc.integer({ min: 0, max: 500 }),
    });
    fc.assert(fc.property(fc.array(seg, { maxLength: 40 }), fc.boolean(), (segs, sackPermitted) => {
      const { rig } = established({ peer: { sackPermitted } });
      const t = rig.sock.tcb;
      rig.sock.send(filled(20_000));
      let now = 20;
      for (const s of segs) {
        now += s.dt;
        rig.out(now);
        // Whatever dispatch() left owed would spin the caller's poll loop: pollAt must lie ahead.
        const next = rig.pollAt(now);
        expect(next === null || next > now, `pollAt ${next} at ${now} in ${t.state}`).to.equal(true);
        if (t.state === State.CLOSED) break;
        if (s.close) rig.sock.close();
        rig.deliver(now, {
          seq: (t.rcvNxt + s.dSeq) >>> 0, ackNumber: (t.sndUna + s.dAck) >>> 0, flags: s.flags, windowLen: s.windowLen,
          payload: filled(s.len), sackBlocks: s.sack.map(([l, n]) => ({ left: (t.sndUna + l) >>> 0, right: (t.sndUna + l + n) >>> 0 })),
        });
        rig.sock.recv(100_000);
        expect(seqLe(t.sndUna, t.sndNxt) && seqLe(t.sndNxt, t.sndMax), `${t.sndUna} ${t.sndNxt} ${t.sndMax}`).to.equal(true);
        expect(t.rx.length).to.be.at.most(t.rx.capacity);
        expect(t.tx.length).to.be.at.most(t.tx.capacity);
      }
    }), { seed: 1234, numRuns: 300 });
  });
});

describe('MSS negotiation (RFC 9293 3.7.1, RFC 6691)', () => {
  it('announces MTU - 40 and sends no more than the smaller MSS, less the timestamp option', () => {
    const rig = new Rig({}, 576);
    rig.sock.connect(US, { addr: US.addr + 1, port: 80 }, 0);
    expect(rig.out(0)[0]!.maxSegSize).to.equal(536);
    rig.deliver(10, {
      seq: PEER_ISS, ackNumber: A, flags: SYN | ACK, windowLen: 65535, maxSegSize: 1460, timestamps: { tsVal: 1, tsEcr: 1000 },
    }, { addr: US.addr + 1, port: 80 });
    rig.out(10);
    rig.sock.send(filled(1000));
    expect(brief(rig.out(20)).map((s) => s[3])).to.deep.equal([524]);
  });

  it('assumes 536 when the SYN-ACK carries no MSS', () => {
    const { rig } = established({ peer: { maxSegSize: null } });
    rig.sock.send(filled(1000));
    expect(brief(rig.out(20))).to.deep.equal([[A, P, ACK, 536]]);
  });
});
