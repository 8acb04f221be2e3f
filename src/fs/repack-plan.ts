/**
 * Repack planning (reference §6.3, `planRepack`): decide which small stored blocks to merge into
 * bigger ones. Pure: the caller supplies its stored segments in *walk order* and gets back plan
 * groups of segments; {@link repackData} (repack-data.ts) then writes the merged blocks.
 */
import { stripAllHints } from '../manifest/locator.js';

/** 64 MiB: the largest block a repack group may produce (the reference's `maxBlockSize`). */
export const REPACK_MAX_BLOCK_SIZE_BYTES = 64 * 1024 * 1024;

/** A stored segment as repack needs it. */
export interface RepackSegment {
  /** Locator as stored (`hash+size[+hints]`), used verbatim to read the data. */
  readonly locator: string;
  /** Size of the whole block (the segment's `size` / the locator's size hint). */
  readonly blockSize: number;
  /** Offset of the segment within its block. */
  readonly offset: number;
  /** Segment length in bytes. */
  readonly length: number;
}

/** One `(maxIn → minOut)` bucket threshold, in bytes. */
export interface RepackBucketThreshold {
  /** Blocks of this size or more are not added to this bucket (nor to later ones). */
  readonly maxIn: number;
  /** A bucket's final group becomes a plan entry only if it totals at least this many bytes. */
  readonly minOut: number;
}

/** Full mode: one bucket, 32 MiB → 32 MiB. */
export const FULL_REPACK_THRESHOLDS: readonly RepackBucketThreshold[] = Object.freeze([{ maxIn: 1 << 25, minOut: 1 << 25 }]);

/** Normal mode: 8 MiB→32 MiB, 2 MiB→16 MiB, … 8 B→64 B. */
export const REPACK_THRESHOLDS: readonly RepackBucketThreshold[] = Object.freeze([
  { maxIn: 1 << 23, minOut: 1 << 25 },
  { maxIn: 1 << 21, minOut: 1 << 24 },
  { maxIn: 1 << 19, minOut: 1 << 22 },
  { maxIn: 1 << 17, minOut: 1 << 20 },
  { maxIn: 1 << 15, minOut: 1 << 18 },
  { maxIn: 1 << 13, minOut: 1 << 16 },
  { maxIn: 1 << 11, minOut: 1 << 14 },
  { maxIn: 1 << 9, minOut: 1 << 12 },
  { maxIn: 1 << 7, minOut: 1 << 10 },
  { maxIn: 1 << 5, minOut: 1 << 8 },
  { maxIn: 1 << 3, minOut: 1 << 6 },
]);

export interface RepackPlanOptions {
  /** Use the single 32 MiB bucket (merge everything below 32 MiB). @default false */
  readonly full?: boolean;
  /** Ignore segments whose block is not in the local cache (needs `isCached`). @default false */
  readonly cachedOnly?: boolean;
  /**
   * Whether the block of `locator` is in the local cache. Must be synchronous: if your cache check
   * is async, resolve it for the distinct locators first (e.g. into a Set) and pass a lookup.
   * Required when `cachedOnly` is true.
   */
  readonly isCached?: (locator: string) => boolean;
  /** Largest merged block. @default REPACK_MAX_BLOCK_SIZE_BYTES (64 MiB) */
  readonly maxBlockSize?: number;
}

/** A plan: groups of distinct segments (walk order) whose bytes go into one new block each. */
export type RepackPlan = ReadonlyArray<ReadonlyArray<RepackSegment>>;

/**
 * Plan a repack like the reference's `planRepack`.
 *
 * @param segments every stored segment under the repacked directory, in *walk order*: for each
 *   directory, its files in byte order of name (each file's segments in file order), then its
 *   subdirectories in byte order, recursively (siblings are visited before subdirectories). The
 *   iterable is consumed once.
 * @returns the plan groups (possibly empty). With `dryRun`, the caller reports `plan.length`;
 *   otherwise it passes the plan to `repackData`. A group may be empty only when a single block is
 *   larger than `maxBlockSize` (a reference quirk); repackData handles that.
 * @example
 * const plan = planRepack(walk(root), { full: true });
 * const mapping = await repackData(plan, store, { signal });
 */
export function planRepack(segments: Iterable<RepackSegment>, options: RepackPlanOptions = {}): RepackSegment[][] {
  const thresholds = options.full ? FULL_REPACK_THRESHOLDS : REPACK_THRESHOLDS;
  const maxBlockSize = options.maxBlockSize ?? REPACK_MAX_BLOCK_SIZE_BYTES;
  const isCached = options.cachedOnly ? (options.isCached ?? (() => false)) : undefined;
  // Phase 1: number the distinct block hashes (first eligible segment wins) and fill the buckets.
  const ids = new Map<string, number>();
  const sizes: number[] = [];
  const buckets: number[][] = thresholds.map(() => []);
  const walk: RepackSegment[] = [];
  const walkIds: number[] = [];
  for (const seg of segments) {
    const hash = stripAllHints(seg.locator);
    let id = ids.get(hash);
    if (id === undefined) {
      if (isCached && !isCached(seg.locator)) {
        walk.push(seg);
        walkIds.push(-1);
        continue;
      }
      id = sizes.length;
      ids.set(hash, id);
      sizes.push(seg.blockSize);
      for (let b = 0; b < thresholds.length; b++) {
        if (seg.blockSize >= (thresholds[b] as RepackBucketThreshold).maxIn) break;
        (buckets[b] as number[]).push(id);
      }
    }
    walk.push(seg);
    walkIds.push(id);
  }
  // Phase 2: greedy groups per bucket.
  const planned = new Int32Array(sizes.length).fill(-1);
  const pendingIn = new Int32Array(sizes.length).fill(-1);
  let groups = 0;
  let generation = 0;
  for (let b = 0; b < thresholds.length; b++) {
    const pending: number[] = [];
    let pendingSize = 0;
    generation++;
    for (const id of buckets[b] as number[]) {
      if (planned[id] !== -1 || pendingIn[id] === generation) continue;
      const size = sizes[id] as number;
      if (pendingSize + size > maxBlockSize) {
        for (const p of pending) planned[p] = groups;
        groups++;
        pending.length = 0;
        pendingSize = 0;
        generation++;
      }
      pendingSize += size;
      pending.push(id);
      pendingIn[id] = generation;
    }
    if (pendingSize >= (thresholds[b] as RepackBucketThreshold).minOut) {
      for (const p of pending) planned[p] = groups;
      groups++;
    }
  }
  // Phase 3: every distinct segment (by value) of each planned block, in walk order.
  const plan: RepackSegment[][] = Array.from({ length: groups }, () => []);
  if (groups === 0) return plan;
  const first: Array<RepackSegment | undefined> = new Array<RepackSegment | undefined>(sizes.length);
  const seen = new Map<number, Set<string>>();
  const keyOf = (s: RepackSegment): string => `${s.locator} ${s.blockSize} ${s.offset} ${s.length}`;
  for (let i = 0; i < walk.length; i++) {
    const seg = walk[i] as RepackSegment;
    let id = walkIds[i] as number;
    if (id < 0) id = ids.get(stripAllHints(seg.locator)) ?? -1;
    if (id < 0) continue;
    const idx = planned[id] as number;
    if (idx < 0) continue;
    const f = first[id];
    if (f === undefined) {
      first[id] = seg;
    } else {
      if (f.locator === seg.locator && f.blockSize === seg.blockSize && f.offset === seg.offset && f.length === seg.length) continue;
      let set = seen.get(id);
      if (set === undefined) {
        set = new Set([keyOf(f)]);
        seen.set(id, set);
      }
      const key = keyOf(seg);
      if (set.has(key)) continue;
      set.add(key);
    }
    (plan[idx] as RepackSegment[]).push({ locator: seg.locator, blockSize: seg.blockSize, offset: seg.offset, length: seg.length });
  }
  return plan;
}
