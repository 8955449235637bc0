// Argdata, CloudABI's binary encoding of program arguments (argdata README, argdata_impl.h).
// A value is a tag byte and a body; its length comes from its container. Subfields of maps and seqs carry a
// big-endian 7-bit length prefix whose high bit marks the LAST byte (6 -> 0x86, 128 -> 0x01 0x80).

export const TAG = { BINARY: 1, BOOL: 2, FD: 3, FLOAT: 4, INT: 5, MAP: 6, SEQ: 7, STR: 8, TIMESTAMP: 9 } as const;

/** An fd inside argdata: its number is an index into the fd list passed alongside (proc_exec, sock_send). */
export class ArgFd {
  constructor(readonly fd: number) {}
}
export class ArgTimestamp {
  constructor(readonly ns: bigint) {}
}
export type ArgValue =
  | null | boolean | number | bigint | string | Uint8Array | ArgFd | ArgTimestamp
  | ArgValue[] | Map<ArgValue, ArgValue> | { [key: string]: ArgValue };

export class ArgdataError extends Error {}

import { utf8Decode, utf8Encode } from './utf8.js';

function intBytes(v: bigint): number[] {
  if (v === 0n) return [];
  const out: number[] = [];
  let x = v;
  for (;;) {
    out.unshift(Number(x & 0xffn));
    x >>= 8n;
    const top = out[0] & 0x80;
    if ((x === 0n && !top) || (x === -1n && top)) break;
  }
  return out;
}

function lengthPrefix(n: number): number[] {
  const out = [0x80 | (n & 0x7f)];
  for (let x = Math.floor(n / 128); x > 0; x = Math.floor(x / 128)) out.unshift(x & 0x7f);
  return out;
}

/** Encodes `v`; fds are written as the indices they carry. */
export function encodeArgdata(v: ArgValue): Uint8Array {
  const out: number[] = [];
  encodeInto(v, out);
  return Uint8Array.from(out);
}

/** Appends `bytes` one by one: spreading a large array into push() overflows the call stack. */
function append(out: number[], bytes: ArrayLike<number>): void {
  for (let i = 0; i < bytes.length; i++) out.push(bytes[i]);
}

function encodeInto(v: ArgValue, out: number[]): void {
  if (v === null) return;
  if (typeof v === 'boolean') { out.push(TAG.BOOL); if (v) out.push(1); return; }
  if (typeof v === 'number' && !Number.isInteger(v)) {
    const b = new DataView(new ArrayBuffer(8)); b.setFloat64(0, v);
    out.push(TAG.FLOAT, ...new Uint8Array(b.buffer)); return;
  }
  if (typeof v === 'number' || typeof v === 'bigint') { out.push(TAG.INT, ...intBytes(BigInt(v))); return; }
  if (typeof v === 'string') { out.push(TAG.STR); append(out, utf8Encode(v)); out.push(0); return; }
  if (v instanceof Uint8Array) { out.push(TAG.BINARY); append(out, v); return; }
  if (v instanceof ArgFd) { out.push(TAG.FD, (v.fd >>> 24) & 255, (v.fd >>> 16) & 255, (v.fd >>> 8) & 255, v.fd & 255); return; }
  if (v instanceof ArgTimestamp) { out.push(TAG.TIMESTAMP, ...intBytes(v.ns)); return; }
  const sub = (x: ArgValue) => { const b: number[] = []; encodeInto(x, b); append(out, lengthPrefix(b.length)); append(out, b); };
  if (Array.isArray(v)) { out.push(TAG.SEQ); v.forEach(sub); return; }
  const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
  out.push(TAG.MAP);
  for (const [k, x] of entries) { sub(k); sub(x); }
}

/** Decodes argdata; maps with only string keys become plain objects. Throws ArgdataError on bad input. */
export function decodeArgdata(b: Uint8Array): ArgValue {
  if (b.length === 0) return null;
  const body = b.subarray(1);
  switch (b[0]) {
    case TAG.BINARY: return body.slice();
    case TAG.BOOL:
      if (body.length > 1 || (body.length === 1 && body[0] !== 1)) throw new ArgdataError('bad bool');
      return body.length === 1;
    case TAG.FD:
      if (body.length !== 4) throw new ArgdataError('bad fd');
      return new ArgFd(((body[0] << 24) | (body[1] << 16) | (body[2] << 8) | body[3]) >>> 0);
    case TAG.FLOAT:
      if (body.length !== 8) throw new ArgdataError('bad float');
      return new DataView(body.buffer, body.byteOffset, 8).getFloat64(0);
    case TAG.INT: return toNumber(decodeInt(body));
    case TAG.TIMESTAMP: return new ArgTimestamp(decodeInt(body));
    case TAG.STR: {
      if (body.length === 0 || body[body.length - 1] !== 0) throw new ArgdataError('string lacks its NUL');
      const str = utf8Decode(body.subarray(0, body.length - 1));
      if (str === undefined) throw new ArgdataError('bad UTF-8');
      return str;
    }
    case TAG.SEQ: return subfields(body).map(decodeArgdata);
    case TAG.MAP: return decodeMap(subfields(body));
    default: throw new ArgdataError(`unknown tag ${b[0]}`);
  }
}

function decodeInt(body: Uint8Array): bigint {
  if (body.length === 0) return 0n;
  let v = BigInt.asIntN(8, BigInt(body[0]));
  for (let i = 1; i < body.length; i++) v = (v << 8n) | BigInt(body[i]);
  return v;
}

function toNumber(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function subfields(b: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let i = 0;
  while (i < b.length) {
    if (b[i] === 0) throw new ArgdataError('overlong length prefix');
    let len = 0;
    for (;;) {
      if (i >= b.length) throw new ArgdataError('truncated length prefix');
      const byte = b[i++];
      len = len * 128 + (byte & 0x7f);
      if (len > b.length) throw new ArgdataError('length beyond buffer');
      if (byte & 0x80) break;
    }
    if (i + len > b.length) throw new ArgdataError('subfield beyond buffer');
    out.push(b.subarray(i, i + len));
    i += len;
  }
  return out;
}

function decodeMap(fields: Uint8Array[]): ArgValue {
  if (fields.length % 2) throw new ArgdataError('map with a key and no value');
  const pairs: [ArgValue, ArgValue][] = [];
  for (let i = 0; i < fields.length; i += 2) pairs.push([decodeArgdata(fields[i]), decodeArgdata(fields[i + 1])]);
  if (pairs.every(([k]) => typeof k === 'string')) return Object.fromEntries(pairs) as { [k: string]: ArgValue };
  return new Map(pairs);
}
