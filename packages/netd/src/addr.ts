// Addresses as the daemon's clients write them ("a.b.c.d:port", in requests and in sock_bind/sock_connect
// names) and as the ABI lays them out (a CloudABI sockaddr, 20 bytes, in sock_stat_get's sockstat):
//   0 u8 sa_family (AF_INET = 1)   2..5 the IPv4 address, network byte order   6 u16 port, little-endian
// (the port is a plain integer field of the struct, as cloudabi32_sockaddr_t has it).
import { SOCKADDR, SOCKSTAT, SOCKSTAT_PEERNAME, SOCKSTAT_SOCKNAME, SSTATE } from '@cosix/kernel/abi';
import { formatIpv4, parseIpv4, type Endpoint } from '@cosix/netstack';

export const AF_INET = 1;

/** "a.b.c.d:port" -> Endpoint; null when it is not exactly that (port 0..65535, no spaces). */
export function parseEndpoint(text: string): Endpoint | null {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const addr = parseIpv4(m[1]), port = Number(m[2]);
  return addr === null || port > 0xffff ? null : { addr, port };
}

export function formatEndpoint(e: Endpoint): string { return `${formatIpv4(e.addr)}:${e.port}`; }

export const sameEndpoint = (a: Endpoint | null, b: Endpoint | null): boolean =>
  a !== null && b !== null && a.addr === b.addr && a.port === b.port;

function writeSockaddr(dv: DataView, at: number, e: Endpoint | null): void {
  if (e === null) return; // AF_UNSPEC: all zeros
  dv.setUint8(at, AF_INET);
  dv.setUint32(at + 2, e.addr >>> 0, false);
  dv.setUint16(at + 6, e.port, true);
}

/** A sockstat (48 bytes): our name, the peer's, a pending error and whether the socket listens. */
export function encodeSockstat(local: Endpoint | null, peer: Endpoint | null, error: number, listening: boolean): Uint8Array {
  const b = new Uint8Array(SOCKSTAT.size), dv = new DataView(b.buffer);
  writeSockaddr(dv, SOCKSTAT_SOCKNAME, local);
  writeSockaddr(dv, SOCKSTAT_PEERNAME, peer);
  dv.setUint16(40, error, true);
  dv.setUint32(44, listening ? SSTATE.ACCEPTCONN : 0, true);
  return b;
}

if (SOCKADDR.size !== 20) throw new Error('addr.ts: the sockaddr layout changed');
