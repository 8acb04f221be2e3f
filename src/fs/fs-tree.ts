import type { ManifestTreeSink, ManifestTreeView } from '../manifest/tree.js';
import { ByteLocatorTable } from './byte-locator-table.js';
import { ChildIndex } from './child-index.js';
import { MemSeg, SegList, StoredSeg, type FlushToken, type Seg } from './segments.js';
import { sortByteStrings } from '../util/byte-sort.js';
import { FNV_OFFSET, FNV_PRIME } from '../util/fnv.js';
import { resized } from '../util/typed-array.js';

const KIND_DIR = 1;
const KIND_FILE = 2;
const SLASH = 0x2f;
/** A directory's `#tail` when it has no entries (what {@link FsTree.newNode} sets). */
const NO_KIDS = -1;
const DOT = 0x2e;

/** Go's memory-estimate overhead per node and per segment. */
export const NODE_OVERHEAD_BYTES = 64;

/**
 * The compact node table behind CollectionFS. Nodes are integer ids with per-node data in typed
 * arrays; names are byte strings. A directory stores its only child as a bare id and switches to
 * a {@link ChildIndex} (open addressing over node ids) from the second child on. Segments loaded from a manifest live in a shared pool (typed
 * arrays, one contiguous run per file: its first and last index); a file gets a {@link SegList}
 * of segment objects when it is first read or modified, or when the manifest continues it after
 * other files' segments.
 *
 * Every method is synchronous: callers never await between reading and changing the tree.
 */
export class FsTree implements ManifestTreeSink, ManifestTreeView {
  readonly locators: ByteLocatorTable;
  readonly root = 0;
  #count = 0;
  #kind = new Uint8Array(16);
  #parent = new Int32Array(16);
  #mode = new Uint16Array(16);
  /** A file's loaded segments: its first and last index in the pool (-1: none). */
  #head = new Int32Array(16);
  /**
   * A file's last pool index (see {@link #head}); a directory's entries (it has no segments):
   * {@link NO_KIDS}, its only child's id (never the root, so > 0), or `-2 - slot` for a
   * ChildIndex at `#indexes[slot]`. Most directories of a large tree have one child, and a
   * number in a typed array costs no JS-array growth, write barrier or memory of its own.
   */
  #tail = new Int32Array(16);
  readonly #names: string[] = [];
  /** ChildIndexes of directories with two or more children (dense; freed slots are reused). */
  readonly #indexes: Array<ChildIndex | undefined> = [];
  readonly #freeIndexSlots: number[] = [];
  /** Materialised segment lists by node id (packed array, grown on demand). */
  readonly #lists: Array<SegList | undefined> = [];
  /**
   * mtime (ms) of nodes changed or created since the load (NaN: `loadMtimeMs`). Allocated on the
   * first change, so a loaded tree that is only read pays nothing.
   */
  #mtimes: Float64Array | undefined;
  readonly #locRemap = new Map<number, number>();
  /**
   * A new small file written in one piece, before anything else touches it: its bytes are a slab
   * range (slab `#mSlab - 1` of `#slabs`, 0: none) with no segment objects, so 100,000 new files
   * cost no SegList, array and MemSeg each. `#mFlush` is 1 + the index in `#flushTokens` of the
   * upload that uses the range (0: none). {@link list} turns it into a MemSeg. Empty until the
   * first range is set (then as long as the node arrays): a loaded tree of 4M files would
   * otherwise carry 64 MB of zeros. Reads use `?? 0` for that reason.
   */
  #mSlab = new Int32Array(0);
  #mOff = new Uint32Array(0);
  #mLen = new Uint32Array(0);
  #mFlush = new Int32Array(0);
  readonly #slabs: Buffer[] = [];
  readonly #flushTokens: FlushToken[] = [];
  /** How many nodes have a non-zero `#mSlab`. */
  #mRanges = 0;
  /** How many nodes have a non-zero `#mFlush`. */
  #mFlushRefs = 0;
  #pCount = 0;
  #pLoc = new Int32Array(64);
  #pOff = new Uint32Array(64);
  #pLen = new Uint32Array(64);
  /** mtime (ms) given to nodes the loader creates. */
  loadMtimeMs: number;
  /** Bumped by every link, unlink and takeChildren: a directory listing cached before is stale. */
  structureGen = 0;
  /** Clock for mtimes, ms since the epoch (CollectionFSOptions.now). */
  now: () => number = Date.now;

  constructor(locators: ByteLocatorTable = new ByteLocatorTable(), mtimeMs: number = Date.now()) {
    this.locators = locators;
    this.loadMtimeMs = mtimeMs;
    this.newNode(KIND_DIR, '.', 0o755, mtimeMs);
  }

  /** Create an unlinked node and return its id. */
  newNode(kind: 1 | 2, name: string, mode: number, mtimeMs: number): number {
    const id = this.#count++;
    if (id >= this.#kind.length) this.#grow();
    this.#kind[id] = kind;
    this.#parent[id] = id;
    this.#mode[id] = mode & 0o7777;
    if (mtimeMs !== this.loadMtimeMs) this.#setMtime(id, mtimeMs);
    else if (this.#mtimes !== undefined) this.#mtimes[id] = Number.NaN;
    this.#head[id] = -1;
    this.#tail[id] = -1;
    this.#clearMemRange(id);
    this.#names[id] = name;
    return id;
  }

  newDir(name: string, mode: number, mtimeMs: number): number {
    return this.newNode(KIND_DIR, name, mode, mtimeMs);
  }

  newFile(name: string, mode: number, mtimeMs: number): number {
    return this.newNode(KIND_FILE, name, mode, mtimeMs);
  }

  /** Shrink the node and segment arrays to their used length when over a quarter is unused. */
  compact(): void {
    if (this.#count * 4 < this.#kind.length * 3) this.#resize(Math.max(16, this.#count));
    if (this.#pCount * 4 < this.#pLoc.length * 3) {
      const n = Math.max(64, this.#pCount);
      this.#pLoc = this.#pLoc.slice(0, n);
      this.#pOff = this.#pOff.slice(0, n);
      this.#pLen = this.#pLen.slice(0, n);
    }
    this.locators.compact();
  }

  #grow(): void {
    this.#resize(this.#kind.length * 2);
  }

  #resize(n: number): void {
    this.#kind = resized(this.#kind, n);
    this.#parent = resized(this.#parent, n);
    this.#mode = resized(this.#mode, n);
    this.#head = resized(this.#head, n);
    this.#tail = resized(this.#tail, n);
    if (this.#mSlab.length > 0) this.#resizeMemRanges(n);
    if (this.#mtimes !== undefined) this.#mtimes = resized(this.#mtimes, n, Number.NaN);
  }

  /**
   * Bytes held by the typed arrays (not the locator table): per-node arrays (mtimes included), the
   * new-file range arrays, and the loaded-segment pool.
   */
  tableBytes(): { nodes: number; memRanges: number; segments: number } {
    const sum = (arrays: ArrayBufferView[]): number => arrays.reduce((n, a) => n + a.byteLength, 0);
    return {
      nodes: sum([this.#kind, this.#parent, this.#mode, this.#head, this.#tail]) + (this.#mtimes?.byteLength ?? 0),
      memRanges: sum([this.#mSlab, this.#mOff, this.#mLen, this.#mFlush]),
      segments: sum([this.#pLoc, this.#pOff, this.#pLen]),
    };
  }

  #resizeMemRanges(n: number): void {
    this.#mSlab = resized(this.#mSlab, n);
    this.#mOff = resized(this.#mOff, n);
    this.#mLen = resized(this.#mLen, n);
    this.#mFlush = resized(this.#mFlush, n);
  }

  isDir(node: number): boolean {
    return this.#kind[node] === KIND_DIR;
  }

  isFile(node: number): boolean {
    return this.#kind[node] === KIND_FILE;
  }

  parentOf(node: number): number {
    return this.#parent[node] ?? node;
  }

  nameOf(node: number): string {
    return this.#names[node] ?? '';
  }

  modeOf(node: number): number {
    return this.#mode[node] ?? 0;
  }

  mtimeOf(node: number): number {
    const m = this.#mtimes?.[node];
    return m === undefined || Number.isNaN(m) ? this.loadMtimeMs : m;
  }

  touch(node: number, mtimeMs: number = this.now()): void {
    this.#setMtime(node, mtimeMs);
  }

  #setMtime(node: number, mtimeMs: number): void {
    let m = this.#mtimes;
    if (m === undefined) {
      m = new Float64Array(this.#kind.length).fill(Number.NaN);
      this.#mtimes = m;
    }
    m[node] = mtimeMs;
  }

  /** The materialised list of `file`, if any. */
  #listOf(file: number): SegList | undefined {
    const lists = this.#lists;
    return file < lists.length ? lists[file] : undefined;
  }

  #setList(file: number, list: SegList): void {
    const lists = this.#lists;
    while (lists.length <= file) lists.push(undefined);
    lists[file] = list;
  }

  /** The children of `dir`: undefined (none), the only child's id, or its ChildIndex. */
  #kidsOf(dir: number): number | ChildIndex | undefined {
    if (this.#kind[dir] !== KIND_DIR) return undefined;
    const k = this.#tail[dir] ?? NO_KIDS;
    if (k > 0) return k;
    return k === NO_KIDS ? undefined : this.#indexes[-2 - k];
  }

  #setKids(dir: number, k: number | ChildIndex | undefined): void {
    const old = this.#tail[dir] ?? NO_KIDS;
    if (k === undefined || typeof k === 'number') {
      if (old < NO_KIDS) {
        this.#indexes[-2 - old] = undefined;
        this.#freeIndexSlots.push(-2 - old);
      }
      this.#tail[dir] = k ?? NO_KIDS;
      return;
    }
    let slot: number;
    if (old < NO_KIDS) slot = -2 - old;
    else slot = this.#freeIndexSlots.pop() ?? this.#indexes.length;
    this.#indexes[slot] = k;
    this.#tail[dir] = -2 - slot;
  }

  childOf(dir: number, name: string): number {
    const k = this.#kidsOf(dir);
    if (k === undefined) return -1;
    if (typeof k === 'number') return this.#names[k] === name ? k : -1;
    return k.get(name);
  }

  /** {@link childOf} for the name `s[start, end)`, without making the substring. */
  childOfRange(dir: number, s: string, start: number, end: number): number {
    const k = this.#kidsOf(dir);
    if (k === undefined) return -1;
    if (typeof k === 'number') {
      const name = this.#names[k] ?? '';
      return name.length === end - start && s.startsWith(name, start) ? k : -1;
    }
    return k.getRange(s, start, end);
  }

  /**
   * The node at the plain relative path `s[0, end)` (components joined by single slashes, none
   * empty, `.` or `..`), or -1 when the path is not plain or does not lead to an existing node
   * through directories. Allocation-free; callers fall back to full resolution on -1.
   */
  lookupPlain(s: string, end: number): number {
    if (end === 0) return this.root;
    let node = this.root;
    for (let start = 0; ; ) {
      let stop = s.indexOf('/', start);
      if (stop < 0 || stop > end) stop = end;
      const len = stop - start;
      if (len === 0 || (s.charCodeAt(start) === 46 && (len === 1 || (len === 2 && s.charCodeAt(start + 1) === 46)))) return -1;
      if (this.#kind[node] !== KIND_DIR) return -1;
      node = this.childOfRange(node, s, start, stop);
      if (node < 0 || stop === end) return node;
      start = stop + 1;
    }
  }

  /** Number of entries of a directory (Go's directory size). */
  childCount(dir: number): number {
    const k = this.#kidsOf(dir);
    if (k === undefined) return 0;
    return typeof k === 'number' ? 1 : k.size;
  }

  /** The entries of `dir` (any order; a fresh array). */
  children(dir: number): Array<readonly [name: string, node: number]> {
    const k = this.#kidsOf(dir);
    if (k === undefined) return [];
    if (typeof k === 'number') return [[this.#names[k] ?? '', k]];
    return k.entries();
  }

  /** True if a file linked at or under `node` holds memory segments (one pass over the lists). */
  hasMemoryUnder(node: number): boolean {
    const lists = this.#lists;
    for (let f = 0; f < lists.length; f++) {
      const list = lists[f];
      if (list === undefined) continue;
      let mem = false;
      for (const s of list.segs) {
        if (s instanceof MemSeg) {
          mem = true;
          break;
        }
      }
      if (mem && this.#linkedUnder(f, node)) return true;
    }
    if (this.#mRanges === 0) return false;
    const m = this.#mSlab;
    for (let f = 0; f < this.#count; f++) if ((m[f] ?? 0) !== 0 && this.#linkedUnder(f, node)) return true;
    return false;
  }

  /** Whether `n` is `anc` or reachable from it through current directory entries. */
  #linkedUnder(n: number, anc: number): boolean {
    for (let cur = n; ; ) {
      if (cur === anc) return true;
      if (cur === this.root) return false;
      const p = this.#parent[cur] ?? cur;
      if (p === cur || this.childOf(p, this.#names[cur] ?? '') !== cur) return false;
      cur = p;
    }
  }

  /** Child names in Go byte order (byte strings compare like bytes). */
  sortedNames(dir: number): string[] {
    return this.sortedChildren(dir).names;
  }

  /** {@link sortedNames} and the node of each name, sorted together (no lookup per name). */
  sortedChildren(dir: number): { names: string[]; nodes: number[] } {
    const k = this.#kidsOf(dir);
    if (k === undefined) return { names: [], nodes: [] };
    if (typeof k === 'number') return { names: [this.#names[k] ?? ''], nodes: [k] };
    const { names, ids } = k.keysAndIds();
    sortByteStrings(names, ids);
    return { names, nodes: ids };
  }

  /** Make `node` the child `name` of `dir`, replacing any existing entry of that name. */
  link(dir: number, name: string, node: number): void {
    this.structureGen++;
    this.#names[node] = name;
    this.#parent[node] = dir;
    const k = this.#kidsOf(dir);
    if (k === undefined) {
      this.#setKids(dir, node);
    } else if (typeof k === 'number') {
      const kName = this.#names[k] ?? '';
      if (kName === name) this.#setKids(dir, node);
      else {
        const index = new ChildIndex(this.#names);
        index.set(kName, k);
        index.set(name, node);
        this.#setKids(dir, index);
      }
    } else {
      k.set(name, node);
    }
  }

  /** Remove the entry `name` from `dir` (the node itself stays valid for open handles). */
  unlink(dir: number, name: string): void {
    this.structureGen++;
    const k = this.#kidsOf(dir);
    if (k === undefined) return;
    if (typeof k === 'number') {
      if (this.#names[k] === name) this.#setKids(dir, undefined);
      return;
    }
    k.delete(name);
    if (k.size === 1) this.#setKids(dir, k.first());
    else if (k.size === 0) this.#setKids(dir, undefined);
  }

  /** Replace all children of `dir` with those of `from` (which is left empty). */
  takeChildren(dir: number, from: number): void {
    this.structureGen++;
    const moved = this.#kidsOf(from);
    this.#setKids(from, undefined);
    this.#setKids(dir, moved);
    for (const [, child] of this.children(dir)) this.#parent[child] = dir;
  }

  addDir(dir: number, name: string): number {
    const id = this.newNode(KIND_DIR, name, 0o755, this.loadMtimeMs);
    this.link(dir, name, id);
    return id;
  }

  addFile(dir: number, name: string): number {
    const id = this.newNode(KIND_FILE, name, 0o755, this.loadMtimeMs);
    this.link(dir, name, id);
    return id;
  }

  /** Append a loaded segment to `file` (a file: a directory's `#tail` holds its entries). */
  addSegment(file: number, locator: number, offset: number, length: number): void {
    const list = this.#listOf(file);
    if (list !== undefined) {
      list.segs.push(new StoredSeg(locator, offset, length));
      list.size += length;
      return;
    }
    const tail = this.#tail[file] ?? -1;
    if (tail >= 0 && tail !== this.#pCount - 1) {
      // Pool runs are contiguous: a file continued after other files' segments gets a list.
      const l = this.list(file);
      l.segs.push(new StoredSeg(locator, offset, length));
      l.size += length;
      return;
    }
    const p = this.#pCount++;
    if (p >= this.#pLoc.length) this.#growPool();
    this.#pLoc[p] = locator;
    this.#pOff[p] = offset;
    this.#pLen[p] = length;
    if (tail < 0) this.#head[file] = p;
    this.#tail[file] = p;
  }

  /**
   * Loader hint: `done` of `total` manifest bytes are loaded. Pre-size the node table and the
   * segment pool for the whole text at the rate seen so far, plus a tenth (saves the doubling
   * copies of a 4M-node tree; {@link compact} trims an overestimate). Reserving only what the
   * text's first line predicts, rather than for the densest possible manifest, also keeps V8
   * from collecting garbage early on behalf of a huge, untouched reservation.
   */
  progress(done: number, total: number): void {
    if (done <= 0 || done >= total) return;
    const scale = (total / done) * 1.1;
    const nodes = Math.min(Math.ceil(this.#count * scale), Math.floor(total / 6));
    if (nodes > this.#kind.length) this.#resize(nodes);
    this.reserveSegments(Math.min(Math.ceil(this.#pCount * scale), Math.floor(total / 6), 1 << 26));
  }

  /** Pre-size the loaded-segment pool for about `n` segments ({@link compact} trims the rest). */
  reserveSegments(n: number): void {
    if (n > this.#pLoc.length) this.#resizePool(n);
  }

  #growPool(): void {
    this.#resizePool(this.#pLoc.length * 2);
  }

  #resizePool(n: number): void {
    this.#pLoc = resized(this.#pLoc, n);
    this.#pOff = resized(this.#pOff, n);
    this.#pLen = resized(this.#pLen, n);
  }

  /** The mutable segment list of `file`, created from the loaded pool on first use. */
  list(file: number): SegList {
    let list = this.#listOf(file);
    if (list !== undefined) return list;
    if ((this.#mSlab[file] ?? 0) !== 0) {
      const f = this.#mFlush[file] ?? 0;
      const seg = MemSeg.overSlab(this.memRangeBuf(file), this.#mOff[file] ?? 0, this.#mLen[file] ?? 0, f === 0 ? null : (this.#flushTokens[f - 1] ?? null));
      list = SegList.of(seg);
      this.setList(file, list);
      return list;
    }
    const segs: Seg[] = [];
    for (let p = this.#head[file] ?? -1, end = this.#tail[file] ?? -1; p >= 0 && p <= end; p++) {
      segs.push(new StoredSeg(this.#pLoc[p] ?? 0, this.#pOff[p] ?? 0, this.#pLen[p] ?? 0));
    }
    list = new SegList(segs);
    this.setList(file, list);
    return list;
  }

  /** Install `list` as the content of `file`. */
  setList(file: number, list: SegList): void {
    this.#setList(file, list);
    this.#clearMemRange(file);
    if (this.#kind[file] === KIND_DIR) return; // a directory's #tail holds its entries
    this.#head[file] = -1;
    this.#tail[file] = -1;
  }

  /** Whether `file` has a materialised segment list (maybe holding memory segments). */
  hasList(file: number): boolean {
    return this.#listOf(file) !== undefined || (this.#mSlab[file] ?? 0) !== 0;
  }

  /** Make new, empty `file` hold the `len` bytes at `slab[off…]` (see {@link #mSlab}). */
  setMemRange(file: number, slab: Buffer, off: number, len: number): void {
    const slabs = this.#slabs;
    this.#clearMemRange(file);
    if (this.#mSlab.length < this.#kind.length) this.#resizeMemRanges(this.#kind.length);
    // Slabs are kept while some range refers to one; restart when none does.
    if (this.#mRanges++ === 0) slabs.length = 0;
    if (slabs[slabs.length - 1] !== slab) slabs.push(slab);
    this.#mSlab[file] = slabs.length;
    this.#mOff[file] = off;
    this.#mLen[file] = len;
  }

  /** Whether `file` holds its bytes as a slab range without a segment list ({@link setMemRange}). */
  hasMemRange(file: number): boolean {
    return (this.#mSlab[file] ?? 0) !== 0;
  }

  memRangeBuf(file: number): Buffer {
    const b = this.#slabs[(this.#mSlab[file] ?? 0) - 1];
    if (b === undefined) throw new Error(`node ${file} has no memory range`);
    return b;
  }

  memRangeOff(file: number): number {
    return this.#mOff[file] ?? 0;
  }

  memRangeLen(file: number): number {
    return this.#mLen[file] ?? 0;
  }

  /** The upload using `file`'s memory range, if any. */
  memRangeFlushing(file: number): FlushToken | null {
    const f = this.#mFlush[file] ?? 0;
    return f === 0 ? null : (this.#flushTokens[f - 1] ?? null);
  }

  /** An id for `token` to pass to {@link setMemRangeFlushing}. */
  registerFlushToken(token: FlushToken): number {
    // Ids are kept while some range refers to one; restart when none does.
    if (this.#mFlushRefs === 0) this.#flushTokens.length = 0;
    return this.#flushTokens.push(token);
  }

  setMemRangeFlushing(file: number, tokenId: number): void {
    if (this.#mFlush.length < this.#kind.length) this.#resizeMemRanges(this.#kind.length);
    if (this.#mFlush[file] === 0) this.#mFlushRefs++;
    this.#mFlush[file] = tokenId;
  }

  #clearMemRange(file: number): void {
    if (this.#mRanges === 0 && this.#mFlushRefs === 0) return;
    if ((this.#mSlab[file] ?? 0) !== 0) this.#mRanges--;
    this.#mSlab[file] = 0;
    if ((this.#mFlush[file] ?? 0) !== 0) this.#mFlushRefs--;
    this.#mFlush[file] = 0;
  }

  /**
   * An upload under `token` stored `file`'s bytes at `off` in block `loc`: if the file still holds
   * that range, it becomes a one-segment stored run; if the range was materialised meanwhile, its
   * MemSeg is replaced, unless a write since moved it (copy-on-write clears `flushing`).
   * @returns whether the file now refers to the block
   */
  storeMemRange(file: number, token: FlushToken, loc: number, off: number): boolean {
    const f = this.#mFlush[file] ?? 0;
    if ((this.#mSlab[file] ?? 0) !== 0) {
      if (f === 0 || this.#flushTokens[f - 1] !== token) return false;
      const p = this.#pCount++;
      if (p >= this.#pLoc.length) this.#growPool();
      this.#pLoc[p] = loc;
      this.#pOff[p] = off;
      this.#pLen[p] = this.#mLen[file] ?? 0;
      this.#head[file] = p;
      this.#tail[file] = p;
      this.#clearMemRange(file);
      return true;
    }
    const list = this.#listOf(file);
    if (list === undefined) return false;
    const segs = list.segs;
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i];
      if (seg instanceof MemSeg && seg.flushing === token) {
        segs[i] = new StoredSeg(loc, off, seg.len);
        return true;
      }
    }
    return false;
  }

  fileSize(file: number): number {
    const list = this.#listOf(file);
    if (list !== undefined) return list.size;
    if ((this.#mSlab[file] ?? 0) !== 0) return this.#mLen[file] ?? 0;
    let n = 0;
    for (let p = this.#head[file] ?? -1, end = this.#tail[file] ?? -1; p >= 0 && p <= end; p++) n += this.#pLen[p] ?? 0;
    return n;
  }

  forEachSegment(file: number, visit: (locator: number, offset: number, length: number) => void): void {
    const list = this.#listOf(file);
    if (list !== undefined) {
      for (const s of list.segs) {
        if (s instanceof MemSeg) throw new Error('Cannot marshal a memory segment: flush first');
        visit(s.loc, s.off, s.len);
      }
      return;
    }
    if ((this.#mSlab[file] ?? 0) !== 0) throw new Error('Cannot marshal a memory segment: flush first');
    for (let p = this.#head[file] ?? -1, end = this.#tail[file] ?? -1; p >= 0 && p <= end; p++) {
      visit(this.#pLoc[p] ?? 0, this.#pOff[p] ?? 0, this.#pLen[p] ?? 0);
    }
  }

  /**
   * Visit every stored segment under `node` in repack walk order (each directory's files in byte
   * order, then its subdirectories in byte order). `visit` may return `[loc, off]` to replace the
   * segment's locator id and offset (length is kept). Returns the number of segments replaced.
   */
  mapStoredSegments(node: number, visit: (loc: number, off: number, len: number) => readonly [number, number] | undefined): number {
    let changed = 0;
    const dirs: number[] = [];
    for (const child of this.sortedChildren(node).nodes) {
      if (this.isDir(child)) {
        dirs.push(child);
        continue;
      }
      const list = this.#listOf(child);
      if (list !== undefined) {
        const segs = list.segs;
        for (let i = 0; i < segs.length; i++) {
          const sg = segs[i];
          if (!(sg instanceof StoredSeg)) continue;
          const r = visit(sg.loc, sg.off, sg.len);
          if (r !== undefined) {
            segs[i] = new StoredSeg(r[0], r[1], sg.len);
            changed++;
          }
        }
        continue;
      }
      for (let p = this.#head[child] ?? -1, end = this.#tail[child] ?? -1; p >= 0 && p <= end; p++) {
        const r = visit(this.#pLoc[p] ?? 0, this.#pOff[p] ?? 0, this.#pLen[p] ?? 0);
        if (r !== undefined) {
          this.#pLoc[p] = r[0];
          this.#pOff[p] = r[1];
          changed++;
        }
      }
    }
    if (node === this.root || this.isDir(node)) for (const d of dirs) changed += this.mapStoredSegments(d, visit);
    return changed;
  }

  /** Replace locator id `i` by `remap[i]` in every stored segment (signature updates). */
  remapLocators(remap: Int32Array): void {
    for (let p = 0; p < this.#pCount; p++) {
      const id = this.#pLoc[p] ?? 0;
      if (id < remap.length) this.#pLoc[p] = remap[id] ?? id;
    }
    for (const list of this.#lists) {
      if (list === undefined) continue;
      const segs = list.segs;
      for (let i = 0; i < segs.length; i++) {
        const s = segs[i];
        if (s instanceof StoredSeg && s.loc < remap.length && remap[s.loc] !== s.loc) segs[i] = new StoredSeg(remap[s.loc] ?? s.loc, s.off, s.len);
      }
    }
    for (let id = 0; id < remap.length; id++) if (remap[id] !== id) this.#locRemap.set(id, remap[id] ?? id);
  }

  /** The id that replaced locator `id` after signature updates (or `id`). */
  currentLocator(id: number): number {
    let cur = id;
    for (let next = this.#locRemap.get(cur); next !== undefined && next !== cur; next = this.#locRemap.get(cur)) cur = next;
    return cur;
  }

  /** Go's MemorySize of the subtree at `node`. */
  memorySize(node: number): number {
    if (this.isDir(node)) {
      let n = NODE_OVERHEAD_BYTES;
      for (const [, child] of this.children(node)) n += this.memorySize(child);
      return n;
    }
    let n = NODE_OVERHEAD_BYTES;
    const list = this.#listOf(node);
    if (list !== undefined) {
      for (const s of list.segs) n += NODE_OVERHEAD_BYTES + (s instanceof MemSeg ? s.len : this.locators.textLength(s.loc));
      return n;
    }
    if ((this.#mSlab[node] ?? 0) !== 0) return n + NODE_OVERHEAD_BYTES + (this.#mLen[node] ?? 0);
    for (let p = this.#head[node] ?? -1, end = this.#tail[node] ?? -1; p >= 0 && p <= end; p++) {
      n += NODE_OVERHEAD_BYTES + this.locators.textLength(this.#pLoc[p] ?? 0);
    }
    return n;
  }

  /** Total bytes of all files under `node`. */
  totalSize(node: number): number {
    if (!this.isDir(node)) return this.fileSize(node);
    let n = 0;
    for (const [, child] of this.children(node)) n += this.totalSize(child);
    return n;
  }

  /** True if `anc` is `node` or one of its ancestors. */
  isAncestor(anc: number, node: number): boolean {
    for (let n = node; ; n = this.parentOf(n)) {
      if (n === anc) return true;
      if (n === this.root) return false;
    }
  }

  /**
   * {@link lookupPlain} of a whole path that must also be ASCII (a user path that is its own
   * UTF-8): -1 when `s` is empty, not plain, not ASCII or names no node. One pass over the chars
   * finds the slashes, checks ASCII and hashes the components a ChildIndex looks up.
   */
  lookupPlainAscii(s: string): number {
    const end = s.length;
    let node = this.root;
    let seen = end === 0 ? 0x80 : 0; // OR of every char: >= 0x80 means not ASCII
    for (let start = 0; ; ) {
      if (this.#kind[node] !== KIND_DIR) return -1;
      const only = this.#tail[node] ?? NO_KIDS;
      if (only === NO_KIDS) return -1;
      let i = start;
      let c = 0;
      if (only > 0) {
        // The only child: compare its name while scanning (no hash, no startsWith call).
        const name = this.#names[only] ?? '';
        const nameLen = name.length;
        for (; i < end && (c = s.charCodeAt(i)) !== SLASH; i++) {
          if (i - start >= nameLen || name.charCodeAt(i - start) !== c) return -1;
          seen |= c;
        }
        if (i - start !== nameLen) return -1;
        node = only;
      } else {
        let fnv = FNV_OFFSET;
        for (; i < end && (c = s.charCodeAt(i)) !== SLASH; i++) {
          seen |= c;
          fnv = Math.imul(fnv ^ c, FNV_PRIME);
        }
        const index = this.#indexes[-2 - only];
        if (index === undefined) return -1;
        node = index.getRangeFnv(s, start, i, fnv);
        if (node < 0) return -1;
      }
      // Entries are never named "", "." or "..", but such a component makes the path not plain.
      const len = i - start;
      if (len === 0 || (len <= 2 && s.charCodeAt(start) === DOT && (len === 1 || s.charCodeAt(start + 1) === DOT))) return -1;
      if (i === end) return seen < 0x80 ? node : -1;
      start = i + 1;
    }
  }
}
