// Model-based property test: random operation sequences run against Tmpfs and against a tiny reference model
// (a Map from path to node, where hard links share a node), comparing every observable result: errnos,
// contents, listings, types, sizes and link counts. The model encodes POSIX/Linux rules directly.
import { expect } from 'chai';
import fc from 'fast-check';
import { E, FILETYPE, FSFLAGS, OFLAGS, ULFLAGS, errnoName } from '@cosix/kernel/abi';
import type { Tmpfs } from './fs.js';
import { expectConsistent, fixture, text } from './testing.js';
import type { Errno } from './types.js';

interface MNode { dir: boolean; data: number[] }
type Model = Map<string, MNode>; // path ('a/b') -> node; the root ('') is implicit

const parentOf = (p: string) => p.slice(0, Math.max(0, p.lastIndexOf('/')));
const childrenOf = (m: Model, p: string) => [...m.keys()].filter((k) => k !== p && parentOf(k) === p).map((k) => k.slice(p ? p.length + 1 : 0)).sort();

/** ENOENT or ENOTDIR if a proper prefix of `p` is missing or not a directory. */
function walkErr(m: Model, p: string): Errno {
  const parts = p.split('/');
  for (let i = 1; i < parts.length; i++) {
    const n = m.get(parts.slice(0, i).join('/'));
    if (!n) return E.NOENT;
    if (!n.dir) return E.NOTDIR;
  }
  return E.SUCCESS;
}

type Op =
  | { op: 'mkdir' | 'unlink' | 'rmdir' | 'read' | 'list' | 'stat' | 'excl'; p: string }
  | { op: 'write'; p: string; off: number; data: number[] }
  | { op: 'truncate'; p: string; size: number }
  | { op: 'rename' | 'link'; p: string; q: string };

/** The model's answer: an errno, or a value to compare with what Tmpfs returned. */
function model(m: Model, o: Op): Errno | string {
  const err = walkErr(m, o.p);
  if (err !== E.SUCCESS) return err;
  const n = m.get(o.p);
  switch (o.op) {
    case 'mkdir': return n ? E.EXIST : (m.set(o.p, { dir: true, data: [] }), E.SUCCESS);
    case 'excl': return n ? E.EXIST : (m.set(o.p, { dir: false, data: [] }), E.SUCCESS);
    case 'write': return modelWrite(m, o, n);
    case 'truncate': return !n ? E.NOENT : n.dir ? E.ISDIR : modelTruncate(n, o.size);
    case 'read': return !n ? E.NOENT : n.dir ? E.ISDIR : JSON.stringify(n.data);
    case 'unlink': return !n ? E.NOENT : n.dir ? E.ISDIR : (m.delete(o.p), E.SUCCESS);
    case 'rmdir': return !n ? E.NOENT : !n.dir ? E.NOTDIR : childrenOf(m, o.p).length ? E.NOTEMPTY : (m.delete(o.p), E.SUCCESS);
    case 'list': return !n ? E.NOENT : !n.dir ? E.NOTDIR : JSON.stringify(childrenOf(m, o.p));
    case 'stat': return !n ? E.NOENT : JSON.stringify(modelStat(m, o.p, n));
    case 'link': return modelLink(m, o.q, n);
    case 'rename': return modelRename(m, o.p, o.q, n);
  }
}

function modelWrite(m: Model, o: { p: string; off: number; data: number[] }, n: MNode | undefined): Errno {
  if (n?.dir) return E.ISDIR;
  const node = n ?? { dir: false, data: [] };
  m.set(o.p, node);
  while (node.data.length < o.off) node.data.push(0);
  node.data.splice(o.off, o.data.length, ...o.data);
  return E.SUCCESS;
}

function modelTruncate(n: MNode, size: number): Errno {
  n.data = Array.from({ length: size }, (_, i) => n.data[i] ?? 0);
  return E.SUCCESS;
}

function modelStat(m: Model, p: string, n: MNode): [number, number, number] {
  if (n.dir) return [FILETYPE.DIRECTORY, 0, 2 + childrenOf(m, p).filter((c) => m.get(`${p}/${c}`)!.dir).length];
  return [FILETYPE.REGULAR_FILE, n.data.length, [...m.values()].filter((x) => x === n).length];
}

function modelLink(m: Model, q: string, n: MNode | undefined): Errno {
  if (!n) return E.NOENT;
  if (n.dir) return E.PERM;
  const err = walkErr(m, q);
  if (err !== E.SUCCESS) return err;
  if (m.has(q)) return E.EXIST;
  m.set(q, n);
  return E.SUCCESS;
}

function modelRename(m: Model, p: string, q: string, n: MNode | undefined): Errno {
  const err = walkErr(m, q);
  if (err !== E.SUCCESS) return err;
  if (!n) return E.NOENT;
  const v = m.get(q);
  if (v === n) return E.SUCCESS;
  if (n.dir && v && !v.dir) return E.NOTDIR;
  if (n.dir && v && childrenOf(m, q).length) return E.NOTEMPTY;
  if (n.dir && (q === p || q.startsWith(`${p}/`))) return E.INVAL;
  if (!n.dir && v?.dir) return E.ISDIR;
  m.delete(q);
  for (const [k, x] of [...m]) {
    if (k === p || k.startsWith(`${p}/`)) {
      m.delete(k);
      m.set(q + k.slice(p.length), x);
    }
  }
  return E.SUCCESS;
}

/** Tmpfs's answer, in the same shape as the model's. */
function real(fs: Tmpfs, root: bigint, o: Op): Errno | string {
  switch (o.op) {
    case 'mkdir': return fs.create(root, o.p, FILETYPE.DIRECTORY);
    case 'excl': return withOpen(fs, root, o.p, OFLAGS.CREAT | OFLAGS.EXCL, () => E.SUCCESS);
    case 'write': return withOpen(fs, root, o.p, OFLAGS.CREAT, (h) => errOf(fs.pwrite(h, BigInt(o.off), Uint8Array.from(o.data))));
    case 'truncate': return withOpen(fs, root, o.p, 0, (h) => fs.statFput(h, { size: BigInt(o.size) }, FSFLAGS.SIZE));
    case 'read': return withOpen(fs, root, o.p, 0, (h) => valueOf(fs.pread(h, 0n, 1 << 20), (b) => JSON.stringify([...b])));
    case 'unlink': return fs.unlink(root, o.p, 0);
    case 'rmdir': return fs.unlink(root, o.p, ULFLAGS.REMOVEDIR);
    case 'list': return withOpen(fs, root, o.p, OFLAGS.DIRECTORY, (h) => valueOf(fs.readdir(h, 0n), (es) =>
      JSON.stringify(es.map((e) => text(e.name)).filter((x) => x !== '.' && x !== '..').sort())));
    case 'stat': return valueOf(fs.stat(root, o.p, 0), (s) => JSON.stringify([s.filetype, Number(s.size), s.nlink]));
    case 'link': return fs.link(root, o.p, 0, root, o.q);
    case 'rename': return fs.rename(root, o.p, root, o.q);
  }
}

function withOpen(fs: Tmpfs, root: bigint, p: string, oflags: number, f: (h: bigint) => Errno | string): Errno | string {
  const h = fs.open(root, p, oflags, 0);
  if (typeof h === 'number') return h;
  const r = f(h.ino);
  expect(errnoName(fs.unref(h.ino))).to.equal('ESUCCESS');
  return r;
}

const errOf = (r: bigint | Errno): Errno => (typeof r === 'number' ? r : E.SUCCESS);
const valueOf = <T>(r: T | Errno, show: (v: T) => string): Errno | string => (typeof r === 'number' ? r : show(r as T));
const show = (r: Errno | string) => (typeof r === 'number' ? errnoName(r) : r);

// Shallow paths more often than deep ones, so that most operations find their parents.
const TOP = ['a', 'b', 'c'];
const path = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TOP) },
  { weight: 3, arbitrary: fc.constantFrom(...TOP.flatMap((x) => ['a', 'b'].map((y) => `${x}/${y}`))) },
  { weight: 1, arbitrary: fc.constantFrom(...TOP.flatMap((x) => ['a', 'b'].map((y) => `${x}/${y}/a`))) },
);
/** Every sequence starts from this tree, so that the random operations meet files and directories at once. */
const PRELUDE: Op[] = [
  { op: 'mkdir', p: 'a' }, { op: 'mkdir', p: 'a/a' }, { op: 'write', p: 'b', off: 0, data: [1, 2, 3] },
  { op: 'write', p: 'a/b', off: 2, data: [9] }, { op: 'mkdir', p: 'c' },
];
const OP: fc.Arbitrary<Op> = fc.oneof(
  { weight: 7, arbitrary: fc.record({ op: fc.constantFrom('mkdir', 'unlink', 'rmdir', 'read', 'list', 'stat', 'excl' as const), p: path }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('write' as const), p: path, off: fc.oneof(fc.nat(20), fc.nat(9000)), data: fc.array(fc.nat(255), { minLength: 1, maxLength: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), p: path, size: fc.oneof(fc.nat(12), fc.nat(9000)) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('rename' as const), p: path, q: path }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('link' as const), p: path, q: path }) },
);

describe('Tmpfs against a reference model', () => {
  it('agrees on every result of random operation sequences', () => {
    // A fixed seed in npm test; `random` (npm run stress) draws one and prints it so a failure can be replayed.
    const env = process.env.COSIX_MODEL_SEED;
    const seed = env === 'random' ? Date.now() % 2 ** 31 : Number(env ?? 20261125);
    if (env) console.log(`      tmpfs model: seed ${seed} (replay with COSIX_MODEL_SEED=${seed})`);
    const numRuns = Number(process.env.COSIX_MODEL_RUNS ?? 200);
    const succeeded = new Map<string, number>(); // op kind -> successful results, to show the run is not vacuous
    fc.assert(fc.property(fc.array(OP, { minLength: 10, maxLength: 40 }), (random) => {
      const ops = [...PRELUDE, ...random];
      const { fs, root } = fixture();
      const m: Model = new Map();
      for (const [i, o] of ops.entries()) {
        const want = model(m, o), got = real(fs, root, o);
        expect(show(got), `step ${i}: ${JSON.stringify(o)}`).to.equal(show(want));
        if (typeof got === 'string' || got === E.SUCCESS) succeeded.set(o.op, (succeeded.get(o.op) ?? 0) + 1);
      }
      for (const p of [...m.keys()]) expect(show(real(fs, root, { op: 'stat', p }))).to.equal(show(model(m, { op: 'stat', p })));
      expect(show(real(fs, root, { op: 'list', p: '.' }))).to.equal(JSON.stringify(childrenOf(m, '')));
      expectConsistent(fs, 1 + new Set(m.values()).size);
    }), { seed, numRuns });
    const kinds = ['mkdir', 'unlink', 'rmdir', 'read', 'list', 'stat', 'excl', 'write', 'truncate', 'rename', 'link'];
    for (const k of kinds) expect(succeeded.get(k) ?? 0, `successful ${k}s`).to.be.at.least(Math.max(20, Math.ceil(numRuns / 20)));
  });
});
