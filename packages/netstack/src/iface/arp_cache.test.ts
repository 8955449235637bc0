import { expect } from 'chai';
import { ipv4, mac } from '../wire/address.js';
import { ArpCache, DEFAULT_ARP_LIMITS } from './arp_cache.js';

const IP = ipv4('10.0.0.9');
const MAC = mac('02:aa:bb:cc:dd:ee');
const frame = (tag: number): Uint8Array => Uint8Array.of(0, 0, 0, 0, 0, 0, tag);

describe('iface/arp_cache', () => {
  it('resolves, then forgets after the entry lifetime', () => {
    const c = new ArpCache({ ...DEFAULT_ARP_LIMITS, entryTtlMs: 1000 });
    expect(c.lookup(IP, 0)).to.equal(null);
    c.fill(IP, MAC, 0);
    expect(c.lookup(IP, 999)).to.equal(MAC);
    expect(c.lookup(IP, 1000)).to.equal(null);
  });

  it('queues frames per address, keeps the newest when full, and fills in the destination', () => {
    const c = new ArpCache({ ...DEFAULT_ARP_LIMITS, pendingPerAddr: 2 });
    expect(c.enqueue(IP, frame(1), 0)).to.equal('request');
    expect(c.enqueue(IP, frame(2), 0)).to.equal('queued');
    expect(c.enqueue(IP, frame(3), 0)).to.equal('queued');
    expect(c.stats.pendingDropped).to.equal(1);
    const out = c.fill(IP, MAC, 5);
    expect(out.map((f) => f[6])).to.deep.equal([2, 3]);
    expect(Array.from(out[0]!.subarray(0, 6))).to.deep.equal([0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee]);
    expect(c.pendingAddrs).to.equal(0);
  });

  it('retries once per interval and gives up after maxRequests, returning the waiting frames', () => {
    const c = new ArpCache({ ...DEFAULT_ARP_LIMITS, retryIntervalMs: 1000, maxRequests: 3 });
    c.enqueue(IP, frame(1), 0);
    expect(c.pollAt()).to.equal(1000);
    expect(c.expire(999)).to.deep.equal({ retry: [], failed: [] });
    expect(c.expire(1000).retry).to.deep.equal([IP]);
    expect(c.expire(2000).retry).to.deep.equal([IP]);
    const gaveUp = c.expire(3000);
    expect(gaveUp.retry).to.deep.equal([]);
    expect(gaveUp.failed.map((f) => [f.addr, f.frames.length])).to.deep.equal([[IP, 1]]);
    expect(c.pollAt()).to.equal(null);
  });

  it('refuses new unresolved addresses beyond the limit', () => {
    const c = new ArpCache({ ...DEFAULT_ARP_LIMITS, pendingAddrs: 1 });
    expect(c.enqueue(IP, frame(1), 0)).to.equal('request');
    expect(c.enqueue(IP + 1, frame(2), 0)).to.equal('dropped');
  });

  it('evicts the entry expiring soonest when the cache is full', () => {
    const c = new ArpCache({ ...DEFAULT_ARP_LIMITS, cacheSize: 2, entryTtlMs: 100 });
    c.fill(IP, MAC, 0);
    c.fill(IP + 1, MAC, 10);
    c.fill(IP + 2, MAC, 20);
    expect([c.has(IP), c.has(IP + 1), c.has(IP + 2)]).to.deep.equal([false, true, true]);
  });
});
