/**
 * The gateway node of a simulated LAN, like QEMU's user-mode network (slirp): one StackNode plugged into a
 * Switch port, answering ARP and ping at the gateway address, running the DHCP server (dhcpd.ts) and any
 * number of host port forwards (forward.ts). QEMU's defaults are the defaults here: network 10.0.2.0/24,
 * gateway 10.0.2.2, DNS 10.0.2.3, guests from 10.0.2.15.
 *
 *   const gw = new Gateway({ scheduler });
 *   Port.connect(gw.port, sw.addPort().port);
 *   await gw.forward({ hostPort: 2626, guest: { addr: ipv4('10.0.2.15'), port: 26 } });
 *
 * The gateway is a host on the LAN, not a router: it forwards nothing between the LAN and the outside but the
 * configured host ports (and it does not answer DNS; the DNS option names the address a resolver would use).
 */
import type { NetScheduler } from '@cosix/hw';
import { type EthernetAddress, type Ipv4Address, type Ipv4Cidr, ipv4 } from '@cosix/netstack';
import { randomBytes } from 'node:crypto';
import { DhcpServer } from './dhcpd.js';
import { type ForwardOptions, HostForward } from './forward.js';
import { StackNode } from './node.js';

export interface GatewayOptions {
  scheduler: NetScheduler;
  /** Default 52:55:0a:00:02:02, QEMU's slirp gateway MAC. */
  mac?: EthernetAddress;
  /** The gateway's address and the LAN's prefix. Default 10.0.2.2/24. */
  address?: Ipv4Cidr;
  /** DHCP pool, inclusive. Default 10.0.2.15 .. 10.0.2.31 (QEMU's 16 addresses, and one more). */
  poolFirst?: Ipv4Address;
  poolLast?: Ipv4Address;
  /** The DNS server option. Default [10.0.2.3]. */
  dnsServers?: Ipv4Address[];
  /** Lease time in seconds. Default 86400 (QEMU's). */
  leaseSeconds?: number;
  /** Uniform uint32s for the stack (IP ids, ports, ISNs). Default: node:crypto. */
  rng?: () => number;
  /** Set false to run without a DHCP server. */
  dhcp?: boolean;
}

export class Gateway {
  readonly node: StackNode;
  readonly dhcp: DhcpServer | null;
  readonly address: Ipv4Cidr;
  private readonly forwards = new Set<HostForward>();
  private readonly rng: () => number;

  constructor(opts: GatewayOptions) {
    this.rng = opts.rng ?? (() => randomBytes(4).readUInt32LE(0));
    this.address = opts.address ?? { address: ipv4('10.0.2.2'), prefixLen: 24 };
    this.node = new StackNode({
      scheduler: opts.scheduler, mac: opts.mac ?? 0x52_55_0a_00_02_02, name: 'gateway', rng: this.rng,
      addresses: [this.address],
    });
    this.dhcp = opts.dhcp === false ? null : new DhcpServer(this.node.iface.sockets, {
      server: this.address, poolFirst: opts.poolFirst ?? ipv4('10.0.2.15'), poolLast: opts.poolLast ?? ipv4('10.0.2.31'),
      router: this.address.address, dnsServers: opts.dnsServers ?? [ipv4('10.0.2.3')], leaseSeconds: opts.leaseSeconds ?? 86_400,
    });
  }

  /** Plug this into a Switch port (or any cable). */
  get port(): StackNode['port'] {
    return this.node.port;
  }

  /** Relay host connections on `opts.hostPort` to `opts.guest`; resolves once the host port listens. */
  async forward(opts: ForwardOptions): Promise<HostForward> {
    const fwd = await HostForward.open(this.node, opts, this.rng);
    this.forwards.add(fwd);
    return fwd;
  }

  /** Close every forward (resetting its connections), stop the DHCP server and unplug the node. */
  async close(): Promise<void> {
    await Promise.all([...this.forwards].map((f) => f.close()));
    this.forwards.clear();
    this.dhcp?.close();
    this.node.close();
  }
}
