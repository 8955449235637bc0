/**
 * DHCP messages (RFC 2131 2) and the options of RFC 2132 that the client uses.
 * Option overload (RFC 2132 9.3, options in sname/file) is not supported: such options are ignored.
 */
import { type EthernetAddress, type Ipv4Address, readMac, writeMac } from './address.js';
import { type Result, err, ok } from './result.js';
import { viewOf } from './bytes.js';

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
export const DHCP_MAGIC_COOKIE = 0x63825363; // RFC 2131 3 / RFC 2132 2

/** RFC 2131 2: fixed-format fields; options follow the magic cookie. */
const F = {
  OP: 0, HTYPE: 1, HLEN: 2, HOPS: 3, XID: 4, SECS: 8, FLAGS: 10, CIADDR: 12, YIADDR: 16, SIADDR: 20, GIADDR: 24,
  CHADDR: 28, SNAME: 44, FILE: 108, MAGIC: 236, OPTIONS: 240,
} as const;
export const DHCP_FIXED_LEN = F.OPTIONS;
/** RFC 1542 2.1: BOOTP relays may drop messages shorter than 300 bytes, so we pad to it. */
export const DHCP_MIN_MESSAGE_LEN = 300;

export const DhcpOp = { Request: 1, Reply: 2 } as const;

/** RFC 2132 9.6. */
export const DhcpMessageType = {
  Discover: 1, Offer: 2, Request: 3, Decline: 4, Ack: 5, Nak: 6, Release: 7, Inform: 8,
} as const;
export type DhcpMessageType = (typeof DhcpMessageType)[keyof typeof DhcpMessageType];

/** RFC 2132 option codes. */
export const DhcpOption = {
  Pad: 0, SubnetMask: 1, Router: 3, DnsServer: 6, HostName: 12, RequestedIp: 50, LeaseTime: 51,
  MessageType: 53, ServerId: 54, ParameterRequestList: 55, MaxMessageSize: 57, RenewalTime: 58,
  RebindingTime: 59, ClientId: 61, End: 255,
} as const;

const FLAG_BROADCAST = 0x8000; // RFC 2131 2, figure 2

export class DhcpPacket {
  private constructor(readonly bytes: Uint8Array, private readonly view: DataView) {}

  static unchecked(bytes: Uint8Array): DhcpPacket {
    return new DhcpPacket(bytes, viewOf(bytes));
  }

  static checked(bytes: Uint8Array): Result<DhcpPacket> {
    if (bytes.length < F.OPTIONS) return err('truncated');
    return ok(new DhcpPacket(bytes, viewOf(bytes)));
  }

  get op(): number { return this.view.getUint8(F.OP); }
  set op(v: number) { this.view.setUint8(F.OP, v); }
  get hardwareType(): number { return this.view.getUint8(F.HTYPE); }
  set hardwareType(v: number) { this.view.setUint8(F.HTYPE, v); }
  get hardwareLen(): number { return this.view.getUint8(F.HLEN); }
  set hardwareLen(v: number) { this.view.setUint8(F.HLEN, v); }
  get hops(): number { return this.view.getUint8(F.HOPS); }
  set hops(v: number) { this.view.setUint8(F.HOPS, v); }
  get transactionId(): number { return this.view.getUint32(F.XID); }
  set transactionId(v: number) { this.view.setUint32(F.XID, v >>> 0); }
  get secs(): number { return this.view.getUint16(F.SECS); }
  set secs(v: number) { this.view.setUint16(F.SECS, v); }
  get broadcast(): boolean { return (this.view.getUint16(F.FLAGS) & FLAG_BROADCAST) !== 0; }
  set broadcast(v: boolean) { this.view.setUint16(F.FLAGS, v ? FLAG_BROADCAST : 0); }
  get clientIp(): Ipv4Address { return this.view.getUint32(F.CIADDR); }
  set clientIp(v: Ipv4Address) { this.view.setUint32(F.CIADDR, v); }
  get yourIp(): Ipv4Address { return this.view.getUint32(F.YIADDR); }
  set yourIp(v: Ipv4Address) { this.view.setUint32(F.YIADDR, v); }
  get serverIp(): Ipv4Address { return this.view.getUint32(F.SIADDR); }
  set serverIp(v: Ipv4Address) { this.view.setUint32(F.SIADDR, v); }
  get relayAgentIp(): Ipv4Address { return this.view.getUint32(F.GIADDR); }
  set relayAgentIp(v: Ipv4Address) { this.view.setUint32(F.GIADDR, v); }
  /** The first 6 bytes of chaddr (Ethernet). */
  get clientHwAddr(): EthernetAddress { return readMac(this.view, F.CHADDR); }
  set clientHwAddr(v: EthernetAddress) { writeMac(this.view, F.CHADDR, v); }
  get magic(): number { return this.view.getUint32(F.MAGIC); }
  set magic(v: number) { this.view.setUint32(F.MAGIC, v); }
  options(): Uint8Array { return this.bytes.subarray(F.OPTIONS); }
}

export interface DhcpRepr {
  messageType: DhcpMessageType;
  transactionId: number;
  secs: number;
  /** RFC 2131 4.1: ask the server to broadcast its reply (the client has no address yet). */
  broadcast: boolean;
  clientHwAddr: EthernetAddress;
  clientIp: Ipv4Address;
  yourIp: Ipv4Address;
  serverIp: Ipv4Address;
  relayAgentIp: Ipv4Address;
  subnetMask: Ipv4Address | null;
  routers: Ipv4Address[];
  dnsServers: Ipv4Address[];
  /** Seconds; 0xffffffff is infinity (RFC 2132 9.2). */
  leaseTime: number | null;
  renewalTime: number | null;
  rebindingTime: number | null;
  serverIdentifier: Ipv4Address | null;
  requestedIp: Ipv4Address | null;
  parameterRequestList: number[];
  clientIdentifier: Uint8Array | null;
  maxMessageSize: number | null;
}

/** Walks RFC 2132 2 option TLVs until End; `visit` returns false to reject a malformed option. */
function walkOptions(bytes: Uint8Array, visit: (code: number, data: Uint8Array) => boolean): Result<true> {
  let i = 0;
  while (i < bytes.length) {
    const code = bytes[i]!;
    if (code === DhcpOption.End) return ok(true);
    if (code === DhcpOption.Pad) { i += 1; continue; }
    if (i + 1 >= bytes.length) return err('malformed');
    const len = bytes[i + 1]!;
    if (i + 2 + len > bytes.length) return err('malformed');
    if (!visit(code, bytes.subarray(i + 2, i + 2 + len))) return err('malformed');
    i += 2 + len;
  }
  return err('malformed'); // RFC 2131 4.1: the options field ends with End
}

function addressList(data: Uint8Array): Ipv4Address[] | null {
  if (data.length === 0 || data.length % 4 !== 0) return null;
  const v = viewOf(data);
  const out: Ipv4Address[] = [];
  for (let i = 0; i < data.length; i += 4) out.push(v.getUint32(i));
  return out;
}

function u32(data: Uint8Array): number | null {
  return data.length === 4 ? viewOf(data).getUint32(0) : null;
}

/** Stores option `code` into `repr`; false when its length is wrong for its type. */
function applyOption(repr: DhcpRepr, code: number, data: Uint8Array): boolean {
  switch (code) {
    case DhcpOption.MessageType:
      if (data.length !== 1 || data[0]! < 1 || data[0]! > 8) return false;
      repr.messageType = data[0] as DhcpMessageType;
      return true;
    case DhcpOption.SubnetMask: return (repr.subnetMask = u32(data)) !== null;
    case DhcpOption.Router: return (repr.routers = addressList(data) ?? []).length > 0;
    case DhcpOption.DnsServer: return (repr.dnsServers = addressList(data) ?? []).length > 0;
    case DhcpOption.LeaseTime: return (repr.leaseTime = u32(data)) !== null;
    case DhcpOption.RenewalTime: return (repr.renewalTime = u32(data)) !== null;
    case DhcpOption.RebindingTime: return (repr.rebindingTime = u32(data)) !== null;
    case DhcpOption.ServerId: return (repr.serverIdentifier = u32(data)) !== null;
    case DhcpOption.RequestedIp: return (repr.requestedIp = u32(data)) !== null;
    case DhcpOption.ParameterRequestList: repr.parameterRequestList = [...data]; return true;
    case DhcpOption.ClientId: repr.clientIdentifier = data.slice(); return data.length >= 2;
    case DhcpOption.MaxMessageSize:
      repr.maxMessageSize = data.length === 2 ? viewOf(data).getUint16(0) : null;
      return repr.maxMessageSize !== null && repr.maxMessageSize >= 576;
    default: return true; // RFC 2131 4.1 / RFC 2132 2: unknown options are skipped
  }
}

function emptyRepr(p: DhcpPacket): DhcpRepr {
  return dhcpRepr({
    messageType: DhcpMessageType.Discover, transactionId: p.transactionId, secs: p.secs, broadcast: p.broadcast,
    clientHwAddr: p.clientHwAddr, clientIp: p.clientIp, yourIp: p.yourIp, serverIp: p.serverIp,
    relayAgentIp: p.relayAgentIp,
  });
}

/** BOOTREQUEST for messages a client sends, BOOTREPLY for a server's (RFC 2131 3.1, 3.2). */
function opFor(type: DhcpMessageType): number {
  return type === DhcpMessageType.Offer || type === DhcpMessageType.Ack || type === DhcpMessageType.Nak
    ? DhcpOp.Reply : DhcpOp.Request;
}

/** Option TLVs in emission order: message type first (RFC 2131 4.1 is order-free; this is dhclient's habit). */
function optionList(repr: DhcpRepr): Array<[number, Uint8Array]> {
  const out: Array<[number, Uint8Array]> = [[DhcpOption.MessageType, Uint8Array.of(repr.messageType)]];
  const addr = (code: number, a: Ipv4Address | null): void => { if (a !== null) out.push([code, be32(a)]); };
  const list = (code: number, as: Ipv4Address[]): void => {
    if (as.length > 0) out.push([code, concat(as.map(be32))]);
  };
  if (repr.clientIdentifier !== null) out.push([DhcpOption.ClientId, repr.clientIdentifier]);
  addr(DhcpOption.RequestedIp, repr.requestedIp);
  addr(DhcpOption.ServerId, repr.serverIdentifier);
  if (repr.maxMessageSize !== null) out.push([DhcpOption.MaxMessageSize, be16(repr.maxMessageSize)]);
  if (repr.parameterRequestList.length > 0) {
    out.push([DhcpOption.ParameterRequestList, Uint8Array.from(repr.parameterRequestList)]);
  }
  addr(DhcpOption.SubnetMask, repr.subnetMask);
  list(DhcpOption.Router, repr.routers);
  list(DhcpOption.DnsServer, repr.dnsServers);
  addr(DhcpOption.LeaseTime, repr.leaseTime);
  addr(DhcpOption.RenewalTime, repr.renewalTime);
  addr(DhcpOption.RebindingTime, repr.rebindingTime);
  return out;
}

function be32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  viewOf(b).setUint32(0, v >>> 0);
  return b;
}

function be16(v: number): Uint8Array {
  return Uint8Array.of(v >> 8, v & 0xff);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) { out.set(p, i); i += p.length; }
  return out;
}

function optionsLen(repr: DhcpRepr): number {
  return optionList(repr).reduce((n, [, data]) => n + 2 + data.length, 0) + 1;
}

export const DhcpRepr = {
  /** Accepts Ethernet BOOTP messages with the magic cookie and a valid message-type option. */
  parse(bytes: Uint8Array): Result<DhcpRepr> {
    const r = DhcpPacket.checked(bytes);
    if (!r.ok) return r;
    const p = r.value;
    if (p.op !== DhcpOp.Request && p.op !== DhcpOp.Reply) return err('malformed');
    if (p.hardwareType !== 1 || p.hardwareLen !== 6) return err('unsupported');
    if (p.magic !== DHCP_MAGIC_COOKIE) return err('malformed');
    const repr = emptyRepr(p);
    let sawType = false;
    const walked = walkOptions(p.options(), (code, data) => {
      if (code === DhcpOption.MessageType) sawType = true;
      return applyOption(repr, code, data);
    });
    if (!walked.ok) return walked;
    if (!sawType) return err('malformed'); // RFC 2131 3: every DHCP message carries option 53
    if (opFor(repr.messageType) !== p.op) return err('malformed');
    return ok(repr);
  },

  bufferLen(repr: DhcpRepr): number {
    return Math.max(DHCP_MIN_MESSAGE_LEN, F.OPTIONS + optionsLen(repr));
  },

  /** Writes the message into `bytes` (bufferLen long); sname, file and padding are zeroed. */
  emit(repr: DhcpRepr, bytes: Uint8Array): void {
    const msg = bytes.subarray(0, DhcpRepr.bufferLen(repr));
    msg.fill(0);
    const p = DhcpPacket.unchecked(msg);
    p.op = opFor(repr.messageType);
    p.hardwareType = 1;
    p.hardwareLen = 6;
    p.transactionId = repr.transactionId;
    p.secs = repr.secs;
    p.broadcast = repr.broadcast;
    p.clientIp = repr.clientIp;
    p.yourIp = repr.yourIp;
    p.serverIp = repr.serverIp;
    p.relayAgentIp = repr.relayAgentIp;
    p.clientHwAddr = repr.clientHwAddr;
    p.magic = DHCP_MAGIC_COOKIE;
    let i = F.OPTIONS;
    for (const [code, data] of optionList(repr)) {
      if (data.length > 255) throw new Error(`DhcpRepr.emit: option ${code} longer than 255 bytes (RFC 2132 2)`);
      msg[i] = code;
      msg[i + 1] = data.length;
      msg.set(data, i + 2);
      i += 2 + data.length;
    }
    msg[i] = DhcpOption.End;
  },
};

/** A Repr with every optional field absent. */
export function dhcpRepr(fields: Pick<DhcpRepr, 'messageType' | 'transactionId' | 'clientHwAddr'> & Partial<DhcpRepr>): DhcpRepr {
  return {
    secs: 0, broadcast: false, clientIp: 0, yourIp: 0, serverIp: 0, relayAgentIp: 0, subnetMask: null, routers: [],
    dnsServers: [], leaseTime: null, renewalTime: null, rebindingTime: null, serverIdentifier: null,
    requestedIp: null, parameterRequestList: [], clientIdentifier: null, maxMessageSize: null, ...fields,
  };
}
