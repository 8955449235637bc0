/**
 * Host port forwarding, as QEMU's `hostfwd=tcp:127.0.0.1:2626-:26`: a node:net server on the host whose
 * accepted connections are relayed to a guest address and port on the simulated LAN, each through a netstack
 * TcpSocket of the gateway's Interface.
 *
 * One Relay per host connection, moved by the gateway node's service turns (node.ts):
 *   host -> guest  'data' chunks queue in the relay; each turn hands what the TcpSocket takes to send(). Past
 *                  FORWARD_HOST_QUEUE queued bytes the host socket is paused, resumed once the queue drains.
 *   guest -> host  recv() while the host socket's write() accepts more; when it refuses (its buffer is full)
 *                  the relay stops reading until 'drain', so the TcpSocket's window closes on the guest.
 *   half-close     host 'end' (allowHalfOpen) -> close() on the TcpSocket once the queue has been sent;
 *                  TCP eof from the guest -> end() on the host socket. The relay is done when both are.
 *   errors         the guest refuses (RST to our SYN), resets or times out: the host socket is reset
 *                  (resetAndDestroy, so the host client sees ECONNRESET, as from QEMU's slirp); a host socket
 *                  error or a close before both sides finished: abort() (RST to the guest).
 */
import net from 'node:net';
import { type Endpoint, TcpSocket, TcpState } from '@cosix/netstack';
import type { StackNode } from './node.js';
import { FORWARD_CHUNK, FORWARD_HOST_QUEUE, FORWARD_TCP_BUFFER } from './params.js';

export interface ForwardOptions {
  /** Host address to listen on; default 127.0.0.1. */
  hostAddress?: string;
  /** Host port; 0 picks a free one (see HostForward.port). */
  hostPort: number;
  guest: Endpoint;
}

export interface ForwardStats {
  accepted: number;
  completed: number;
  refused: number;
  reset: number;
  bytesToGuest: number;
  bytesToHost: number;
}

class Relay {
  private queue: Uint8Array[] = [];
  private queued = 0;
  private hostEnded = false; // host sent FIN: close() owed to the guest once the queue is empty
  private hostFinished = false; // we ended the host socket (guest FIN passed on)
  private waitingDrain = false;
  done = false;

  constructor(private readonly fwd: HostForward, readonly host: net.Socket, readonly tcp: TcpSocket) {
    host.on('data', (chunk: Buffer) => {
      this.queue.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.queued += chunk.byteLength;
      if (this.queued >= FORWARD_HOST_QUEUE) host.pause();
      fwd.node.kick();
    });
    host.on('end', () => {
      this.hostEnded = true;
      fwd.node.kick();
    });
    host.on('drain', () => {
      this.waitingDrain = false;
      fwd.node.kick();
    });
    host.on('error', () => {}); // 'close' follows; handled there
    host.on('close', () => this.hostClosed());
  }

  /** One service turn: move bytes both ways, pass half-closes on, notice the end. */
  turn(): void {
    if (this.done) return;
    const t = this.tcp;
    if (t.error !== null) return this.failed(t.error);
    // Gone without an error and before both directions finished: nothing more will come; reset the host.
    if (t.state === TcpState.CLOSED && !(this.hostFinished && this.hostEnded)) return this.failed('reset');
    this.toGuest();
    this.toHost();
    if (this.hostFinished && this.hostEnded && this.queued === 0 && (t.state === TcpState.CLOSED || t.hangup)) {
      this.finish('completed');
    }
  }

  private toGuest(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const n = this.tcp.send(head);
      this.fwd.stats.bytesToGuest += n;
      this.queued -= n;
      if (n < head.length) {
        this.queue[0] = head.subarray(n);
        break;
      }
      this.queue.shift();
    }
    if (this.queued < FORWARD_HOST_QUEUE && this.host.isPaused() && !this.hostEnded) this.host.resume();
    // RFC 9293 3.10.4: CLOSE in SYN-SENT deletes the connection, queued data and all; the FIN waits for
    // the handshake instead.
    if (this.hostEnded && this.queued === 0 && this.tcp.state !== TcpState.SYN_SENT) this.tcp.close();
  }

  private toHost(): void {
    while (!this.waitingDrain && !this.hostFinished) {
      const data = this.tcp.recv(FORWARD_CHUNK);
      if (data.length === 0) break;
      this.fwd.stats.bytesToHost += data.length;
      if (!this.host.write(data)) this.waitingDrain = true;
    }
    if (this.tcp.eof && !this.hostFinished) {
      this.hostFinished = true;
      this.host.end();
    }
  }

  private failed(error: string): void {
    this.finish(error === 'refused' ? 'refused' : 'reset');
    this.host.resetAndDestroy();
  }

  private hostClosed(): void {
    if (this.done) return;
    // The host went away before both directions finished: the guest must not wait for it (RFC 9293 ABORT).
    if (!(this.hostFinished && this.hostEnded)) this.tcp.abort();
    this.finish(this.hostFinished && this.hostEnded ? 'completed' : 'reset');
    this.fwd.node.kick();
  }

  private finish(how: 'completed' | 'refused' | 'reset'): void {
    this.done = true;
    this.fwd.stats[how]++;
    this.fwd.relays.delete(this);
  }
}

export class HostForward {
  readonly stats: ForwardStats = { accepted: 0, completed: 0, refused: 0, reset: 0, bytesToGuest: 0, bytesToHost: 0 };
  readonly relays = new Set<Relay>();
  private readonly server: net.Server;
  private readonly unhook: () => void;

  private constructor(readonly node: StackNode, readonly guest: Endpoint, private readonly rng: () => number) {
    this.server = net.createServer({ allowHalfOpen: true }, (s) => this.accept(s));
    this.unhook = node.onService(() => {
      for (const r of [...this.relays]) r.turn();
    });
  }

  /** Listen on the host and relay each connection to `opts.guest` through `node`'s interface. */
  static async open(node: StackNode, opts: ForwardOptions, rng: () => number): Promise<HostForward> {
    const fwd = new HostForward(node, { ...opts.guest }, rng);
    await new Promise<void>((resolve, reject) => {
      fwd.server.once('error', reject);
      fwd.server.listen(opts.hostPort, opts.hostAddress ?? '127.0.0.1', () => {
        fwd.server.off('error', reject);
        resolve();
      });
    });
    return fwd;
  }

  /** The host port actually listened on. */
  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Stop listening, reset every relayed connection (both sides), and leave the node's service turns. */
  async close(): Promise<void> {
    this.unhook();
    for (const r of [...this.relays]) {
      r.tcp.abort();
      r.host.resetAndDestroy();
    }
    this.node.kick();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(host: net.Socket): void {
    this.stats.accepted++;
    host.setNoDelay(true);
    const tcp = new TcpSocket(this.node.iface.sockets, { rng: this.rng, rxBuffer: FORWARD_TCP_BUFFER, txBuffer: FORWARD_TCP_BUFFER });
    if (tcp.connect({ addr: 0, port: 0 }, this.guest, this.node.now()) !== 'ok') {
      this.stats.refused++;
      host.resetAndDestroy();
      return;
    }
    this.relays.add(new Relay(this, host, tcp));
    this.node.kick();
  }
}
