/**
 * Loss recovery in ESTABLISHED: the retransmission timer and its backoff (RFC 6298), Karn's algorithm,
 * fast retransmit (RFC 5681), NewReno partial ACKs (RFC 6582), SACK-driven retransmission (RFC 6675),
 * and zero-window probing (RFC 9293 3.8.6.1). The handshake's RTT sample (10 ms) makes RTO 200 ms.
 */
import { expect } from 'chai';
import type { SackBlock } from '../wire/tcp.js';
import { ACK, ISS, PEER_ISS, PSH, type Rig, brief, established, filled } from './tcp/testkit.js';

const A = ISS + 1;
const P = PEER_ISS + 1;

function ack(rig: Rig, now: number, n: number, sackBlocks: SackBlock[] = [], windowLen = 65535): void {
  rig.deliver(now, { seq: P, ackNumber: n, flags: ACK, windowLen, sackBlocks });
}

/**
 * MSS 500 and SACK. After one round trip cwnd is 2500: five segments B..B+2500 leave with 1000 bytes
 * queued behind them. B and B+1000 are lost. The first two duplicate ACKs each release a new segment
 * (RFC 3042 limited transmit), the third enters recovery (ssthresh = cwnd = 3500 / 2) and B is
 * retransmitted; pipe leaves no room for more.
 */
function fiveInFlightTwoLost(): { rig: Rig; B: number } {
  const { rig } = established({ peer: { maxSegSize: 500, sackPermitted: true } });
  rig.sock.send(filled(2000));
  rig.out(20);
  ack(rig, 30, A + 1000);
  ack(rig, 31, A + 2000); // slow start while cwnd-limited: 2000 -> 2500 (the second ACK finds it idle)
  expect(rig.sock.tcb.cc.cwnd).to.equal(2500);
  rig.sock.send(filled(3500));
  const B = A + 2000;
  expect(brief(rig.out(32)).map((x) => x[0])).to.deep.equal([B, B + 500, B + 1000, B + 1500, B + 2000]);
  ack(rig, 40, B, [{ left: B + 500, right: B + 1000 }]);
  ack(rig, 41, B, [{ left: B + 1500, right: B + 2000 }, { left: B + 500, right: B + 1000 }]);
  expect(brief(rig.out(41)).map((x) => x[0])).to.deep.equal([B + 2500, B + 3000]);
  ack(rig, 42, B, [{ left: B + 1500, right: B + 2500 }, { left: B + 500, right: B + 1000 }]);
  expect(brief(rig.out(42))).to.deep.equal([[B, P, ACK, 500]]);
  expect([rig.sock.tcb.cc.ssthresh, rig.sock.tcb.cc.cwnd]).to.deep.equal([1750, 1750]);
  return { rig, B };
}

describe('TCP loss recovery (ESTABLISHED)', () => {
  describe('retransmission timer (RFC 6298)', () => {
    it('retransmits the first unacknowledged segment with RTO doubling each time', () => {
      const { rig } = established();
      expect(rig.sock.tcb.rtt.rto).to.equal(200);
      rig.sock.send(filled(100));
      expect(brief(rig.out(20))).to.deep.equal([[A, P, ACK | PSH, 100]]);
      const times: number[] = [];
      for (let now = rig.pollAt(20)!; now < 5000; now = rig.pollAt(now)!) {
        for (const s of rig.out(now)) {
          expect([s.seqNumber, s.payload.length]).to.deep.equal([A, 100]);
          times.push(now);
        }
      }
      expect(times).to.deep.equal([220, 620, 1420, 3020]);
      expect(rig.sock.tcb.rtt.rto).to.equal(3200);
      // RFC 5681 3.1 (4)-(5): ssthresh = max(FlightSize / 2, 2 SMSS), cwnd = 1 SMSS.
      expect([rig.sock.tcb.cc.ssthresh, rig.sock.tcb.cc.cwnd]).to.deep.equal([2920, 1460]);
    });

    it("Karn: no RTT sample from a retransmitted segment; the next segment sent once collapses the backoff", () => {
      const { rig } = established();
      rig.sock.send(filled(100));
      rig.out(20);
      rig.out(220);
      rig.out(620); // two retransmissions; RTO is now 800
      ack(rig, 700, A + 100);
      expect(rig.sock.tcb.rtt.srtt).to.equal(10);
      expect(rig.sock.tcb.rtt.rto).to.equal(800);
      rig.sock.send(filled(100));
      rig.out(710);
      ack(rig, 730, A + 200);
      // RFC 6298 2.3: RTTVAR = 3/4 * 5 + 1/4 * |10 - 20| = 6.25, SRTT = 7/8 * 10 + 1/8 * 20 = 11.25.
      expect([rig.sock.tcb.rtt.srtt, rig.sock.tcb.rtt.rttvar]).to.deep.equal([11.25, 6.25]);
      expect(rig.sock.tcb.rtt.rto).to.equal(200);
    });

    it('with timestamps, the ACK of a retransmission is measured by its TSecr (RFC 7323 4)', () => {
      const { rig } = established({ peer: { timestamps: { tsVal: 500, tsEcr: 1000 } } });
      expect(rig.sock.tcb.rtt.srtt).to.equal(10);
      rig.sock.send(filled(100));
      rig.out(20);
      const [rtx] = rig.out(220);
      expect(rtx!.timestamps).to.deep.equal({ tsVal: 1220, tsEcr: 500 });
      rig.deliver(260, { seq: P, ackNumber: A + 100, flags: ACK, windowLen: 65535, timestamps: { tsVal: 600, tsEcr: 1220 } });
      // 40 ms since the retransmission: SRTT = 7/8 * 10 + 1/8 * 40; the backoff collapses.
      expect(rig.sock.tcb.rtt.srtt).to.equal(13.75);
      expect(rig.sock.tcb.rtt.rto).to.equal(200);
    });

    it('after going back on a timeout, bare ACKs still carry SND.MAX, which the peer accepts', () => {
      const { rig } = established();
      rig.sock.send(filled(2920));
      rig.out(20);
      expect(brief(rig.out(220))).to.deep.equal([[A, P, ACK, 1460]]); // cwnd is one segment again
      expect([rig.sock.tcb.sndNxt, rig.sock.tcb.sndMax]).to.deep.equal([A + 1460, A + 2920]);
      rig.deliver(230, { seq: P, ackNumber: A, flags: ACK, windowLen: 65535, payload: filled(10) });
      expect(brief(rig.out(270))).to.deep.equal([[A + 2920, P + 10, ACK, 0]]);
    });

    it('drops the connection after too many retransmissions', () => {
      const { rig } = established({ opts: { maxRetries: 3 } });
      rig.sock.send(filled(100));
      let segments = 0;
      for (let now: number | null = 20; now !== null; now = rig.pollAt(now)) segments += rig.out(now).length;
      expect(segments).to.equal(4);
      expect(rig.sock.error).to.equal('timeout');
    });
  });

  describe('fast retransmit and NewReno (RFC 5681, RFC 6582)', () => {
    // MSS 500: the initial window is 4 segments (RFC 5681 3.1 equation (1)).
    function fourInFlight(sack = false) {
      const { rig } = established({ peer: { maxSegSize: 500, sackPermitted: sack } });
      rig.sock.send(filled(2000));
      expect(brief(rig.out(20)).map((s) => s[0])).to.deep.equal([A, A + 500, A + 1000, A + 1500]);
      return rig;
    }

    it('retransmits on the third duplicate ACK, not before, and inflates cwnd by 3 SMSS', () => {
      const rig = fourInFlight();
      ack(rig, 30, A);
      ack(rig, 31, A);
      expect(rig.out(31)).to.deep.equal([]);
      ack(rig, 32, A);
      expect(brief(rig.out(32))).to.deep.equal([[A, P, ACK, 500]]);
      // ssthresh = FlightSize / 2 = 1000; cwnd = ssthresh + 3 * SMSS.
      expect([rig.sock.tcb.cc.ssthresh, rig.sock.tcb.cc.cwnd, rig.sock.tcb.cc.inRecovery]).to.deep.equal([1000, 2500, true]);
    });

    it('retransmits the next hole at once on a partial ACK and leaves recovery on the full ACK', () => {
      const rig = fourInFlight();
      for (let i = 0; i < 3; i++) ack(rig, 30 + i, A);
      rig.out(32);
      ack(rig, 40, A + 1000); // segments 1 and 2 arrived; segment 3 was lost too
      expect(brief(rig.out(40))).to.deep.equal([[A + 1000, P, ACK, 500]]);
      // RFC 6582 3.2 step 5: cwnd = 2500 - 1000 acknowledged + SMSS.
      expect(rig.sock.tcb.cc.cwnd).to.equal(2000);
      ack(rig, 50, A + 2000);
      // RFC 6582 3.2 step 3 option 1: cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS).
      expect([rig.sock.tcb.cc.inRecovery, rig.sock.tcb.cc.cwnd]).to.deep.equal([false, 1000]);
    });

    it('with SACK, retransmits only what the scoreboard marks lost (RFC 6675)', () => {
      const { rig, B } = fiveInFlightTwoLost();
      // B arrived (a partial ACK); B+1000 IsLost (2000 SACKed octets above it) and is retransmitted,
      // the SACKed B+500 and B+1500.. never are.
      ack(rig, 50, B + 1000, [{ left: B + 1500, right: B + 3500 }]);
      expect(brief(rig.out(50))).to.deep.equal([[B + 1000, P, ACK, 500]]);
      ack(rig, 100, B + 3500);
      expect(rig.sock.tcb.cc.inRecovery).to.equal(false);
      expect(rig.sock.tcb.board.isEmpty).to.equal(true);
    });
  });

  describe('beyond RFC 6675', () => {
    it('retransmits a lost retransmission once data sent after it is SACKed, before the timer', () => {
      const { rig, B } = fiveInFlightTwoLost();
      rig.sock.send(filled(500));
      ack(rig, 50, B + 1000, [{ left: B + 1500, right: B + 3500 }]);
      expect(brief(rig.out(50)).map((x) => x[0])).to.deep.equal([B + 1000, B + 3500]);
      // B+3500, sent after the retransmission of B+1000, arrives; that retransmission was lost.
      ack(rig, 100, B + 1000, [{ left: B + 1500, right: B + 4000 }]);
      expect(brief(rig.out(100))).to.deep.equal([[B + 1000, P, ACK, 500]]);
      expect(rig.sock.tcb.retries).to.equal(0);
    });

    it("congestionControl 'none' fills the peer's window at once", () => {
      const { rig } = established({ opts: { congestionControl: 'none' }, peer: { windowLen: 10 * 1460 } });
      rig.sock.send(filled(20 * 1460));
      expect(rig.out(20)).to.have.length(10);
    });

    it('acknowledges each of several out-of-order segments that arrive together (RFC 5681 4.2)', () => {
      const { rig } = established({ peer: { sackPermitted: true } });
      for (const at of [1000, 2000, 3000]) {
        rig.deliver(20, { seq: P + at, ackNumber: A, flags: ACK, windowLen: 65535, payload: filled(500) });
      }
      const acks = rig.out(20);
      expect(brief(acks)).to.deep.equal([[A, P, ACK, 0], [A, P, ACK, 0], [A, P, ACK, 0]]);
      expect(acks[0]!.sackBlocks).to.have.length(3);
    });
  });

  describe('idle restart (RFC 5681 4.1)', () => {
    it('after more than RTO without sending, cwnd falls back to the initial window', () => {
      const { rig } = established();
      rig.sock.send(filled(3 * 1460));
      rig.out(20);
      ack(rig, 30, A + 3 * 1460);
      expect(rig.sock.tcb.cc.cwnd).to.equal(4 * 1460);
      rig.sock.send(filled(4 * 1460));
      expect(rig.out(100)).to.have.length(4); // the grown window
      ack(rig, 110, A + 7 * 1460);
      expect(rig.out(110)).to.deep.equal([]);
      rig.sock.send(filled(10 * 1460));
      expect(rig.out(1000)).to.have.length(3); // idle for 900 ms > RTO: IW = 3 segments
    });
  });

  describe('zero window (RFC 9293 3.8.6.1)', () => {
    it('probes a closed window with one octet on a backed-off persist timer, and resumes when it opens', () => {
      const { rig } = established();
      ack(rig, 15, A, [], 0);
      rig.sock.send(filled(100));
      expect(rig.out(20)).to.deep.equal([]);
      expect(rig.pollAt(20)).to.equal(220);
      expect(brief(rig.out(220))).to.deep.equal([[A, P, ACK, 1]]);
      ack(rig, 230, A, [], 0); // probe refused
      expect(rig.out(230)).to.deep.equal([]);
      expect(rig.pollAt(230)).to.equal(620);
      expect(brief(rig.out(620))).to.deep.equal([[A, P, ACK, 1]]);
      expect(rig.pollAt(620)).to.equal(1420);
      ack(rig, 700, A, [], 1000);
      expect(brief(rig.out(700))).to.deep.equal([[A, P, ACK | PSH, 100]]);
      expect(rig.sock.tcb.persistAt).to.equal(null);
    });

    it('a probe the peer accepts is acknowledged like data', () => {
      const { rig } = established();
      ack(rig, 15, A, [], 0);
      rig.sock.send(filled(100));
      rig.out(20);
      rig.out(220);
      ack(rig, 230, A + 1, [], 0);
      expect(rig.sock.tcb.sndUna).to.equal(A + 1);
      ack(rig, 240, A + 1, [], 2000);
      expect(brief(rig.out(240))).to.deep.equal([[A + 1, P, ACK | PSH, 99]]);
    });
  });
});
