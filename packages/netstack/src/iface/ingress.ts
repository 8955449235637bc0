/**
 * Transport ingress of the interface: ICMP (echo replies, errors routed to sockets), UDP and TCP demultiplexing
 * through the socket set, and the replies a host owes when nobody listens: ICMP port unreachable for UDP
 * (RFC 1122 4.1.3.1) and RST for TCP (RFC 9293 3.10.7.1).
 */
import { ICMP_ERROR_BURST, ICMP_ERROR_INTERVAL_MS } from '../params.js';
import type { SegmentOf, TransportError, TransportProtocol, TransportSocket } from '../socket/set.js';
import type { Ipv4Address } from '../wire/address.js';
import { IcmpRepr, UnreachableCode } from '../wire/icmp.js';
import { IpProtocol, type Ipv4Repr } from '../wire/ipv4.js';
import { TcpFlags, TcpRepr, tcpRepr } from '../wire/tcp.js';
import { UdpRepr } from '../wire/udp.js';
import { type QuotedFlow, mayReportError, parseQuoted, quoteDatagram } from './icmp_error.js';
import type { Interface, InterfaceConfig } from './interface.js';

export interface IngressHooks {
  iface: Interface;
  onIcmp: InterfaceConfig['onIcmp'];
  drop(reason: string): void;
  /** Token bucket limiting ICMP errors (RFC 1122 3.2.2). */
  errorTokens: { tokens: number; refilledAt: number };
}

/** Takes one ICMP error token, refilling one per ICMP_ERROR_INTERVAL_MS up to ICMP_ERROR_BURST. */
function takeErrorToken(h: IngressHooks, now: number): boolean {
  const b = h.errorTokens;
  const earned = Math.floor((now - b.refilledAt) / ICMP_ERROR_INTERVAL_MS);
  if (earned > 0) {
    b.tokens = Math.min(ICMP_ERROR_BURST, b.tokens + earned);
    b.refilledAt += earned * ICMP_ERROR_INTERVAL_MS;
  }
  if (b.tokens === 0) return false;
  b.tokens--;
  return true;
}

function metaOf(ip: Ipv4Repr): { src: Ipv4Address; dst: Ipv4Address; ttl: number; dscpEcn: number } {
  return { src: ip.src, dst: ip.dst, ttl: ip.ttl, dscpEcn: ip.dscpEcn };
}

export function receiveIcmp(h: IngressHooks, ip: Ipv4Repr, now: number): void {
  const r = IcmpRepr.parse(ip.payload);
  if (!r.ok) return h.drop(`icmp-${r.error}`);
  const icmp = r.value;
  if (icmp.type === 'echoRequest') {
    // RFC 1122 3.2.2.6: reply with the same identifier, sequence number and data. Echo to a broadcast
    // address may be silently discarded (we do, against smurf amplification).
    if (!h.iface.hasAddress(ip.dst)) return h.drop('icmp-echo-broadcast');
    h.iface.sendIcmp(ip.src, { type: 'echoReply', ident: icmp.ident, seqNo: icmp.seqNo, data: icmp.data }, now, ip.dst);
    return;
  }
  if (icmp.type === 'destUnreachable' || icmp.type === 'timeExceeded') {
    const flow = parseQuoted(icmp.data);
    const mtu = icmp.type === 'destUnreachable' ? icmp.nextHopMtu : 0;
    const kind = icmp.type === 'destUnreachable' ? 'unreachable' : 'timeExceeded';
    if (flow !== null) notifySocket(h, flow, { kind, code: icmp.code, nextHopMtu: mtu, localOrigin: false }, now);
  }
  h.onIcmp?.(now, metaOf(ip), icmp);
}

/** RFC 1122 4.1.3.3 / 4.2.3.9: pass an ICMP error to the socket whose datagram caused it. */
function notifySocket(h: IngressHooks, flow: QuotedFlow, e: Omit<TransportError, 'local' | 'remote'>, now: number): void {
  const protocol: TransportProtocol | null = flow.protocol === IpProtocol.Tcp ? 'tcp' : flow.protocol === IpProtocol.Udp ? 'udp' : null;
  if (protocol === null) return;
  const local = { addr: flow.src, port: flow.srcPort };
  const remote = { addr: flow.dst, port: flow.dstPort };
  h.iface.sockets.lookup(protocol, local, remote)?.transportError?.(now, { ...e, local, remote });
}

/** A datagram we sent could not leave (e.g. ARP failed): tell its socket as if ICMP had said so. */
export function reportLocalError(h: IngressHooks, sent: Ipv4Repr, code: number, now: number): void {
  if (sent.payload.length < 4) return;
  const p = sent.payload;
  const flow = { protocol: sent.protocol, src: sent.src, dst: sent.dst, srcPort: (p[0]! << 8) | p[1]!, dstPort: (p[2]! << 8) | p[3]! };
  notifySocket(h, flow, { kind: 'unreachable', code, nextHopMtu: 0, localOrigin: true }, now);
}

/** Sends an ICMP error about `orig` back to its source, if RFC 1122 3.2.2 allows one. */
export function sendIcmpError(
  h: IngressHooks, orig: Ipv4Repr, type: 'destUnreachable' | 'timeExceeded', code: number, now: number,
  payloadLen = orig.payload.length,
): void {
  if (!mayReportError(orig)) return;
  if (!takeErrorToken(h, now)) return h.drop('icmp-rate-limited');
  const data = quoteDatagram(orig, payloadLen);
  const repr: IcmpRepr = type === 'destUnreachable' ? { type, code, nextHopMtu: 0, data } : { type, code, data };
  h.iface.sendIcmp(orig.src, repr, now, orig.dst);
}

/** Hands a segment to its socket, which is then due for dispatch (it may owe a reply). */
function deliverTo<P extends TransportProtocol>(
  h: IngressHooks, socket: TransportSocket<P>, now: number, ip: Ipv4Repr, seg: SegmentOf[P],
): void {
  socket.process(now, metaOf(ip), seg);
  h.iface.sockets.notify(socket);
}

/** `mayError`: unicast to us, not a link-layer broadcast, so an ICMP error is allowed (RFC 1122 3.2.2). */
export function receiveUdp(h: IngressHooks, ip: Ipv4Repr, now: number, mayError: boolean): void {
  const r = UdpRepr.parse(ip.payload, ip.src, ip.dst);
  if (!r.ok) return h.drop(`udp-${r.error}`);
  const udp = r.value;
  const socket = h.iface.sockets.lookup('udp', { addr: ip.dst, port: udp.dstPort }, { addr: ip.src, port: udp.srcPort });
  if (socket !== undefined) return deliverTo(h, socket, now, ip, udp);
  h.drop('udp-no-socket');
  // RFC 1122 4.1.3.1: port unreachable, but never for a broadcast (RFC 1122 3.2.2).
  if (mayError) sendIcmpError(h, ip, 'destUnreachable', UnreachableCode.Port, now);
}

export function receiveTcp(h: IngressHooks, ip: Ipv4Repr, now: number): void {
  const r = TcpRepr.parse(ip.payload, ip.src, ip.dst);
  if (!r.ok) return h.drop(`tcp-${r.error}`);
  const seg = r.value;
  // RFC 1122 4.2.3.10: TCP is unicast; a segment to a broadcast (or multicast) address is discarded.
  if (!h.iface.hasAddress(ip.dst)) return h.drop('tcp-not-unicast');
  const socket = h.iface.sockets.lookup('tcp', { addr: ip.dst, port: seg.dstPort }, { addr: ip.src, port: seg.srcPort });
  if (socket !== undefined) return deliverTo(h, socket, now, ip, seg);
  h.drop('tcp-no-socket');
  // RFC 9293 3.10.7.1 (CLOSED): an incoming RST is discarded; otherwise answer with a reset.
  if (seg.flags & TcpFlags.RST) return;
  const reply = seg.flags & TcpFlags.ACK
    ? tcpRepr({ srcPort: seg.dstPort, dstPort: seg.srcPort, seqNumber: seg.ackNumber, flags: TcpFlags.RST })
    : tcpRepr({
      srcPort: seg.dstPort, dstPort: seg.srcPort, seqNumber: 0, flags: TcpFlags.RST | TcpFlags.ACK,
      ackNumber: (seg.seqNumber + TcpRepr.segmentLen(seg)) >>> 0,
    });
  h.iface.send('tcp', { src: ip.dst, dst: ip.src }, reply);
}
