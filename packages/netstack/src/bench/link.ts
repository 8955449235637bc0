/**
 * Two interfaces joined by a simulated link on virtual time, with a seeded fault model: one-way delay and
 * jitter (so reordering), loss, duplication and corruption (a flipped byte, which a checksum must catch).
 * Corruption spares ARP frames: ARP carries no checksum and a real link's FCS would have dropped the
 * frame, whereas here a corrupted reply would poison the ARP cache for a minute - a fault of the link
 * model, not one the stack could detect. IPv4 frames are corrupted anywhere, headers included.
 * Time only moves when nothing is due: run() jumps to the next frame arrival or the next interface timer,
 * so a 60-second transfer costs only the work its segments take. Used by the TCP property test and the
 * benchmarks; nothing here reads a clock or Math.random.
 */
import { QueueDevice } from '../iface/device.js';
import { Interface } from '../iface/interface.js';
import { type Ipv4Address, ipv4, mac } from '../wire/address.js';

export interface LinkFaults {
  /** One-way delay, ms. */
  delay: number;
  /** Extra uniform delay in [0, jitter) ms per frame; frames overtake each other when it exceeds their spacing. */
  jitter: number;
  loss: number;
  duplicate: number;
  corrupt: number;
}

/** Events at one virtual instant before run() declares the stacks stuck (real bursts need far fewer). */
const SPIN_LIMIT = 100_000;

export const NO_FAULTS: LinkFaults = { delay: 0, jitter: 0, loss: 0, duplicate: 0, corrupt: 0 };

export interface SimHost {
  iface: Interface;
  device: QueueDevice;
  addr: Ipv4Address;
}

interface InFlight {
  at: number;
  seq: number;
  frame: Uint8Array;
  to: SimHost;
}

/** A host numbered n on 10.0.0.0/24 with its own seeded rng. */
export function simHost(n: number, rng: () => number, mtu?: number): SimHost {
  const device = new QueueDevice();
  const addr = ipv4(`10.0.0.${n}`);
  const iface = new Interface({
    device, rng, hardwareAddr: mac(`02:00:00:00:00:${n.toString(16).padStart(2, '0')}`),
    addresses: [{ address: addr, prefixLen: 24 }], mtu,
  });
  return { iface, device, addr };
}

export class VirtualLink {
  now = 0;
  readonly stats = { frames: 0, lost: 0, duplicated: 0, corrupted: 0 };
  private queue: InFlight[] = [];
  private seq = 0;

  /** `random()` returns uniform floats in [0, 1): a seeded generator. */
  constructor(readonly a: SimHost, readonly b: SimHost, private readonly faults: LinkFaults, private readonly random: () => number) {}

  /**
   * Runs until `done()` is true or virtual time passes `until`. `step(now)` runs after every event (the
   * application's turn). Returns whether done() became true.
   */
  run(until: number, done: () => boolean, step: (now: number) => void = () => {}): boolean {
    let spins = 0;
    for (let last = this.now; ; last = this.now) {
      this.pollBoth();
      step(this.now);
      this.pollBoth();
      if (done()) return true;
      const next = this.nextTime();
      if (next === null || next > until) return false;
      this.now = Math.max(this.now, next);
      // A stack whose pollAt() keeps answering "now" without doing anything would spin here forever.
      spins = this.now === last ? spins + 1 : 0;
      if (spins > SPIN_LIMIT) throw new Error(`VirtualLink: no progress at t=${this.now} ms`);
      this.deliverDue();
    }
  }

  private pollBoth(): void {
    for (let round = 0; round < 8; round++) {
      this.a.iface.poll(this.now);
      this.b.iface.poll(this.now);
      const moved = this.carry(this.a, this.b) + this.carry(this.b, this.a);
      if (moved === 0) return;
    }
  }

  /** Applies the fault model to `from`'s transmitted frames and queues them towards `to`. */
  private carry(from: SimHost, to: SimHost): number {
    const frames = from.device.drain();
    for (const f of frames) {
      this.stats.frames++;
      if (this.random() < this.faults.loss) { this.stats.lost++; continue; }
      const copies = this.random() < this.faults.duplicate ? 2 : 1;
      if (copies === 2) this.stats.duplicated++;
      for (let c = 0; c < copies; c++) {
        let frame = f;
        if (this.random() < this.faults.corrupt && !isArp(f)) {
          frame = f.slice();
          frame[Math.floor(this.random() * frame.length)] ^= 1 + Math.floor(this.random() * 255);
          this.stats.corrupted++;
        }
        const at = this.now + this.faults.delay + this.random() * this.faults.jitter;
        this.push({ at, seq: this.seq++, frame, to });
      }
    }
    return frames.length;
  }

  private nextTime(): number | null {
    let t = this.queue.length > 0 ? this.queue[0]!.at : null;
    for (const h of [this.a, this.b]) {
      const p = h.iface.pollAt(this.now);
      if (p !== null && (t === null || p < t)) t = p;
    }
    return t;
  }

  private deliverDue(): void {
    while (this.queue.length > 0 && this.queue[0]!.at <= this.now) {
      const e = this.queue.shift()!;
      e.to.iface.receive(e.frame, this.now);
    }
  }

  /** Keeps the queue sorted by arrival time (then by send order). */
  private push(e: InFlight): void {
    let i = this.queue.length;
    while (i > 0 && (this.queue[i - 1]!.at > e.at || this.queue[i - 1]!.at === e.at && this.queue[i - 1]!.seq > e.seq)) i--;
    this.queue.splice(i, 0, e);
  }
}

/** Ethertype 0x0806 at bytes 12-13 of an Ethernet frame. */
function isArp(frame: Uint8Array): boolean {
  return frame.length >= 14 && frame[12] === 0x08 && frame[13] === 0x06;
}

/** A seeded uniform [0, 1) generator from a uint32 generator. */
export function unitRandom(rng: () => number): () => number {
  return () => rng() / 0x1_0000_0000;
}
