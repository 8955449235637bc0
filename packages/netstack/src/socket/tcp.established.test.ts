/**
 * ESTABLISHED: data both ways, the peer's window (scaled or not), Nagle and NODELAY, delayed ACKs,
 * receive-window updates, out-of-order reassembly with SACK blocks, PAWS, and RFC 5961's answers to
 * RST, SYN and bad ACKs. Segments are built by hand (testkit.ts); our ISS is 1000, the peer's 5000.
 */
import { expect } from 'chai';
import { State } from './tcp.js';
import { ACK, FIN, ISS, PEER_ISS, PSH, RST, SYN, brief, established, filled } from './tcp/testkit.js';

const A = ISS + 1;
const P = PEER_ISS + 1;

describe('TCP ESTABLISHED', () => {
  describe('sending', () => {
    it('segments queued data by MSS, holds the short tail (Nagle) and stops the timer when all is acknowledged', () => {
      const { rig } = established();
      expect(rig.sock.send(filled(3000))).to.equal(3000);
      expect(brief(rig.out(20))).to.deep.equal([[A, P, ACK, 1460], [A + 1460, P, ACK, 1460]]);
      expect(rig.sock.tcb.rtxAt).to.equal(20 + 200);
      rig.deliver(30, { seq: P, ackNumber: A + 2920, flags: ACK, windowLen: 65535 });
      expect(brief(rig.out(30))).to.deep.equal([[A + 2920, P, ACK | PSH, 80]]);
      rig.deliver(40, { seq: P, ackNumber: A + 3000, flags: ACK, windowLen: 65535 });
      expect(rig.out(40)).to.deep.equal([]);
      expect(rig.sock.tcb.rtxAt).to.equal(null);
      expect(rig.sock.tcb.tx.length).to.equal(0);
    });

    it('honours the peer window and sends more as it opens', () => {
      const { rig } = established({ peer: { windowLen: 2920 } });
      rig.sock.send(filled(5000));
      expect(brief(rig.out(20))).to.deep.equal([[A, P, ACK, 1460], [A + 1460, P, ACK, 1460]]);
      rig.deliver(30, { seq: P, ackNumber: A + 1460, flags: ACK, windowLen: 2920 });
      expect(brief(rig.out(30))).to.deep.equal([[A + 2920, P, ACK, 1460]]);
    });

    it('scales the window both ways once both SYNs carried the option (RFC 7323 2)', () => {
      const { rig, syn } = established({ peer: { windowLen: 1000, windowScale: 3 } });
      expect(syn.windowScale).to.equal(1);
      expect(rig.sock.tcb.sndWnd).to.equal(1000); // the SYN-ACK's window is not scaled
      rig.deliver(20, { seq: P, ackNumber: A, flags: ACK, windowLen: 1000 });
      expect(rig.sock.tcb.sndWnd).to.equal(8000);
      rig.deliver(21, { seq: P, ackNumber: A, flags: ACK | PSH, windowLen: 1000, payload: filled(1) });
      const [ack] = rig.out(61);
      // 65535 free octets >> 1 would be 32767 and pull the advertised edge back by one: rounded up instead.
      expect(ack!.windowLen).to.equal(32768);
    });

    it('holds a short segment while data is unacknowledged (Nagle) unless NODELAY is set', () => {
      const { rig } = established();
      rig.sock.send(filled(10));
      expect(brief(rig.out(20))).to.deep.equal([[A, P, ACK | PSH, 10]]);
      rig.sock.send(filled(10));
      expect(rig.out(21)).to.deep.equal([]);
      rig.deliver(30, { seq: P, ackNumber: A + 10, flags: ACK, windowLen: 65535 });
      expect(brief(rig.out(30))).to.deep.equal([[A + 10, P, ACK | PSH, 10]]);
      rig.sock.setNoDelay(true);
      rig.sock.send(filled(10));
      expect(brief(rig.out(31))).to.deep.equal([[A + 20, P, ACK | PSH, 10]]);
    });

    it('send() takes only what fits in the send buffer', () => {
      const { rig } = established({ opts: { txBuffer: 4096 } });
      expect(rig.sock.send(filled(5000))).to.equal(4096);
      expect(rig.sock.writable).to.equal(false);
      expect(rig.sock.send(filled(1))).to.equal(0);
    });
  });

  describe('receiving', () => {
    it('delays the ACK of a lone segment by 40 ms and acknowledges every second segment at once', () => {
      const { rig } = established();
      rig.deliver(20, { seq: P, ackNumber: A, flags: ACK, windowLen: 65535, payload: filled(100) });
      expect(rig.out(20)).to.deep.equal([]);
      expect(rig.pollAt(20)).to.equal(60);
      expect(brief(rig.out(60))).to.deep.equal([[A, P + 100, ACK, 0]]);
      rig.deliver(70, { seq: P + 100, ackNumber: A, flags: ACK, windowLen: 65535, payload: filled(1460) });
      rig.deliver(71, { seq: P + 1560, ackNumber: A, flags: ACK, windowLen: 65535, payload: filled(1460) });
      expect(brief(rig.out(71))).to.deep.equal([[A, P + 3020, ACK, 0]]);
      expect(rig.sock.recv(10_000)).to.deep.equal(new Uint8Array([...filled(100), ...filled(1460), ...filled(1460)]));
    });

    it('reassembles out-of-order segments, acknowledging each at once with SACK blocks (RFC 2018 4)', () => {
      const { rig } = established({ peer: { sackPermitted: true } });
      const data = filled(4000, 3);
      const seg = (at: number, n: number) => ({ seq: P + at, ackNumber: A, flags: ACK, windowLen: 65535, payload: data.subarray(at, at + n) });
      rig.deliver(20, seg(1000, 1000));
      let [ack] = rig.out(20);
      expect([ack!.ackNumber, ack!.sackBlocks]).to.deep.equal([P, [{ left: P + 1000, right: P + 2000 }]]);
      rig.deliver(21, seg(3000, 1000));
      [ack] = rig.out(21);
      expect(ack!.sackBlocks).to.deep.equal([{ left: P + 3000, right: P + 4000 }, { left: P + 1000, right: P + 2000 }]);
      expect(rig.sock.readable).to.equal(false);
      rig.deliver(22, seg(0, 1000));
      [ack] = rig.out(22);
      expect([ack!.ackNumber, ack!.sackBlocks]).to.deep.equal([P + 2000, [{ left: P + 3000, right: P + 4000 }]]);
      rig.deliver(23, seg(2000, 1000));
      [ack] = rig.out(23);
      expect([ack!.ackNumber, ack!.sackBlocks]).to.deep.equal([P + 4000, []]);
      expect(rig.sock.recv(10_000)).to.deep.equal(data);
    });

    it('applies a FIN that arrived beyond a gap once the gap fills', () => {
      const { rig } = established();
      rig.deliver(20, { seq: P + 10, ackNumber: A, flags: ACK | FIN, windowLen: 65535, payload: filled(10, 10) });
      expect(rig.sock.state).to.equal(State.ESTABLISHED);
      rig.deliver(21, { seq: P, ackNumber: A, flags: ACK, windowLen: 65535, payload: filled(10) });
      expect(rig.sock.state).to.equal(State.CLOSE_WAIT);
      expect(brief(rig.out(21))).to.deep.equal([[A, P + 21, ACK, 0]]);
      expect(rig.sock.recv(100)).to.deep.equal(filled(20));
      expect(rig.sock.eof).to.equal(true);
    });

    it('trims data beyond the receive window and reopens the window with an update when read', () => {
      const { rig } = established({ opts: { rxBuffer: 4096 } });
      rig.deliver(20, { seq: P, ackNumber: A, flags: ACK, windowLen: 65535, payload: filled(5000) });
      expect(brief(rig.out(20))).to.deep.equal([]);
      expect(brief(rig.out(60))).to.deep.equal([[A, P + 4096, ACK, 0]]);
      expect(rig.sock.tcb.rcvWnd).to.equal(0);
      expect(rig.sock.recv(10_000).length).to.equal(4096);
      const [update] = rig.out(61);
      expect([update!.ackNumber, update!.windowLen]).to.deep.equal([P + 4096, 4096]);
    });

    it('announces a reopened window only once it grew by min(half the buffer, MSS) (RFC 9293 3.8.6.2.2)', () => {
      const { rig } = established({ opts: { rxBuffer: 4096 } });
      rig.deliver(20, { seq: P, ackNumber: A, flags: ACK, windowLen: 65535, payload: filled(4096) });
      rig.out(60);
      rig.sock.recv(1000);
      expect(rig.out(61)).to.deep.equal([]);
      rig.sock.recv(1000);
      const [update] = rig.out(62);
      expect([update!.ackNumber, update!.windowLen]).to.deep.equal([P + 4096, 2000]);
    });

    it('never pulls the right edge of its window back, even when scaling rounds (RFC 7323 2.4)', () => {
      const { rig } = established({ opts: { rxBuffer: 100_000 }, peer: { windowScale: 0 } });
      expect(rig.sock.tcb.rcvShift).to.equal(1);
      let edge = P + 2 * 50_000;
      for (const [i, n] of [3, 1, 7, 2].entries()) {
        rig.deliver(20 + i, { seq: rig.sock.tcb.rcvNxt, ackNumber: A, flags: ACK, windowLen: 65535, payload: filled(n) });
        const [ackSeg] = rig.out(20 + i + 40);
        const right = ackSeg!.ackNumber + ackSeg!.windowLen * 2;
        expect(right).to.be.at.least(edge);
        edge = right;
      }
    });

    it('PAWS: drops (and acknowledges) a segment whose timestamp is older than TS.Recent (RFC 7323 5.3)', () => {
      const { rig } = established({ peer: { timestamps: { tsVal: 500, tsEcr: 1000 } } });
      expect(rig.sock.tcb.tsOk).to.equal(true);
      rig.deliver(20, { seq: P, ackNumber: A, flags: ACK, windowLen: 65535, payload: filled(10), timestamps: { tsVal: 510, tsEcr: 1010 } });
      expect(rig.sock.tcb.tsRecent).to.equal(510);
      rig.deliver(21, { seq: P + 10, ackNumber: A, flags: ACK, windowLen: 65535, payload: filled(10), timestamps: { tsVal: 505, tsEcr: 1010 } });
      const [ack] = rig.out(21);
      expect([ack!.ackNumber, ack!.timestamps]).to.deep.equal([P + 10, { tsVal: 1021, tsEcr: 510 }]);
      // RFC 7323 3.2: without a timestamp option the segment is dropped silently.
      rig.deliver(22, { seq: P + 10, ackNumber: A, flags: ACK, windowLen: 65535, payload: filled(10) });
      expect(rig.out(22)).to.deep.equal([]);
      expect(rig.sock.recv(100).length).to.equal(10);
    });
  });

  describe('RST, SYN and ACK checks (RFC 5961)', () => {
    it('a RST at exactly RCV.NXT resets the connection', () => {
      const { rig } = established();
      rig.deliver(20, { seq: P, flags: RST });
      expect(rig.sock.state).to.equal(State.CLOSED);
      expect(rig.sock.error).to.equal('reset');
      expect(rig.sock.hangup && rig.sock.readable).to.equal(true);
      expect(rig.out(20)).to.deep.equal([]);
      expect(rig.set.size).to.equal(0);
    });

    it('a RST in the window but not at RCV.NXT gets a challenge ACK', () => {
      const { rig } = established();
      rig.deliver(20, { seq: P + 1, flags: RST });
      expect(rig.sock.state).to.equal(State.ESTABLISHED);
      expect(brief(rig.out(20))).to.deep.equal([[A, P, ACK, 0]]);
    });

    it('a RST outside the window is dropped silently', () => {
      const { rig } = established();
      rig.deliver(20, { seq: P + 70_000, flags: RST });
      rig.deliver(20, { seq: P - 1, flags: RST });
      expect(rig.sock.state).to.equal(State.ESTABLISHED);
      expect(rig.out(20)).to.deep.equal([]);
    });

    it('a SYN gets a challenge ACK; challenge ACKs are limited per second (RFC 5961 7)', () => {
      const { rig } = established();
      rig.deliver(20, { seq: P + 5, flags: SYN, windowLen: 100 });
      expect(brief(rig.out(20))).to.deep.equal([[A, P, ACK, 0]]);
      let sent = 1;
      for (let i = 0; i < 20; i++) {
        rig.deliver(21 + i, { seq: P + 3, flags: RST });
        sent += rig.out(21 + i).length;
      }
      expect(sent).to.equal(10);
      rig.deliver(1100, { seq: P + 3, flags: RST });
      expect(rig.out(1100)).to.have.length(1);
    });

    it('an ACK older than SND.UNA - MAX.SND.WND is answered with an ACK and dropped (RFC 5961 5.2)', () => {
      const { rig } = established({ peer: { windowLen: 1000 } });
      rig.deliver(20, { seq: P, ackNumber: A - 2000, flags: ACK, windowLen: 1000, payload: filled(10) });
      expect(brief(rig.out(20))).to.deep.equal([[A, P, ACK, 0]]);
      expect(rig.sock.readable).to.equal(false);
      rig.deliver(21, { seq: P, ackNumber: A - 500, flags: ACK, windowLen: 1000, payload: filled(10) });
      expect(rig.sock.recv(100)).to.deep.equal(filled(10)); // within MAX.SND.WND: merely a duplicate
    });

    it('an ACK of data never sent is answered with an ACK and its data dropped', () => {
      const { rig } = established();
      rig.deliver(20, { seq: P, ackNumber: A + 500, flags: ACK, windowLen: 65535, payload: filled(10) });
      expect(brief(rig.out(20))).to.deep.equal([[A, P, ACK, 0]]);
      expect(rig.sock.readable).to.equal(false);
    });
  });

  describe('keepalive (RFC 1122 4.2.3.6)', () => {
    it('is off by default, probes an idle connection with SND.NXT - 1 and drops it when unanswered', () => {
      const { rig } = established();
      expect(rig.pollAt(20)).to.equal(null);
      rig.sock.setKeepalive(true, 20, { idle: 1000, interval: 100, probes: 2 });
      expect(rig.out(20)).to.deep.equal([]);
      expect(brief(rig.out(1020))).to.deep.equal([[A - 1, P, ACK, 0]]);
      rig.deliver(1030, { seq: P, ackNumber: A, flags: ACK, windowLen: 65535 }); // answered: idle again
      expect(rig.out(1030)).to.deep.equal([]);
      expect(rig.pollAt(1030)).to.equal(2030);
      expect(rig.out(2030)).to.have.length(1);
      expect(rig.out(2130)).to.have.length(1);
      expect(rig.out(2230)).to.deep.equal([]);
      expect(rig.sock.state).to.equal(State.CLOSED);
      expect(rig.sock.error).to.equal('timeout');
    });
  });
});
