// The pseudo file descriptor protocol, version 1: what the kernel sends a daemon through the reverse end of
// a pseudo pair, and what the daemon answers. Defined once here for the kernel (pseudo.ts) and for daemons
// (tmpfs). Little-endian. Many requests may be in flight per reverse end; answers may come in any order.
//
// Request (kernel -> daemon), REQ_HEADER bytes then data1 then data2:
//   0 u32 magic  4 u32 id  8 u32 op  12 u32 flags  16 u64 handle  24 u64 arg1  32 u64 arg2
//   40 u32 len1  44 u32 len2
// Response (daemon -> kernel), RESP_HEADER bytes then data:
//   0 u32 magic  4 u32 id (0 = unsolicited event)  8 u32 errno  12 u32 flags  16 u64 value1  24 u64 value2
//   32 u32 len  36 u32 reserved
// A read of the reverse end returns whole requests only (as many as fit); a write carries whole responses.
// The daemon never sees client memory: paths and data arrive as bytes in the request. No request carries
// more than PSEUDO_MAX_DATA bytes of data (the kernel splits larger I/O), so a buffer of PSEUDO_MAX_DATA +
// REQ_HEADER + the longest path always holds one; no answer may carry more either.
// Lookup is not an operation of its own: OPEN resolves a path to a new handle and STAT_GET to its attributes.
// Readiness is not asked for either: the daemon pushes EVENTs when a handle's state changes, and the kernel
// keeps the last one for poll (files and directories are always ready).
import { E } from './errno.js';


export const PSEUDO_MAGIC = 0x31445350; // 'PSD1'
export const REQ_HEADER = 48;
export const RESP_HEADER = 40;
export const PSEUDO_MAX_DATA = 1 << 20;  // largest data1+data2 or response data

/** Operations. Unless noted, `handle` names the object the call is made on. */
export const OP = {
  OPEN: 1,        // data1 path; arg1 oflags; flags lookupflags -> value1 new handle, value2 filetype
  CREATE: 2,      // data1 path; arg1 filetype (directory)
  LINK: 3,        // data1 path1 (source, under handle; flags lookupflags); arg1 handle2; data2 path2
  RENAME: 4,      // data1 path1 (under handle); arg1 handle2; data2 path2
  SYMLINK: 5,     // data1 target; data2 path (under handle)
  READLINK: 6,    // data1 path; arg1 buffer size -> data
  UNLINK: 7,      // data1 path; arg1 ulflags
  STAT_GET: 8,    // data1 path; flags lookupflags -> data filestat (56 bytes)
  STAT_FGET: 9,   // -> data filestat
  STAT_PUT: 10,   // data1 path; flags lookupflags; arg1 fsflags; data2 filestat
  STAT_FPUT: 11,  // arg1 fsflags; data2 filestat
  READDIR: 12,    // arg1 cookie; arg2 buffer size -> data dirent records, as file_readdir lays them out
  PREAD: 13,      // arg1 offset; arg2 length -> data
  PWRITE: 14,     // arg1 offset; flags APPEND (write at the end); data1 bytes -> value1 count, value2 end offset
  ALLOCATE: 15,   // arg1 offset; arg2 length
  ADVISE: 16,     // arg1 offset; arg2 length; flags advice
  SYNC: 17,       // flags 1 = data only
  CLOSE: 18,      // the kernel has dropped `handle`; no answer is expected
  SOCK_RECV: 19,  // arg1 max bytes; flags riflags -> data; value1 roflags; value2 fds attached to the answer
                  //   (the daemon sends them with sock_send on the reverse end). EAGAIN: none yet (an EVENT follows)
  SOCK_SEND: 20,  // data1 bytes; arg2 fds attached (the daemon receives them with sock_recv on the reverse
                  //   end, in request order) -> value1 bytes taken. EAGAIN: no room (an EVENT follows)
  SOCK_SHUTDOWN: 21, // arg1 sdflags
  SOCK_STAT_GET: 22, // flags ssflags -> data sockstat (48 bytes)
  SOCK_ACCEPT: 23,   // -> value1 new handle, value2 its filetype, data sockstat. EAGAIN: none pending
  SOCK_BIND: 24,     // data1 the name (the path argument of sock_bind, as bytes)
  SOCK_CONNECT: 25,  // data1 the name. EAGAIN: connecting (an EVENT writable follows; the kernel asks again)
  SOCK_LISTEN: 26,   // arg1 backlog
  EVENT: 100,     // unsolicited (id 0): value1 handle; flags EVENT_* (its state now); value2 bytes readable
} as const;

/** EVENT flags: the handle's readiness as the daemon sees it. */
export const EVENT_READABLE = 1, EVENT_WRITABLE = 2, EVENT_HANGUP = 4;

export const PWRITE_APPEND = 1;

export interface PseudoRequest {
  id: number; op: number; flags: number; handle: bigint; arg1: bigint; arg2: bigint; data1: Uint8Array; data2: Uint8Array;
}
export interface PseudoResponse { id: number; errno: number; flags: number; value1: bigint; value2: bigint; data: Uint8Array }

/** The REQ_HEADER bytes that precede a request's data1 and data2. */
export function encodeRequestHeader(r: PseudoRequest): Uint8Array {
  const out = new Uint8Array(REQ_HEADER);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, PSEUDO_MAGIC, true); dv.setUint32(4, r.id, true); dv.setUint32(8, r.op, true); dv.setUint32(12, r.flags, true);
  dv.setBigUint64(16, r.handle, true); dv.setBigUint64(24, r.arg1, true); dv.setBigUint64(32, r.arg2, true);
  dv.setUint32(40, r.data1.length, true); dv.setUint32(44, r.data2.length, true);
  return out;
}

/**
 * Splits a buffer of whole requests; stops (returning what parsed) at the first malformed one. data1 and
 * data2 are views into `b` (no copy): they are valid as long as `b` is, so a daemon that reuses its read
 * buffer must copy whatever it keeps.
 */
export function decodeRequests(b: Uint8Array): PseudoRequest[] {
  const out: PseudoRequest[] = [];
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  for (let at = 0; at + REQ_HEADER <= b.length;) {
    if (dv.getUint32(at, true) !== PSEUDO_MAGIC) break;
    const len1 = dv.getUint32(at + 40, true), len2 = dv.getUint32(at + 44, true);
    const end = at + REQ_HEADER + len1 + len2;
    if (end > b.length) break;
    out.push({
      id: dv.getUint32(at + 4, true), op: dv.getUint32(at + 8, true), flags: dv.getUint32(at + 12, true),
      handle: dv.getBigUint64(at + 16, true), arg1: dv.getBigUint64(at + 24, true), arg2: dv.getBigUint64(at + 32, true),
      data1: b.subarray(at + REQ_HEADER, at + REQ_HEADER + len1), data2: b.subarray(at + REQ_HEADER + len1, end),
    });
    at = end;
  }
  return out;
}

export function encodeResponse(r: PseudoResponse): Uint8Array {
  const out = new Uint8Array(RESP_HEADER + r.data.length);
  writeResponse(out, 0, r);
  return out;
}

/**
 * Encodes `r` into `dst` at `at` (which must have room for RESP_HEADER + r.data.length bytes). Data that is
 * already in place (a view of `dst` right after the header) is not copied again.
 */
export function writeResponse(dst: Uint8Array, at: number, r: PseudoResponse): number {
  const dv = new DataView(dst.buffer, dst.byteOffset + at, RESP_HEADER);
  dv.setUint32(0, PSEUDO_MAGIC, true); dv.setUint32(4, r.id, true); dv.setUint32(8, r.errno, true); dv.setUint32(12, r.flags, true);
  dv.setBigUint64(16, r.value1, true); dv.setBigUint64(24, r.value2, true); dv.setUint32(32, r.data.length, true);
  dv.setUint32(36, 0, true);
  if (r.data.buffer !== dst.buffer || r.data.byteOffset !== dst.byteOffset + at + RESP_HEADER) dst.set(r.data, at + RESP_HEADER);
  return RESP_HEADER + r.data.length;
}

/**
 * A daemon's side of one batch: answers `requests` with `handle` into `out`, a buffer of at least
 * PSEUDO_MAX_DATA + RESP_HEADER bytes. It yields the number of bytes ready each time `out` is full and once
 * at the end (when there are any); the caller writes them to the reverse end and resumes, and the next
 * answers start again at the front of `out`. `handle` gets the free part of `out` past the next header, for
 * a PREAD answered in place (room for all it may return is made first); null means no answer (CLOSE). An
 * answer over PSEUDO_MAX_DATA becomes EIO rather than overrun the buffer.
 */
export function* answerBatch(requests: PseudoRequest[], handle: (q: PseudoRequest, space: Uint8Array) => PseudoResponse | null, out: Uint8Array): Generator<number, void, void> {
  let used = 0;
  for (const q of requests) {
    if (q.op === OP.PREAD && used + RESP_HEADER + Math.min(Number(q.arg2), PSEUDO_MAX_DATA) > out.length) { if (used) yield used; used = 0; }
    let r = handle(q, out.subarray(used + RESP_HEADER));
    if (!r) continue;
    if (r.data.length > PSEUDO_MAX_DATA) r = { ...r, errno: E.IO, data: new Uint8Array(0) };
    if (used + RESP_HEADER + r.data.length > out.length) { if (used) yield used; used = 0; }
    used += writeResponse(out, used, r);
  }
  if (used) yield used;
}

/**
 * Parses whole responses; `bad` is set when trailing bytes are not a well-formed response. Each answer's
 * data is a view into `b` (no copy), valid as long as `b` is.
 */
export function decodeResponses(b: Uint8Array): { responses: PseudoResponse[]; bad: boolean } {
  const responses: PseudoResponse[] = [];
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  let at = 0;
  while (at + RESP_HEADER <= b.length) {
    const len = dv.getUint32(at + 32, true);
    if (dv.getUint32(at, true) !== PSEUDO_MAGIC || len > PSEUDO_MAX_DATA || at + RESP_HEADER + len > b.length) break;
    responses.push({
      id: dv.getUint32(at + 4, true), errno: dv.getUint32(at + 8, true), flags: dv.getUint32(at + 12, true),
      value1: dv.getBigUint64(at + 16, true), value2: dv.getBigUint64(at + 24, true),
      data: b.subarray(at + RESP_HEADER, at + RESP_HEADER + len),
    });
    at += RESP_HEADER + len;
  }
  return { responses, bad: at !== b.length };
}
