import { expect } from 'chai';
import { ipv4 } from '../wire/address.js';
import { RoutingTable } from './route.js';

describe('iface/route', () => {
  it('picks the longest matching prefix and falls back to the default gateway', () => {
    const t = new RoutingTable();
    t.setDefaultGateway(ipv4('10.0.0.1'));
    t.add({ cidr: { address: ipv4('172.16.0.0'), prefixLen: 12 }, via: ipv4('10.0.0.2') });
    t.add({ cidr: { address: ipv4('172.16.5.0'), prefixLen: 24 }, via: ipv4('10.0.0.3') });
    expect(t.lookup(ipv4('172.16.5.9'))?.via).to.equal(ipv4('10.0.0.3'));
    expect(t.lookup(ipv4('172.17.0.1'))?.via).to.equal(ipv4('10.0.0.2'));
    expect(t.lookup(ipv4('8.8.8.8'))?.via).to.equal(ipv4('10.0.0.1'));
    expect(t.defaultGateway).to.equal(ipv4('10.0.0.1'));
  });

  it('replaces a route to the same network, removes routes, and is bounded', () => {
    const t = new RoutingTable(2);
    expect(t.setDefaultGateway(ipv4('10.0.0.1'))).to.equal(true);
    expect(t.setDefaultGateway(ipv4('10.0.0.254'))).to.equal(true);
    expect(t.list()).to.have.length(1);
    expect(t.add({ cidr: { address: ipv4('192.168.1.77'), prefixLen: 24 }, via: null })).to.equal(true);
    expect(t.list()[1]!.cidr.address).to.equal(ipv4('192.168.1.0'));
    expect(t.add({ cidr: { address: ipv4('192.168.2.0'), prefixLen: 24 }, via: null })).to.equal(false);
    expect(t.setDefaultGateway(null)).to.equal(true);
    expect(t.lookup(ipv4('8.8.8.8'))).to.equal(null);
  });
});
