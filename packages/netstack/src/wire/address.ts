/**
 * Addresses are plain numbers so they compare with === and key Maps directly:
 * an IPv4 address is an unsigned 32-bit integer, an Ethernet address a 48-bit integer (exact in a double).
 */
export type Ipv4Address = number;
export type EthernetAddress = number;

export const IPV4_UNSPECIFIED: Ipv4Address = 0;
export const IPV4_BROADCAST: Ipv4Address = 0xffffffff;
export const ETHERNET_BROADCAST: EthernetAddress = 0xffffffffffff;

/** An interface address with its prefix, e.g. 10.0.2.15/24. */
export interface Ipv4Cidr {
  readonly address: Ipv4Address;
  readonly prefixLen: number;
}

/** Parses dotted-quad notation; returns null when `text` is not an IPv4 address. */
export function parseIpv4(text: string): Ipv4Address | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

/** Like parseIpv4 but for literals the caller knows are valid; throws on a programming error. */
export function ipv4(text: string): Ipv4Address {
  const value = parseIpv4(text);
  if (value === null) throw new Error(`ipv4: not an IPv4 address: ${text}`);
  return value;
}

export function formatIpv4(addr: Ipv4Address): string {
  return [addr >>> 24, (addr >>> 16) & 0xff, (addr >>> 8) & 0xff, addr & 0xff].join('.');
}

export function parseMac(text: string): EthernetAddress | null {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^[0-9a-fA-F]{2}$/.test(part)) return null;
    value = value * 256 + parseInt(part, 16);
  }
  return value;
}

export function mac(text: string): EthernetAddress {
  const value = parseMac(text);
  if (value === null) throw new Error(`mac: not an Ethernet address: ${text}`);
  return value;
}

export function formatMac(addr: EthernetAddress): string {
  const out: string[] = [];
  for (let i = 5; i >= 0; i--) out.push((Math.floor(addr / 2 ** (8 * i)) % 256).toString(16).padStart(2, '0'));
  return out.join(':');
}

/** Reads a 48-bit big-endian Ethernet address at `offset`. */
export function readMac(view: DataView, offset: number): EthernetAddress {
  return view.getUint16(offset) * 0x100000000 + view.getUint32(offset + 2);
}

export function writeMac(view: DataView, offset: number, addr: EthernetAddress): void {
  view.setUint16(offset, Math.floor(addr / 0x100000000));
  view.setUint32(offset + 2, addr % 0x100000000);
}

/** RFC 1112 6.4 / IEEE 802: the group bit is the least significant bit of the first octet. */
export function isMulticastMac(addr: EthernetAddress): boolean {
  return Math.floor(addr / 0x10000000000) % 2 === 1;
}

export function prefixMask(prefixLen: number): number {
  return prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
}

/** Converts a contiguous netmask (e.g. 255.255.255.0) to a prefix length; null when not contiguous. */
export function maskToPrefix(mask: Ipv4Address): number | null {
  for (let len = 0; len <= 32; len++) if (prefixMask(len) === mask >>> 0) return len;
  return null;
}

export function networkOf(addr: Ipv4Address, prefixLen: number): Ipv4Address {
  return (addr & prefixMask(prefixLen)) >>> 0;
}

export function inSubnet(addr: Ipv4Address, cidr: Ipv4Cidr): boolean {
  return networkOf(addr, cidr.prefixLen) === networkOf(cidr.address, cidr.prefixLen);
}

/** The subnet-directed broadcast address of `cidr` (RFC 919). */
export function subnetBroadcast(cidr: Ipv4Cidr): Ipv4Address {
  return (networkOf(cidr.address, cidr.prefixLen) | ~prefixMask(cidr.prefixLen)) >>> 0;
}

/** RFC 1112 4: class D, 224.0.0.0/4. */
export function isMulticastIpv4(addr: Ipv4Address): boolean {
  return addr >>> 28 === 0xe;
}
