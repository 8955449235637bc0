// Sockets over a NIC: netd has leased 10.0.2.15 from the LAN's gateway (10.0.2.2), which runs a TCP
// server on 8888 (it answers in capitals) and a UDP echo on 9999 (it answers "pong"), and connects to us on
// 7777 once we say we listen. A listener on the wildcard address takes connections from the LAN and from
// the loopback. argdata {stdout, netd}.
import { E, Net, utf8Decode, type ArgValue, type Os } from '@cosix/libc';
import { Checker } from './lib/check.js';

const text = (b: Uint8Array) => utf8Decode(b) ?? '';

function readN(os: Os, fd: number, n: number): string {
  let s = '';
  while (s.length < n) { const b = os.read(fd, 64); if (b.length === 0) break; s += text(b); }
  return s;
}

export function main(os: Os, args: ArgValue): number {
  const c = new Checker(os, 'lantest');
  const net = new Net(os, (args as { netd: { fd: number } }).netd.fd);
  const L = net.tcpListen('0.0.0.0:7777');
  os.writeAll(0, 'lantest: listening\n');

  const out = net.tcpConnect('10.0.2.2:8888');
  c.ok(/^10\.0\.2\.15:\d+$/.test(out.local ?? ''), `a connection to the LAN leaves from the leased address (${out.local})`);
  os.writeAll(out.fd, 'hello lan');
  c.eq(readN(os, out.fd, 9), 'HELLO LAN', 'the gateway\'s server answers');
  os.close(out.fd);

  const acc = net.accept(L.fd);
  c.ok(/^10\.0\.2\.2:\d+$/.test(acc.peer ?? '') && acc.local === '10.0.2.15:7777', `a connection from the LAN (${acc.peer} -> ${acc.local})`);
  c.eq(readN(os, acc.fd, 12), 'from gateway', 'carries the gateway\'s bytes');
  os.writeAll(acc.fd, 'to gateway');
  os.close(acc.fd);

  const lo = net.tcpConnect('127.0.0.1:7777');
  const accLo = net.accept(L.fd);
  c.eq(accLo.peer, lo.local, 'the wildcard listener takes loopback connections too');
  os.close(lo.fd); os.close(accLo.fd);

  const u = net.udp({ connect: '10.0.2.2:9999' });
  os.write(u.fd, 'ping');
  c.eq(text(os.read(u.fd, 64)), 'pong', 'UDP to the LAN and back');
  c.eq(net.stat(u.fd).local, `10.0.2.15:${u.local!.split(':')[1]}`, 'a UDP socket\'s name on the LAN');
  os.close(u.fd);

  c.errno(E.ADDRNOTAVAIL, 'a bind to an address no interface has', () => net.udp({ bind: '10.0.2.99:5' }));
  os.close(L.fd);
  return c.done();
}
