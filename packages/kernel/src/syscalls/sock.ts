// sock_* system calls on UNIX sockets (unixsock.ts holds the mechanism).
import { E, MPROT, OP, R, ROFLAGS, RECV_IN, RECV_OUT, RECV_OUT_PEERNAME, RECV_OUT_SOCKNAME, RIFLAGS, SEND_IN, SOCKSTAT, SSFLAGS, SSTATE } from '../abi/index.js';
import { SOCK_MAX_FDS } from '../params.js';
import { WOULD_BLOCK, type Ret, type Thread } from '../thread.js';
import { dropFds, isUnixSocket, type FdCarry, type UnixSocket } from '../unixsock.js';
import { TreeDir } from '../vfs.js';
import type { Fd } from '../fdtable.js';
import { isPseudo, ReverseObject, type PseudoObject } from '../pseudo.js';
import type { KObject } from '../object.js';
import { pAccept, pRecv, pSend, pSockName, pSockStat } from './psock.js';
import { pSimple } from './pseudofile.js';
import { checkIovs, gather, readIovs, readStruct, scatter, type Iov } from './uaccess.js';

const AF_UNIX = 3;

function sock(t: Thread, fd: number, rights: bigint): [UnixSocket, boolean] | number {
  const r = t.proc.fds.getObj(fd, rights, isUnixSocket, E.NOTSOCK);
  return typeof r === 'number' ? r : [r[1], r[0].desc.nonblock];
}

/** What sock_recv and sock_send work on: UNIX sockets, and the reverse ends of pseudo pairs (daemons). */
type Endpoint = UnixSocket | ReverseObject;
const isEndpoint = (o: KObject): o is Endpoint => isUnixSocket(o) || o instanceof ReverseObject;

function endpoint(t: Thread, fd: number, rights: bigint): [Endpoint, boolean] | number {
  const r = t.proc.fds.getObj(fd, rights, isEndpoint, E.NOTSOCK);
  return typeof r === 'number' ? r : [r[1], r[0].desc.nonblock];
}

/** Installs the received descriptors, writes their numbers and recv_out (`family` in both names). */
function finishRecv(t: Thread, a: { outPtr: number; fdsPtr: number; fdsCap: number }, n: number, fds: FdCarry[], roflags: number, family: number): Ret {
  const { nums, truncated } = installFds(t, fds, a.fdsCap);
  const fdBytes = new Uint8Array(nums.length * 4);
  nums.forEach((x, i) => new DataView(fdBytes.buffer).setUint32(i * 4, x, true));
  t.proc.vm.write(a.fdsPtr, fdBytes);
  const out = new DataView(new ArrayBuffer(RECV_OUT.size));
  out.setUint32(0, n, true); out.setUint32(4, nums.length, true);
  out.setUint8(RECV_OUT_SOCKNAME, family); out.setUint8(RECV_OUT_PEERNAME, family);
  out.setUint16(48, roflags | (truncated ? ROFLAGS.FDS_TRUNCATED : 0), true);
  return t.proc.vm.write(a.outPtr, new Uint8Array(out.buffer));
}

/** Installs received descriptors (up to `cap`); the rest are dropped and reported as FDS_TRUNCATED. */
function installFds(t: Thread, fds: FdCarry[], cap: number): { nums: number[]; truncated: boolean } {
  const nums: number[] = [];
  let truncated = false;
  for (const f of fds) {
    if (nums.length >= cap) { truncated = true; f.desc.unref(); continue; }
    const n = t.proc.fds.install(f.desc, f.base, f.inheriting);
    f.desc.unref();
    if (n < 0) truncated = true; else nums.push(n);
  }
  return { nums, truncated };
}

/** The fd as a pseudo socket (served by a daemon) with `rights`, undefined when it is not one. */
function pseudoSock(t: Thread, fd: number, rights: bigint): [Fd, PseudoObject] | number | undefined {
  const f = t.proc.fds.get(fd, 0n);
  if (typeof f === 'number' || !isPseudo(f.desc.obj) || !f.desc.obj.isSocket) return undefined;
  if ((f.base & rights) !== rights) return E.NOTCAPABLE;
  return [f, f.desc.obj];
}

export function sock_recv(t: Thread): Ret {
  const ps = pseudoSock(t, t.u32(0), R.FD_READ);
  if (ps !== undefined) return pseudoRecv(t, ps);
  const s = endpoint(t, t.u32(0), R.FD_READ);
  if (typeof s === 'number') return s;
  const [so, nonblock] = s;
  const a = recvArgs(t);
  if (typeof a === 'number') return a;
  const { iovs, flags, fdsPtr, fdsCap, outPtr } = a;
  const total = checkIovs(t, iovs, MPROT.WRITE);
  if (total < 0) return -total;
  const waitall = (flags & RIFLAGS.WAITALL) !== 0 && so.stream && (flags & RIFLAGS.PEEK) === 0;
  const got: Uint8Array[] = [];
  let have = 0, fds: FdCarry[] = [], roflags = 0;
  return t.tryOrBlock(() => {
    // Take what is there; with WAITALL keep taking until the buffer is full, EOF, or nothing is left.
    for (;;) {
      const r = so.recv(total - have, flags);
      if (typeof r === 'number') {
        if (r !== -E.AGAIN) return have ? deliver() : -r;
        if (have === 0) return nonblock ? E.AGAIN : WOULD_BLOCK;
        return waitall && !nonblock ? WOULD_BLOCK : deliver();
      }
      got.push(r.data); have += r.data.length; roflags |= r.flags;
      if (r.fds.length) fds = fds.concat(r.fds);
      if (!waitall || have >= total || r.data.length === 0) return deliver();
    }
  }, () => [so.readQueue]);

  function deliver(): Ret {
    const data = new Uint8Array(have);
    let at = 0;
    for (const g of got) { data.set(g, at); at += g.length; }
    const e = scatter(t, iovs as never, data);
    if (e) { dropFds(fds); return e; }
    return finishRecv(t, { outPtr, fdsPtr, fdsCap }, have, fds, roflags, AF_UNIX);
  }
}

export function sock_send(t: Thread): Ret {
  const ps = pseudoSock(t, t.u32(0), R.FD_WRITE);
  if (ps !== undefined) return pseudoSend(t, ps);
  const s = endpoint(t, t.u32(0), R.FD_WRITE);
  if (typeof s === 'number') return s;
  const [so, nonblock] = s;
  const a = sendArgs(t);
  if (typeof a === 'number') return a;
  const { data, fds, outPtr } = a;
  let done = 0, pending = fds;
  return t.tryOrBlock(() => {
    const n = so.send(data.subarray(done), pending);
    if (n === -E.AGAIN) {
      if (nonblock) { if (done === 0) { dropFds(pending); return E.AGAIN; } return sent(); }
      return WOULD_BLOCK;
    }
    if (n < 0) { dropFds(pending); return done ? sent() : -n; }
    pending = [];
    done += n;
    if (done < data.length && !nonblock) return WOULD_BLOCK;
    return sent();
  }, () => [so.writeQueue]);

  function sent(): Ret {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, done, true);
    return t.proc.vm.write(outPtr, b);
  }
}

export function sock_shutdown(t: Thread): Ret {
  const ps = pseudoSock(t, t.u32(0), R.SOCK_SHUTDOWN);
  if (ps !== undefined) return typeof ps === 'number' ? ps : pSimple(t, ps[1], OP.SOCK_SHUTDOWN, BigInt(t.u32(1)));
  const s = sock(t, t.u32(0), R.SOCK_SHUTDOWN);
  return typeof s === 'number' ? s : s[0].shutdown(t.u32(1));
}

export function sock_stat_get(t: Thread): Ret {
  const ps = pseudoSock(t, t.u32(0), R.SOCK_STAT_GET);
  if (ps !== undefined) return typeof ps === 'number' ? ps : pSockStat(t, ps[1], t.u32(1), t.u32(2));
  const s = sock(t, t.u32(0), R.SOCK_STAT_GET);
  if (typeof s === 'number') return s;
  const fl = t.u32(2);
  if ((fl & ~SSFLAGS.CLEAR_ERROR) !== 0) return E.INVAL;
  const so = s[0];
  const buf = new Uint8Array(SOCKSTAT.size);
  const dv = new DataView(buf.buffer);
  dv.setUint8(0, AF_UNIX);
  dv.setUint8(20, so.connected ? AF_UNIX : 0);
  dv.setUint16(40, so.error, true);
  dv.setUint32(44, 0 & SSTATE.ACCEPTCONN, true);
  if (fl & SSFLAGS.CLEAR_ERROR) so.error = 0;
  return t.proc.vm.write(t.u32(1), buf);
}

export function sock_listen(t: Thread): Ret {
  const ps = pseudoSock(t, t.u32(0), R.SOCK_LISTEN);
  if (ps !== undefined) return typeof ps === 'number' ? ps : pSimple(t, ps[1], OP.SOCK_LISTEN, BigInt(t.u32(1)));
  const s = sock(t, t.u32(0), R.SOCK_LISTEN);
  if (typeof s === 'number') return s;
  // Only a socket bound to a name can listen; kernel directories cannot hold socket names.
  return s[0].connected ? E.INVAL : E.DESTADDRREQ;
}

export function sock_accept(t: Thread): Ret {
  const ps = pseudoSock(t, t.u32(0), R.SOCK_ACCEPT);
  if (ps !== undefined) {
    if (typeof ps === 'number') return ps;
    return pAccept(t, ps[0].desc, ps[1], { base: ps[0].inheriting, inheriting: ps[0].inheriting }, t.u32(1));
  }
  const s = sock(t, t.u32(0), R.SOCK_ACCEPT);
  return typeof s === 'number' ? s : E.INVAL; // not listening: no socket can listen without a name
}

function nameCall(right: bigint, dirRight: bigint, op: number) {
  return (t: Thread): Ret => {
    // A pseudo socket's name is the daemon's business (an address for a network daemon): pass the bytes on.
    const ps = pseudoSock(t, t.u32(0), right);
    if (ps !== undefined) {
      if (typeof ps === 'number') return ps;
      const name = t.proc.vm.read(t.u32(2), t.u32(3));
      return typeof name === 'number' ? name : pSockName(t, ps[0].desc, ps[1], op, name);
    }
    const s = sock(t, t.u32(0), right);
    if (typeof s === 'number') return s;
    if (s[0].connected) return E.ISCONN;
    const d = t.proc.fds.getObj(t.u32(1), dirRight, (o): o is TreeDir => o instanceof TreeDir, E.NOTDIR);
    return typeof d === 'number' ? d : E.ROFS;
  };
}

export const sock_bind = nameCall(R.SOCK_BIND_SOCKET, R.SOCK_BIND_DIRECTORY, OP.SOCK_BIND);
export const sock_connect = nameCall(R.SOCK_CONNECT_SOCKET, R.SOCK_CONNECT_DIRECTORY, OP.SOCK_CONNECT);

/** sock_recv on a pseudo socket: data only (fdslen 0). */
function pseudoRecv(t: Thread, ps: [Fd, PseudoObject] | number): Ret {
  if (typeof ps === 'number') return ps;
  const a = recvArgs(t);
  if (typeof a === 'number') return a;
  const { iovs, flags, fdsPtr, fdsCap, outPtr } = a;
  return pRecv(t, ps[0].desc, ps[1], iovs, flags, (n, roflags, fds) => {
    return finishRecv(t, { outPtr, fdsPtr, fdsCap }, n, fds, roflags, 0);
  });
}

function pseudoSend(t: Thread, ps: [Fd, PseudoObject] | number): Ret {
  if (typeof ps === 'number') return ps;
  const a = sendArgs(t);
  if (typeof a === 'number') return a;
  const { data, fds, outPtr } = a;
  return pSend(t, ps[0].desc, ps[1], data, fds, (n) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n, true);
    return t.proc.vm.write(outPtr, b);
  });
}

/** Reads the fd list of a send and takes a reference on each (EBADF for one not open, EINVAL for too many). */
function takeFds(t: Thread, ptr: number, n: number): FdCarry[] | number {
  if (n > SOCK_MAX_FDS) return E.INVAL;
  const raw = t.proc.vm.read(ptr, n * 4);
  if (typeof raw === 'number') return raw;
  const fds: FdCarry[] = [];
  for (let i = 0; i < n; i++) {
    const f = t.proc.fds.get(new DataView(raw.buffer).getUint32(i * 4, true), 0n);
    if (typeof f === 'number') { dropFds(fds); return f; }
    fds.push({ desc: f.desc.ref(), base: f.base, inheriting: f.inheriting });
  }
  return fds;
}

/** Decodes sock_send's send_in and send_out: the bytes (copied), the descriptors (referenced), the out pointer. */
function sendArgs(t: Thread): { data: Uint8Array; fds: FdCarry[]; outPtr: number } | number {
  const si = readStruct(t, t.u32(1), SEND_IN);
  if (typeof si === 'number') return si;
  const outPtr = t.u32(2);
  if (typeof t.proc.vm.resolve(outPtr, 4, MPROT.WRITE) === 'number') return E.FAULT;
  if (si.getUint16(16, true) !== 0) return E.INVAL;
  const iovs = readIovs(t, si.getUint32(0, true), si.getUint32(4, true));
  if (typeof iovs === 'number') return iovs;
  const data = gather(t, iovs);
  if (typeof data === 'number') return data;
  const fds = takeFds(t, si.getUint32(8, true), si.getUint32(12, true));
  if (typeof fds === 'number') return fds;
  return { data, fds, outPtr };
}

/** Decodes sock_recv's recv_in and checks recv_out and the fd buffer. */
function recvArgs(t: Thread): { iovs: Iov[]; flags: number; fdsPtr: number; fdsCap: number; outPtr: number } | number {
  const ri = readStruct(t, t.u32(1), RECV_IN);
  if (typeof ri === 'number') return ri;
  const outPtr = t.u32(2);
  if (typeof t.proc.vm.resolve(outPtr, RECV_OUT.size, MPROT.WRITE) === 'number') return E.FAULT;
  const flags = ri.getUint16(16, true);
  if ((flags & ~(RIFLAGS.PEEK | RIFLAGS.WAITALL)) !== 0) return E.INVAL;
  const iovs = readIovs(t, ri.getUint32(0, true), ri.getUint32(4, true));
  if (typeof iovs === 'number') return iovs;
  const fdsPtr = ri.getUint32(8, true), fdsCap = ri.getUint32(12, true);
  if (typeof t.proc.vm.resolve(fdsPtr, fdsCap * 4, MPROT.WRITE) === 'number') return E.FAULT;
  return { iovs, flags, fdsPtr, fdsCap, outPtr };
}
