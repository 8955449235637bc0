/**
 * Connection release (RFC 9293 3.6): FIN-WAIT-1, FIN-WAIT-2, CLOSING (simultaneous close), TIME-WAIT,
 * CLOSE-WAIT, LAST-ACK, half-close, and ABORT. MSL is shortened to 100 ms, so TIME-WAIT lasts 200 ms.
 */
import { expect } from 'chai';
import { State } from './tcp.js';
import { ACK, FIN, ISS, PEER_ISS, PSH, RST, brief, established, filled } from './tcp/testkit.js';

const A = ISS + 1;
const P = PEER_ISS + 1;
const opts = { msl: 100 };

describe('TCP connection release', () => {
  describe('FIN-WAIT-1', () => {
    it('close() sends a FIN after the queued data; its ACK moves to FIN-WAIT-2', () => {
      const { rig } = established({ opts });
      rig.sock.send(filled(10));
      rig.sock.close();
      expect(rig.sock.state).to.equal(State.FIN_WAIT_1);
      expect(rig.sock.writable).to.equal(false);
      expect(rig.sock.send(filled(1))).to.equal(0);
      expect(brief(rig.out(20))).to.deep.equal([[A, P, ACK | PSH | FIN, 10]]);
      rig.deliver(30, { seq: P, ackNumber: A + 11, flags: ACK, windowLen: 1000 });
      expect(rig.sock.state).to.equal(State.FIN_WAIT_2);
    });

    it('retransmits the FIN on timeout', () => {
      const { rig } = established({ opts });
      rig.sock.close();
      expect(brief(rig.out(20))).to.deep.equal([[A, P, ACK | FIN, 0]]);
      expect(brief(rig.out(220))).to.deep.equal([[A, P, ACK | FIN, 0]]);
    });
  });

  describe('FIN-WAIT-2', () => {
    it('still receives (half-close), and the peer FIN leads to TIME-WAIT', () => {
      const { rig } = established({ opts });
      rig.sock.close();
      rig.out(20);
      rig.deliver(30, { seq: P, ackNumber: A + 1, flags: ACK, windowLen: 1000 });
      rig.deliver(40, { seq: P, ackNumber: A + 1, flags: ACK | PSH, windowLen: 1000, payload: filled(5) });
      expect(rig.sock.recv(10)).to.deep.equal(filled(5));
      rig.deliver(50, { seq: P + 5, ackNumber: A + 1, flags: ACK | FIN, windowLen: 1000 });
      expect(rig.sock.state).to.equal(State.TIME_WAIT);
      expect(brief(rig.out(50))).to.deep.equal([[A + 1, P + 6, ACK, 0]]);
      expect(rig.sock.eof && rig.sock.hangup).to.equal(true);
    });
  });

  describe('TIME-WAIT', () => {
    function timeWait() {
      const { rig } = established({ opts });
      rig.sock.close();
      rig.out(20);
      rig.deliver(30, { seq: P, ackNumber: A + 1, flags: ACK | FIN, windowLen: 1000 });
      rig.out(30);
      return rig;
    }

    it('lasts 2 MSL, then the socket is CLOSED and leaves the set', () => {
      const rig = timeWait();
      expect(rig.sock.state).to.equal(State.TIME_WAIT);
      expect(rig.pollAt(30)).to.equal(230);
      rig.out(229);
      expect(rig.sock.state).to.equal(State.TIME_WAIT);
      rig.out(230);
      expect(rig.sock.state).to.equal(State.CLOSED);
      expect(rig.sock.error).to.equal(null);
      expect(rig.set.size).to.equal(0);
      expect(rig.pollAt(230)).to.equal(null);
    });

    it('acknowledges a retransmitted FIN and restarts the 2 MSL timer', () => {
      const rig = timeWait();
      rig.deliver(150, { seq: P, ackNumber: A + 1, flags: ACK | FIN, windowLen: 1000 });
      expect(brief(rig.out(150))).to.deep.equal([[A + 1, P + 1, ACK, 0]]);
      rig.out(230);
      expect(rig.sock.state).to.equal(State.TIME_WAIT);
      rig.out(350);
      expect(rig.sock.state).to.equal(State.CLOSED);
    });
  });

  describe('CLOSING', () => {
    it('simultaneous close: FINs cross, each is acknowledged, then TIME-WAIT', () => {
      const { rig } = established({ opts });
      rig.sock.close();
      expect(brief(rig.out(20))).to.deep.equal([[A, P, ACK | FIN, 0]]);
      rig.deliver(25, { seq: P, ackNumber: A, flags: ACK | FIN, windowLen: 1000 });
      expect(rig.sock.state).to.equal(State.CLOSING);
      expect(brief(rig.out(25))).to.deep.equal([[A + 1, P + 1, ACK, 0]]);
      rig.deliver(30, { seq: P + 1, ackNumber: A + 1, flags: ACK, windowLen: 1000 });
      expect(rig.sock.state).to.equal(State.TIME_WAIT);
    });
  });

  describe('CLOSE-WAIT and LAST-ACK', () => {
    it('the peer closes first: CLOSE-WAIT, reads to EOF, close() sends FIN, its ACK ends the connection', () => {
      const { rig } = established({ opts });
      rig.deliver(20, { seq: P, ackNumber: A, flags: ACK | FIN | PSH, windowLen: 1000, payload: filled(3) });
      expect(rig.sock.state).to.equal(State.CLOSE_WAIT);
      expect(brief(rig.out(20))).to.deep.equal([[A, P + 4, ACK, 0]]);
      expect(rig.sock.readable && !rig.sock.eof).to.equal(true);
      expect(rig.sock.recv(10)).to.deep.equal(filled(3));
      expect(rig.sock.eof).to.equal(true);
      expect(rig.sock.send(filled(2))).to.equal(2); // our direction is still open
      rig.sock.close();
      expect(rig.sock.state).to.equal(State.LAST_ACK);
      expect(brief(rig.out(30))).to.deep.equal([[A, P + 4, ACK | PSH | FIN, 2]]);
      rig.deliver(40, { seq: P + 4, ackNumber: A + 3, flags: ACK, windowLen: 1000 });
      expect(rig.sock.state).to.equal(State.CLOSED);
      expect(rig.sock.error).to.equal(null);
      expect(rig.out(40)).to.deep.equal([]); // the set lets go of it at its next dispatch
      expect(rig.set.size).to.equal(0);
      expect(rig.pollAt(40)).to.equal(null);
    });
  });

  describe('ABORT', () => {
    it('sends a RST from SND.NXT and closes at once', () => {
      const { rig } = established({ opts });
      rig.sock.send(filled(10));
      rig.out(20);
      rig.sock.abort();
      expect(rig.sock.state).to.equal(State.CLOSED);
      expect(brief(rig.out(21))).to.deep.equal([[A + 10, 0, RST, 0]]);
      expect(rig.set.size).to.equal(0);
    });
  });
});
