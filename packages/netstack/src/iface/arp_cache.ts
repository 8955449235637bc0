/**
 * The ARP cache (RFC 826, RFC 1122 2.3.2): resolved neighbours with a lifetime, and for each address being
 * resolved a bounded queue of frames waiting for it (RFC 1122 2.3.2.2: "SHOULD save at least one"), with
 * request retries (RFC 1122 2.3.2.1: at most one request per second per address).
 *
 * Pending entries hold complete Ethernet frames whose destination is filled in on resolution.
 */
import {
  ARP_CACHE_SIZE, ARP_ENTRY_TTL_MS, ARP_MAX_REQUESTS, ARP_PENDING_ADDRS, ARP_PENDING_PER_ADDR, ARP_RETRY_INTERVAL_MS,
} from '../params.js';
import { type EthernetAddress, type Ipv4Address, writeMac } from '../wire/address.js';
import { viewOf } from '../wire/bytes.js';

export interface ArpLimits {
  cacheSize: number;
  entryTtlMs: number;
  retryIntervalMs: number;
  maxRequests: number;
  pendingPerAddr: number;
  pendingAddrs: number;
}

export const DEFAULT_ARP_LIMITS: ArpLimits = {
  cacheSize: ARP_CACHE_SIZE, entryTtlMs: ARP_ENTRY_TTL_MS, retryIntervalMs: ARP_RETRY_INTERVAL_MS,
  maxRequests: ARP_MAX_REQUESTS, pendingPerAddr: ARP_PENDING_PER_ADDR, pendingAddrs: ARP_PENDING_ADDRS,
};

interface Entry {
  mac: EthernetAddress;
  expiresAt: number;
}

interface Pending {
  frames: Uint8Array[];
  requestsSent: number;
  nextRequestAt: number;
}

/** What enqueue() decided: whether the caller must send an ARP request now. */
export type EnqueueResult = 'request' | 'queued' | 'dropped';

export interface ArpTimerWork {
  /** Addresses to send another request for. */
  retry: Ipv4Address[];
  /** Addresses given up on, with the frames that were waiting. */
  failed: Array<{ addr: Ipv4Address; frames: Uint8Array[] }>;
}

export class ArpCache {
  private readonly entries = new Map<Ipv4Address, Entry>();
  private readonly pending = new Map<Ipv4Address, Pending>();
  readonly stats = { pendingDropped: 0 };

  constructor(private readonly limits: ArpLimits = DEFAULT_ARP_LIMITS) {}

  lookup(addr: Ipv4Address, now: number): EthernetAddress | null {
    const e = this.entries.get(addr);
    if (e === undefined) return null;
    if (e.expiresAt <= now) {
      this.entries.delete(addr);
      return null;
    }
    return e.mac;
  }

  has(addr: Ipv4Address): boolean {
    return this.entries.has(addr);
  }

  /** Records addr -> mac; returns the frames that were waiting for it, destination filled in. */
  fill(addr: Ipv4Address, mac: EthernetAddress, now: number): Uint8Array[] {
    if (!this.entries.has(addr) && this.entries.size >= this.limits.cacheSize) this.evictOne();
    this.entries.set(addr, { mac, expiresAt: now + this.limits.entryTtlMs });
    const p = this.pending.get(addr);
    if (p === undefined) return [];
    this.pending.delete(addr);
    for (const f of p.frames) setDestination(f, mac);
    return p.frames;
  }

  /** Evicts the entry that expires soonest. */
  private evictOne(): void {
    let victim: Ipv4Address | null = null;
    let soonest = Infinity;
    for (const [addr, e] of this.entries) if (e.expiresAt < soonest) { soonest = e.expiresAt; victim = addr; }
    if (victim !== null) this.entries.delete(victim);
  }

  /** Queues `frame` until `addr` resolves; RFC 1122 2.3.2.2: when full, the oldest frame is dropped. */
  enqueue(addr: Ipv4Address, frame: Uint8Array, now: number): EnqueueResult {
    const p = this.pending.get(addr);
    if (p !== undefined) {
      if (p.frames.length >= this.limits.pendingPerAddr) {
        p.frames.shift();
        this.stats.pendingDropped++;
      }
      p.frames.push(frame);
      return 'queued';
    }
    if (this.pending.size >= this.limits.pendingAddrs) {
      this.stats.pendingDropped++;
      return 'dropped';
    }
    this.pending.set(addr, { frames: [frame], requestsSent: 1, nextRequestAt: now + this.limits.retryIntervalMs });
    return 'request';
  }

  /** Retries due requests, gives up on addresses that had maxRequests, forgets expired entries. */
  expire(now: number): ArpTimerWork {
    const work: ArpTimerWork = { retry: [], failed: [] };
    for (const [addr, p] of this.pending) {
      if (p.nextRequestAt > now) continue;
      if (p.requestsSent >= this.limits.maxRequests) {
        this.pending.delete(addr);
        work.failed.push({ addr, frames: p.frames });
        continue;
      }
      p.requestsSent++;
      p.nextRequestAt = now + this.limits.retryIntervalMs;
      work.retry.push(addr);
    }
    for (const [addr, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(addr);
    return work;
  }

  /** When expire() next has work. */
  pollAt(): number | null {
    let at: number | null = null;
    for (const p of this.pending.values()) if (at === null || p.nextRequestAt < at) at = p.nextRequestAt;
    for (const e of this.entries.values()) if (at === null || e.expiresAt < at) at = e.expiresAt;
    return at;
  }

  get pendingAddrs(): number {
    return this.pending.size;
  }
}

function setDestination(frame: Uint8Array, mac: EthernetAddress): void {
  writeMac(viewOf(frame), 0, mac);
}
