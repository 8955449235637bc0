import { expect } from 'chai';
import { seededRng } from '../testing.js';
import type { TransportSocket } from './set.js';
import { SocketSet } from './set.js';
import { EPHEMERAL_PORT_FIRST, EPHEMERAL_PORT_LAST } from '../params.js';

function fake(name: string, at: number | null = null): TransportSocket<'tcp'> & { name: string } {
  return { name, protocol: 'tcp', process: () => undefined, dispatch: () => undefined, pollAt: () => at };
}

const L = { addr: 10, port: 80 };
const R = { addr: 20, port: 5000 };

describe('socket/set', () => {
  it('demultiplexes by 4-tuple first, then by local address, then by wildcard', () => {
    const set = new SocketSet(seededRng(1));
    const listener = fake('listener');
    const bound = fake('bound');
    const conn = fake('conn');
    set.bind(listener, { addr: 0, port: 80 });
    expect(set.lookup('tcp', L, R)).to.equal(listener);
    set.bind(bound, L);
    expect(set.lookup('tcp', L, R)).to.equal(bound);
    set.bind(conn, L, R);
    expect(set.lookup('tcp', L, R)).to.equal(conn);
    expect(set.lookup('tcp', L, { addr: 20, port: 5001 })).to.equal(bound);
    expect(set.lookup('tcp', { addr: 11, port: 80 }, R)).to.equal(listener);
    expect(set.lookup('udp', L, R)).to.equal(undefined);
  });

  it('refuses an identical binding and frees bindings on unbind and remove', () => {
    const set = new SocketSet(seededRng(1));
    const a = fake('a');
    const b = fake('b');
    expect(set.bind(a, L, R)).to.equal('ok');
    expect(set.bind(b, L, R)).to.equal('in-use');
    expect(set.bind(b, L)).to.equal('ok');
    set.unbind(b, L);
    expect(set.portInUse('tcp', 80)).to.equal(true);
    set.remove(a);
    expect(set.portInUse('tcp', 80)).to.equal(false);
    expect(set.lookup('tcp', L, R)).to.equal(undefined);
    expect(set.size).to.equal(1); // b is still in the set, unbound
  });

  it('picks free ephemeral ports from a random start in the dynamic range', () => {
    const set = new SocketSet(seededRng(5));
    const p1 = set.ephemeralPort('tcp')!;
    expect(p1).to.be.within(EPHEMERAL_PORT_FIRST, EPHEMERAL_PORT_LAST);
    set.bind(fake('x'), { addr: 0, port: p1 });
    const again = new SocketSet(seededRng(5));
    expect(again.ephemeralPort('tcp')).to.equal(p1); // deterministic for a seed
    const full = new SocketSet(() => 0);
    for (let p = EPHEMERAL_PORT_FIRST; p <= EPHEMERAL_PORT_LAST; p++) full.bind(fake('f'), { addr: 0, port: p }, { addr: p, port: 1 });
    expect(full.ephemeralPort('tcp')).to.equal(null);
    expect(full.ephemeralPort('udp')).to.equal(EPHEMERAL_PORT_FIRST);
  });

  it('dispatches new, notified and timed-out sockets only, and reports the next time', () => {
    const set = new SocketSet(seededRng(1));
    const log: string[] = [];
    const egress = { send: () => 'sent' as const, sourceAddressFor: () => 1, mtu: 1500 };
    const timed = (name: string, times: Array<number | null>): TransportSocket<'udp'> => ({
      protocol: 'udp', process: () => undefined, dispatch: () => { log.push(name); }, pollAt: () => times.shift() ?? null,
    });
    const a = timed('a', [null]);
    const b = timed('b', [50, null]);
    const c = timed('c', [20, 30, null]);
    for (const s of [a, b, c]) set.add(s);
    expect(set.pollAt(0)).to.equal(0); // new sockets are due at once
    set.dispatch(0, egress);
    expect(log.splice(0)).to.deep.equal(['a', 'b', 'c']);
    expect(set.pollAt(0)).to.equal(20);
    set.dispatch(19, egress);
    expect(log.splice(0)).to.deep.equal([]);
    set.dispatch(20, egress);
    expect(log.splice(0)).to.deep.equal(['c']);
    expect(set.pollAt(20)).to.equal(30);
    set.notify(a);
    expect(set.pollAt(21)).to.equal(21);
    set.dispatch(60, egress);
    expect(log.splice(0)).to.deep.equal(['a', 'c', 'b']);
    expect(set.pollAt(60)).to.equal(null);
    set.remove(b);
    set.notify(b); // a removed socket is never dispatched again
    set.dispatch(61, egress);
    expect(log).to.deep.equal([]);
  });
});
