// Chunk storage for file data. A chunk of its own ArrayBuffer costs an allocation and a GC-tracked backing
// store each (about 8 us per 4 KiB chunk, measured: most of the time of a large write), so chunks are cut
// from slabs of SLAB_CHUNKS and handed out as views. A freed chunk is zeroed and goes back to its slab;
// a slab whose chunks are all free is dropped, so memory follows what files hold, except the slab chunks
// are being cut from (a file created and removed over and over would otherwise cost a new slab each time).
import { CHUNK_SIZE } from './params.js';

export const SLAB_CHUNKS = 64;

interface Slab { readonly buf: ArrayBuffer; bump: number; readonly free: number[]; used: number }

export class ChunkPool {
  private readonly slabs = new Map<ArrayBuffer, Slab>();
  private readonly partial = new Set<Slab>(); // slabs with at least one free chunk, besides `current`
  private current: Slab | undefined; // where chunks come from until it is full

  /** A zeroed chunk. */
  alloc(): Uint8Array {
    let slab = this.current;
    if (!slab || slab.used === SLAB_CHUNKS) {
      slab = this.partial.values().next().value as Slab | undefined;
      if (slab) this.partial.delete(slab);
      else {
        slab = { buf: new ArrayBuffer(SLAB_CHUNKS * CHUNK_SIZE), bump: 0, free: [], used: 0 };
        this.slabs.set(slab.buf, slab);
      }
      this.current = slab;
    }
    const i = slab.free.length ? slab.free.pop()! : slab.bump++;
    slab.used++;
    return new Uint8Array(slab.buf, i * CHUNK_SIZE, CHUNK_SIZE);
  }

  /** Gives back a chunk from alloc (it must not be used afterwards). */
  free(c: Uint8Array): void {
    const slab = this.slabs.get(c.buffer as ArrayBuffer);
    if (!slab) throw new Error('ChunkPool.free: not a chunk of this pool');
    c.fill(0);
    slab.free.push(c.byteOffset / CHUNK_SIZE);
    if (--slab.used === 0 && slab !== this.current) {
      this.slabs.delete(slab.buf);
      this.partial.delete(slab);
    } else if (slab !== this.current) this.partial.add(slab);
  }

  /** Bytes of slab memory held (for tests). */
  get heldBytes(): number { return this.slabs.size * SLAB_CHUNKS * CHUNK_SIZE; }
}

/** The pool every file of this process draws from. */
export const chunkPool = new ChunkPool();
