// The netstack daemon: netstack's interfaces and their sockets, served to programs as pseudo sockets. One thread runs the whole loop, a turn at a time:
//
//   1. take the NICs' frames, poll the interfaces with the monotonic clock (ms) until the loopback queue is
//      empty: segments move,
//      timers fire; then hand received datagrams to UDP handles and settle connects whose handshake ended
//   2. every channel writes its batch: readiness EVENTs that changed, then the answers of the last batch
//   3. one poll syscall waits for any reverse end to be readable, or for the earliest netstack timer
//      (interface.pollAt) or connect deadline (a clock subscription)
//   4. every readable channel reads its requests and answers them into its next batch
//
// Each socket is a pseudo pair of its own, made through the pseudo-pair factory (fd `factory`): the daemon
// keeps the reverse end (one channel), and hands the pseudo end to the client in a control reply.
// Interfaces: the loopback (lo, 127.0.0.1/8), and an Ethernet interface (eth0, eth1...) for each raw-frames
// fd named in `nics`, optionally configured by netstack's DHCP client. Each interface has its own SocketSet
// (netstack's Interface dispatches its set through itself): a connection lives in the set of the interface
// its route leaves by, and a socket bound to the wildcard address has a netstack socket in every set.
import { CLOCK, EVENTTYPE, FILETYPE, type Os, type PollSub } from '@cosix/libc';
import {
  DhcpClient, Interface, SocketSet, TcpState, formatIpv4, formatMac, ipv4, type Device, type Ipv4Address, type TcpSocketOptions,
} from '@cosix/netstack';
import { Channel, type Handle } from './channel.js';
import { ControlSession, type PendingConnect } from './control.js';
import { NicLink } from './nic.js';
import { NETD_LOOPBACK_MTU, NETD_LOOP_QUEUE, NETD_POLL_ROUNDS, NETD_TCP_BUFFER } from './params.js';
import type { InterfaceInfo, Stack } from './stack.js';
import { UdpPorts } from './udp.js';


/** The loopback device: what the interface transmits comes back on its next poll. */
class Loopback implements Device {
  private frames: Uint8Array[] = [];
  private head = 0;
  transmit(frame: Uint8Array): void { if (this.pending < NETD_LOOP_QUEUE) this.frames.push(frame); }
  receive(): Uint8Array | undefined {
    if (this.head >= this.frames.length) return undefined;
    const f = this.frames[this.head++];
    if (this.head === this.frames.length) { this.frames = []; this.head = 0; }
    return f;
  }
  get pending(): number { return this.frames.length - this.head; }
}

export interface NetdOptions {
  /** The pseudo-pair factory (sockets are pseudo pairs of their own). */
  factory: number;
  /** The reverse end of the control socket's pseudo pair. */
  control: number;
  /** Raw-frames fds of NICs, one Ethernet interface each (eth0, eth1...). */
  nics?: number[];
  /** Run the DHCP client on every NIC (otherwise they have no address). */
  dhcp?: boolean;
  /** Uniform uint32s (ISNs, ephemeral ports); default: random_get. */
  rng?: () => number;
}

/** One interface netd runs: its name, and for a NIC the link and the DHCP client. */
export interface NetIf { name: string; iface: Interface; link: NicLink | null; dhcp: DhcpClient | null }

export class Netd implements Stack {
  readonly sockets: SocketSet;
  readonly rng: () => number;
  readonly tcpOptions: TcpSocketOptions;
  readonly udp: UdpPorts;
  readonly connects: PendingConnect[] = [];
  readonly loopback = new Loopback();
  readonly interfaces: NetIf[];
  private readonly channels = new Map<number, Channel>();  // by reverse fd
  private readonly factory: number;
  private readonly epoch: bigint;

  constructor(readonly os: Os, opts: NetdOptions) {
    this.factory = opts.factory;
    this.rng = opts.rng ?? randomSource(os);
    this.sockets = new SocketSet(this.rng);
    this.tcpOptions = { rng: this.rng, rxBuffer: NETD_TCP_BUFFER, txBuffer: NETD_TCP_BUFFER };
    this.udp = new UdpPorts(this);
    this.epoch = os.clock(CLOCK.MONOTONIC);
    this.interfaces = [{
      name: 'lo', link: null, dhcp: null, iface: new Interface({
        medium: 'ip', device: this.loopback, rng: this.rng, mtu: NETD_LOOPBACK_MTU, sockets: this.sockets,
        addresses: [{ address: ipv4('127.0.0.1'), prefixLen: 8 }],
      }),
    }];
    (opts.nics ?? []).forEach((fd, i) => {
      const link = new NicLink(os, fd);
      const iface = new Interface({ medium: 'ethernet', device: link, hardwareAddr: link.mac, rng: this.rng });
      this.interfaces.push({ name: `eth${i}`, iface, link, dhcp: opts.dhcp ? new DhcpClient(iface, this.rng) : null });
    });
    this.channels.set(opts.control, new Channel(os, opts.control, new ControlSession(this)));
  }

  now(): number { return Number(this.os.clock(CLOCK.MONOTONIC) - this.epoch) / 1e6; }

  /** The interface a datagram to `dst` leaves by: the first whose routes reach it (lo first, for 127/8). */
  private ifaceFor(dst: Ipv4Address): Interface | null {
    for (const i of this.interfaces) if (i.iface.route(dst) !== null) return i.iface;
    return null;
  }

  sourceAddressFor(dst: Ipv4Address): Ipv4Address | null { return this.ifaceFor(dst)?.sourceAddressFor(dst) ?? null; }
  setFor(dst: Ipv4Address): SocketSet | null { return this.ifaceFor(dst)?.sockets ?? null; }

  setsFor(addr: Ipv4Address): SocketSet[] {
    if (addr === 0) return this.interfaces.map((i) => i.iface.sockets);
    return this.interfaces.filter((i) => i.iface.hasAddress(addr)).map((i) => i.iface.sockets);
  }

  interfaceInfo(name?: string): InterfaceInfo[] {
    return this.interfaces.filter((i) => name === undefined || i.name === name).map((i) => ({
      name: i.name, mac: i.link ? formatMac(i.link.mac) : null, linkUp: i.link ? i.link.linkUp : true,
      addrv4: i.iface.addresses.map((a) => `${formatIpv4(a.address)}/${a.prefixLen}`),
    }));
  }

  serve(type: number, h: Handle): number {
    const [rev, pseudo] = this.os.pseudoPair(this.factory, type === FILETYPE.SOCKET_DGRAM ? 'SOCKET_DGRAM' : 'SOCKET_STREAM');
    this.channels.set(rev, new Channel(this.os, rev, h));
    return pseudo;
  }

  dropConnects(session: ControlSession): void {
    for (let i = this.connects.length - 1; i >= 0; i--) {
      const p = this.connects[i];
      if (p.session !== session) continue;
      p.sock.abort();
      this.connects.splice(i, 1);
    }
  }

  get channelCount(): number { return this.channels.size; }

  /** Runs until every channel is gone (the control socket's last holder closed it and all sockets closed). */
  run(): number {
    for (;;) {
      const now = this.turn();
      if (this.channels.size === 0) return 0;
      this.wait(now);
    }
  }

  /** Steps 1 and 2: moves the network along and writes every channel's batch. Returns the time it used. */
  turn(): number {
    let now = this.now();
    for (const i of this.interfaces) i.link?.drain(i.iface, now);
    for (let n = 0; n < NETD_POLL_ROUNDS; n++) {
      for (const i of this.interfaces) i.iface.poll(now);
      if (this.loopback.pending === 0) break;
      now = this.now();
    }
    for (const p of this.udp.all()) p.deliver();
    this.settleConnects(now);
    for (const [fd, ch] of this.channels) {
      ch.flush();
      if (ch.handles.size === 0) { ch.close(); this.channels.delete(fd); }
    }
    return now;
  }

  private settleConnects(now: number): void {
    for (let i = 0; i < this.connects.length;) {
      const p = this.connects[i], s = p.sock;
      const timedOut = p.deadline !== null && now >= p.deadline;
      if (s.error === null && !timedOut && (s.state === TcpState.SYN_SENT || s.state === TcpState.SYN_RECEIVED)) { i++; continue; }
      this.connects.splice(i, 1);
      p.session.settle(p, timedOut && s.error === null);
    }
  }

  /** Steps 3 and 4: waits for requests or the next timer, and answers what came. */
  private wait(now: number): void {
    let at: number | null = this.loopback.pending > 0 ? now : null;
    for (const i of this.interfaces) { const t = i.iface.pollAt(now); if (t !== null && (at === null || t < at)) at = t; }
    for (const p of this.connects) if (p.deadline !== null && (at === null || p.deadline < at)) at = p.deadline;
    const chans = [...this.channels.values()];
    const subs: PollSub[] = chans.map((ch, i) => ({ type: EVENTTYPE.FD_READ, fd: ch.rev, userdata: BigInt(i) }));
    // A NIC with frames queued only needs the next turn (which drains every NIC): userdata past the channels.
    for (const i of this.interfaces) if (i.link) subs.push({ type: EVENTTYPE.FD_READ, fd: i.link.fd, userdata: 1n << 32n });
    if (at !== null) subs.push({ type: EVENTTYPE.CLOCK, timeoutNs: BigInt(Math.max(0, Math.ceil((at - now) * 1e6))), userdata: 0xffffffffn });
    for (const ev of this.os.poll(subs)) {
      if (ev.type !== EVENTTYPE.FD_READ || ev.userdata >= 1n << 32n) continue;
      const ch = chans[Number(ev.userdata)];
      if (!ch.service()) { ch.close(); this.channels.delete(ch.rev); }
    }
  }
}

/** uint32s from random_get, fetched 1 KiB at a time. */
function randomSource(os: Os): () => number {
  let buf: Uint32Array = new Uint32Array(0), at = 0;
  return () => {
    if (at >= buf.length) { const b = os.random(1024); buf = new Uint32Array(b.buffer, b.byteOffset, 256); at = 0; }
    return buf[at++];
  };
}
