import type { BlockStore } from '../blocks/block-store.js';
import { KeepError } from '../errors.js';
import { writeManifest } from '../manifest/write-manifest.js';
import { BlockWriter, type FlushMode, type Listing } from './block-writer.js';
import { FsTree } from './fs-tree.js';
import { toByteString } from './path.js';
import { MemSeg, SegList } from './segments.js';
import { SortedNamesCache } from './sorted-names.js';

/** Options of {@link FsCore}. */
export interface FsCoreOptions {
  store: Pick<BlockStore, 'get' | 'put'>;
  blockSizeBytes: number;
  concurrentWriters: number;
  replicas?: number;
  storageClasses?: readonly string[];
}

/** Called before stored segments are read: may refresh their signatures (returns new ids). */
export type BeforeReadHook = (locatorIds: readonly number[]) => Promise<readonly number[]>;

interface Fetch {
  loc: number;
  off: number;
  len: number;
  targetOff: number;
}

/**
 * The data engine under CollectionFS and its file handles: the node tree, positional read,
 * write and truncate over segment lists, flush and marshal. Tree changes are synchronous; the
 * only awaits are block reads, upload slots (backpressure) and uploads.
 */
export class FsCore {
  readonly tree: FsTree;
  readonly writer: BlockWriter;
  readonly store: Pick<BlockStore, 'get' | 'put'>;
  readonly blockSizeBytes: number;
  /** Set by CollectionFS when signature refresh is enabled. */
  beforeRead: BeforeReadHook | undefined;
  /** While set, writers wait: a marshal is flushing the last memory segments. */
  #gate: Promise<void> | undefined;

  constructor(tree: FsTree, options: FsCoreOptions) {
    this.tree = tree;
    this.store = options.store;
    this.blockSizeBytes = options.blockSizeBytes;
    this.writer = new BlockWriter(tree, {
      store: options.store,
      blockSizeBytes: options.blockSizeBytes,
      concurrentWriters: options.concurrentWriters,
      ...(options.replicas !== undefined ? { replicas: options.replicas } : {}),
      ...(options.storageClasses !== undefined ? { storageClasses: options.storageClasses } : {}),
    });
  }

  /**
   * Read up to `length` bytes of `file` at `position` into `target[targetOffset…]`. Memory data
   * is copied at call time; stored ranges are fetched (in parallel) afterwards.
   * @returns bytes read (0 at or past EOF)
   */
  async readAt(file: number, target: Uint8Array, targetOffset: number, length: number, position: number): Promise<number> {
    const tree = this.tree;
    if (tree.hasMemRange(file)) {
      // A new small file still held as a slab range: copy without materialising its segment.
      const n = Math.min(tree.memRangeLen(file), position + length) - position;
      if (n <= 0) return 0;
      const off = tree.memRangeOff(file) + position;
      target.set(tree.memRangeBuf(file).subarray(off, off + n), targetOffset);
      return n;
    }
    const list = this.tree.list(file);
    const end = Math.min(list.size, position + length);
    if (position >= end) return 0;
    const segs = list.segs;
    const ptr = list.seek(position);
    const fetches: Fetch[] = [];
    let p = position;
    for (let i = ptr.idx, inOff = ptr.segOff; p < end && i < segs.length; i++, inOff = 0) {
      const seg = segs[i];
      if (seg === undefined) break;
      const n = Math.min(seg.len - inOff, end - p);
      if (n <= 0) continue;
      const tOff = targetOffset + (p - position);
      if (seg instanceof MemSeg) target.set(seg.buf.subarray(seg.off + inOff, seg.off + inOff + n), tOff);
      else fetches.push({ loc: seg.loc, off: seg.off + inOff, len: n, targetOff: tOff });
      p += n;
    }
    if (fetches.length > 0) {
      if (this.beforeRead !== undefined) {
        const ids = await this.beforeRead(fetches.map((f) => f.loc));
        fetches.forEach((f, i) => (f.loc = ids[i] ?? f.loc));
      }
      const locators = this.tree.locators;
      await Promise.all(
        fetches.map(async (f) => {
          const data = await this.store.get(locators.text(f.loc), { offset: f.off, length: f.len });
          if (data.length < f.len) {
            throw new KeepError('ERR_SIZE_MISMATCH', `Cannot read block "${locators.hash(f.loc)}": got ${data.length} bytes at offset ${f.off}, expected ${f.len}`);
          }
          target.set(data.length === f.len ? data : data.subarray(0, f.len), f.targetOff);
        }),
      );
    }
    return end - position;
  }

  /**
   * Go `filenode.Write` at `position` (sparse: extends with zeros first). Waits for an upload
   * slot when a full block must be uploaded and all slots are busy.
   * @returns bytes written (all of `data`)
   */
  async writeAt(file: number, data: Uint8Array, position: number): Promise<number> {
    if (this.#gate !== undefined) await this.waitForMarshal();
    const list = this.tree.list(file);
    const max = this.blockSizeBytes;
    if (position === 0 && list.segs.length === 0 && data.length > 0 && data.length < max) {
      // A new or emptied file written in one piece (writeFile): what the general loop below does
      // (one memory segment, not full, so no prune), without its cursor and splice. A fresh
      // one-slot array: a push onto the empty one would reserve 17 slots.
      const seg = new MemSeg(data.length, this.writer.pool, true);
      seg.writeAt(data, 0);
      list.segs = [seg];
      list.size = data.length;
      this.tree.touch(file);
      return data.length;
    }
    if (position > list.size) list.truncate(position, max, this.writer.pool);
    let ptr = list.seek(position);
    let done = 0;
    while (done < data.length) {
      const r = list.writeChunk(ptr, done === 0 ? data : data.subarray(done), max, this.writer.pool);
      done += r.written;
      if (r.full) {
        await this.writer.prune(list);
        if (this.#gate !== undefined) await this.waitForMarshal();
        ptr = list.seek(position + done, ptr);
      }
    }
    this.tree.touch(file);
    return done;
  }

  /**
   * `writeFile` of a new file: create `path` (mode 0o755) holding a copy of `data`, if that is
   * all the general open + write would do. Returns false, changing nothing, when the general path
   * is needed: the file exists, the parent is not a plain path to a directory, the name starts
   * with `.` (`.`, `..`, the collection record), `data` is empty or a block or more, or a marshal
   * is holding writers back.
   */
  writeNewFile(path: string, data: Uint8Array): boolean {
    if (this.#gate !== undefined || data.length === 0 || data.length >= this.blockSizeBytes) return false;
    const tree = this.tree;
    const pathB = toByteString(path);
    const slash = pathB.lastIndexOf('/');
    const parent = slash < 0 ? tree.root : tree.lookupPlain(pathB, slash);
    if (parent < 0 || !tree.isDir(parent)) return false;
    const name = slash < 0 ? pathB : pathB.slice(slash + 1);
    if (name.length === 0 || name.charCodeAt(0) === 46 || tree.childOf(parent, name) >= 0) return false;
    const now = tree.now();
    const node = tree.newFile(name, 0o755, now);
    tree.link(parent, name, node);
    tree.touch(parent, now);
    const pool = this.writer.pool;
    const off = pool.carveExact(data.length);
    if (off >= 0) {
      // No segment objects until something else touches the file (FsTree.setMemRange).
      const slab = pool.slab;
      slab.set(data, off);
      tree.setMemRange(node, slab, off, data.length);
    } else {
      const seg = new MemSeg(data.length, pool, true);
      seg.writeAt(data, 0);
      tree.setList(node, SegList.of(seg));
    }
    tree.touch(node, now);
    return true;
  }

  /** Resolves when no marshal holds writers back (see {@link marshal}). */
  async waitForMarshal(): Promise<void> {
    while (this.#gate !== undefined) await this.#gate;
  }

  /** Set the size of `file` (zero-filled growth). */
  truncate(file: number, size: number): void {
    this.tree.list(file).truncate(size, this.blockSizeBytes, this.writer.pool);
    this.tree.touch(file);
  }

  /** Flush `listing`, entries of `dir` (all of them when undefined), see {@link BlockWriter.flushDir}. */
  flush(dir: number, listing: Listing | undefined, mode: FlushMode): Promise<void> {
    return this.writer.flushDir(dir, listing, mode);
  }

  /** True if any file under `node` holds memory segments. */
  hasMemory(node: number): boolean {
    return this.tree.hasMemoryUnder(node);
  }

  /**
   * Go `MarshalManifest(prefix)`: wait for background uploads, upload every memory segment (short
   * blocks included; failures throw and keep the data in memory), then write the manifest.
   */
  async marshal(prefix = '.'): Promise<Uint8Array> {
    // The flush and the writer walk the same directories: sort each listing once.
    const order = new SortedNamesCache(this.tree);
    await this.writer.idle();
    await this.writer.flushDir(this.tree.root, undefined, { sync: true, shortBlocks: true }, order);
    if (this.hasMemory(this.tree.root)) {
      // Writers kept adding data: hold them back until the rest is flushed (Go holds its locks).
      await this.waitForMarshal();
      let open: () => void = () => undefined;
      this.#gate = new Promise<void>((resolve) => (open = resolve));
      try {
        for (let attempt = 0; this.hasMemory(this.tree.root); attempt++) {
          if (attempt >= 100) throw new KeepError('ERR_INTERNAL', 'Cannot marshal manifest: data keeps changing during the flush');
          await this.writer.idle();
          await this.writer.flushDir(this.tree.root, undefined, { sync: true, shortBlocks: true }, order);
        }
      } finally {
        this.#gate = undefined;
        open();
      }
    }
    this.writer.clearErrors();
    return writeManifest(this.tree, prefix, order);
  }
}
