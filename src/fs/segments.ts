/**
 * A file's content as a list of segments, and the Go SDK's write/truncate algorithms over it
 * (reference §3.4). The exact segment structure decides the manifest bytes, so the algorithms
 * follow the reference step by step.
 *
 * - {@link MemSeg}: unflushed bytes in a growable buffer (capacity 1 KiB × 4ⁿ, as in Go).
 * - {@link StoredSeg}: `len` bytes at `off` in the block with locator id `loc` (immutable).
 */

/** Marks a memory segment whose buffer an upload is using; `done` once the upload settled. */
export interface FlushToken {
  done: boolean;
}

/** Buffers of at least this capacity live in shared memory: the hash pool's workers read them in place. */
export const SHARED_BUFFER_MIN_BYTES = 1 << 20;

/** Small segments (up to this capacity) are ranges of slabs of {@link SLAB_BYTES}. */
const SLAB_PIECE_MAX_BYTES = 16 * 1024;
const SLAB_BYTES = 1 << 20;

/**
 * A buffer of `cap` bytes (contents undefined): shared memory from {@link SHARED_BUFFER_MIN_BYTES}
 * on (a fresh SharedArrayBuffer's pages are mapped lazily, so capacity costs nothing until written).
 */
export function allocBlockBuffer(cap: number): Buffer {
  if (cap >= SHARED_BUFFER_MIN_BYTES) return Buffer.from(new SharedArrayBuffer(cap));
  // Never a view into Node's shared 8 KiB pool: a store may keep (adopt) this buffer.
  return Buffer.allocUnsafeSlow(cap);
}

/**
 * Recycles block-sized buffers (the ones that filled up and were uploaded), so a long sequential
 * write does not allocate and page-fault a fresh 64 MiB buffer per block. Owned by one filesystem.
 * A buffer a store adopted (`PutResult.adopted`) is never taken back: the store owns its bytes.
 * Small segments get a range of a shared slab instead of a buffer of their own.
 */
export class BufferPool {
  readonly #free: Buffer[] = [];
  readonly #capacityBytes: number;
  readonly #max: number;
  /** Backing buffers handed over to a store: never recycled. */
  readonly #adopted = new WeakSet<ArrayBufferLike>();
  /** Slab that small segments are carved from (one allocation per {@link SLAB_BYTES}). */
  #slab: Buffer = Buffer.alloc(0);
  #slabOff = 0;

  constructor(capacityBytes: number, maxBuffers: number) {
    this.#capacityBytes = capacityBytes;
    this.#max = maxBuffers;
  }

  #takeWhole(n: number, cap: number): Buffer {
    if (cap >= this.#capacityBytes || (cap >= 1 << 20 && this.#free.length > 0)) {
      const b = this.#free.pop();
      if (b !== undefined && b.length >= n) return b;
    }
    return allocBlockBuffer(cap);
  }

  /**
   * Give `seg` backing memory for at least `n` bytes (contents undefined): capacity 1 KiB × 4ᵏ as
   * in Go, except that from 4 MiB on it is a whole block (a pooled one when free), so a growing
   * segment is copied at most once past 1 MiB; small capacities are slab ranges. With `exact`, a
   * slab range is `n` bytes rounded up to 8 (data written in one piece; a later append grows it
   * by the usual ×4 steps). No Buffer view is made for a slab range: 100,000 small files would
   * mean 100,000 views.
   */
  place(seg: MemSeg, n: number, exact: boolean): void {
    const cap = exact && n <= SLAB_PIECE_MAX_BYTES ? slabRangeBytes(n) : capacityFor(n, this.#capacityBytes);
    if (cap <= SLAB_PIECE_MAX_BYTES) {
      seg.off = this.#carve(cap);
      seg.buf = this.#slab;
      seg.cap = cap;
      return;
    }
    const b = this.#takeWhole(n, cap);
    seg.buf = b;
    seg.off = 0;
    seg.cap = b.length;
  }

  /**
   * A slab range for `n` bytes written in one piece, without a segment object (a small new file
   * kept in the node table): its offset in {@link slab} as it is after this call, or -1 when `n`
   * is too large for a slab range.
   */
  carveExact(n: number): number {
    if (n > SLAB_PIECE_MAX_BYTES) return -1;
    return this.#carve(slabRangeBytes(n));
  }

  /** The slab that ranges are currently carved from. */
  get slab(): Buffer {
    return this.#slab;
  }

  /** Offset of `cap` bytes in the current slab (a new slab when it is used up). */
  #carve(cap: number): number {
    if (this.#slabOff + cap > this.#slab.length) {
      this.#slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.#slabOff = 0;
    }
    const off = this.#slabOff;
    this.#slabOff = off + cap;
    return off;
  }

  /** Record that a store kept `buf`'s bytes: it must never be modified or recycled. */
  markAdopted(buf: Uint8Array): void {
    this.#adopted.add(buf.buffer);
  }

  /** Hand back a buffer nobody references any more (ignored for adopted ones). */
  give(buf: Buffer): void {
    if (buf.length >= this.#capacityBytes && this.#free.length < this.#max && !this.#adopted.has(buf.buffer)) this.#free.push(buf);
  }
}

/** Go's capacity for `n` bytes: 1 KiB × 4ᵏ. */
function goCapacity(n: number): number {
  let cap = 1024;
  while (cap < n) cap *= 4;
  return cap;
}

/** {@link goCapacity}, raised to a whole block from 4 MiB on. */
function capacityFor(n: number, blockBytes: number): number {
  const cap = goCapacity(n);
  return cap >= 4 << 20 ? Math.max(cap, blockBytes) : cap;
}

/** The slab bytes an exact range of `n` bytes takes: `n` rounded up to 8, at least 8. */
function slabRangeBytes(n: number): number {
  return n === 0 ? 8 : (n + 7) & ~7;
}

/**
 * Unflushed bytes: `len` bytes at `buf[off…]`, with room for `cap` (spare capacity, contents
 * undefined). `buf` is either the segment's own buffer (`off` 0) or a slab shared with other
 * small segments.
 */
export class MemSeg {
  buf: Buffer;
  off = 0;
  cap = 0;
  len: number;
  /** Non-null while (or after) an upload used `buf`: then `buf` is never modified in place. */
  flushing: FlushToken | null = null;

  /** A segment of `len` bytes whose contents the caller overwrites (or zero-fills). */
  constructor(len: number, pool?: BufferPool, exact = false, slab?: Buffer) {
    this.len = len;
    if (slab !== undefined) {
      this.buf = slab;
    } else if (pool === undefined) {
      this.buf = allocCapacity(len);
      this.cap = this.buf.length;
    } else {
      this.buf = EMPTY;
      pool.place(this, len, exact);
    }
  }

  /** A segment over `len` bytes at `buf[off…]` (a slab range made by {@link BufferPool.carveExact}). */
  static overSlab(buf: Buffer, off: number, len: number, flushing: FlushToken | null): MemSeg {
    const seg = new MemSeg(0, undefined, false, buf);
    seg.off = off;
    seg.cap = slabRangeBytes(len);
    seg.len = len;
    seg.flushing = flushing;
    return seg;
  }

  /** The live bytes (a view). */
  bytes(): Buffer {
    return this.buf.subarray(this.off, this.off + this.len);
  }

  /** Whether `buf` belongs to this segment alone (not a slab range), so it may be recycled. */
  ownsBuffer(): boolean {
    return this.off === 0 && this.cap === this.buf.length;
  }

  /** Move the live bytes (up to `keep`) into new memory of at least `n` bytes. */
  #move(n: number, keep: number, pool: BufferPool | undefined): void {
    const oldBuf = this.buf;
    const oldOff = this.off;
    if (pool !== undefined) {
      pool.place(this, n, false);
    } else {
      this.buf = allocCapacity(n);
      this.off = 0;
      this.cap = this.buf.length;
    }
    oldBuf.copy(this.buf, this.off, oldOff, oldOff + keep);
    this.flushing = null;
  }

  /**
   * Resize to `n` bytes; growth is zero-filled unless `zero` is false (the caller overwrites it).
   * Copy-on-write while an upload uses `buf`.
   */
  truncate(n: number, pool?: BufferPool, zero = true): void {
    if (n > this.cap || (this.flushing !== null && n > this.len)) this.#move(n, Math.min(this.len, n), pool);
    if (zero && n > this.len) this.buf.fill(0, this.off + this.len, this.off + n);
    this.len = n;
  }

  /** Copy `data` into the segment at `off` (must fit). Copy-on-write while flushing. */
  writeAt(data: Uint8Array, off: number, pool?: BufferPool): void {
    if (this.flushing !== null) this.#move(this.len, this.len, pool);
    this.buf.set(data, this.off + off);
  }
}

const EMPTY = Buffer.alloc(0);

/** Allocate a zeroed buffer of at least `n` bytes: 1024 × 4ᵏ. */
function allocCapacity(n: number): Buffer {
  return Buffer.alloc(goCapacity(n));
}

/** `len` bytes at `off` within block `loc` (an id in the filesystem's locator table). */
export class StoredSeg {
  constructor(
    readonly loc: number,
    readonly off: number,
    readonly len: number,
  ) {}

  /** Go `Slice(off, len)`; `len < 0` means "to the end". */
  slice(off: number, len: number): StoredSeg {
    return new StoredSeg(this.loc, this.off + off, len < 0 ? this.len - off : len);
  }
}

export type Seg = MemSeg | StoredSeg;

/** A position in a file: byte offset plus the cached segment index/offset (valid for `gen`). */
export interface FilePtr {
  off: number;
  idx: number;
  segOff: number;
  gen: number;
}

/** The segments of one file plus its size and a generation bumped whenever segments move. */
export class SegList {
  segs: Seg[];
  size = 0;
  gen = 0;

  constructor(segs?: Seg[]) {
    this.segs = segs ?? [];
    if (segs !== undefined) for (const s of segs) this.size += s.len;
  }

  /** A list of one segment (its array holds exactly one slot; a push onto `[]` reserves 17). */
  static of(seg: Seg): SegList {
    return new SegList([seg]);
  }

  /** Bytes held in memory segments. */
  memBytes(): number {
    let n = 0;
    for (const s of this.segs) if (s instanceof MemSeg) n += s.len;
    return n;
  }

  /** Go `seek`: the segment holding byte `off` (or EOF), reusing `ptr` when still valid. */
  seek(off: number, ptr?: FilePtr): FilePtr {
    if (ptr !== undefined && ptr.gen === this.gen && ptr.off === off && ptr.idx <= this.segs.length) return ptr;
    const out: FilePtr = { off, idx: 0, segOff: 0, gen: this.gen };
    if (off >= this.size) {
      out.idx = this.segs.length;
      return out;
    }
    let pos = 0;
    const segs = this.segs;
    for (let i = 0; pos < off; i++) {
      const len = (segs[i] as Seg).len;
      if (pos + len > off) {
        out.idx = i;
        out.segOff = off - pos;
        return out;
      }
      pos += len;
      out.idx = i + 1;
    }
    return out;
  }

  /**
   * One iteration of Go's `filenode.Write` loop: rearrange segments so that a prefix of `data`
   * can be copied at `ptr`, copy it, advance `ptr`. Returns the bytes written and whether the
   * pointer's segment just became full (then the caller prunes full memory segments).
   */
  writeChunk(ptr: FilePtr, data: Uint8Array, maxBlock: number, pool?: BufferPool): { written: number; full: boolean } {
    const segs = this.segs;
    let cando = Math.min(data.length, maxBlock);
    const cur = ptr.idx;
    const prev = cur - 1;
    const curSeg = segs[cur];
    const prevSeg = prev >= 0 ? segs[prev] : undefined;
    const curWritable = curSeg instanceof MemSeg;
    const prevAppendable = prevSeg instanceof MemSeg && prevSeg.len < maxBlock;
    if (ptr.segOff > 0 && !curWritable) {
      const stored = curSeg as StoredSeg;
      const max = stored.len - ptr.segOff;
      if (max <= cando) cando = max;
      const mem = new MemSeg(cando, pool);
      if (max <= cando) segs.splice(cur + 1, 0, mem);
      else segs.splice(cur + 1, 0, mem, stored.slice(ptr.segOff + cando, -1));
      segs[cur] = stored.slice(0, ptr.segOff);
      ptr.idx++;
      ptr.segOff = 0;
      this.gen++;
    } else if (curWritable) {
      const fit = curSeg.len - ptr.segOff;
      if (fit < cando) cando = fit;
    } else {
      if (prevAppendable) {
        const cangrow = maxBlock - prevSeg.len;
        if (cangrow < cando) cando = cangrow;
      }
      if (curSeg === undefined) {
        this.size += cando;
      } else if (curSeg.len <= cando) {
        cando = curSeg.len;
        segs.splice(cur, 1);
      } else {
        segs[cur] = (curSeg as StoredSeg).slice(cando, -1);
      }
      if (prevAppendable) {
        ptr.idx--;
        ptr.segOff = prevSeg.len;
        prevSeg.truncate(ptr.segOff + cando, pool, false);
        this.gen++;
      } else {
        const mem = new MemSeg(cando, pool);
        if (cur < segs.length) this.gen++;
        segs.splice(cur, 0, mem);
      }
    }
    const target = segs[ptr.idx] as MemSeg;
    target.writeAt(cando === data.length ? data : data.subarray(0, cando), ptr.segOff, pool);
    ptr.off += cando;
    ptr.segOff += cando;
    const full = ptr.segOff >= maxBlock;
    if (target.len === ptr.segOff) {
      ptr.segOff = 0;
      ptr.idx++;
    }
    ptr.gen = this.gen;
    return { written: cando, full };
  }

  /** Go `filenode.truncate`: shrink by cutting segments, grow with zero-filled memory segments. */
  truncate(size: number, maxBlock: number, pool?: BufferPool): void {
    if (size === this.size) return;
    this.gen++;
    const segs = this.segs;
    if (size < this.size) {
      const ptr = this.seek(size);
      if (ptr.segOff === 0) {
        segs.length = ptr.idx;
      } else {
        segs.length = ptr.idx + 1;
        const seg = segs[ptr.idx] as Seg;
        if (seg instanceof MemSeg) seg.truncate(ptr.segOff, pool);
        else segs[ptr.idx] = seg.slice(0, ptr.segOff);
      }
      this.size = size;
      return;
    }
    while (size > this.size) {
      let grow = size - this.size;
      let seg = segs[segs.length - 1];
      if (!(seg instanceof MemSeg) || seg.len >= maxBlock) {
        seg = new MemSeg(0, pool);
        segs.push(seg);
      }
      const maxgrow = maxBlock - seg.len;
      if (maxgrow < grow) grow = maxgrow;
      seg.truncate(seg.len + grow, pool);
      this.size += grow;
    }
  }
}
