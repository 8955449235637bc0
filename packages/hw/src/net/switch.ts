// A learning L2 switch (IEEE 802.1D-2004 clause 7, "MAC bridge", without spanning tree).
//
// Forwarding (7.7): a frame entering port P teaches the filtering database that its source MAC
// lives behind P (7.8, learning: unicast sources only). A frame to a group address (broadcast or
// multicast) or to an unknown or aged-out unicast address is flooded to every port but P; a
// known unicast goes out its one port, and is discarded if that port is P itself (the
// destination sits on the segment it came from). Entries age out `ageingNs` after the source
// was last seen (7.9.2; default 300 s, the standard's recommended value). Ageing is evaluated
// lazily on lookup, so the switch owns no timers.
//
// Loops: there is no spanning tree, so the topology must be a tree; the switch never sends a
// frame back out its ingress port. A loop of synchronous connections (switch cabled to switch
// without a link in between) would recurse forever: the switch counts and drops frames that
// re-enter it more than MAX_DEPTH times within one synchronous delivery.

import { Port, TapList, macKey, formatMac, isGroupMac, ETH_HEADER_LEN } from './port.js';
import type { FrameTap, Observable } from './port.js';
import type { NetScheduler } from './sched.js';
import { NS_PER_S } from './sched.js';

export interface SwitchOptions {
  /** Filtering database entry lifetime; IEEE 802.1D-2004 Table 7-5 recommends 300 s. */
  ageingNs?: number;
  /** Entries kept at most; when full, the least recently seen entry is evicted. Default 4096. */
  maxEntries?: number;
  name?: string;
}

export interface SwitchStats {
  forwarded: number; // frames sent out exactly one port
  flooded: number; // frames sent out every other port
  filtered: number; // frames whose destination is on their ingress port
  runts: number; // frames too short to carry two MAC addresses
  loopDrops: number; // frames dropped by the synchronous-recursion guard
}

export interface MacEntry {
  mac: string;
  port: number;
  lastSeenNs: number;
}

interface Entry {
  port: SwitchPort;
  lastSeen: number;
}

/** One port of a switch: `port` is what a cable (Port.connect) plugs into. */
export class SwitchPort {
  readonly port: Port;

  constructor(readonly index: number, private readonly owner: Switch, name: string) {
    this.port = new Port(name, (frame) => owner.ingress(this, frame));
  }

  /** Detach from the switch: unplugs the cable and forgets MACs learned here. */
  remove(): void {
    this.owner.removePort(this);
  }
}

const MAX_DEPTH = 16;

export class Switch implements Observable {
  readonly name: string;
  private readonly ports: SwitchPort[] = [];
  private nextIndex = 0;
  private readonly table = new Map<number, Entry>();
  private readonly ageingNs: number;
  private readonly maxEntries: number;
  private depth = 0;
  private readonly taps = new TapList();
  private readonly counters: SwitchStats = { forwarded: 0, flooded: 0, filtered: 0, runts: 0, loopDrops: 0 };

  constructor(private readonly sched: NetScheduler, opts: SwitchOptions = {}) {
    this.ageingNs = opts.ageingNs ?? 300 * NS_PER_S;
    this.maxEntries = opts.maxEntries ?? 4096;
    this.name = opts.name ?? 'switch';
    if (!(this.ageingNs > 0) || !(this.maxEntries >= 1)) throw new RangeError('Switch: bad ageing or table size');
  }

  /** A new port; plug a NIC, a link end or another device into its `.port`. */
  addPort(name?: string): SwitchPort {
    const index = this.nextIndex++;
    const sp = new SwitchPort(index, this, name ?? `${this.name}.${index}`);
    this.ports.push(sp);
    return sp;
  }

  removePort(sp: SwitchPort): void {
    const i = this.ports.indexOf(sp);
    if (i < 0) return;
    this.ports.splice(i, 1);
    Port.disconnect(sp.port);
    for (const [mac, e] of this.table) if (e.port === sp) this.table.delete(mac);
  }

  get portCount(): number {
    return this.ports.length;
  }

  stats(): SwitchStats {
    return { ...this.counters };
  }

  /** The live (not aged-out) filtering database, for inspection. */
  macTable(): MacEntry[] {
    const now = this.sched.now();
    const out: MacEntry[] = [];
    for (const [mac, e] of this.table) {
      if (now - e.lastSeen >= this.ageingNs) continue;
      out.push({ mac: formatMac(macBytes(mac)), port: e.port.index, lastSeenNs: e.lastSeen });
    }
    return out;
  }

  /** Watch every frame entering any port (reported as 'rx'): a capture of the whole LAN. */
  observe(tap: FrameTap): () => void {
    return this.taps.observe(tap);
  }

  /** Called by a SwitchPort with a frame from its cable. */
  ingress(from: SwitchPort, frame: Uint8Array): void {
    if (frame.length < ETH_HEADER_LEN) {
      this.counters.runts++;
      return;
    }
    if (this.depth >= MAX_DEPTH) {
      this.counters.loopDrops++;
      return;
    }
    this.depth++;
    try {
      this.taps.emit(frame, 'rx');
      this.learn(from, frame);
      this.forward(from, frame);
    } finally {
      this.depth--;
    }
  }

  private learn(from: SwitchPort, frame: Uint8Array): void {
    if (isGroupMac(frame, 6)) return; // 802.1D 7.8: group addresses are never learned as sources
    const key = macKey(frame, 6);
    const now = this.sched.now();
    const known = this.table.get(key);
    if (known !== undefined) {
      this.table.delete(key); // re-insert: Map order is then least recently seen first
    } else if (this.table.size >= this.maxEntries) {
      this.evictOne(now);
    }
    this.table.set(key, { port: from, lastSeen: now });
  }

  /** Drop aged entries; if none had aged, the least recently seen one. */
  private evictOne(now: number): void {
    for (const [mac, e] of this.table) if (now - e.lastSeen >= this.ageingNs) this.table.delete(mac);
    if (this.table.size < this.maxEntries) return;
    const oldest = this.table.keys().next();
    if (!oldest.done) this.table.delete(oldest.value);
  }

  private forward(from: SwitchPort, frame: Uint8Array): void {
    const out = isGroupMac(frame, 0) ? undefined : this.lookup(macKey(frame, 0));
    if (out === undefined) {
      this.counters.flooded++;
      for (const sp of [...this.ports]) if (sp !== from) sp.port.send(frame);
    } else if (out === from) {
      this.counters.filtered++;
    } else {
      this.counters.forwarded++;
      out.port.send(frame);
    }
  }

  private lookup(key: number): SwitchPort | undefined {
    const e = this.table.get(key);
    if (e === undefined) return undefined;
    if (this.sched.now() - e.lastSeen >= this.ageingNs) {
      this.table.delete(key); // 802.1D 7.9.2: aged out
      return undefined;
    }
    return e.port;
  }
}

function macBytes(key: number): Uint8Array {
  const b = new Uint8Array(6);
  for (let i = 5; i >= 0; i--) {
    b[i] = key % 256;
    key = Math.floor(key / 256);
  }
  return b;
}
