// Pseudo fds end to end, with a toy daemon in a second thread: file calls on the pseudo end arrive as
// requests on the reverse end; answers may come back in any order; many requests are in flight at once;
// when the daemon closes its end, pending and later calls fail with EIO and poll reports hangup; with
// argdata muteMs, the same for a daemon that stops answering (the kernel's pseudo timeout is muteMs).
import {
  CLOCK, E, EVENTRWFLAGS, EVENTTYPE, FILESTAT, FILETYPE, MFLAGS, MPROT, MSFLAGS, OP, R, SYS, decodeRequests, encodeResponse, utf8Decode, utf8Encode,
  type ArgValue, type Os, type PseudoRequest, type PseudoResponse,
} from '@cosix/libc';
import { Checker } from './lib/check.js';

const CONTENT = utf8Encode('pseudo file contents');

function answer(q: PseudoRequest): PseudoResponse | null {
  const ok = (p: Partial<PseudoResponse> = {}): PseudoResponse => ({ id: q.id, errno: 0, flags: 0, value1: 0n, value2: 0n, data: new Uint8Array(0), ...p });
  switch (q.op) {
    case OP.OPEN: {
      const path = utf8Decode(q.data1);
      if (path === 'hello' || path === 'slow') return ok({ value1: 7n, value2: 0x60n });
      return { ...ok(), errno: E.NOENT };
    }
    case OP.PREAD: return ok({ data: CONTENT.slice(Number(q.arg1), Number(q.arg1 + q.arg2)) });
    case OP.PWRITE: {
      // 'lie' claims far more bytes than it was sent: the kernel must not believe it.
      const n = utf8Decode(q.data1) === 'lie' ? 1_000_000n : BigInt(q.data1.length);
      return ok({ value1: n, value2: q.arg1 + BigInt(q.data1.length) });
    }
    case OP.STAT_FGET: {
      const st = new Uint8Array(FILESTAT.size), dv = new DataView(st.buffer);
      dv.setBigUint64(8, 7n, true); dv.setUint8(16, 0x60); dv.setUint32(20, 1, true); dv.setBigUint64(24, BigInt(CONTENT.length), true);
      return ok({ data: st });
    }
    case OP.SOCK_SEND: return ok({ value1: BigInt(q.data1.length) });
    case OP.CLOSE: return null;
    default: return { ...ok(), errno: E.NOTSUP };
  }
}

export const entries = {
  daemon(os: Os, rev: number): void {
    for (;;) {
      const reqs = decodeRequests(os.read(rev, 1 << 20));
      if (reqs.some((q) => (q.op === OP.OPEN || q.op === OP.PWRITE || q.op === OP.SOCK_SEND) && utf8Decode(q.data1) === 'die')) { os.close(rev); return; }
      // Answer in reverse order: the kernel must match answers to requests by id.
      const out = reqs.map(answer).filter((x): x is PseudoResponse => x !== null).reverse().map(encodeResponse);
      for (const b of out) os.writeAll(rev, b);
    }
  },
  /**
   * Holds back the answer to OPEN "hold" (handle 9) until an OPEN "release" comes, and counts in the word at
   * `arg >> 8` the CLOSEs the kernel sends for handle 9; "die" ends it. The reverse end is fd `arg & 255`.
   */
  holder(os: Os, arg: number): void {
    const rev = arg & 255, counter = arg >>> 8;
    const held: PseudoRequest[] = [];
    for (;;) {
      const reqs = decodeRequests(os.read(rev, 1 << 20));
      const out: PseudoResponse[] = [];
      for (const q of reqs) {
        const path = q.op === OP.OPEN ? utf8Decode(q.data1) : undefined;
        if (path === 'die') { os.close(rev); return; }
        if (path === 'hold') { held.push(q); continue; }
        if (path === 'release') for (const h of held.splice(0)) out.push({ id: h.id, errno: 0, flags: 0, value1: 9n, value2: 0x60n, data: new Uint8Array(0) });
        if (q.op === OP.CLOSE) { if (q.handle === 9n) Atomics.add(os.mem.i32, counter >> 2, 1); continue; }
        out.push({ id: q.id, errno: E.NOENT, flags: 0, value1: 0n, value2: 0n, data: new Uint8Array(0) });
      }
      for (const r of out) os.writeAll(rev, encodeResponse(r));
    }
  },
  /**
   * Serves one 4 KiB file (handle 0 of a REGULAR_FILE pair) of zeros, and takes writes, but a write whose
   * bytes start with "short" is answered with one byte fewer than it carried; "die" ends it.
   */
  pager(os: Os, rev: number): void {
    for (;;) {
      const out: PseudoResponse[] = [];
      for (const q of decodeRequests(os.read(rev, 1 << 20))) {
        const ok = (p: Partial<PseudoResponse> = {}): PseudoResponse => ({ id: q.id, errno: 0, flags: 0, value1: 0n, value2: 0n, data: new Uint8Array(0), ...p });
        const text = utf8Decode(q.data1.subarray(0, 5)) ?? '';
        if (q.op === OP.PWRITE && utf8Decode(q.data1) === 'die') { os.close(rev); return; }
        if (q.op === OP.STAT_FGET) {
          const st = new Uint8Array(FILESTAT.size), dv = new DataView(st.buffer);
          dv.setBigUint64(8, 11n, true); dv.setUint8(16, FILETYPE.REGULAR_FILE); dv.setUint32(20, 1, true); dv.setBigUint64(24, 4096n, true);
          out.push(ok({ data: st }));
        } else if (q.op === OP.PREAD) out.push(ok({ data: new Uint8Array(Math.max(0, Math.min(Number(q.arg2), 4096 - Number(q.arg1)))) }));
        else if (q.op === OP.PWRITE) out.push(ok({ value1: BigInt(q.data1.length - (text === 'short' ? 1 : 0)), value2: q.arg1 + BigInt(q.data1.length) }));
        else if (q.op !== OP.CLOSE) out.push({ ...ok(), errno: E.NOTSUP });
      }
      for (const r of out) os.writeAll(rev, encodeResponse(r));
    }
  },
  /** Opens "hold" below the directory fd `pfd` (the test kills it while it waits). */
  opener(os: Os, pfd: number): number {
    os.open(pfd, 'hold', 0, R.FD_READ);
    return 0;
  },
  /** Answers nothing: reads requests until the kernel cuts it off (end of file), then ends. */
  mute(os: Os, rev: number): void {
    while (os.read(rev, 1 << 20).length > 0) { /* requests pile up unanswered */ }
    os.close(rev);
  },
  reader(os: Os, pfd: number): number {
    const fd = os.open(pfd, 'hello', 0, R.FD_READ | R.FD_SEEK);
    let ok = 0;
    for (let i = 0; i < 50; i++) if (utf8Decode(os.pread(fd, 6, 7)) === 'file c') ok++;
    os.close(fd);
    return ok;
  },
};

export function main(os: Os, args: ArgValue): number {
  const c = new Checker(os, 'pseudo_test');
  const factory = (args as { pseudo: { fd: number } }).pseudo.fd;
  const [rev, pfd] = os.pseudoPair(factory, 'DIRECTORY');
  c.errno(E.NOTDIR, 'the reverse end is not a directory to open in', () => os.open(rev, 'x', 0, 0n));
  const daemon = os.thread('daemon', rev);
  const fd = os.open(pfd, 'hello', 0, R.FD_READ | R.FD_SEEK | R.FD_TELL | R.FD_WRITE | R.FILE_STAT_FGET | R.POLL_FD_READWRITE);
  c.eq(utf8Decode(os.read(fd, 6)), 'pseudo', 'read');
  c.eq(utf8Decode(os.read(fd, 100)), ' file contents', 'read continues at the offset');
  c.eq(os.seek(fd, 0, 2), BigInt(CONTENT.length), 'seek to the end asks the daemon for the size');
  c.eq(os.fstat(fd).size, BigInt(CONTENT.length), 'fstat');
  c.eq(os.write(fd, 'abc'), 3, 'write');
  c.eq(os.write(fd, 'lie'), 3, 'a daemon claiming to have taken more than it was sent is not believed');
  c.errno(E.NOENT, 'daemon errors come through', () => os.open(pfd, 'missing', 0, R.FD_READ));
  c.errno(E.NOTSUP, 'and any errno the daemon picks', () => os.readdir(pfd));
  const readers = Array.from({ length: 4 }, () => os.thread('reader', pfd));
  readers.forEach((t) => t.join());
  c.errno(E.IO, 'a daemon that goes away fails the call', () => os.open(pfd, 'die', 0, R.FD_READ));
  daemon.join();
  c.errno(E.IO, 'later calls on its fds fail too', () => os.read(fd, 4));
  const ev = os.poll([{ type: EVENTTYPE.FD_READ, fd }]);
  c.ok((ev[0].flags & EVENTRWFLAGS.HANGUP) !== 0, 'poll reports hangup');

  // The other types of pair: a regular file and a datagram socket served by the same kind of daemon; and
  // the factory's answer to a request it does not know.
  const [frev, pf] = os.pseudoPair(factory, 'REGULAR_FILE');
  const fdaemon = os.thread('daemon', frev);
  c.eq(os.fdstat(pf).filetype, FILETYPE.REGULAR_FILE, 'a REGULAR_FILE pair is a regular file');
  c.eq(utf8Decode(os.pread(pf, 6, 0)), 'pseudo', 'whose reads the daemon answers');
  try { os.write(pf, 'die'); } catch { /* the daemon leaves without answering */ }
  fdaemon.join();
  // A shared mapping of a daemon's file reaches it at mem_sync; a write-back the daemon takes only part of
  // is an error, not a sync.
  const [prev, pp] = os.pseudoPair(factory, 'REGULAR_FILE');
  const pager = os.thread('pager', prev);
  const map = os.mmap(4096, MPROT.READ | MPROT.WRITE, MFLAGS.SHARED, pp, 0);
  os.mem.bytes(map, 4).set(utf8Encode('full'));
  c.eq(os.sys.call(SYS.mem_sync, map, 4096, MSFLAGS.SYNC), 0, 'mem_sync of a mapping of a daemon file');
  os.mem.bytes(map, 5).set(utf8Encode('short'));
  c.eq(os.sys.call(SYS.mem_sync, map, 4096, MSFLAGS.SYNC), E.IO, 'a short write-back makes mem_sync fail');
  os.munmap(map, 4096);
  try { os.write(pp, 'die'); } catch { /* the daemon leaves without answering */ }
  pager.join();
  const [drev, pd] = os.pseudoPair(factory, 'SOCKET_DGRAM');
  const ddaemon = os.thread('daemon', drev);
  c.eq(os.fdstat(pd).filetype, FILETYPE.SOCKET_DGRAM, 'a SOCKET_DGRAM pair is a datagram socket');
  c.eq(os.write(pd, 'datagram'), 8, 'whose sends the daemon takes');
  try { os.write(pd, 'die'); } catch { /* the daemon leaves without answering */ }
  ddaemon.join();
  os.send(factory, 'PSEUDOPAIR PIPE');
  const reply = os.recv(factory, 256, 2);
  c.ok((utf8Decode(reply.data) ?? '').startsWith('ERROR') && reply.fds.length === 0, `the factory refuses an unknown type: ${utf8Decode(reply.data)}`);

  // A handle the daemon opens for a caller that is gone by the time the answer comes is closed again.
  const [hrev, hpfd] = os.pseudoPair(factory, 'DIRECTORY');
  const counter = os.heap.malloc(4);
  os.mem.dv.setUint32(counter, 0, true);
  const holder = os.thread('holder', (counter << 8) | hrev);
  const kid = os.fork('opener', hpfd);
  os.sleep(30); // the child's OPEN reaches the daemon and waits there
  os.close(kid); // the child dies with its call pending
  c.errno(E.NOENT, 'release the held answer', () => os.open(hpfd, 'release', 0, R.FD_READ));
  c.errno(E.NOENT, 'a later request (the CLOSE comes before it)', () => os.open(hpfd, 'after', 0, R.FD_READ));
  c.eq(Atomics.load(os.mem.i32, counter >> 2), 1, 'the orphaned handle was closed');
  try { os.open(hpfd, 'die', 0, R.FD_READ); } catch { /* the daemon leaves without answering */ }
  holder.join();

  // A daemon that stops answering (run under a kernel with a short pseudo timeout: argdata muteMs).
  const muteMs = (args as { muteMs?: number }).muteMs;
  if (muteMs !== undefined) {
    const [rev2, pfd2] = os.pseudoPair(factory, 'DIRECTORY');
    const mute = os.thread('mute', rev2);
    const t0 = os.clock(CLOCK.MONOTONIC);
    c.errno(E.IO, 'a daemon that stops answering fails the call', () => os.open(pfd2, 'anything', 0, R.FD_READ));
    const waited = Number(os.clock(CLOCK.MONOTONIC) - t0) / 1e6;
    c.ok(waited >= muteMs * 0.9 && waited < muteMs + 2000, `... after the timeout (${waited.toFixed(0)} ms, timeout ${muteMs} ms)`);
    const t1 = os.clock(CLOCK.MONOTONIC);
    c.errno(E.IO, 'later calls fail at once', () => os.stat(pfd2, 'x'));
    c.ok(Number(os.clock(CLOCK.MONOTONIC) - t1) / 1e6 < muteMs / 2, 'without waiting for another timeout');
    const ev2 = os.poll([{ type: EVENTTYPE.FD_READ, fd: pfd2 }]);
    c.ok((ev2[0].flags & EVENTRWFLAGS.HANGUP) !== 0, 'poll reports hangup on the mute daemon\'s fds');
    mute.join(); // the daemon's own reads saw end-of-file
  }
  return c.done();
}
