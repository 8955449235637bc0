/**
 * TCP connection establishment (RFC 9293 3.5): active, passive and simultaneous open, option
 * negotiation, SYN retransmission, and a listener's backlog. Segments are built by hand (testkit.ts).
 */
import { expect } from 'chai';
import { host, pump } from '../testing.js';
import { ipv4 } from '../wire/address.js';
import { State, TcpSocket } from './tcp.js';
import { ACK, ISS, PEER, PEER_ISS, RST, Rig, SYN, US, brief } from './tcp/testkit.js';

describe('TCP handshake', () => {
  describe('CLOSED', () => {
    it('connect() sends a SYN offering MSS, window scale, SACK and timestamps', () => {
      const rig = new Rig();
      expect(rig.sock.connect(US, PEER, 0)).to.equal('ok');
      expect(rig.sock.state).to.equal(State.SYN_SENT);
      const [syn, ...rest] = rig.out(0);
      expect(rest).to.deep.equal([]);
      expect(syn).to.deep.include({
        srcPort: US.port, dstPort: PEER.port, seqNumber: ISS, ackNumber: 0, flags: SYN, windowLen: 65535,
        maxSegSize: 1460, windowScale: 1, sackPermitted: true, timestamps: { tsVal: 1000, tsEcr: 0 },
      });
    });

    it('connect() on a used socket or a taken 4-tuple fails', () => {
      const rig = new Rig();
      expect(rig.sock.connect(US, PEER, 0)).to.equal('ok');
      expect(rig.sock.connect(US, PEER, 0)).to.equal('invalid-state');
      const twin = new TcpSocket(rig.set, { rng: () => 1 });
      expect(twin.connect(US, PEER, 0)).to.equal('in-use');
      expect(twin.connect({ addr: US.addr, port: 0 }, PEER, 0)).to.equal('ok');
      expect(twin.localEndpoint.port).to.be.within(49152, 65535);
    });
  });

  describe('SYN-SENT', () => {
    it('completes an active open on SYN-ACK and acknowledges it', () => {
      const rig = new Rig();
      rig.sock.connect(US, PEER, 0);
      rig.out(0);
      rig.deliver(10, { seq: PEER_ISS, ackNumber: ISS + 1, flags: SYN | ACK, windowLen: 8000, maxSegSize: 1000 });
      expect(rig.sock.state).to.equal(State.ESTABLISHED);
      expect(brief(rig.out(10))).to.deep.equal([[ISS + 1, PEER_ISS + 1, ACK, 0]]);
      // No timestamps in the SYN-ACK: none afterwards (RFC 7323 3.2); MSS is the peer's (RFC 9293 3.7.1).
      expect(rig.sock.tcb.tsOk).to.equal(false);
      expect(rig.sock.tcb.sndMss).to.equal(1000);
      expect(rig.sock.tcb.sndWnd).to.equal(8000);
      expect(rig.sock.writable).to.equal(true);
    });

    it('answers an ACK that does not cover our SYN with a RST and stays', () => {
      const rig = new Rig();
      rig.sock.connect(US, PEER, 0);
      rig.out(0);
      rig.deliver(5, { seq: PEER_ISS, ackNumber: ISS, flags: SYN | ACK, windowLen: 100 });
      expect(brief(rig.out(5))).to.deep.equal([[ISS, 0, RST, 0]]);
      expect(rig.sock.state).to.equal(State.SYN_SENT);
    });

    it('is refused by a RST with an acceptable ACK and ignores one without', () => {
      const rig = new Rig();
      rig.sock.connect(US, PEER, 0);
      rig.out(0);
      rig.deliver(5, { seq: 0, flags: RST });
      expect(rig.sock.state).to.equal(State.SYN_SENT);
      rig.deliver(6, { seq: 0, ackNumber: ISS + 1, flags: RST | ACK });
      expect(rig.sock.state).to.equal(State.CLOSED);
      expect(rig.sock.error).to.equal('refused');
      expect(rig.out(6)).to.deep.equal([]);
      expect(rig.set.size).to.equal(0);
    });

    it('retransmits the SYN with exponential backoff, then gives up (RFC 6298 5.5, RFC 1122 4.2.3.5)', () => {
      const rig = new Rig();
      rig.sock.connect(US, PEER, 0);
      const times: number[] = [];
      for (let now: number | null = 0; now !== null; now = rig.pollAt(now)) {
        for (const s of rig.out(now)) {
          expect(s.seqNumber).to.equal(ISS);
          times.push(now);
        }
      }
      expect(times).to.deep.equal([0, 1000, 3000, 7000, 15000, 31000]);
      expect(rig.sock.state).to.equal(State.CLOSED);
      expect(rig.sock.error).to.equal('timeout');
    });

    it('an ICMP port unreachable refuses the connection; a locally generated one does not (RFC 1122 4.2.3.9)', () => {
      const icmp = (localOrigin: boolean) => ({
        kind: 'unreachable' as const, code: 3, nextHopMtu: 0, local: US, remote: PEER, localOrigin,
      });
      const rig = new Rig();
      rig.sock.connect(US, PEER, 0);
      rig.out(0);
      rig.sock.transportError(1, icmp(true));
      expect(rig.sock.state).to.equal(State.SYN_SENT);
      rig.sock.transportError(2, icmp(false));
      expect([rig.sock.state, rig.sock.error]).to.deep.equal([State.CLOSED, 'refused']);
    });

    it('moves to SYN-RECEIVED on a bare SYN and completes a simultaneous open', () => {
      const rig = new Rig();
      rig.sock.connect(US, PEER, 0);
      rig.out(0);
      rig.deliver(5, { seq: PEER_ISS, flags: SYN, windowLen: 4000, maxSegSize: 1200 });
      expect(rig.sock.state).to.equal(State.SYN_RECEIVED);
      const [synAck] = rig.out(5);
      expect(brief([synAck!])).to.deep.equal([[ISS, PEER_ISS + 1, SYN | ACK, 0]]);
      // The peer's SYN-ACK crosses ours: it acknowledges our SYN.
      rig.deliver(8, { seq: PEER_ISS, ackNumber: ISS + 1, flags: SYN | ACK, windowLen: 4000 });
      expect(rig.sock.state).to.equal(State.ESTABLISHED);
      expect(rig.sock.tcb.sndUna).to.equal(ISS + 1);
    });
  });

  describe('LISTEN', () => {
    const client = { addr: PEER.addr, port: 33000 };

    function listening(backlog = 4): Rig {
      const rig = new Rig();
      expect(rig.sock.listen({ addr: 0, port: US.port }, backlog)).to.equal('ok');
      return rig;
    }

    it('answers a SYN from a new child with the negotiated options; the ACK makes it acceptable', () => {
      const rig = listening();
      rig.deliver(0, {
        seq: PEER_ISS, flags: SYN, windowLen: 65535, maxSegSize: 1400, windowScale: 7, sackPermitted: true,
        timestamps: { tsVal: 77, tsEcr: 0 },
      }, client);
      expect(rig.sock.queued).to.deep.equal({ accept: 0, syn: 1 });
      const [synAck, ...rest] = rig.out(0);
      expect(rest).to.deep.equal([]);
      expect(synAck).to.deep.include({
        srcPort: US.port, dstPort: client.port, seqNumber: ISS, ackNumber: PEER_ISS + 1, flags: SYN | ACK,
        windowLen: 65535, maxSegSize: 1460, windowScale: 1, sackPermitted: true, timestamps: { tsVal: 1000, tsEcr: 77 },
      });
      expect(rig.sock.accept()).to.equal(null);
      rig.deliver(3, { seq: PEER_ISS + 1, ackNumber: ISS + 1, flags: ACK, windowLen: 100, timestamps: { tsVal: 78, tsEcr: 1000 } }, client);
      const child = rig.sock.accept()!;
      expect(child.state).to.equal(State.ESTABLISHED);
      expect(child.remoteEndpoint).to.deep.equal(client);
      // RFC 7323 2.3: windows after the SYN are scaled by the peer's shift (7).
      expect(child.tcb.sndWnd).to.equal(100 << 7);
      expect(child.tcb.sndMss).to.equal(1400);
      expect(rig.sock.queued).to.deep.equal({ accept: 0, syn: 0 });
    });

    it('a child whose buffer outgrows the SYN-ACK window owes no window update before it is synchronized', () => {
      const rig = new Rig({ rxBuffer: 70_001 });
      rig.sock.listen({ addr: 0, port: US.port }, 4);
      rig.deliver(0, { seq: PEER_ISS, flags: SYN, windowLen: 1000, windowScale: 0 }, client);
      expect(rig.out(0)[0]!.windowLen).to.equal(65535);
      expect(rig.pollAt(0)).to.equal(1000); // the SYN-ACK's timer, not "now" for ever
    });

    it('resets an ACK and ignores a RST (RFC 9293 3.10.7.2)', () => {
      const rig = listening();
      rig.deliver(0, { seq: 1, ackNumber: 777, flags: ACK }, client);
      rig.deliver(0, { seq: 1, flags: RST }, client);
      expect(brief(rig.out(0))).to.deep.equal([[777, 0, RST, 0]]);
      expect(rig.sock.state).to.equal(State.LISTEN);
    });

    it('drops SYNs beyond the backlog, and takes them again once accept() makes room', () => {
      const rig = listening(2);
      const from = (port: number) => ({ addr: PEER.addr, port });
      for (const port of [1001, 1002, 1003]) rig.deliver(0, { seq: PEER_ISS, flags: SYN, windowLen: 1000 }, from(port));
      expect(rig.out(0).map((s) => s.dstPort)).to.deep.equal([1001, 1002]);
      expect(rig.sock.stats.synDropped).to.equal(1);
      rig.deliver(1, { seq: PEER_ISS + 1, ackNumber: ISS + 1, flags: ACK, windowLen: 1000 }, from(1001));
      rig.deliver(2, { seq: PEER_ISS, flags: SYN, windowLen: 1000 }, from(1003)); // the client retries
      expect(rig.out(2)).to.deep.equal([]);
      expect(rig.sock.queued).to.deep.equal({ accept: 1, syn: 1 });
      expect(rig.sock.accept()!.remoteEndpoint.port).to.equal(1001);
      rig.deliver(3, { seq: PEER_ISS, flags: SYN, windowLen: 1000 }, from(1003));
      expect(rig.out(3).map((s) => [s.dstPort, s.flags])).to.deep.equal([[1003, SYN | ACK]]);
      expect(rig.sock.stats.synDropped).to.equal(2);
    });

    it('bounds half-open children by synBacklog, and frees a slot when a handshake times out', () => {
      const rig = new Rig({ synBacklog: 1, synRetries: 1 });
      rig.sock.listen({ addr: 0, port: US.port }, 8);
      rig.deliver(0, { seq: PEER_ISS, flags: SYN, windowLen: 1000 }, { addr: PEER.addr, port: 2001 });
      rig.deliver(0, { seq: PEER_ISS, flags: SYN, windowLen: 1000 }, { addr: PEER.addr, port: 2002 });
      expect(rig.out(0).map((s) => s.dstPort)).to.deep.equal([2001]);
      expect(rig.sock.stats.synDropped).to.equal(1);
      // A SYN flood's child never hears back: one SYN-ACK retransmission, then it gives up.
      expect(rig.out(1000).map((s) => s.dstPort)).to.deep.equal([2001]);
      rig.out(3000);
      expect(rig.sock.queued).to.deep.equal({ accept: 0, syn: 0 });
      expect(rig.set.size).to.equal(1);
      rig.deliver(3001, { seq: PEER_ISS, flags: SYN, windowLen: 1000 }, { addr: PEER.addr, port: 2002 });
      expect(rig.out(3001).map((s) => s.dstPort)).to.deep.equal([2002]);
    });

    it('close() aborts half-open children with a RST', () => {
      const rig = listening();
      rig.deliver(0, { seq: PEER_ISS, flags: SYN, windowLen: 1000 }, client);
      rig.out(0);
      rig.sock.close();
      expect(rig.sock.state).to.equal(State.CLOSED);
      expect(brief(rig.out(1))).to.deep.equal([[ISS + 1, 0, RST, 0]]);
      expect(rig.set.size).to.equal(0);
    });
  });

  describe('SYN-RECEIVED', () => {
    const client = { addr: PEER.addr, port: 33000 };

    function halfOpen(): Rig {
      const rig = new Rig();
      rig.sock.listen({ addr: 0, port: US.port }, 4);
      rig.deliver(0, { seq: PEER_ISS, flags: SYN, windowLen: 1000 }, client);
      rig.out(0);
      return rig;
    }

    it('repeats the SYN-ACK for a retransmitted SYN, and on its own timer', () => {
      const rig = halfOpen();
      rig.deliver(100, { seq: PEER_ISS, flags: SYN, windowLen: 1000 }, client);
      expect(brief(rig.out(100))).to.deep.equal([[ISS, PEER_ISS + 1, SYN | ACK, 0]]);
      expect(rig.pollAt(100)).to.equal(1000);
      expect(brief(rig.out(1000))).to.deep.equal([[ISS, PEER_ISS + 1, SYN | ACK, 0]]);
    });

    it('resets an ACK that does not acknowledge the SYN', () => {
      const rig = halfOpen();
      rig.deliver(5, { seq: PEER_ISS + 1, ackNumber: ISS + 50, flags: ACK, windowLen: 1000 }, client);
      expect(brief(rig.out(5))).to.deep.equal([[ISS + 50, 0, RST, 0]]);
      expect(rig.sock.queued.syn).to.equal(1);
    });

    it('a RST at RCV.NXT removes the half-open child', () => {
      const rig = halfOpen();
      rig.deliver(5, { seq: PEER_ISS + 1, flags: RST }, client);
      expect(rig.sock.queued).to.deep.equal({ accept: 0, syn: 0 });
      expect(rig.out(5)).to.deep.equal([]);
      expect(rig.set.size).to.equal(1); // only the listener is left
    });
  });
});

describe('TCP through interfaces', () => {
  it('a listener ignores a SYN sent to a broadcast address (RFC 1122 4.2.3.10)', () => {
    const a = host(1);
    const b = host(2);
    const listener = new TcpSocket(b.iface.sockets, { rng: () => 5 });
    listener.listen({ addr: 0, port: 80 }, 4);
    const client = new TcpSocket(a.iface.sockets, { rng: () => 6 });
    client.connect({ addr: 0, port: 0 }, { addr: ipv4('10.0.0.255'), port: 80 }, 0);
    pump([a, b], 0);
    expect(listener.queued).to.deep.equal({ accept: 0, syn: 0 });
    expect(b.iface.stats.drops['tcp-not-unicast']).to.equal(1);
    expect(client.state).to.equal(State.SYN_SENT);
  });

  it('connects, carries data both ways and closes between two interfaces', () => {
    const a = host(1);
    const b = host(2);
    const listener = new TcpSocket(b.iface.sockets, { rng: () => 5, msl: 10 });
    listener.listen({ addr: 0, port: 80 }, 4);
    const client = new TcpSocket(a.iface.sockets, { rng: () => 6, msl: 10 });
    client.connect({ addr: 0, port: 0 }, { addr: ipv4('10.0.0.2'), port: 80 }, 0);
    pump([a, b], 0);
    const server = listener.accept()!;
    expect([client.state, server.state]).to.deep.equal([State.ESTABLISHED, State.ESTABLISHED]);
    client.send(new TextEncoder().encode('ping'));
    server.send(new TextEncoder().encode('pong'));
    pump([a, b], 1);
    expect(new TextDecoder().decode(server.recv(10))).to.equal('ping');
    expect(new TextDecoder().decode(client.recv(10))).to.equal('pong');
    client.close();
    pump([a, b], 2);
    server.close();
    pump([a, b], 3);
    expect([client.state, server.state]).to.deep.equal([State.TIME_WAIT, State.CLOSED]);
    pump([a, b], 23);
    expect([client.state, a.iface.sockets.size, b.iface.sockets.size]).to.deep.equal([State.CLOSED, 0, 1]);
  });
});
