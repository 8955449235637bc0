import { expect } from 'chai';
import { seededRng } from '../testing.js';
import type { Egress, IpTx, SegmentOf, TransportProtocol, TxResult } from './set.js';
import { SocketSet } from './set.js';
import { UdpSocket } from './udp.js';

/** An Egress that records what a socket sends and answers with a fixed result. */
function recorder(result: TxResult = 'sent'): Egress & { sent: Array<{ ip: IpTx; seg: SegmentOf['udp'] }> } {
  const sent: Array<{ ip: IpTx; seg: SegmentOf['udp'] }> = [];
  return {
    sent, mtu: 1500, sourceAddressFor: () => 1,
    send<P extends TransportProtocol>(_p: P, ip: IpTx, seg: SegmentOf[P]): TxResult {
      sent.push({ ip, seg: seg as SegmentOf['udp'] });
      return result;
    },
  };
}

const META = { src: 7, dst: 8, ttl: 64, dscpEcn: 0 };

describe('socket/udp', () => {
  it('binds once, to a free port; port 0 is ephemeral', () => {
    const set = new SocketSet(seededRng(1));
    const a = new UdpSocket(set);
    expect(a.bind({ addr: 0, port: 53 })).to.equal('ok');
    expect(a.bind({ addr: 0, port: 54 })).to.equal('already-bound');
    expect(new UdpSocket(set).bind({ addr: 0, port: 53 })).to.equal('in-use');
    const e = new UdpSocket(set);
    expect(e.bind({ addr: 0, port: 0 })).to.equal('ok');
    expect(e.localEndpoint!.port).to.be.at.least(49152);
  });

  it('auto-binds on first send and dispatches queued datagrams in order', () => {
    const set = new SocketSet(seededRng(1));
    const s = new UdpSocket(set);
    const buf = Uint8Array.of(1, 2, 3);
    expect(s.sendTo(buf, { addr: 9, port: 99 })).to.equal('ok');
    buf[0] = 42; // the socket copied it
    s.sendTo(Uint8Array.of(4), { addr: 9, port: 99 });
    expect(s.pollAt(5)).to.equal(5);
    const out = recorder();
    s.dispatch(5, out);
    expect(out.sent.map((x) => [x.ip.dst, x.seg.dstPort, x.seg.srcPort === s.localEndpoint!.port, Array.from(x.seg.payload)]))
      .to.deep.equal([[9, 99, true, [1, 2, 3]], [9, 99, true, [4]]]);
    expect(s.pollAt(5)).to.equal(null);
  });

  it('bounds the send queue by count and bytes, and counts datagrams that cannot leave', () => {
    const s = new UdpSocket(new SocketSet(seededRng(1)), { txDatagrams: 2, queueBytes: 10 });
    expect(s.sendTo(new Uint8Array(4), { addr: 9, port: 1 })).to.equal('ok');
    expect(s.sendTo(new Uint8Array(7), { addr: 9, port: 1 })).to.equal('would-block');
    expect(s.sendTo(new Uint8Array(6), { addr: 9, port: 1 })).to.equal('ok');
    expect(s.sendTo(new Uint8Array(0), { addr: 9, port: 1 })).to.equal('would-block');
    expect(s.sendTo(new Uint8Array(70000), { addr: 9, port: 1 })).to.equal('too-big');
    s.dispatch(0, recorder('no-route'));
    expect(s.stats.txDropped).to.equal(2);
  });

  it('copies received payloads and reports the remote endpoint', () => {
    const s = new UdpSocket(new SocketSet(seededRng(1)));
    s.bind({ addr: 0, port: 53 });
    const payload = Uint8Array.of(5, 6);
    s.process(0, META, { srcPort: 1234, dstPort: 53, payload });
    payload[0] = 0;
    expect(s.recvFrom()).to.deep.equal({ payload: Uint8Array.of(5, 6), remote: { addr: 7, port: 1234 }, localAddr: 8 });
    expect(s.recvFrom()).to.equal(null);
  });

  it('refuses everything after close and frees its port', () => {
    const set = new SocketSet(seededRng(1));
    const s = new UdpSocket(set);
    s.bind({ addr: 0, port: 53 });
    s.close();
    expect(s.sendTo(Uint8Array.of(1), { addr: 9, port: 1 })).to.equal('closed');
    expect(s.bind({ addr: 0, port: 53 })).to.equal('closed');
    expect(set.size).to.equal(0);
    expect(new UdpSocket(set).bind({ addr: 0, port: 53 })).to.equal('ok');
  });
});
