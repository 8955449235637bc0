/**
 * The physical layer as the interface sees it (smoltcp's `phy`): something that transmits whole frames and,
 * optionally, can be polled for received ones. Ethernet devices carry Ethernet frames; 'ip' devices (the
 * loopback, a TUN) carry bare IPv4 datagrams.
 */
export type Medium = 'ethernet' | 'ip';

export interface Device {
  /** Takes ownership of `frame`; called synchronously from receive() and poll(). */
  transmit(frame: Uint8Array): void;
  /** A device the interface pulls from in poll(); push-style drivers call interface.receive() instead. */
  receive?(): Uint8Array | undefined;
}

/** Collects transmitted frames for the caller to drain: wires interfaces together in tests and daemons. */
export class QueueDevice implements Device {
  private frames: Uint8Array[] = [];

  transmit(frame: Uint8Array): void {
    this.frames.push(frame);
  }

  /** Returns and forgets everything transmitted so far. */
  drain(): Uint8Array[] {
    const out = this.frames;
    this.frames = [];
    return out;
  }

  get pending(): number {
    return this.frames.length;
  }
}

/** Every frame transmitted comes back on the next poll(): the device under the loopback interface. */
export class LoopbackDevice implements Device {
  private readonly frames: Uint8Array[] = [];

  constructor(private readonly capacity: number) {}

  transmit(frame: Uint8Array): void {
    // Like a full NIC queue, a full loopback drops (Linux's backlog does the same).
    if (this.frames.length < this.capacity) this.frames.push(frame);
  }

  receive(): Uint8Array | undefined {
    return this.frames.shift();
  }
}
