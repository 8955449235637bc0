/**
 * A DHCP server (RFC 2131 4.3), a UDP socket on port 67 of the gateway's Interface, leasing addresses from a
 * pool with the gateway as router (RFC 2132 3.5), DNS servers (3.8), the subnet mask (3.3) and lease, T1 and
 * T2 times (9.2, 9.11, 9.12). Messages are built with netstack's wire/dhcp.ts.
 *
 *   DISCOVER            -> OFFER of the client's current or last address, else its requested address if free,
 *                          else the lowest free one; none free: no answer (4.3.1). The offer is held briefly.
 *   REQUEST, SELECTING  (server id set) ours: ACK if it names what we offered, else NAK; another server's:
 *                          the client chose it, so our offer is withdrawn, silently (4.3.2)
 *   REQUEST, INIT-REBOOT (requested ip, no ciaddr) wrong subnet or someone else's address: NAK; the client's
 *                          own binding: ACK; no record of the client: silence (4.3.2)
 *   REQUEST, RENEWING/REBINDING (ciaddr) the client's binding: ACK with a fresh lease; someone else's: NAK;
 *                          no record: silence
 *   DECLINE             the address is in use by someone we do not know: quarantined (4.3.3)
 *   RELEASE             the binding is freed, remembered so the client gets the same address back (4.3.4)
 *   INFORM              ACK with the parameters and no lease (4.3.5)
 * Replies go (4.1) to ciaddr when the client has one; otherwise, and for every NAK, as an IP and Ethernet
 * broadcast. RFC 2131 prefers unicasting to chaddr/yiaddr when the broadcast bit is clear, but our Interface
 * resolves every unicast through ARP, which an unconfigured client cannot answer; 4.1 allows the broadcast
 * ("If unicasting is not possible, the message MAY be sent as an IP broadcast"). Relays (giaddr) are not
 * served: the gateway is on the one LAN it serves.
 */
import {
  DHCP_CLIENT_PORT, DHCP_SERVER_PORT, DhcpMessageType, DhcpRepr, type Egress, IPV4_BROADCAST, type Ipv4Address,
  type Ipv4Cidr, type IpMeta, type SocketSet, type TransportSocket, type UdpRepr, dhcpRepr, inSubnet, prefixMask,
} from '@cosix/netstack';
import { DHCP_DECLINE_QUARANTINE_MS, DHCP_OFFER_HOLD_MS, DHCP_REPLY_QUEUE } from './params.js';

export interface DhcpServerConfig {
  /** The server's own address and the subnet it serves; also the server identifier (RFC 2132 9.7). */
  server: Ipv4Cidr;
  /** First and last address of the pool, inclusive, inside the server's subnet. */
  poolFirst: Ipv4Address;
  poolLast: Ipv4Address;
  /** The router option; null leaves it out. */
  router: Ipv4Address | null;
  dnsServers: Ipv4Address[];
  /** Lease time in seconds (0xffffffff: infinite). T1 and T2 are 1/2 and 7/8 of it (RFC 2131 4.4.5). */
  leaseSeconds: number;
}

/** One address's state. `client` is the key of whoever holds or last held it. */
export interface Binding {
  address: Ipv4Address;
  client: string;
  state: 'offered' | 'bound' | 'released' | 'declined';
  /** Absolute ms; for 'released' the time of release (only used to pick the oldest to reuse). */
  expiresAt: number;
}

interface Reply { msg: DhcpRepr; dst: Ipv4Address }

export class DhcpServer implements TransportSocket<'udp'> {
  readonly protocol = 'udp' as const;
  readonly stats = { received: 0, offers: 0, acks: 0, naks: 0, ignored: 0, dropped: 0 };
  private readonly byAddress = new Map<Ipv4Address, Binding>();
  private readonly byClient = new Map<string, Binding>();
  private replies: Reply[] = [];

  constructor(private readonly sockets: SocketSet, readonly config: DhcpServerConfig) {
    const { server, poolFirst, poolLast } = config;
    if (!(poolFirst <= poolLast) || !inSubnet(poolFirst, server) || !inSubnet(poolLast, server)) {
      throw new RangeError('DhcpServer: the pool must be a non-empty range inside the server subnet');
    }
    if (sockets.bind(this, { addr: 0, port: DHCP_SERVER_PORT }) !== 'ok') throw new Error('DhcpServer: port 67 is already bound');
  }

  /** Current bindings (offered, bound, released, declined), for inspection. */
  bindings(): Binding[] {
    return [...this.byAddress.values()].map((b) => ({ ...b }));
  }

  close(): void {
    this.sockets.remove(this);
  }

  // --- TransportSocket ---

  process(now: number, _ip: IpMeta, segment: UdpRepr): void {
    if (segment.srcPort !== DHCP_CLIENT_PORT) return;
    const r = DhcpRepr.parse(segment.payload);
    if (!r.ok || r.value.relayAgentIp !== 0) return;
    this.stats.received++;
    const msg = r.value;
    const client = clientKey(msg);
    switch (msg.messageType) {
      case DhcpMessageType.Discover: return this.discover(now, client, msg);
      case DhcpMessageType.Request: return this.request(now, client, msg);
      case DhcpMessageType.Decline: return this.decline(now, client, msg);
      case DhcpMessageType.Release: return this.release(now, client, msg);
      case DhcpMessageType.Inform: return this.reply(msg, DhcpMessageType.Ack, 0, false);
      default: this.stats.ignored++;
    }
  }

  dispatch(_now: number, egress: Egress): void {
    const out = this.replies;
    this.replies = [];
    for (const { msg, dst } of out) {
      const payload = new Uint8Array(DhcpRepr.bufferLen(msg));
      DhcpRepr.emit(msg, payload);
      const src = this.config.server.address;
      egress.send('udp', { src, dst }, { srcPort: DHCP_SERVER_PORT, dstPort: DHCP_CLIENT_PORT, payload });
    }
  }

  pollAt(now: number): number | null {
    return this.replies.length > 0 ? now : null;
  }

  // --- RFC 2131 4.3 ---

  private discover(now: number, client: string, msg: DhcpRepr): void {
    const address = this.choose(now, client, msg.requestedIp);
    if (address === null) {
      this.stats.ignored++; // 4.3.1: no address to offer, no answer
      return;
    }
    this.bind(client, address, 'offered', now + DHCP_OFFER_HOLD_MS);
    this.reply(msg, DhcpMessageType.Offer, address, true);
  }

  private request(now: number, client: string, msg: DhcpRepr): void {
    const mine = this.byClient.get(client);
    const held = mine !== undefined && (mine.state === 'bound' || mine.state === 'offered') && mine.expiresAt > now ? mine : null;
    if (msg.serverIdentifier !== null) {
      // SELECTING: the client answers an OFFER, ours or another server's.
      if (msg.serverIdentifier !== this.config.server.address) {
        if (mine?.state === 'offered') this.forget(mine);
        return void this.stats.ignored++;
      }
      if (held !== null && msg.requestedIp === held.address) return this.ack(now, client, msg, held.address);
      return this.nak(msg);
    }
    const wanted = msg.clientIp !== 0 ? msg.clientIp : msg.requestedIp;
    if (wanted === null) return void this.stats.ignored++;
    // INIT-REBOOT on the wrong network: NAK (4.3.2), whatever we know of the client.
    if (!inSubnet(wanted, this.config.server)) return this.nak(msg);
    if (held !== null && held.address === wanted) return this.ack(now, client, msg, wanted);
    const owner = this.byAddress.get(wanted);
    if (owner !== undefined && owner.client !== client && this.unavailable(owner, now)) return this.nak(msg);
    if (held !== null) return this.nak(msg); // the client is bound to another address
    this.stats.ignored++; // no record of this client: another server's business (4.3.2)
  }

  private ack(now: number, client: string, msg: DhcpRepr, address: Ipv4Address): void {
    const lease = this.config.leaseSeconds;
    this.bind(client, address, 'bound', lease === 0xffffffff ? Infinity : now + lease * 1000);
    this.reply(msg, DhcpMessageType.Ack, address, true);
  }

  private nak(msg: DhcpRepr): void {
    this.reply(msg, DhcpMessageType.Nak, 0, false);
  }

  private decline(now: number, client: string, msg: DhcpRepr): void {
    const b = msg.requestedIp === null ? undefined : this.byAddress.get(msg.requestedIp);
    if (b === undefined || b.client !== client) return void this.stats.ignored++;
    this.byClient.delete(client);
    b.client = '';
    b.state = 'declined';
    b.expiresAt = now + DHCP_DECLINE_QUARANTINE_MS;
  }

  private release(now: number, client: string, msg: DhcpRepr): void {
    const b = this.byClient.get(client);
    if (b === undefined || b.address !== msg.clientIp) return void this.stats.ignored++;
    b.state = 'released';
    b.expiresAt = now;
  }

  // --- the pool ---

  /** The address to offer `client`: its own, its requested one if free, else the lowest free; null if none. */
  private choose(now: number, client: string, requested: Ipv4Address | null): Ipv4Address | null {
    const own = this.byClient.get(client);
    if (own !== undefined && own.state !== 'declined') return own.address;
    const { poolFirst, poolLast } = this.config;
    if (requested !== null && requested >= poolFirst && requested <= poolLast && this.free(requested, now)) return requested;
    for (let a = poolFirst; a <= poolLast; a++) if (this.free(a, now) && this.byAddress.get(a) === undefined) return a;
    // Every address was used once: reuse the one released or expired longest ago (RFC 2131 4.3.1 order).
    let best: Binding | null = null;
    for (const b of this.byAddress.values()) {
      if (this.free(b.address, now) && (best === null || b.expiresAt < best.expiresAt)) best = b;
    }
    return best?.address ?? null;
  }

  private free(address: Ipv4Address, now: number): boolean {
    if (address === this.config.server.address || address === this.config.router) return false;
    const b = this.byAddress.get(address);
    return b === undefined || !this.unavailable(b, now);
  }

  /** A binding that keeps its address from anyone else. */
  private unavailable(b: Binding, now: number): boolean {
    return (b.state === 'bound' || b.state === 'offered' || b.state === 'declined') && b.expiresAt > now;
  }

  private bind(client: string, address: Ipv4Address, state: 'offered' | 'bound', expiresAt: number): void {
    const previous = this.byClient.get(client);
    if (previous !== undefined && previous.address !== address) this.forget(previous);
    const other = this.byAddress.get(address);
    if (other !== undefined && other.client !== client) this.byClient.delete(other.client);
    const b: Binding = { address, client, state, expiresAt };
    this.byAddress.set(address, b);
    this.byClient.set(client, b);
  }

  private forget(b: Binding): void {
    this.byAddress.delete(b.address);
    if (this.byClient.get(b.client) === b) this.byClient.delete(b.client);
  }

  /** Queues a reply to `req`; `lease` false leaves out the lease times (NAK, INFORM). */
  private reply(req: DhcpRepr, type: DhcpMessageType, yourIp: Ipv4Address, lease: boolean): void {
    if (this.replies.length >= DHCP_REPLY_QUEUE) return void this.stats.dropped++;
    const c = this.config;
    const nak = type === DhcpMessageType.Nak;
    const seconds = c.leaseSeconds;
    const msg = dhcpRepr({
      messageType: type, transactionId: req.transactionId, clientHwAddr: req.clientHwAddr, broadcast: req.broadcast,
      clientIp: type === DhcpMessageType.Ack ? req.clientIp : 0, yourIp, serverIdentifier: c.server.address,
      ...(!nak && {
        subnetMask: prefixMask(c.server.prefixLen) >>> 0, routers: c.router === null ? [] : [c.router], dnsServers: c.dnsServers,
      }),
      ...(lease && {
        leaseTime: seconds,
        renewalTime: seconds === 0xffffffff ? seconds : Math.floor(seconds / 2),
        rebindingTime: seconds === 0xffffffff ? seconds : Math.floor((seconds * 7) / 8),
      }),
    });
    if (type === DhcpMessageType.Offer) this.stats.offers++;
    else if (nak) this.stats.naks++;
    else this.stats.acks++;
    // RFC 2131 4.1: to ciaddr when set (not for NAK, 4.3.2), else broadcast (see the top of this file).
    const dst = !nak && req.clientIp !== 0 ? req.clientIp : IPV4_BROADCAST;
    this.replies.push({ msg, dst });
    this.sockets.notify(this);
  }
}

/** RFC 2131 4.2: a client is identified by its client-identifier option, else by chaddr. */
function clientKey(msg: DhcpRepr): string {
  if (msg.clientIdentifier !== null) return `id:${Buffer.from(msg.clientIdentifier).toString('hex')}`;
  return `hw:${msg.clientHwAddr.toString(16)}`;
}
