// Sparse file data. Bytes live in CHUNK_SIZE chunks keyed by chunk index; a chunk exists only once something
// was written into it (or file_allocate reserved it), so a hole costs nothing and reads as zeros.
// Invariants: every byte of a chunk at or beyond `size` is zero (so growing the size again exposes zeros),
// and no chunk lies wholly beyond the size. Space is charged by the caller (fs.ts), per chunk, before any
// call that allocates: `missing()` says how many chunks that will be.
import { chunkPool } from './chunks.js';
import { CHUNK_SIZE } from './params.js';

export class FileData {
  private readonly chunks = new Map<number, Uint8Array>();
  /** Logical size in bytes (at most MAX_FILE_SIZE; checked by the caller). */
  size = 0;

  /** Bytes of chunk storage this file holds. */
  get allocated(): number {
    return this.chunks.size * CHUNK_SIZE;
  }

  /** Chunks that writing or reserving [off, end) would allocate (end > off). */
  missing(off: number, end: number): number {
    const first = Math.floor(off / CHUNK_SIZE), last = Math.floor((end - 1) / CHUNK_SIZE);
    const span = last - first + 1;
    let present = 0;
    if (span > this.chunks.size) {
      for (const i of this.chunks.keys()) if (i >= first && i <= last) present++;
    } else {
      for (let i = first; i <= last; i++) if (this.chunks.has(i)) present++;
    }
    return span - present;
  }

  /** Up to `len` bytes from `off`, clipped at the size; holes read as zeros. */
  read(off: number, len: number): Uint8Array {
    const out = new Uint8Array(Math.max(0, Math.min(this.size, off + len) - off));
    this.readInto(off, out);
    return out;
  }

  /** Fills `dst` from `off`, clipped at the size (holes read as zeros); returns the bytes filled. */
  readInto(off: number, dst: Uint8Array): number {
    const end = Math.min(this.size, off + dst.length);
    for (let at = off; at < end;) {
      const i = Math.floor(at / CHUNK_SIZE), inChunk = at - i * CHUNK_SIZE;
      const n = Math.min(CHUNK_SIZE - inChunk, end - at);
      const c = this.chunks.get(i);
      if (c) dst.set(c.subarray(inChunk, inChunk + n), at - off);
      else dst.fill(0, at - off, at - off + n);
      at += n;
    }
    return Math.max(0, end - off);
  }

  /** Writes `data` at `off`, growing the size; the caller has charged `missing(off, off + data.length)`. */
  write(off: number, data: Uint8Array): void {
    const end = off + data.length;
    for (let at = off; at < end;) {
      const i = Math.floor(at / CHUNK_SIZE), inChunk = at - i * CHUNK_SIZE;
      const n = Math.min(CHUNK_SIZE - inChunk, end - at);
      this.chunk(i).set(data.subarray(at - off, at - off + n), inChunk);
      at += n;
    }
    if (end > this.size) this.size = end;
  }

  /** Makes every chunk of [off, end) exist and the size at least `end`; the caller has charged `missing`. */
  reserve(off: number, end: number): void {
    const last = Math.floor((end - 1) / CHUNK_SIZE);
    for (let i = Math.floor(off / CHUNK_SIZE); i <= last; i++) this.chunk(i);
    if (end > this.size) this.size = end;
  }

  /** Sets the size: shrinking frees whole chunks beyond it and zeroes the cut tail. Returns chunks freed. */
  resize(size: number): number {
    if (size >= this.size) {
      this.size = size;
      return 0;
    }
    const keep = Math.ceil(size / CHUNK_SIZE);
    let freed = 0;
    for (const [i, c] of [...this.chunks]) {
      if (i >= keep) {
        this.chunks.delete(i);
        chunkPool.free(c);
        freed++;
      }
    }
    const tail = this.chunks.get(Math.floor(size / CHUNK_SIZE));
    if (tail) tail.fill(0, size % CHUNK_SIZE);
    this.size = size;
    return freed;
  }

  /** Drops all storage (the inode is being freed). Returns chunks freed. */
  clear(): number {
    const n = this.chunks.size;
    for (const c of this.chunks.values()) chunkPool.free(c);
    this.chunks.clear();
    this.size = 0;
    return n;
  }

  /** Describes a broken invariant (a chunk beyond the size, nonzero bytes past it), or undefined. */
  check(): string | undefined {
    const keep = Math.ceil(this.size / CHUNK_SIZE);
    for (const [i, c] of this.chunks) {
      if (i >= keep) return `chunk ${i} lies beyond size ${this.size}`;
      const from = this.size - i * CHUNK_SIZE;
      if (from < CHUNK_SIZE && c.subarray(from).some((b) => b !== 0)) return `nonzero bytes past the size in chunk ${i}`;
    }
    return undefined;
  }

  private chunk(i: number): Uint8Array {
    let c = this.chunks.get(i);
    if (!c) {
      c = chunkPool.alloc();
      this.chunks.set(i, c);
    }
    return c;
  }
}
