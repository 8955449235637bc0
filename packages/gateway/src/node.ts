/**
 * A netstack Interface plugged into a simulated cable: the glue between hw (Ports, a NetScheduler) and
 * netstack (an Interface driven by `now`), as smoltcp's examples glue an `iface` to a `phy` and a loop.
 *
 *   ingress  A frame arriving on `port` is queued, never handed to the interface synchronously: the sender
 *            may be inside its own poll() (two nodes on a bare cable), and the interface may answer an ARP
 *            request from inside receive(). The queue is drained by the next service turn, through the
 *            Device's pull-style receive().
 *   egress   The interface's device.transmit() is port.send(): the frame is on the cable at once (links and
 *            switches add whatever delay they model).
 *   time     One service turn runs at a time, on the scheduler: poll(now), the application hooks (their
 *            turn to move bytes in and out of sockets), poll(now) again, then the node arms one timer for
 *            the earlier of "frames are waiting" (a zero delay) and the interface's pollAt(). `now` is the
 *            scheduler's clock in milliseconds, so the same node runs on virtual time in tests and on the
 *            wall clock (RealTimeScheduler) when Linux or host sockets are on the other side.
 * Applications that change sockets or have work of their own outside a service turn (a host socket delivered
 * data) call kick(): it asks for a turn whatever the interface's pollAt() says, so the hooks run.
 */
import { NS_PER_MS, Port, type NetScheduler, type NetTimer } from '@cosix/hw';
import { type EthernetAddress, Interface, type InterfaceConfig } from '@cosix/netstack';
import { NODE_RX_QUEUE_FRAMES } from './params.js';

export interface StackNodeOptions extends Omit<InterfaceConfig, 'device' | 'hardwareAddr' | 'medium'> {
  scheduler: NetScheduler;
  /** The interface's MAC, as a 48-bit number (netstack's EthernetAddress). */
  mac: EthernetAddress;
  name?: string;
}

/** Called once per service turn, between two polls, with the node's `now` (ms). */
export type ServiceHook = (now: number) => void;

export class StackNode {
  readonly iface: Interface;
  readonly port: Port;
  readonly name: string;
  readonly stats = { rxQueued: 0, rxDropped: 0, turns: 0 };
  private readonly sched: NetScheduler;
  private rxq: Uint8Array[] = [];
  private rxHead = 0;
  private timer: NetTimer | null = null;
  private hooks: ServiceHook[] = [];
  private closed = false;

  constructor(opts: StackNodeOptions) {
    const { scheduler, mac, name, ...config } = opts;
    this.sched = scheduler;
    this.name = name ?? `node ${mac.toString(16).padStart(12, '0')}`;
    this.port = new Port(this.name, (frame) => this.arrive(frame));
    const device = { transmit: (f: Uint8Array) => void this.port.send(f), receive: () => this.nextFrame() };
    this.iface = new Interface({ ...config, device, hardwareAddr: mac });
  }

  /** The node's clock in milliseconds (netstack's unit), derived from the scheduler's nanoseconds. */
  now(): number {
    return this.sched.now() / NS_PER_MS;
  }

  /** Run `hook` in every service turn; returns a function that removes it. */
  onService(hook: ServiceHook): () => void {
    this.hooks = [...this.hooks, hook];
    this.kick(); // the hook's first turn
    return () => {
      this.hooks = this.hooks.filter((h) => h !== hook);
    };
  }

  /** Ask for a service turn as soon as possible, hooks included (work arrived outside a turn). */
  kick(): void {
    if (this.closed) return;
    const now = this.sched.now();
    if (this.timer !== null) {
      if (this.timer.at <= now) return;
      this.sched.cancel(this.timer);
    }
    this.timer = this.sched.schedule(0, () => this.service());
  }

  /** Stops servicing, unplugs the port and cancels the timer; the interface is left as it was. */
  close(): void {
    this.closed = true;
    if (this.timer !== null) this.sched.cancel(this.timer);
    this.timer = null;
    this.hooks = [];
    this.rxq = [];
    this.rxHead = 0;
    Port.disconnect(this.port);
  }

  /** Frames queued and not yet seen by the interface. */
  get rxPending(): number {
    return this.rxq.length - this.rxHead;
  }

  private arrive(frame: Uint8Array): void {
    if (this.closed) return;
    // A bounded queue, as a NIC's RX ring: beyond it the frame is lost and TCP retransmits.
    if (this.rxPending >= NODE_RX_QUEUE_FRAMES) {
      this.stats.rxDropped++;
      return;
    }
    this.stats.rxQueued++;
    this.rxq.push(frame);
    this.arm(this.sched.now());
  }

  private nextFrame(): Uint8Array | undefined {
    if (this.rxHead >= this.rxq.length) return undefined;
    const f = this.rxq[this.rxHead++];
    if (this.rxHead === this.rxq.length) {
      this.rxq = [];
      this.rxHead = 0;
    }
    return f;
  }

  private service(): void {
    this.timer = null;
    if (this.closed) return;
    this.stats.turns++;
    const now = this.now();
    this.iface.poll(now);
    for (const hook of this.hooks) hook(now);
    this.iface.poll(now);
    this.arm(this.sched.now());
  }

  /** Keep one timer, for the earliest work: queued frames (now) or the interface's pollAt(). */
  private arm(nowNs: number): void {
    if (this.closed) return;
    const at = this.rxPending > 0 ? nowNs : this.pollAtNs(nowNs);
    if (at === null) return;
    if (this.timer !== null) {
      if (this.timer.at <= at) return;
      this.sched.cancel(this.timer);
    }
    this.timer = this.sched.schedule(Math.max(0, at - nowNs), () => this.service());
  }

  private pollAtNs(nowNs: number): number | null {
    const at = this.iface.pollAt(nowNs / NS_PER_MS);
    return at === null ? null : Math.max(nowNs, at * NS_PER_MS);
  }
}

/** A MAC as hw spells it (six bytes) to netstack's 48-bit number. */
export function macNumber(bytes: Uint8Array): EthernetAddress {
  let n = 0;
  for (let i = 0; i < 6; i++) n = n * 256 + bytes[i]!;
  return n;
}
