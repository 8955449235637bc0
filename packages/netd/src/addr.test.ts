import { expect } from 'chai';
import { ipv4 } from '@cosix/netstack';
import { encodeSockstat, formatEndpoint, parseEndpoint } from './addr.js';

describe('netd addresses', function () {
  it('parses "a.b.c.d:port" and nothing else', function () {
    expect(parseEndpoint('127.0.0.1:80')).to.deep.equal({ addr: ipv4('127.0.0.1'), port: 80 });
    expect(parseEndpoint('0.0.0.0:0')).to.deep.equal({ addr: 0, port: 0 });
    expect(parseEndpoint('255.255.255.255:65535')).to.deep.equal({ addr: ipv4('255.255.255.255'), port: 65535 });
    for (const bad of ['', '127.0.0.1', '127.0.0.1:', ':80', '127.0.0.1:65536', '256.0.0.1:1', '1.2.3:4', 'localhost:80', ' 1.2.3.4:5', '1.2.3.4:5 ', '1.2.3.4:-1', '1.2.3.4:123456']) {
      expect(parseEndpoint(bad), bad).to.equal(null);
    }
    expect(formatEndpoint({ addr: ipv4('10.0.2.15'), port: 26 })).to.equal('10.0.2.15:26');
  });

  it('lays out a sockstat as the ABI says (golden bytes)', function () {
    const b = encodeSockstat({ addr: ipv4('127.0.0.1'), port: 1234 }, { addr: ipv4('10.0.2.2'), port: 0x1601 }, 61, true);
    const want = new Uint8Array(48);
    want.set([1, 0, 127, 0, 0, 1, 0xd2, 0x04], 0);     // AF_INET, 127.0.0.1, port 1234 little-endian
    want.set([1, 0, 10, 0, 2, 2, 0x01, 0x16], 20);     // the peer
    want.set([61, 0], 40);                              // ss_error
    want.set([1, 0, 0, 0], 44);                         // ss_state ACCEPTCONN
    expect([...b]).to.deep.equal([...want]);
    expect([...encodeSockstat(null, null, 0, false)]).to.deep.equal(new Array(48).fill(0));
  });
});
