// Raw frames from userland (docs/rawframes.md), driven by test/rawframes.test.ts from the host end of the
// NIC's cable. With {mode: 'wire'} this is init-like: fd 5 is the NIC's raw-frames fd. It checks the fd's type
// and rights and the info record, answers the host's ARP request with a hand-built ARP reply (RFC 826), then
// pings the host with frames of the IEEE 802 local experimental ethertype 0x88b5 (kind 1 ping, 2 pong, 3 "take
// the link down"): a blocking read of a whole pong, a polled read of a second pong into a short buffer
// (truncated, the rest discarded), and a link going down and up again as seen through poll and the info
// record. With {mode: 'nocap'} it was given no raw-frames fd: fd 5 must be EBADF for every call.
import { ArgFd, E, EVENTRWFLAGS, EVENTTYPE, FDFLAGS, FDSFLAGS, FILETYPE, R, WHENCE, type ArgValue, type Os, type PollEvent } from '@cosix/libc';
import { Checker } from './lib/check.js';

interface Args { stdout: ArgFd; net?: ArgFd; mac?: Uint8Array; ip?: Uint8Array; mode: string }

const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_TEST = 0x88b5;
const KIND_PING = 1, KIND_PONG = 2, KIND_NEXT = 3;
const NET_FD = 5; // where init finds its first NIC (boot.ts initCaps)
const TIMEOUT_NS = 10_000_000_000n;

const be16 = (b: Uint8Array, at: number): number => (b[at] << 8) | b[at + 1];
const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** An Ethernet II header (IEEE 802.3 3.2) at the start of a new frame of `len` bytes. */
function ethernet(len: number, dst: Uint8Array, src: Uint8Array, type: number): Uint8Array {
  const f = new Uint8Array(len);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = type >> 8;
  f[13] = type & 0xff;
  return f;
}

/** A test frame of `kind` to `dst`; a ping carries `seq` and the text "cosix ping". */
function testFrame(kind: number, seq: number, dst: Uint8Array, src: Uint8Array): Uint8Array {
  const f = ethernet(60, dst, src, ETHERTYPE_TEST);
  f[14] = kind;
  f[15] = seq;
  if (kind === KIND_PING) f.set([...'cosix ping'].map((ch) => ch.charCodeAt(0)), 16);
  return f;
}

/**
 * RFC 826 reply to the request `req` (Ethernet/IPv4 ARP at offset 14: htype 2, ptype 2, hlen 1, plen 1, op 2,
 * sha 6, spa 4, tha 6, tpa 4): 42 bytes, unpadded (the NIC pads it to the 60-byte minimum).
 */
function arpReply(req: Uint8Array, mac: Uint8Array, ip: Uint8Array): Uint8Array {
  const sha = req.subarray(22, 28), spa = req.subarray(28, 32);
  const f = ethernet(42, sha, mac, ETHERTYPE_ARP);
  f.set([0, 1, 0x08, 0x00, 6, 4, 0, 2], 14); // htype Ethernet, ptype IPv4, hlen, plen, op reply
  f.set(mac, 22);
  f.set(ip, 28);
  f.set(sha, 32);
  f.set(spa, 38);
  return f;
}

/** Polls fd_read on `fd` with a timeout: the event, or undefined when the clock fired first. */
function pollRead(os: Os, fd: number): PollEvent | undefined {
  const evs = os.poll([{ type: EVENTTYPE.FD_READ, fd, userdata: 1n }, { type: EVENTTYPE.CLOCK, timeoutNs: TIMEOUT_NS, userdata: 2n }]);
  return evs.find((e) => e.userdata === 1n);
}

function checkFdAndInfo(os: Os, c: Checker, fd: number, mac: Uint8Array): void {
  const st = os.fdstat(fd);
  c.eq(st.filetype, FILETYPE.SOCKET_DGRAM, 'raw-frames fd type');
  const want = R.FD_READ | R.FD_WRITE | R.FD_SEEK | R.POLL_FD_READWRITE | R.FD_STAT_PUT_FLAGS | R.FILE_STAT_FGET;
  c.eq(st.base, want, 'raw-frames base rights');
  c.eq(st.inheriting, 0n, 'raw-frames inheriting rights');
  const info = os.pread(fd, 64, 0);
  c.eq(info.length, 8, 'info record length');
  c.ok(same(info.subarray(0, 6), mac), 'info record MAC');
  c.eq(info[6], 1, 'info record: link up');
  c.eq(info[7], 0, 'info record padding');
  c.eq(os.pread(fd, 64, 8).length, 0, 'nothing past the info record');
  c.errno(E.SPIPE, 'the fd cannot seek', () => os.seek(fd, 0, WHENCE.SET));
  c.errno(E.INVAL, 'a 13-byte frame', () => os.write(fd, new Uint8Array(13)));
  c.errno(E.INVAL, 'a frame longer than 1518 bytes', () => os.write(fd, new Uint8Array(1519)));
  const [w] = os.poll([{ type: EVENTTYPE.FD_WRITE, fd }]);
  c.ok(w.error === 0 && w.nbytes > 0n && w.flags === 0, `writable without HANGUP (nbytes ${w.nbytes}, flags ${w.flags})`);
}

/** Answers the host's ARP request for `ip`; returns the host's MAC. */
function answerArp(os: Os, c: Checker, fd: number, mac: Uint8Array, ip: Uint8Array): Uint8Array {
  const ev = pollRead(os, fd);
  c.ok(ev !== undefined && ev.error === 0 && ev.nbytes === 60n && ev.flags === 0, 'ARP request: readable with nbytes 60');
  const req = os.read(fd, 2048);
  c.eq(req.length, 60, 'ARP request length');
  c.eq(be16(req, 12), ETHERTYPE_ARP, 'ethertype ARP');
  c.eq(be16(req, 20), 1, 'ARP op request');
  c.ok(same(req.subarray(38, 42), ip), 'ARP target is our address');
  c.eq(os.write(fd, arpReply(req, mac, ip)), 42, 'ARP reply written whole');
  return req.slice(22, 28);
}

function pingHost(os: Os, c: Checker, fd: number, mac: Uint8Array, host: Uint8Array): void {
  // Pong 1: a blocking read, woken by the interrupt that brings it.
  c.eq(os.write(fd, testFrame(KIND_PING, 1, host, mac)), 60, 'ping 1 written');
  const pong = os.read(fd, 2048);
  c.eq(pong.length, 100, 'pong 1 read whole');
  c.ok(pong[14] === KIND_PONG && pong[15] === 1 && pong[99] === ((99 * 7 + 1) & 0xff), 'pong 1 contents');
  // Pong 2: poll, then a 20-byte buffer: the head of the frame, the rest discarded.
  c.eq(os.write(fd, testFrame(KIND_PING, 2, host, mac)), 60, 'ping 2 written');
  const ev = pollRead(os, fd);
  c.ok(ev !== undefined && ev.nbytes === 100n && ev.flags === 0, 'pong 2: readable with nbytes 100');
  const head = os.read(fd, 20);
  c.eq(head.length, 20, 'a short buffer gets the head of the frame');
  c.ok(same(head.subarray(0, 6), mac) && same(head.subarray(6, 12), host), 'pong 2 addresses');
  c.ok(head[14] === KIND_PONG && head[15] === 2 && head[19] === ((19 * 7 + 2) & 0xff), 'pong 2 head contents');
  os.fdstatPut(fd, { flags: FDFLAGS.NONBLOCK }, FDSFLAGS.FLAGS);
  c.errno(E.AGAIN, 'the rest of a truncated frame is discarded', () => os.read(fd, 2048));
}

/** The host takes the link down when it sees KIND_NEXT, and up again once we say we saw it go down. */
function linkDownAndUp(os: Os, c: Checker, fd: number, mac: Uint8Array, host: Uint8Array): void {
  c.eq(os.write(fd, testFrame(KIND_NEXT, 0, host, mac)), 60, 'next written');
  let ev = pollRead(os, fd);
  c.ok(ev !== undefined && (ev.flags & EVENTRWFLAGS.HANGUP) !== 0 && ev.nbytes === 0n, 'link down: fd_read event with HANGUP');
  c.eq(os.read(fd, 2048).length, 0, 'link down: a 0-byte read is the notification');
  c.errno(E.AGAIN, 'the notification is consumed', () => os.read(fd, 2048));
  c.eq(os.pread(fd, 8, 0)[6], 0, 'info record: link down');
  const [w] = os.poll([{ type: EVENTTYPE.FD_WRITE, fd }]);
  c.ok((w.flags & EVENTRWFLAGS.HANGUP) !== 0, 'link down: fd_write event with HANGUP');
  os.writeAll(0, 'rawframes_test: link down seen\n');
  ev = pollRead(os, fd);
  c.ok(ev !== undefined && ev.flags === 0 && ev.nbytes === 0n, 'link up: fd_read event without HANGUP');
  c.eq(os.pread(fd, 8, 0)[6], 1, 'info record: link up');
  c.errno(E.AGAIN, 'reading the info record acknowledged the notification', () => os.read(fd, 2048));
}

function noCapability(os: Os, c: Checker): void {
  c.errno(E.BADF, 'fd_read without the capability', () => os.read(NET_FD, 2048));
  c.errno(E.BADF, 'fd_write without the capability', () => os.write(NET_FD, testFrame(KIND_PING, 9, new Uint8Array(6).fill(0xff), new Uint8Array(6))));
  c.errno(E.BADF, 'fd_pread without the capability', () => os.pread(NET_FD, 8, 0));
  const [ev] = os.poll([{ type: EVENTTYPE.FD_READ, fd: NET_FD }]);
  c.eq(ev.error, E.BADF, 'poll without the capability');
  for (let fd = 0; fd < 16; fd++) {
    try { c.ok(os.fdstat(fd).filetype !== FILETYPE.SOCKET_DGRAM, `fd ${fd} is not a raw-frames fd`); } catch { /* EBADF: not open */ }
  }
}

export function main(os: Os, argv: ArgValue): number {
  const args = argv as unknown as Args;
  const c = new Checker(os, 'rawframes_test', args.stdout.fd);
  if (args.mode === 'nocap') {
    noCapability(os, c);
    return c.done();
  }
  const fd = args.net!.fd, mac = args.mac!, ip = args.ip!;
  c.eq(fd, NET_FD, 'the raw-frames fd follows procfs');
  checkFdAndInfo(os, c, fd, mac);
  const host = answerArp(os, c, fd, mac, ip);
  pingHost(os, c, fd, mac, host);
  linkDownAndUp(os, c, fd, mac, host);
  return c.done();
}
