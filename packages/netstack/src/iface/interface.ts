/**
 * A network interface: the IP layer of a host over one Device (smoltcp's `iface`).
 *
 * Driving it (all synchronous; `now` is the caller's clock in milliseconds, never read inside):
 *   receive(frame, now)  ingress of one frame from a push-style driver
 *   poll(now)            pulls frames from a pull-style device, delivers datagrams addressed to ourselves,
 *                        runs ARP and reassembly timers, and lets every socket dispatch
 *   pollAt(now)          when poll() next has timer work (null: only when new input arrives)
 * Output goes to device.transmit(). Randomness (IP identification, ephemeral ports) comes from `rng`.
 * send() and sendDatagram() take no time argument: ARP bookkeeping uses the `now` of the latest
 * receive(), poll() or sendIcmp() call.
 *
 * A host, not a router (RFC 1122 3.3.1): datagrams for addresses that are not ours are dropped.
 */
import { DEFAULT_MTU, DEFAULT_TTL, ICMP_ERROR_BURST, LOCAL_QUEUE_MAX, RX_BUDGET_PER_POLL } from '../params.js';
import {
  ETHERNET_BROADCAST, type EthernetAddress, IPV4_BROADCAST, type Ipv4Address, type Ipv4Cidr, inSubnet,
  isMulticastIpv4, isMulticastMac, subnetBroadcast,
} from '../wire/address.js';
import { ArpOperation, ArpRepr } from '../wire/arp.js';
import { ETHERNET_HEADER_LEN, EthernetPacket, EthernetRepr, EthernetType } from '../wire/ethernet.js';
import { IcmpRepr, TimeExceededCode, UnreachableCode } from '../wire/icmp.js';
import { IPV4_HEADER_LEN, IpProtocol, Ipv4Repr, ipv4Repr } from '../wire/ipv4.js';
import { TcpRepr } from '../wire/tcp.js';
import { UdpRepr } from '../wire/udp.js';
import type { Egress, IpMeta, IpTx, SegmentOf, TransportProtocol, TxResult } from '../socket/set.js';
import { SocketSet } from '../socket/set.js';
import { ArpCache, type ArpLimits, DEFAULT_ARP_LIMITS } from './arp_cache.js';
import type { Device, Medium } from './device.js';
import { DEFAULT_REASSEMBLY_LIMITS, Reassembler, type ReassemblyLimits, fragmentDatagram } from './fragment.js';
import { RoutingTable } from './route.js';
import { type IngressHooks, receiveIcmp, receiveTcp, receiveUdp, reportLocalError, sendIcmpError } from './ingress.js';

export interface InterfaceConfig {
  device: Device;
  /** Returns uniformly distributed uint32s. */
  rng: () => number;
  medium?: Medium;
  /** Required for medium 'ethernet'. */
  hardwareAddr?: EthernetAddress;
  /** IP MTU; defaults to 1500. */
  mtu?: number;
  addresses?: Ipv4Cidr[];
  gateway?: Ipv4Address | null;
  sockets?: SocketSet;
  arp?: Partial<ArpLimits>;
  reassembly?: Partial<ReassemblyLimits>;
  /** Called for every ICMP message the interface does not answer itself (echo replies, errors). */
  onIcmp?: (now: number, ip: IpMeta, repr: IcmpRepr) => void;
}

const PROTOCOL_NUMBER: Record<TransportProtocol, number> = { tcp: IpProtocol.Tcp, udp: IpProtocol.Udp };

export class Interface implements Egress {
  readonly medium: Medium;
  readonly hardwareAddr: EthernetAddress;
  readonly mtu: number;
  readonly sockets: SocketSet;
  readonly routes = new RoutingTable();
  readonly arp: ArpCache;
  readonly reassembler: Reassembler;
  /** DNS servers learned from DHCP or configured; the stack itself does not use them. */
  dnsServers: Ipv4Address[] = [];
  readonly stats = { rxFrames: 0, txFrames: 0, drops: {} as Record<string, number> };
  private addrs: Ipv4Cidr[];
  private readonly local: Uint8Array[] = [];
  private ident: number;
  private clock = 0;
  private readonly device: Device;
  private readonly hooks: IngressHooks;

  constructor(cfg: InterfaceConfig) {
    this.device = cfg.device;
    this.medium = cfg.medium ?? 'ethernet';
    if (this.medium === 'ethernet' && cfg.hardwareAddr === undefined) {
      throw new Error('Interface: an Ethernet interface needs a hardwareAddr');
    }
    this.hardwareAddr = cfg.hardwareAddr ?? 0;
    this.mtu = cfg.mtu ?? DEFAULT_MTU;
    this.sockets = cfg.sockets ?? new SocketSet(cfg.rng);
    this.arp = new ArpCache({ ...DEFAULT_ARP_LIMITS, ...cfg.arp });
    this.reassembler = new Reassembler({ ...DEFAULT_REASSEMBLY_LIMITS, ...cfg.reassembly });
    this.addrs = [...(cfg.addresses ?? [])];
    if (cfg.gateway) this.routes.setDefaultGateway(cfg.gateway);
    this.ident = cfg.rng() & 0xffff;
    this.hooks = {
      iface: this, onIcmp: cfg.onIcmp, drop: (reason) => this.drop(reason),
      errorTokens: { tokens: ICMP_ERROR_BURST, refilledAt: 0 },
    };
  }

  // --- addresses ---

  get addresses(): readonly Ipv4Cidr[] { return this.addrs; }

  setAddresses(cidrs: Ipv4Cidr[]): void {
    this.addrs = [...cidrs];
  }

  /** True for an address assigned to this interface (RFC 1122 3.3.4: "one of our addresses"). */
  hasAddress(addr: Ipv4Address): boolean {
    return this.addrs.some((c) => c.address === addr);
  }

  /** Addresses whose datagrams we accept: ours, limited broadcast, our subnets' broadcasts (RFC 1122 3.3.6). */
  acceptsDestination(dst: Ipv4Address): boolean {
    return this.hasAddress(dst) || this.isBroadcast(dst);
  }

  /** Limited broadcast or the directed broadcast of one of our subnets (none for /31 and /32: RFC 3021). */
  isBroadcast(dst: Ipv4Address): boolean {
    return dst === IPV4_BROADCAST || this.addrs.some((c) => c.prefixLen < 31 && subnetBroadcast(c) === dst);
  }

  drop(reason: string): void {
    this.stats.drops[reason] = (this.stats.drops[reason] ?? 0) + 1;
  }

  // --- ingress ---

  receive(frame: Uint8Array, now: number): void {
    this.clock = now;
    this.stats.rxFrames++;
    if (this.medium === 'ip') return this.receiveIp(frame, now);
    const eth = EthernetRepr.parse(frame);
    if (!eth.ok) return this.drop(`ethernet-${eth.error}`);
    const { dst, ethertype, payload } = eth.value;
    if (dst !== this.hardwareAddr && dst !== ETHERNET_BROADCAST && !isMulticastMac(dst)) return this.drop('not-our-mac');
    if (ethertype === EthernetType.Arp) return this.receiveArp(payload, now);
    // RFC 1122 3.2.2: no ICMP error about a datagram that came as a link-layer broadcast.
    if (ethertype === EthernetType.Ipv4) return this.receiveIp(payload, now, dst !== this.hardwareAddr);
    this.drop('ethertype');
  }

  /** RFC 826 "Packet Reception": refresh a known sender; learn it and answer if we are the target. */
  private receiveArp(bytes: Uint8Array, now: number): void {
    const r = ArpRepr.parse(bytes);
    if (!r.ok) return this.drop(`arp-${r.error}`);
    const arp = r.value;
    const forUs = this.hasAddress(arp.targetProtocolAddr);
    // RFC 5227 2.1.1: a probe has sender address 0 and must not be learned.
    if (arp.senderProtocolAddr !== 0 && (forUs || this.arp.has(arp.senderProtocolAddr))) {
      for (const f of this.arp.fill(arp.senderProtocolAddr, arp.senderHardwareAddr, now)) this.transmitFrame(f);
    }
    if (!forUs || arp.operation !== ArpOperation.Request) return;
    this.sendArp({
      operation: ArpOperation.Reply, senderHardwareAddr: this.hardwareAddr, senderProtocolAddr: arp.targetProtocolAddr,
      targetHardwareAddr: arp.senderHardwareAddr, targetProtocolAddr: arp.senderProtocolAddr,
    }, arp.senderHardwareAddr);
  }

  private receiveIp(bytes: Uint8Array, now: number, linkBroadcast = false): void {
    const r = Ipv4Repr.parse(bytes);
    if (!r.ok) return this.drop(`ipv4-${r.error}`);
    let ip = r.value;
    if (!this.acceptsDestination(ip.dst)) return this.drop('not-our-address');
    // RFC 1122 3.2.1.3: discard a datagram whose source is a broadcast or multicast address.
    if (this.isBroadcast(ip.src) || isMulticastIpv4(ip.src)) return this.drop('bad-source');
    if (ip.moreFragments || ip.fragmentOffset > 0) {
      const whole = this.reassembler.add(ip, now);
      if (whole === null) return;
      ip = whole;
    }
    this.deliver(ip, now, linkBroadcast);
  }

  private deliver(ip: Ipv4Repr, now: number, linkBroadcast: boolean): void {
    const mayError = this.hasAddress(ip.dst) && !linkBroadcast;
    switch (ip.protocol) {
      case IpProtocol.Icmp: return receiveIcmp(this.hooks, ip, now);
      case IpProtocol.Udp: return receiveUdp(this.hooks, ip, now, mayError);
      case IpProtocol.Tcp: return receiveTcp(this.hooks, ip, now);
      default:
        this.drop('protocol');
        // RFC 1122 3.2.2.1: protocol unreachable for a transport we do not implement.
        if (mayError) sendIcmpError(this.hooks, ip, 'destUnreachable', UnreachableCode.Protocol, now);
    }
  }

  // --- poll ---

  poll(now: number): void {
    this.clock = now;
    // A budget, so that a device fed by our own output (the loopback) cannot keep poll() busy forever.
    for (let n = 0; n < RX_BUDGET_PER_POLL; n++) {
      const f = this.device.receive?.();
      if (f === undefined) break;
      this.receive(f, now);
    }
    this.runLocal(now);
    this.runArpTimers(now);
    this.runReassemblyTimers(now);
    this.sockets.dispatch(now, this);
    this.runLocal(now);
  }

  pollAt(now: number): number | null {
    if (this.local.length > 0) return now;
    const times = [this.arp.pollAt(), this.reassembler.pollAt(), this.sockets.pollAt(now)];
    let at: number | null = null;
    for (const t of times) if (t !== null && (at === null || t < at)) at = t;
    return at;
  }

  /** Delivers datagrams we sent to ourselves (up to what was queued when the call began). */
  private runLocal(now: number): void {
    for (let n = this.local.length; n > 0; n--) this.receiveIp(this.local.shift()!, now);
  }

  private runArpTimers(now: number): void {
    const work = this.arp.expire(now);
    for (const addr of work.retry) this.sendArpRequest(addr);
    for (const { frames } of work.failed) {
      for (const f of frames) {
        this.drop('arp-unresolved');
        // Tell the sending socket, as Linux reports EHOSTUNREACH (RFC 1122 2.3.2.2 leaves this open).
        const ip = Ipv4Repr.parse(f.subarray(ETHERNET_HEADER_LEN));
        // Only fragment zero carries the transport ports.
        if (ip.ok && ip.value.fragmentOffset === 0) reportLocalError(this.hooks, ip.value, UnreachableCode.Host, now);
      }
    }
  }

  private runReassemblyTimers(now: number): void {
    for (const { first, payloadLen } of this.reassembler.expire(now)) {
      // RFC 792 / RFC 1122 3.3.2: time exceeded (code 1) only if fragment zero arrived.
      if (first !== null && this.hasAddress(first.dst)) {
        sendIcmpError(this.hooks, first, 'timeExceeded', TimeExceededCode.FragReassembly, now, payloadLen);
      }
    }
  }

  // --- egress ---

  /** The route to dst: our source address on the way and the next hop to resolve; null when unreachable. */
  route(dst: Ipv4Address): { src: Ipv4Address; nextHop: Ipv4Address } | null {
    const onLink = this.addrs.find((c) => inSubnet(dst, c));
    if (onLink) return { src: onLink.address, nextHop: dst };
    const r = this.routes.lookup(dst);
    if (r === null || this.addrs.length === 0) return null;
    if (r.via === null) return { src: this.addrs[0]!.address, nextHop: dst };
    const gwNet = this.addrs.find((c) => inSubnet(r.via!, c));
    return gwNet ? { src: gwNet.address, nextHop: r.via } : null;
  }

  sourceAddressFor(dst: Ipv4Address): Ipv4Address | null {
    if (this.hasAddress(dst)) return dst;
    if (dst === IPV4_BROADCAST) return this.addrs[0]?.address ?? 0;
    return this.route(dst)?.src ?? null;
  }

  send<P extends TransportProtocol>(protocol: P, ip: IpTx, segment: SegmentOf[P]): TxResult {
    const src = ip.src !== 0 ? ip.src : this.sourceAddressFor(ip.dst);
    if (src === null) return 'no-route';
    const len = protocol === 'tcp' ? TcpRepr.bufferLen(segment as TcpRepr) : UdpRepr.bufferLen(segment as UdpRepr);
    const frame = new Uint8Array(this.linkHeaderLen + IPV4_HEADER_LEN + len);
    const transport = frame.subarray(this.linkHeaderLen + IPV4_HEADER_LEN);
    if (protocol === 'tcp') TcpRepr.emit(segment as TcpRepr, transport, src, ip.dst);
    else UdpRepr.emit(segment as UdpRepr, transport, src, ip.dst);
    const repr = ipv4Repr({
      src, dst: ip.dst, protocol: PROTOCOL_NUMBER[protocol], payload: transport, ident: this.nextIdent(),
      ttl: ip.ttl ?? DEFAULT_TTL, dscpEcn: ip.dscpEcn ?? 0, dontFragment: ip.dontFragment ?? false,
    });
    return this.sendDatagram(repr, frame);
  }

  /** Sends an ICMP message (e.g. an echo request); src 0 picks the source by route. */
  sendIcmp(dst: Ipv4Address, repr: IcmpRepr, now: number, src: Ipv4Address = 0): TxResult {
    this.clock = now;
    const from = src !== 0 ? src : this.sourceAddressFor(dst);
    if (from === null) return 'no-route';
    const payload = new Uint8Array(IcmpRepr.bufferLen(repr));
    IcmpRepr.emit(repr, payload);
    return this.sendDatagram(ipv4Repr({ src: from, dst, protocol: IpProtocol.Icmp, payload, ident: this.nextIdent() }));
  }

  /**
   * Emits `repr` (fragmenting it to the MTU unless dontFragment: RFC 791 2.3) and transmits it.
   * `frame`, when given, already holds the payload at linkHeaderLen + 20 and is emitted in place.
   */
  sendDatagram(repr: Ipv4Repr, frame?: Uint8Array): TxResult {
    if (Ipv4Repr.bufferLen(repr) <= this.mtu) {
      const buf = frame && repr.options.length === 0 ? frame : new Uint8Array(this.linkHeaderLen + Ipv4Repr.bufferLen(repr));
      Ipv4Repr.emit(repr, buf.subarray(this.linkHeaderLen));
      return this.transmitDatagram(repr.dst, buf);
    }
    if (repr.dontFragment) return 'too-big';
    let result: TxResult = 'sent';
    for (const frag of fragmentDatagram(repr, this.mtu)) {
      const buf = new Uint8Array(this.linkHeaderLen + Ipv4Repr.bufferLen(frag));
      Ipv4Repr.emit(frag, buf.subarray(this.linkHeaderLen));
      const r = this.transmitDatagram(repr.dst, buf);
      if (r !== 'sent') result = r;
    }
    return result;
  }

  private get linkHeaderLen(): number {
    return this.medium === 'ethernet' ? ETHERNET_HEADER_LEN : 0;
  }

  private nextIdent(): number {
    this.ident = (this.ident + 1) & 0xffff;
    return this.ident;
  }

  /** `frame` holds the emitted datagram after linkHeaderLen bytes of room. */
  private transmitDatagram(dst: Ipv4Address, frame: Uint8Array): TxResult {
    if (this.medium === 'ip') return this.transmitFrame(frame);
    const datagram = frame.subarray(ETHERNET_HEADER_LEN);
    if (this.hasAddress(dst)) {
      // Addressed to ourselves: looped back internally and delivered by the next poll().
      if (this.local.length >= LOCAL_QUEUE_MAX) return 'dropped';
      this.local.push(datagram);
      return 'sent';
    }
    const eth = EthernetPacket.unchecked(frame);
    eth.srcAddr = this.hardwareAddr;
    eth.ethertype = EthernetType.Ipv4;
    if (this.isBroadcast(dst)) eth.dstAddr = ETHERNET_BROADCAST;
    else if (isMulticastIpv4(dst)) eth.dstAddr = 0x01005e000000 + (dst & 0x7fffff); // RFC 1112 6.4
    else return this.resolveAndTransmit(dst, frame);
    return this.transmitFrame(frame);
  }

  private resolveAndTransmit(dst: Ipv4Address, frame: Uint8Array): TxResult {
    const route = this.route(dst);
    if (route === null) return 'no-route';
    const mac = this.arp.lookup(route.nextHop, this.clock);
    if (mac !== null) {
      EthernetPacket.unchecked(frame).dstAddr = mac;
      return this.transmitFrame(frame);
    }
    const r = this.arp.enqueue(route.nextHop, frame, this.clock);
    if (r === 'dropped') return 'dropped';
    if (r === 'request') this.sendArpRequest(route.nextHop);
    return 'queued';
  }

  private transmitFrame(frame: Uint8Array): TxResult {
    this.stats.txFrames++;
    this.device.transmit(frame);
    return 'sent';
  }

  private sendArpRequest(target: Ipv4Address): void {
    const src = this.addrs.find((c) => inSubnet(target, c))?.address ?? this.addrs[0]?.address;
    if (src === undefined) return;
    this.sendArp({
      operation: ArpOperation.Request, senderHardwareAddr: this.hardwareAddr, senderProtocolAddr: src,
      targetHardwareAddr: 0, targetProtocolAddr: target,
    }, ETHERNET_BROADCAST);
  }

  private sendArp(arp: ArpRepr, dst: EthernetAddress): void {
    const frame = new Uint8Array(ETHERNET_HEADER_LEN + ArpRepr.bufferLen(arp));
    ArpRepr.emit(arp, frame.subarray(ETHERNET_HEADER_LEN));
    EthernetRepr.emit({ dst, src: this.hardwareAddr, ethertype: EthernetType.Arp, payload: frame.subarray(ETHERNET_HEADER_LEN) }, frame);
    this.transmitFrame(frame);
  }
}
