/** Helpers shared by the tests of this package and of its users (`@cosix/netstack/testing`, not index.ts). */
import { QueueDevice } from './iface/device.js';
import { Interface, type InterfaceConfig } from './iface/interface.js';
import { ipv4, mac } from './wire/address.js';

/** Hex to bytes; whitespace and `|` separators are ignored so goldens can be laid out by field. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/[\s|]/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error(`hex: bad literal ${text}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A deterministic xorshift32 generator returning uint32s, for tests that need "random" inputs. */
export function seededRng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

/** One end of a test wire: the interface and the device it transmits into. */
export interface Host {
  iface: Interface;
  device: QueueDevice;
}

export function host(n: number, extra: Partial<InterfaceConfig> = {}): Host {
  const device = new QueueDevice();
  const iface = new Interface({
    device, rng: seededRng(n), hardwareAddr: mac(`02:00:00:00:00:${n.toString(16).padStart(2, '0')}`),
    addresses: [{ address: ipv4(`10.0.0.${n}`), prefixLen: 24 }], ...extra,
  });
  return { iface, device };
}

/**
 * Moves frames between hosts on one broadcast segment until the wire is quiet, polling each at `now`.
 * `filter` may drop or inspect frames in flight. Returns the number of frames carried.
 */
export function pump(hosts: Host[], now: number, filter: (frame: Uint8Array, from: Host) => boolean = () => true): number {
  let carried = 0;
  for (let round = 0; round < 100; round++) {
    for (const h of hosts) h.iface.poll(now);
    let moved = 0;
    for (const from of hosts) {
      for (const frame of from.device.drain()) {
        moved++;
        if (!filter(frame, from)) continue;
        for (const to of hosts) if (to !== from) to.iface.receive(frame, now);
      }
    }
    carried += moved;
    if (moved === 0) return carried;
  }
  throw new Error('pump: the wire never went quiet');
}
