import type { BlockStore } from '../blocks/block-store.js';
import type { FsTree } from './fs-tree.js';
import { allocBlockBuffer, BufferPool, MemSeg, StoredSeg, type FlushToken, type SegList } from './segments.js';

/** Options of a {@link BlockWriter}. */
export interface BlockWriterOptions {
  store: Pick<BlockStore, 'put'>;
  blockSizeBytes: number;
  concurrentWriters: number;
  replicas?: number;
  storageClasses?: readonly string[];
}

/** Flush modes of Go's `dirnode.flush`. */
export interface FlushMode {
  /** Sync: proceed even over segments another upload is using; errors are returned. */
  sync: boolean;
  /** Also upload the last partial group of small segments of each directory. */
  shortBlocks: boolean;
}

/** A directory's entries in byte order of their names, with the node of each. */
export interface Listing {
  readonly names: readonly string[];
  readonly nodes: readonly number[];
}

/** Where the flush takes directory listings from (the tree, or a marshal's cache of them). */
export interface SortedListing {
  sortedChildren(dir: number): Listing;
}

/** Memory segments packed into one block, as parallel arrays (no object per segment). */
class Group {
  /** The segment's list, or undefined for a file's memory range (FsTree.setMemRange). */
  readonly lists: Array<SegList | undefined> = [];
  /** The segment's index in its list, or the node of a memory range. */
  readonly idxs: number[] = [];
  readonly segs: Array<MemSeg | undefined> = [];
  readonly bufs: Buffer[] = [];
  readonly froms: number[] = [];
  readonly lens: number[] = [];
  /** Offset of each segment in the block. */
  readonly offsets: number[] = [];
  bytes = 0;
  /** Whether some entries are memory ranges. */
  ranges = false;

  add(list: SegList, idx: number, seg: MemSeg): void {
    this.#push(list, idx, seg, seg.buf, seg.off, seg.len);
  }

  addRange(node: number, buf: Buffer, off: number, len: number): void {
    this.ranges = true;
    this.#push(undefined, node, undefined, buf, off, len);
  }

  #push(list: SegList | undefined, idx: number, seg: MemSeg | undefined, buf: Buffer, off: number, len: number): void {
    this.lists.push(list);
    this.idxs.push(idx);
    this.segs.push(seg);
    this.bufs.push(buf);
    this.froms.push(off);
    this.lens.push(len);
    this.offsets.push(this.bytes);
    this.bytes += len;
  }

  /** The copies that build the block: runs of segments adjacent in the same buffer are merged. */
  copyPlan(): { bufs: Buffer[]; from: number[]; len: number[]; to: number[] } {
    const bufs: Buffer[] = [];
    const from: number[] = [];
    const len: number[] = [];
    const to: number[] = [];
    let last = -1;
    for (let i = 0; i < this.segs.length; i++) {
      const buf = this.bufs[i] as Buffer;
      const off = this.froms[i] as number;
      const n = this.lens[i] as number;
      if (last >= 0 && bufs[last] === buf && (from[last] as number) + (len[last] as number) === off) {
        len[last] = (len[last] as number) + n;
        continue;
      }
      bufs.push(buf);
      from.push(off);
      len.push(n);
      to.push(this.offsets[i] as number);
      last++;
    }
    return { bufs, from, len, to };
  }
}

/**
 * Uploads memory segments as blocks: the async full-block prune during writes and the packing
 * flush (reference §4), with at most `concurrentWriters` uploads in flight. Writers that need an
 * upload slot wait for one (backpressure). Failed uploads leave the data in memory.
 */
export class BlockWriter {
  readonly #tree: FsTree;
  readonly #opts: BlockWriterOptions;
  #inFlight = 0;
  readonly #waiters: Array<() => void> = [];
  readonly #pending = new Set<Promise<void>>();
  /** Errors of background uploads since the last successful sync flush. */
  readonly #asyncErrors: unknown[] = [];
  /** Recycled block-sized buffers (filled segments, once uploaded). */
  readonly pool: BufferPool;

  constructor(tree: FsTree, options: BlockWriterOptions) {
    this.#tree = tree;
    this.#opts = options;
    this.pool = new BufferPool(options.blockSizeBytes, options.concurrentWriters + 2);
  }

  get blockSizeBytes(): number {
    return this.#opts.blockSizeBytes;
  }

  /** Background upload errors not yet recovered by a successful flush. */
  get asyncErrors(): readonly unknown[] {
    return this.#asyncErrors;
  }

  /** Uploads started and not yet settled. */
  get uploadsInFlight(): number {
    return this.#pending.size;
  }

  /** Resolve once every upload started so far (and any started meanwhile) has settled. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** Take an upload slot: undefined when one was free, else a promise for it. */
  #acquire(): Promise<void> | undefined {
    if (this.#inFlight < this.#opts.concurrentWriters) {
      this.#inFlight++;
      return undefined;
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #release(): void {
    const next = this.#waiters.shift();
    if (next !== undefined) next();
    else this.#inFlight--;
  }

  #track(p: Promise<void>): Promise<void> {
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p)).catch(() => undefined);
    return p;
  }

  /**
   * Upload `data`, handing it over (`adopt`): the fs never modifies a buffer once an upload used
   * it (segments copy on write while `flushing` is set), and a buffer the store adopted is never
   * recycled, so a memory store may keep it without a copy.
   */
  async #put(data: Uint8Array): Promise<string> {
    const o = this.#opts;
    const res = await o.store.put(data, {
      adopt: true,
      ...(o.replicas !== undefined && o.replicas > 0 ? { replicas: o.replicas } : {}),
      ...(o.storageClasses !== undefined && o.storageClasses.length > 0 ? { storageClasses: o.storageClasses } : {}),
    });
    if (res.adopted === true) this.pool.markAdopted(data);
    return res.locator;
  }

  /**
   * Go `pruneMemSegments`: start an upload of every full memory segment of `list` not already
   * uploading. Resolves once every upload has a slot (not when it finishes).
   */
  async prune(list: SegList): Promise<void> {
    const max = this.#opts.blockSizeBytes;
    for (let idx = 0; idx < list.segs.length; idx++) {
      const seg = list.segs[idx];
      if (!(seg instanceof MemSeg) || seg.len < max || seg.flushing !== null) continue;
      const token: FlushToken = { done: false };
      seg.flushing = token;
      const len = seg.len;
      // Uploaded from the segment's own buffer unless that is over twice the block (odd block
      // sizes): the store may keep (adopt) it.
      let data: Uint8Array = seg.buf.subarray(seg.off, seg.off + len);
      if (seg.buf.buffer.byteLength > 2 * len) {
        const copy = allocBlockBuffer(len);
        copy.set(data);
        data = copy;
      }
      const wait = this.#acquire();
      if (wait !== undefined) await wait;
      this.#track(
        (async () => {
          try {
            const locator = await this.#put(data);
            if (list.segs[idx] === seg && seg.flushing === token && seg.len === len) {
              list.segs[idx] = new StoredSeg(this.#tree.locators.intern(locator, len), 0, len);
              if (seg.ownsBuffer()) this.pool.give(seg.buf);
            }
          } catch (err) {
            this.#asyncErrors.push(err);
          } finally {
            token.done = true;
            this.#release();
          }
        })(),
      );
    }
  }

  /**
   * Go `dirnode.flush` over `names` of `dir` (sorted here): files are packed greedily in name
   * then segment order, directories recurse. All planning is synchronous; the returned promise
   * settles when the uploads it started have. Throws the first upload error (data stays in memory).
   */
  async flushDir(dir: number, listing: Listing | undefined, mode: FlushMode, order: SortedListing = this.#tree): Promise<void> {
    const commits: Promise<void>[] = [];
    this.#plan(listing ?? order.sortedChildren(dir), mode, order, commits);
    const results = await Promise.allSettled(commits);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  }

  #plan(listing: Listing, mode: FlushMode, order: SortedListing, commits: Promise<void>[]): void {
    const tree = this.#tree;
    const max = this.#opts.blockSizeBytes;
    let group = new Group();
    for (const node of listing.nodes) {
      if (tree.isDir(node)) {
        this.#plan(order.sortedChildren(node), mode, order, commits);
        continue;
      }
      if (tree.hasMemRange(node) && tree.memRangeLen(node) <= max / 2) {
        // Packed straight from the slab range, without materialising a segment.
        const len = tree.memRangeLen(node);
        if (group.bytes + len > max) {
          this.#commit(group, mode.sync, commits);
          group = new Group();
        }
        group.addRange(node, tree.memRangeBuf(node), tree.memRangeOff(node), len);
        continue;
      }
      if (!tree.hasList(node)) continue;
      const list = tree.list(node);
      const segs = list.segs;
      for (let idx = 0; idx < segs.length; idx++) {
        const seg = segs[idx];
        if (!(seg instanceof MemSeg)) continue;
        if (seg.len > max / 2) {
          const alone = new Group();
          alone.add(list, idx, seg);
          this.#commit(alone, mode.sync, commits);
          continue;
        }
        if (group.bytes + seg.len > max) {
          this.#commit(group, mode.sync, commits);
          group = new Group();
        }
        group.add(list, idx, seg);
      }
    }
    if (mode.shortBlocks) this.#commit(group, mode.sync, commits);
  }

  /** Go `commitBlock`: mark the group uploading, concatenate, upload, swap in stored segments. */
  #commit(g: Group, sync: boolean, commits: Promise<void>[]): void {
    const n = g.segs.length;
    if (n === 0) return;
    const tree = this.#tree;
    if (!sync && g.segs.some((seg, i) => isBusy(seg !== undefined ? seg.flushing : tree.memRangeFlushing(g.idxs[i] as number)))) return;
    const token: FlushToken = { done: false };
    const first = g.segs[0];
    // A lone segment is uploaded from its own buffer when that buffer is at most twice its
    // length: the store may keep (adopt) the block, and must not pin a slab or a mostly empty
    // block buffer for it.
    const direct = n === 1 && first !== undefined && first.buf.buffer.byteLength <= 2 * first.len;
    // The buffer may be recycled after upload only if no earlier upload can still be reading it.
    const recyclable = n === 1 && first !== undefined && first.ownsBuffer() && (first.flushing === null || first.flushing.done);
    // Packed groups are concatenated when their upload starts. The source ranges are taken now
    // (once `flushing` is set below, writers copy on write and never change these bytes), merged
    // where consecutive segments are adjacent in one slab (files written in name order).
    const copies = direct ? undefined : g.copyPlan();
    const tokenId = g.ranges ? tree.registerFlushToken(token) : 0;
    for (let i = 0; i < n; i++) {
      const seg = g.segs[i];
      if (seg !== undefined) seg.flushing = token;
      else tree.setMemRangeFlushing(g.idxs[i] as number, tokenId);
    }
    const blockLen = g.bytes;
    // Later groups of one flush start on a later turn of the event loop, so the previous group's
    // block is already being hashed (in a worker) while this one is copied.
    const defer = !direct && commits.length > 0;
    const run = async (): Promise<void> => {
      const wait = this.#acquire();
      if (wait !== undefined) await wait;
      try {
        if (defer) await new Promise<void>((resolve) => setImmediate(resolve));
        let block: Uint8Array;
        if (copies === undefined) {
          const seg = first as MemSeg;
          block = seg.buf.subarray(seg.off, seg.off + seg.len);
        } else {
          const buf = allocBlockBuffer(blockLen);
          for (let i = 0; i < copies.bufs.length; i++) {
            const src = copies.bufs[i] as Buffer;
            const from = copies.from[i] as number;
            const len = copies.len[i] as number;
            buf.set(from === 0 && len === src.length ? src : src.subarray(from, from + len), copies.to[i] as number);
          }
          block = buf;
        }
        const locator = await this.#put(block);
        const loc = this.#tree.locators.intern(locator, blockLen);
        for (let i = 0; i < n; i++) {
          const seg = g.segs[i];
          const list = g.lists[i];
          const idx = g.idxs[i] as number;
          if (seg === undefined || list === undefined) {
            tree.storeMemRange(idx, token, loc, g.offsets[i] as number);
            continue;
          }
          if (list.segs[idx] !== seg || seg.flushing !== token) continue;
          list.segs[idx] = new StoredSeg(loc, g.offsets[i] as number, seg.len);
          if (recyclable) this.pool.give(seg.buf);
        }
      } catch (err) {
        if (!sync) this.#asyncErrors.push(err);
        throw err;
      } finally {
        token.done = true;
        this.#release();
      }
    };
    commits.push(this.#track(run()));
  }

  /** Forget recorded background errors (after a successful full sync flush). */
  clearErrors(): void {
    this.#asyncErrors.length = 0;
  }
}

/** Whether an upload is still using a segment's bytes. */
function isBusy(flushing: FlushToken | null): boolean {
  return flushing !== null && !flushing.done;
}
