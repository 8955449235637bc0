import { expect } from 'chai';
import { host, pump, seededRng } from '../testing.js';
import { ipv4 } from '../wire/address.js';
import { State, TcpSocket } from './tcp.js';

describe('tcp smoke', () => {
  it('connects, transfers and closes', () => {
    const a = host(1);
    const b = host(2);
    const server = new TcpSocket(b.iface.sockets, { rng: seededRng(7) });
    expect(server.listen({ addr: 0, port: 80 }, 4)).to.equal('ok');
    const client = new TcpSocket(a.iface.sockets, { rng: seededRng(8) });
    expect(client.connect({ addr: 0, port: 0 }, { addr: ipv4('10.0.0.2'), port: 80 }, 0)).to.equal('ok');
    pump([a, b], 0);
    expect(client.state).to.equal(State.ESTABLISHED);
    const child = server.accept()!;
    expect(child.state).to.equal(State.ESTABLISHED);
    const data = new Uint8Array(100000).map((_, i) => i * 7);
    let sent = 0;
    const got: number[] = [];
    for (let now = 1; now < 2000 && got.length < data.length; now++) {
      sent += client.send(data.subarray(sent));
      pump([a, b], now);
      for (const x of child.recv(1 << 20)) got.push(x);
    }
    expect(got.length).to.equal(data.length);
    expect(Buffer.from(got).equals(Buffer.from(data))).to.equal(true);
    client.close();
    pump([a, b], 3000);
    expect(client.state).to.equal(State.FIN_WAIT_2);
    expect(child.state).to.equal(State.CLOSE_WAIT);
    child.close();
    pump([a, b], 3001);
    expect(child.state).to.equal(State.CLOSED);
    expect(client.state).to.equal(State.TIME_WAIT);
  });
});
