/**
 * A DHCP client (RFC 2131 4.4), a UDP socket on port 68 that configures its Interface.
 *
 *   INIT -> SELECTING     broadcast DISCOVER
 *   SELECTING -> REQUESTING   first OFFER for our xid: broadcast REQUEST naming that server
 *   REQUESTING -> BOUND   ACK: apply address, default gateway and DNS servers (NAK, or too many retries: INIT)
 *   BOUND -> RENEWING     at T1: unicast REQUEST to the server that leased the address
 *   RENEWING -> REBINDING at T2: broadcast REQUEST to any server
 *   RENEWING/REBINDING -> BOUND on ACK; -> INIT on NAK or when the lease expires (the address is removed)
 *   INIT after a NAK waits DHCP_RESTART_DELAY_MS before discovering again
 *
 * Retransmission (RFC 2131 4.1): 4 s doubling to 64 s, randomized by +-1 s; in RENEWING and REBINDING, half the
 * time left until T2 (or expiry), at least 60 s (RFC 2131 4.4.5).
 * Not implemented: INIT-REBOOT, the ARP probe of an offered address before using it (RFC 2131 4.4.1 SHOULD,
 * answered by DECLINE), and RELEASE.
 */
import type { Interface } from '../iface/interface.js';
import {
  DHCP_DEFAULT_LEASE_S, DHCP_INITIAL_TIMEOUT_MS, DHCP_MAX_TIMEOUT_MS, DHCP_MIN_RENEW_RETRY_MS, DHCP_REQUEST_RETRIES,
  DHCP_RESTART_DELAY_MS,
} from '../params.js';
import type { Egress, IpMeta, TransportSocket } from '../socket/set.js';
import { IPV4_BROADCAST, type Ipv4Address, type Ipv4Cidr, maskToPrefix } from '../wire/address.js';
import {
  DHCP_CLIENT_PORT, DHCP_SERVER_PORT, DhcpMessageType, DhcpOption, DhcpRepr, dhcpRepr,
} from '../wire/dhcp.js';
import type { UdpRepr } from '../wire/udp.js';

export type DhcpState = 'init' | 'selecting' | 'requesting' | 'bound' | 'renewing' | 'rebinding';

export interface DhcpLease {
  address: Ipv4Cidr;
  router: Ipv4Address | null;
  dnsServers: Ipv4Address[];
  serverId: Ipv4Address;
  /** Absolute times on the caller's clock (ms); Infinity for an infinite lease (RFC 2132 9.2). */
  renewAt: number;
  rebindAt: number;
  expiresAt: number;
}

export type DhcpEvent = { type: 'bound'; lease: DhcpLease } | { type: 'lost' };

export interface DhcpClientOptions {
  /** RFC 2132 9.14; defaults to hardware type 1 followed by the interface's MAC. */
  clientId?: Uint8Array;
  onEvent?: (event: DhcpEvent) => void;
}

// RFC 2132 9.8: what we ask for - mask, router, DNS, lease time, T1, T2.
const PARAMETERS = [DhcpOption.SubnetMask, DhcpOption.Router, DhcpOption.DnsServer, DhcpOption.LeaseTime,
  DhcpOption.RenewalTime, DhcpOption.RebindingTime];
const INFINITE_LEASE = 0xffffffff;

export class DhcpClient implements TransportSocket<'udp'> {
  readonly protocol = 'udp' as const;
  private st: DhcpState = 'init';
  private current: DhcpLease | null = null;
  private offer: { serverId: Ipv4Address; address: Ipv4Address } | null = null;
  private xid = 0;
  private nextTxAt = 0;
  private restartAt = 0;
  private retries = 0;
  private timeoutMs = DHCP_INITIAL_TIMEOUT_MS;
  private exchangeStartedAt = 0;
  private requestSentAt = 0;
  private readonly clientId: Uint8Array;

  /** `rng` returns uniformly distributed uint32s (transaction ids, retransmission jitter). */
  constructor(private readonly iface: Interface, private readonly rng: () => number, private readonly options: DhcpClientOptions = {}) {
    this.clientId = options.clientId ?? macClientId(iface.hardwareAddr);
    const r = iface.sockets.bind(this, { addr: 0, port: DHCP_CLIENT_PORT });
    if (r !== 'ok') throw new Error('DhcpClient: port 68 is already bound on this interface');
  }

  get state(): DhcpState { return this.st; }
  get lease(): DhcpLease | null { return this.current; }

  /** Stops the client and unbinds it; the interface keeps whatever address it has. */
  close(): void {
    this.iface.sockets.remove(this);
  }

  pollAt(now: number): number | null {
    switch (this.st) {
      case 'init': return this.restartAt;
      case 'selecting': case 'requesting': return this.nextTxAt;
      case 'bound': return Number.isFinite(this.current!.renewAt) ? this.current!.renewAt : null;
      case 'renewing': return Math.min(this.nextTxAt, this.current!.rebindAt);
      case 'rebinding': return Math.min(this.nextTxAt, this.current!.expiresAt);
    }
  }

  dispatch(now: number, egress: Egress): void {
    this.advanceTimers(now);
    if (this.st === 'init') {
      if (now < this.restartAt) return;
      this.startDiscovery(now);
    }
    if (this.st === 'bound' || now < this.nextTxAt) return;
    this.transmit(now, egress);
    this.scheduleRetransmit(now);
  }

  /** Lease timers: T1, T2 and expiry move the state machine without any message (RFC 2131 4.4.5). */
  private advanceTimers(now: number): void {
    const lease = this.current;
    if (lease === null) return;
    if (now >= lease.expiresAt) {
      this.deconfigure();
      this.st = 'init';
    } else if (this.st === 'bound' && now >= lease.renewAt) {
      this.beginExchange('renewing', now);
    } else if (this.st === 'renewing' && now >= lease.rebindAt) {
      this.beginExchange('rebinding', now);
    }
  }

  private startDiscovery(now: number): void {
    this.offer = null;
    this.beginExchange('selecting', now);
  }

  private beginExchange(state: DhcpState, now: number): void {
    this.st = state;
    this.xid = this.rng() >>> 0;
    this.exchangeStartedAt = now;
    this.nextTxAt = now;
    this.retries = 0;
    this.timeoutMs = DHCP_INITIAL_TIMEOUT_MS;
  }

  private scheduleRetransmit(now: number): void {
    this.retries++;
    if (this.st === 'renewing' || this.st === 'rebinding') {
      const until = this.st === 'renewing' ? this.current!.rebindAt : this.current!.expiresAt;
      this.nextTxAt = now + Math.max(DHCP_MIN_RENEW_RETRY_MS, (until - now) / 2);
      return;
    }
    // RFC 2131 4.1: randomized by a uniform number in [-1, +1] seconds.
    const jitter = (this.rng() % 2001) - 1000;
    this.nextTxAt = now + this.timeoutMs + jitter;
    this.timeoutMs = Math.min(this.timeoutMs * 2, DHCP_MAX_TIMEOUT_MS);
  }

  /** Sends the message the current state calls for. */
  private transmit(now: number, egress: Egress): void {
    if (this.st === 'requesting' && this.retries >= DHCP_REQUEST_RETRIES) this.startDiscovery(now);
    if (this.retries === 0) this.requestSentAt = now;
    const { msg, src, dst } = this.message(now);
    const payload = new Uint8Array(DhcpRepr.bufferLen(msg));
    DhcpRepr.emit(msg, payload);
    egress.send('udp', { src, dst }, { srcPort: DHCP_CLIENT_PORT, dstPort: DHCP_SERVER_PORT, payload });
  }

  /** DISCOVER, or REQUEST with the fields RFC 2131 4.3.2 (table 5) requires in each state. */
  private message(now: number): { msg: DhcpRepr; src: Ipv4Address; dst: Ipv4Address } {
    const base = dhcpRepr({
      messageType: this.st === 'selecting' ? DhcpMessageType.Discover : DhcpMessageType.Request,
      transactionId: this.xid, clientHwAddr: this.iface.hardwareAddr, clientIdentifier: this.clientId,
      parameterRequestList: PARAMETERS, secs: Math.min(0xffff, Math.floor((now - this.exchangeStartedAt) / 1000)),
    });
    // Without an address we cannot take unicast, so we ask for broadcast replies (RFC 2131 4.1).
    if (this.st === 'selecting') return { msg: { ...base, broadcast: true }, src: 0, dst: IPV4_BROADCAST };
    if (this.st === 'requesting') {
      const msg = { ...base, broadcast: true, serverIdentifier: this.offer!.serverId, requestedIp: this.offer!.address };
      return { msg, src: 0, dst: IPV4_BROADCAST };
    }
    // RENEWING is unicast to the leasing server, REBINDING broadcast; both carry ciaddr and no server id.
    const ours = this.current!.address.address;
    return { msg: { ...base, clientIp: ours }, src: ours, dst: this.st === 'renewing' ? this.current!.serverId : IPV4_BROADCAST };
  }

  process(now: number, _ip: IpMeta, segment: UdpRepr): void {
    if (segment.srcPort !== DHCP_SERVER_PORT) return;
    const r = DhcpRepr.parse(segment.payload);
    if (!r.ok) return;
    const msg = r.value;
    // RFC 2131 4.4.1: replies must match our transaction id and hardware address.
    if (msg.transactionId !== this.xid || msg.clientHwAddr !== this.iface.hardwareAddr) return;
    if (this.st === 'selecting' && msg.messageType === DhcpMessageType.Offer) return this.takeOffer(now, msg);
    if (this.st === 'requesting' || this.st === 'renewing' || this.st === 'rebinding') {
      if (msg.messageType === DhcpMessageType.Ack) return this.bind(msg);
      if (msg.messageType === DhcpMessageType.Nak) {
        // RFC 2131 3.1 (5) asks for a 10 s pause before restarting after DECLINE; we pause after NAK too,
        // so a server that keeps refusing cannot make us loop at wire speed.
        this.deconfigure();
        this.st = 'init';
        this.restartAt = now + DHCP_RESTART_DELAY_MS;
      }
    }
  }

  /** RFC 2131 4.4.1: the client may take the first acceptable offer. */
  private takeOffer(now: number, offer: DhcpRepr): void {
    if (offer.serverIdentifier === null || offer.yourIp === 0) return;
    this.offer = { serverId: offer.serverIdentifier, address: offer.yourIp };
    this.st = 'requesting';
    this.nextTxAt = now;
    this.retries = 0;
    this.timeoutMs = DHCP_INITIAL_TIMEOUT_MS;
  }

  /** Records the lease and configures the interface (RFC 2131 4.4.1: times count from when REQUEST was sent). */
  private bind(ack: DhcpRepr): void {
    if (ack.yourIp === 0) return;
    const serverId = ack.serverIdentifier ?? this.current?.serverId ?? this.offer?.serverId;
    if (serverId === undefined) return;
    const lease = leaseFrom(ack, serverId, this.requestSentAt);
    this.current = lease;
    this.st = 'bound';
    this.iface.setAddresses([lease.address]);
    this.iface.routes.setDefaultGateway(lease.router);
    this.iface.dnsServers = [...lease.dnsServers];
    this.options.onEvent?.({ type: 'bound', lease });
  }

  private deconfigure(): void {
    if (this.current === null) return;
    this.current = null;
    this.iface.setAddresses([]);
    this.iface.routes.setDefaultGateway(null);
    this.iface.dnsServers = [];
    this.options.onEvent?.({ type: 'lost' });
  }
}

function leaseFrom(ack: DhcpRepr, serverId: Ipv4Address, start: number): DhcpLease {
  const seconds = ack.leaseTime ?? DHCP_DEFAULT_LEASE_S;
  const at = (s: number): number => (seconds === INFINITE_LEASE ? Infinity : start + s * 1000);
  // RFC 2131 4.4.5: T1 defaults to 0.5 and T2 to 0.875 of the lease; keep T1 < T2 < lease.
  let t1 = ack.renewalTime ?? seconds * 0.5;
  let t2 = ack.rebindingTime ?? seconds * 0.875;
  if (!(t1 < t2 && t2 < seconds)) { t1 = seconds * 0.5; t2 = seconds * 0.875; }
  return {
    address: { address: ack.yourIp, prefixLen: prefixFor(ack) }, router: ack.routers[0] ?? null,
    dnsServers: ack.dnsServers, serverId, renewAt: at(t1), rebindAt: at(t2), expiresAt: at(seconds),
  };
}

/** The subnet mask option, else the classful mask of the address (RFC 1122 3.3.1.1 predates masks everywhere). */
function prefixFor(ack: DhcpRepr): number {
  const fromMask = ack.subnetMask === null ? null : maskToPrefix(ack.subnetMask);
  if (fromMask !== null) return fromMask;
  const first = ack.yourIp >>> 24;
  return first < 128 ? 8 : first < 192 ? 16 : 24;
}

function macClientId(mac: number): Uint8Array {
  const id = new Uint8Array(7);
  id[0] = 1; // RFC 2132 9.14: hardware type 1 (Ethernet) followed by the address
  for (let i = 0; i < 6; i++) id[1 + i] = Math.floor(mac / 2 ** (8 * (5 - i))) % 256;
  return id;
}
