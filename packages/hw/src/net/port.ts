// Ports: the sockets that simulated cables plug into.
//
// Every piece of network hardware (a NIC, a switch port, one end of a link, a TAP bridge) exposes
// a Port. connect(a, b) plugs a and b together: a frame a sends is received by b and vice versa.
// A frame is a whole Ethernet II frame from destination MAC to the end of the payload, without
// preamble or FCS (what Linux's AF_PACKET and pcap LINKTYPE_ETHERNET carry).
//
// Ownership rule: a frame handed to send() or receive() is immutable from then on; it may be
// delivered to several receivers (flooding, capture). Whoever needs to change bytes (a link that
// corrupts a frame) copies first. Receivers that keep a frame past the call keep it read-only.
//
// Delivery through a bare connection is synchronous; asynchrony and delay belong to links.

export type FrameHandler = (frame: Uint8Array) => void;

export class Port {
  private peerPort: Port | null = null;

  /** `onReceive` is called with each frame arriving from the peer. */
  constructor(readonly name: string, private readonly onReceive: FrameHandler) {}

  get peer(): Port | null {
    return this.peerPort;
  }

  /** Send a frame to the peer; returns false (frame dropped) when nothing is plugged in. */
  send(frame: Uint8Array): boolean {
    if (this.peerPort === null) return false;
    this.peerPort.onReceive(frame);
    return true;
  }

  /** Plug `a` and `b` together. Both must be free: a port takes one cable. */
  static connect(a: Port, b: Port): void {
    if (a === b) throw new Error(`Port.connect: ${a.name} cannot connect to itself`);
    if (a.peerPort !== null || b.peerPort !== null) {
      throw new Error(`Port.connect: ${a.peerPort !== null ? a.name : b.name} is already connected`);
    }
    a.peerPort = b;
    b.peerPort = a;
  }

  /** Unplug `p` and its peer (a no-op if `p` is free). */
  static disconnect(p: Port): void {
    const other = p.peerPort;
    p.peerPort = null;
    if (other !== null) other.peerPort = null;
  }
}

/** Called with a frame the observed device sent or received. */
export type FrameTap = (frame: Uint8Array, dir: 'tx' | 'rx') => void;

/** Something whose traffic can be watched (and captured to pcap). */
export interface Observable {
  /** Register `tap`; returns a function that unregisters it. */
  observe(tap: FrameTap): () => void;
}

/** A list of taps with safe removal, shared by the observable devices. */
export class TapList implements Observable {
  private taps: FrameTap[] = [];

  observe(tap: FrameTap): () => void {
    this.taps = [...this.taps, tap];
    return () => {
      this.taps = this.taps.filter((t) => t !== tap);
    };
  }

  emit(frame: Uint8Array, dir: 'tx' | 'rx'): void {
    for (const tap of this.taps) tap(frame, dir);
  }

  get size(): number {
    return this.taps.length;
  }
}

// IEEE 802.3 clause 3.2: Ethernet II header is dst(6) src(6) ethertype(2).
export const ETH_HEADER_LEN = 14;
/** Largest frame without FCS and without an 802.1Q tag: 14 + 1500. */
export const ETH_MAX_FRAME = 1514;
/** Largest frame without FCS with one 802.1Q tag (IEEE 802.1Q 9.3). */
export const ETH_MAX_TAGGED_FRAME = 1518;
/** Minimum frame without FCS (64-byte minimum frame minus 4-byte FCS, IEEE 802.3 4.4.2). */
export const ETH_MIN_FRAME = 60;

export type MacAddress = Uint8Array;

export const BROADCAST_MAC: MacAddress = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/** "02:00:5e:10:00:01" -> bytes; throws on a malformed string (configuration error). */
export function parseMac(text: string): MacAddress {
  const parts = text.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new Error(`parseMac: bad MAC address "${text}"`);
  }
  return new Uint8Array(parts.map((p) => parseInt(p, 16)));
}

export function formatMac(mac: Uint8Array, offset = 0): string {
  const out: string[] = [];
  for (let i = 0; i < 6; i++) out.push(mac[offset + i].toString(16).padStart(2, '0'));
  return out.join(':');
}

/** IEEE 802 group bit: the I/G bit, least significant bit of the first octet (broadcast included). */
export function isGroupMac(frame: Uint8Array, offset: number): boolean {
  return (frame[offset] & 0x01) !== 0;
}

/** The destination MAC as a 48-bit integer key (for maps). */
export function macKey(frame: Uint8Array, offset: number): number {
  let k = 0;
  for (let i = 0; i < 6; i++) k = k * 256 + frame[offset + i];
  return k;
}

/** A locally administered unicast MAC (IEEE 802 U/L bit set, I/G clear) derived from `n`. */
export function localMac(n: number): MacAddress {
  return new Uint8Array([0x02, 0x00, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}
