import type { LocatorIds } from '../manifest/tree.js';
import { FNV_OFFSET, FNV_PRIME } from '../util/fnv.js';
import { resized } from '../util/typed-array.js';

const EMPTY = 0;
const INITIAL_IDS = 1024;

/** Pending locators closer than this many bytes in the source are copied as one run. */
const RUN_GAP_BYTES = 64;
/** Arena size up to which growth doubles (then it grows by a quarter). */
const ARENA_DOUBLING_LIMIT = 16 << 20;

/**
 * Interned locators kept as bytes in one arena with an open-addressing hash table over typed
 * arrays: interning creates no string and no per-locator object; strings are made lazily by
 * {@link text} (and cached). Equal ids mean byte-identical locators, whichever of
 * `internBytes`/`intern` was used.
 *
 * `internBytes` does not copy at once: new ids point into the caller's bytes until the next call
 * of any other method, which copies all of them into the arena in a few long runs (a manifest's
 * locators sit next to each other, so this is one memcpy per stream instead of one per locator).
 */
export class ByteLocatorTable implements LocatorIds {
  #arena = new Uint8Array(64 * 1024);
  #arenaView = Buffer.from(this.#arena.buffer, 0, this.#arena.length);
  #arenaLen = 0;
  /** Offset in the arena, or in {@link #src} for ids from {@link #pendingFrom} on. */
  #start = new Float64Array(INITIAL_IDS);
  #len = new Uint32Array(INITIAL_IDS);
  #size = new Float64Array(INITIAL_IDS);
  #hashes = new Int32Array(INITIAL_IDS);
  #count = 0;
  /** The caller's bytes that pending ids still point into. */
  #src: Uint8Array | undefined;
  /** First id not yet copied into the arena (= count when none is pending). */
  #pendingFrom = 0;
  /** Slot → id + 1 (0 = empty). */
  #table = new Int32Array(2048);
  #mask = 2047;
  readonly #strings: Array<string | undefined> = [];
  #lastId = -1;
  #scratch = Buffer.alloc(256);

  /** Number of distinct locators. */
  get count(): number {
    return this.#count;
  }

  /**
   * Intern `bytes[start, end)`. The bytes are referenced, not copied, until the next call of
   * another method: the caller must not change them before that (a load calls nothing else).
   */
  internBytes(bytes: Uint8Array, start: number, end: number, blockSize: number): number {
    if (this.#src !== bytes && this.#pendingFrom < this.#count) this.seal();
    return this.#intern(bytes, start, end, blockSize, false);
  }

  intern(locator: string, blockSize: number): number {
    this.seal();
    if (this.#scratch.length < locator.length) this.#scratch = Buffer.alloc(locator.length * 2);
    const n = this.#scratch.write(locator, 0, 'latin1');
    const id = this.#intern(this.#scratch, 0, n, blockSize, true);
    this.#strings[id] ??= locator;
    return id;
  }

  /** The id of `bytes[start, end)`, added if new (copied now when `copy`, else pending). */
  #intern(bytes: Uint8Array, start: number, end: number, blockSize: number, copy: boolean): number {
    const len = end - start;
    const h = hashBytes(bytes, start, len);
    // Repeats of the previous locator are common; the stored hash rules most others out without
    // a byte comparison (all-distinct signed locators share a length and would compare ~40 bytes).
    const last = this.#lastId;
    if (last >= 0 && this.#hashes[last] === h && this.#len[last] === len && this.#equals(last, bytes, start, len)) return last;
    const mask = this.#mask;
    let slot = h & mask;
    let step = 0;
    for (;;) {
      const v = this.#table[slot] ?? EMPTY;
      if (v === EMPTY) break;
      const id = v - 1;
      if (this.#hashes[id] === h && this.#len[id] === len && this.#equals(id, bytes, start, len)) {
        this.#lastId = id;
        return id;
      }
      if (step === 0) step = probeStep(bytes, start, len);
      slot = (slot + step) & mask;
    }
    const id = this.#count++;
    if (id >= this.#start.length) this.#growIds();
    if (copy) {
      this.#ensureArena(len);
      this.#arena.set(bytes.subarray(start, end), this.#arenaLen);
      this.#start[id] = this.#arenaLen;
      this.#arenaLen += len;
      this.#pendingFrom = this.#count;
    } else {
      if (this.#pendingFrom === id) this.#src = bytes;
      this.#start[id] = start;
    }
    this.#len[id] = len;
    this.#size[id] = blockSize;
    this.#hashes[id] = h;
    this.#table[slot] = id + 1;
    if (this.#count * 2 > this.#mask) this.#rehash();
    this.#lastId = id;
    return id;
  }

  /**
   * Copy the locators that still point into the caller's bytes into the arena (every other
   * method does this first; call it to release the caller's buffer early).
   */
  seal(): void {
    const from = this.#pendingFrom;
    const to = this.#count;
    const src = this.#src;
    this.#src = undefined;
    this.#pendingFrom = to;
    if (from >= to || src === undefined) return;
    const starts = this.#start;
    const lens = this.#len;
    // Pass 1: the bytes to copy (runs of nearby locators, gaps included).
    let need = 0;
    let runStart = starts[from] ?? 0;
    let runEnd = runStart + (lens[from] ?? 0);
    for (let id = from + 1; id < to; id++) {
      const s = starts[id] ?? 0;
      const e = s + (lens[id] ?? 0);
      if (s >= runEnd && s - runEnd <= RUN_GAP_BYTES) {
        runEnd = e;
      } else {
        need += runEnd - runStart;
        runStart = s;
        runEnd = e;
      }
    }
    need += runEnd - runStart;
    this.#ensureArena(need);
    // Pass 2: copy each run once and rebase its ids.
    const arena = this.#arena;
    let at = this.#arenaLen;
    let first = from;
    runStart = starts[from] ?? 0;
    runEnd = runStart + (lens[from] ?? 0);
    for (let id = from + 1; id <= to; id++) {
      const s = id < to ? (starts[id] ?? 0) : -1;
      if (id < to && s >= runEnd && s - runEnd <= RUN_GAP_BYTES) {
        runEnd = s + (lens[id] ?? 0);
        continue;
      }
      arena.set(src.subarray(runStart, runEnd), at);
      const delta = at - runStart;
      for (let k = first; k < id; k++) starts[k] = (starts[k] ?? 0) + delta;
      at += runEnd - runStart;
      first = id;
      runStart = s;
      runEnd = s + (lens[id] ?? 0);
    }
    this.#arenaLen = at;
  }

  text(id: number): string {
    const cached = this.#strings[id];
    if (cached !== undefined) return cached;
    if (id < 0 || id >= this.#count) throw new RangeError(`Cannot find locator: unknown id ${id}`);
    this.seal();
    const s = this.#start[id] ?? 0;
    const t = this.#arenaView.toString('latin1', s, s + (this.#len[id] ?? 0));
    this.#strings[id] = t;
    return t;
  }

  /** Length in bytes of locator `id` (no string is created). */
  textLength(id: number): number {
    return this.#len[id] ?? 0;
  }

  size(id: number): number {
    return this.#size[id] ?? 0;
  }

  /** The 32-character hash of `id`. */
  hash(id: number): string {
    return this.text(id).slice(0, 32);
  }

  #equals(id: number, bytes: Uint8Array, start: number, len: number): boolean {
    const a = id >= this.#pendingFrom ? (this.#src as Uint8Array) : this.#arena;
    const s = this.#start[id] ?? 0;
    // Compare from the end: signed locators of one block share their first 40+ bytes.
    for (let i = len - 1; i >= 0; i--) if (a[s + i] !== bytes[start + i]) return false;
    return true;
  }

  /** Make room for `len` more arena bytes. */
  #ensureArena(len: number): void {
    const need = this.#arenaLen + len;
    if (need <= this.#arena.length) return;
    // Double while small; a big arena (a loaded manifest's locators) grows by a quarter, and a
    // big seal gets what it needs plus 1/64, not up to twice that.
    const old = this.#arena.length;
    let cap = old < ARENA_DOUBLING_LIMIT ? old * 2 : old + (old >>> 2);
    if (cap < need) cap = need + (need >>> 6);
    this.#resizeArena(cap);
  }

  /**
   * Pre-size for about `n` locators (saves rehashing and id-array copies while a large manifest
   * loads; {@link compact} trims what stays unused). The arena needs no reserve: a load's
   * locators are copied in at {@link seal}, which knows their exact size.
   */
  reserve(n: number): void {
    this.seal();
    let cap = this.#table.length;
    while (cap < n * 2) cap *= 2;
    if (cap > this.#table.length) this.#rebuild(cap);
    if (n > this.#start.length) this.#resizeIds(n);
  }

  /** Shrink the arena, id arrays and hash table when over a quarter (table: 3/4) is unused. */
  compact(): void {
    this.seal();
    const n = Math.max(16, this.#count);
    let cap = 2048;
    while (cap < n * 2) cap *= 2;
    if (cap * 4 <= this.#table.length) this.#rebuild(cap);
    if (this.#arenaLen * 4 < this.#arena.length * 3) {
      this.#arena = this.#arena.slice(0, Math.max(1024, this.#arenaLen));
      this.#arenaView = Buffer.from(this.#arena.buffer, 0, this.#arena.length);
    }
    if (n * 4 >= this.#start.length * 3) return;
    this.#start = this.#start.slice(0, n);
    this.#len = this.#len.slice(0, n);
    this.#size = this.#size.slice(0, n);
    this.#hashes = this.#hashes.slice(0, n);
  }

  #resizeArena(cap: number): void {
    const next = new Uint8Array(cap);
    next.set(this.#arena.subarray(0, this.#arenaLen));
    this.#arena = next;
    this.#arenaView = Buffer.from(next.buffer, 0, next.length);
  }

  #growIds(): void {
    this.#resizeIds(this.#start.length * 2);
  }

  #resizeIds(n: number): void {
    this.#start = resized(this.#start, n);
    this.#len = resized(this.#len, n);
    this.#size = resized(this.#size, n);
    this.#hashes = resized(this.#hashes, n);
  }

  #rehash(): void {
    this.#rebuild(this.#table.length * 2);
  }

  /** Re-insert every id into a table of `cap` (a power of two) slots. */
  #rebuild(cap: number): void {
    const table = new Int32Array(cap);
    const mask = cap - 1;
    for (let id = 0; id < this.#count; id++) {
      let slot = (this.#hashes[id] ?? 0) & mask;
      if (table[slot] !== EMPTY) {
        const bytes = id >= this.#pendingFrom ? (this.#src as Uint8Array) : this.#arena;
        const step = probeStep(bytes, this.#start[id] ?? 0, this.#len[id] ?? 0);
        do slot = (slot + step) & mask;
        while (table[slot] !== EMPTY);
      }
      table[slot] = id + 1;
    }
    this.#table = table;
    this.#mask = mask;
  }
}

/** Hex digit values by byte (-1: not a hex digit). */
const HEX = new Int8Array(256).fill(-1);
for (let d = 0; d < 10; d++) HEX[0x30 + d] = d;
for (let d = 0; d < 6; d++) {
  HEX[0x61 + d] = 10 + d;
  HEX[0x41 + d] = 10 + d;
}

/**
 * The table hash of a locator. Its first 32 bytes are normally an md5 in hex, already uniformly
 * distributed, so digits 24–32 are used as they are (plus the length): no mixing, which keeps
 * the slots of blocks with nearby hashes nearby (cache-friendly when a manifest's hashes are
 * sequential, as in the benchmarks' generated ones). Other text gets FNV-1a over its first 40
 * and last 16 bytes. Probing uses {@link probeStep}, so clustered slots cost no long scans.
 */
function hashBytes(bytes: Uint8Array, start: number, len: number): number {
  if (len >= 32) {
    let h = 0;
    let bad = 0;
    for (let i = start + 24; i < start + 32; i++) {
      const v = HEX[bytes[i] ?? 0] ?? -1;
      bad |= v;
      h = (h << 4) | v;
    }
    if (bad >= 0) return (h + Math.imul(len, 0x9e3779b1)) & 0x7fffffff;
  }
  let h = FNV_OFFSET ^ len;
  const head = Math.min(len, 40);
  for (let i = 0; i < head; i++) h = Math.imul(h ^ (bytes[start + i] ?? 0), FNV_PRIME);
  for (let i = Math.max(head, len - 16); i < len; i++) h = Math.imul(h ^ (bytes[start + i] ?? 0), FNV_PRIME);
  return h & 0x7fffffff;
}

/**
 * The probe step (odd, so it visits every slot of a power-of-two table) from the locator's last
 * 16 bytes and first 24 (double hashing): keys whose {@link hashBytes} agree or fall into a run
 * of occupied slots (sequential hashes fill runs) scatter instead of walking the run.
 */
function probeStep(bytes: Uint8Array, start: number, len: number): number {
  let h = FNV_OFFSET;
  for (let i = Math.max(0, len - 16); i < len; i++) h = Math.imul(h ^ (bytes[start + i] ?? 0), FNV_PRIME);
  for (let i = 0, head = Math.min(len, 24); i < head; i++) h = Math.imul(h ^ (bytes[start + i] ?? 0), FNV_PRIME);
  return ((h ^ (h >>> 15)) << 1) | 1;
}
