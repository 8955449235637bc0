// Hand-built frames for the hw tests (pcap.test.ts, tap.test.ts). Test support only: not exported
// from index.ts. The real protocol code lives in netstack; hw may not import it (STYLE.md
// layering), so these few builders exist to give tshark and Linux well-formed traffic.

export type Ip4 = [number, number, number, number];

/** RFC 1071 Internet checksum over `chunks` (ones' complement of the ones' complement sum). */
export function inetChecksum(...chunks: Uint8Array[]): number {
  let sum = 0;
  for (const c of chunks) {
    // RFC 1071 4.1: sum 16-bit words; an odd trailing byte is padded with zero. Every chunk but
    // the last has even length here (pseudo-headers and headers), so chunk boundaries align.
    for (let i = 0; i + 1 < c.length; i += 2) sum += (c[i] << 8) | c[i + 1];
    if (c.length % 2 === 1) sum += c[c.length - 1] << 8;
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function be16(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >>> 8) & 0xff;
  b[off + 1] = v & 0xff;
}

function be32(b: Uint8Array, off: number, v: number): void {
  be16(b, off, v >>> 16);
  be16(b, off + 2, v & 0xffff);
}

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;

/** Ethernet II frame (IEEE 802.3 3.2); payload padded to the 60-byte minimum frame. */
export function ethernet(dst: Uint8Array, src: Uint8Array, type: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(Math.max(60, 14 + payload.length));
  f.set(dst, 0);
  f.set(src, 6);
  be16(f, 12, type);
  f.set(payload, 14);
  return f;
}

/** ARP for IPv4 over Ethernet (RFC 826): op 1 request, 2 reply. */
export function arp(op: 1 | 2, sha: Uint8Array, spa: Ip4, tha: Uint8Array, tpa: Ip4): Uint8Array {
  const p = new Uint8Array(28);
  be16(p, 0, 1); // htype Ethernet
  be16(p, 2, ETHERTYPE_IPV4); // ptype
  p[4] = 6;
  p[5] = 4;
  be16(p, 6, op);
  p.set(sha, 8);
  p.set(spa, 14);
  p.set(tha, 18);
  p.set(tpa, 24);
  return p;
}

/** IPv4 header without options (RFC 791 3.1) with its header checksum, then `payload`. */
export function ipv4(src: Ip4, dst: Ip4, proto: number, payload: Uint8Array, id = 1, ttl = 64): Uint8Array {
  const p = new Uint8Array(20 + payload.length);
  p[0] = 0x45;
  be16(p, 2, p.length);
  be16(p, 4, id);
  be16(p, 6, 0x4000); // DF
  p[8] = ttl;
  p[9] = proto;
  p.set(src, 12);
  p.set(dst, 16);
  be16(p, 10, inetChecksum(p.subarray(0, 20)));
  p.set(payload, 20);
  return p;
}

/** ICMP echo request (type 8) or reply (type 0), RFC 792. */
export function icmpEcho(type: 0 | 8, ident: number, seq: number, data: Uint8Array): Uint8Array {
  const p = new Uint8Array(8 + data.length);
  p[0] = type;
  be16(p, 4, ident);
  be16(p, 6, seq);
  p.set(data, 8);
  be16(p, 2, inetChecksum(p));
  return p;
}

function pseudoHeader(src: Ip4, dst: Ip4, proto: number, len: number): Uint8Array {
  const ph = new Uint8Array(12);
  ph.set(src, 0);
  ph.set(dst, 4);
  ph[9] = proto;
  be16(ph, 10, len);
  return ph;
}

/** UDP datagram with its pseudo-header checksum (RFC 768). */
export function udp(src: Ip4, dst: Ip4, sport: number, dport: number, data: Uint8Array): Uint8Array {
  const p = new Uint8Array(8 + data.length);
  be16(p, 0, sport);
  be16(p, 2, dport);
  be16(p, 4, p.length);
  p.set(data, 8);
  const c = inetChecksum(pseudoHeader(src, dst, 17, p.length), p);
  be16(p, 6, c === 0 ? 0xffff : c); // RFC 768: a computed zero is sent as all ones
  return p;
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export interface TcpSegment {
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  options?: Uint8Array; // padded to a multiple of 4 by the caller
  data?: Uint8Array;
}

/** TCP segment (RFC 9293 3.1) with its pseudo-header checksum. */
export function tcp(src: Ip4, dst: Ip4, s: TcpSegment): Uint8Array {
  const opts = s.options ?? new Uint8Array(0);
  const data = s.data ?? new Uint8Array(0);
  const hlen = 20 + opts.length;
  const p = new Uint8Array(hlen + data.length);
  be16(p, 0, s.sport);
  be16(p, 2, s.dport);
  be32(p, 4, s.seq >>> 0);
  be32(p, 8, s.ack >>> 0);
  p[12] = (hlen / 4) << 4;
  p[13] = s.flags;
  be16(p, 14, s.window);
  p.set(opts, 20);
  p.set(data, hlen);
  be16(p, 16, inetChecksum(pseudoHeader(src, dst, 6, p.length), p));
  return p;
}

/** The MSS option (RFC 9293 3.2, kind 2, length 4): already a multiple of 4 bytes. */
export function mssOption(mss: number): Uint8Array {
  return new Uint8Array([2, 4, (mss >>> 8) & 0xff, mss & 0xff]);
}
