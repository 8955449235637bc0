/**
 * The IPv4 routing table of a host (RFC 1122 3.3.1): longest-prefix match over routes through gateways.
 * Directly connected subnets come from the interface's addresses and are checked first by the interface.
 */
import { ROUTE_TABLE_SIZE } from '../params.js';
import { type Ipv4Address, type Ipv4Cidr, inSubnet, networkOf } from '../wire/address.js';

export interface Route {
  /** Destination network. 0.0.0.0/0 is the default route. */
  cidr: Ipv4Cidr;
  /** The gateway (must be on a connected subnet) or null for a route that is on-link. */
  via: Ipv4Address | null;
}

const DEFAULT: Ipv4Cidr = { address: 0, prefixLen: 0 };

export class RoutingTable {
  private routes: Route[] = [];

  constructor(private readonly capacity = ROUTE_TABLE_SIZE) {}

  /** Adds or replaces the route for `route.cidr`; false when the table is full. */
  add(route: Route): boolean {
    const cidr = { address: networkOf(route.cidr.address, route.cidr.prefixLen), prefixLen: route.cidr.prefixLen };
    const i = this.routes.findIndex((r) => sameNet(r.cidr, cidr));
    if (i >= 0) {
      this.routes[i] = { cidr, via: route.via };
      return true;
    }
    if (this.routes.length >= this.capacity) return false;
    this.routes.push({ cidr, via: route.via });
    return true;
  }

  remove(cidr: Ipv4Cidr): boolean {
    const before = this.routes.length;
    this.routes = this.routes.filter((r) => !sameNet(r.cidr, cidr));
    return this.routes.length !== before;
  }

  /** Sets (or with null removes) the default route: RFC 1122 3.3.1.1 "default gateway". */
  setDefaultGateway(gateway: Ipv4Address | null): boolean {
    if (gateway === null) return this.remove(DEFAULT);
    return this.add({ cidr: DEFAULT, via: gateway });
  }

  get defaultGateway(): Ipv4Address | null {
    return this.routes.find((r) => r.cidr.prefixLen === 0)?.via ?? null;
  }

  /** The most specific route covering dst (RFC 1812 5.2.4.3 longest match), or null. */
  lookup(dst: Ipv4Address): Route | null {
    let best: Route | null = null;
    for (const r of this.routes) {
      if (inSubnet(dst, r.cidr) && (best === null || r.cidr.prefixLen > best.cidr.prefixLen)) best = r;
    }
    return best;
  }

  list(): readonly Route[] {
    return this.routes;
  }
}

function sameNet(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.prefixLen === b.prefixLen && networkOf(a.address, a.prefixLen) === networkOf(b.address, b.prefixLen);
}
