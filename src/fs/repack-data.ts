/**
 * Repack data (reference §6.3, `repackData`) and the pending `replace_segments` bookkeeping.
 *
 * `repackData` reads only the referenced byte ranges of each plan group, writes each group as one
 * new block, and returns the `(hash, off, len) → (newLocator, off, len)` mapping that
 * ReplaceSegments applies locally and that `sync()` later sends as `replace_segments`.
 */
import type { BlockStore } from '../blocks/block-store.js';
import { KeepError } from '../errors.js';
import { throwIfAborted } from '../util/abort.js';
import { formatBlockSegment, segmentKey, type BlockSegment } from './replace-segments.js';
import { REPACK_MAX_BLOCK_SIZE_BYTES, type RepackPlan, type RepackSegment } from './repack-plan.js';

/** Pending or fresh repack results: normalised source key `"<hash> <off> <len>"` → new segment. */
export type RepackMapping = Map<string, BlockSegment>;

export interface RepackDataOptions {
  readonly signal?: AbortSignal;
  /** Largest merged block. @default REPACK_MAX_BLOCK_SIZE_BYTES (64 MiB) */
  readonly maxBlockSize?: number;
  /**
   * Read a segment's bytes (exactly `seg.length` bytes). Defaults to
   * `store.get(seg.locator, { offset, length })`; CollectionFS may pass its cached reader. The
   * returned buffer is only read from (copied into the new block), never kept.
   */
  readonly readSegment?: (seg: RepackSegment, signal: AbortSignal | undefined) => Promise<Uint8Array>;
  /** Segment reads in flight at once within a group. @default 4 */
  readonly readConcurrency?: number;
}

/**
 * Write the merged blocks of a repack plan.
 *
 * Groups are processed in order, one at a time; a group's segment bytes are concatenated in plan
 * order into one buffer (no per-byte loops) and written with `store.put(data, { signal })` (no
 * replicas or storage classes: store defaults, like the reference). An empty group writes nothing.
 *
 * @param plan from {@link planRepack}.
 * @param store where the new blocks go (and, by default, where segment bytes are read from).
 * @returns the mapping of every planned segment to its range in its new block. Apply it with
 *   `planSegmentReplacement(segments, mapping)` (it accepts `[BlockSegment, BlockSegment]` pairs
 *   via {@link mappingPairs}), then merge it into the pending map with {@link mergePendingRepack}.
 * @throws KeepError ERR_BLOCK_TOO_LARGE `combined length N would exceed maximum block size M`
 *   (checked per group before reading it; earlier groups are already written); read and write
 *   errors propagate unchanged; ERR_ABORTED when `signal` aborts.
 * @example
 * const mapping = await repackData(planRepack(segments, { full: true }), store);
 * fs.replaceSegments(mappingPairs(mapping));
 */
export async function repackData(plan: RepackPlan, store: Pick<BlockStore, 'get' | 'put'>, options: RepackDataOptions = {}): Promise<RepackMapping> {
  const { signal } = options;
  const maxBlockSize = options.maxBlockSize ?? REPACK_MAX_BLOCK_SIZE_BYTES;
  const read =
    options.readSegment ??
    ((seg: RepackSegment, sig: AbortSignal | undefined) =>
      store.get(seg.locator, sig === undefined ? { offset: seg.offset, length: seg.length } : { offset: seg.offset, length: seg.length, signal: sig }));
  const concurrency = Math.max(1, options.readConcurrency ?? 4);
  const mapping: RepackMapping = new Map();
  for (const group of plan) {
    throwIfAborted(signal);
    let total = 0;
    for (const seg of group) total += seg.length;
    if (total > maxBlockSize) {
      throw new KeepError('ERR_BLOCK_TOO_LARGE', `combined length ${total} would exceed maximum block size ${maxBlockSize}`);
    }
    if (group.length === 0) continue;
    const data = new Uint8Array(total);
    const offsets: number[] = [];
    let pos = 0;
    for (const seg of group) {
      offsets.push(pos);
      pos += seg.length;
    }
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < group.length) {
        const i = next++;
        const seg = group[i] as RepackSegment;
        if (seg.length === 0) continue;
        throwIfAborted(signal);
        const bytes = await read(seg, signal);
        if (bytes.byteLength !== seg.length) {
          throw new KeepError(
            'ERR_INTERNAL',
            `Cannot repack segment "${formatBlockSegment(seg)}": read ${bytes.byteLength} bytes, expected ${seg.length}`,
          );
        }
        data.set(bytes, offsets[i] as number);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, group.length) }, worker));
    throwIfAborted(signal);
    const { locator } = await store.put(data, signal === undefined ? {} : { signal });
    for (let i = 0; i < group.length; i++) {
      const seg = group[i] as RepackSegment;
      mapping.set(segmentKey(seg.locator, seg.offset, seg.length), { locator, offset: offsets[i] as number, length: seg.length });
    }
  }
  return mapping;
}

/**
 * The mapping as `[BlockSegment, BlockSegment]` pairs (for `planSegmentReplacement`); keys come
 * back with the bare hash as locator.
 * @example planSegmentReplacement(segments, mappingPairs(await repackData(plan, store)))
 */
export function mappingPairs(mapping: ReadonlyMap<string, BlockSegment>): Array<[BlockSegment, BlockSegment]> {
  const out: Array<[BlockSegment, BlockSegment]> = [];
  for (const [key, repl] of mapping) out.push([keyToSegment(key), repl]);
  return out;
}

function keyToSegment(key: string): BlockSegment {
  const b = key.lastIndexOf(' ');
  const a = key.lastIndexOf(' ', b - 1);
  return { locator: key.slice(0, a), offset: Number(key.slice(a + 1, b)), length: Number(key.slice(b + 1)) };
}

/**
 * Merge fresh repack results into the pending (unsaved) map, collapsing chains: if pending has
 * A→B and fresh has B→C (B matched by hash, offset and length), the result has A→C (and keeps
 * B→C). Entries only in `fresh` are kept; entries only in `pending` are kept unchanged. Neither
 * argument is modified. An empty `fresh` returns a copy of `pending`.
 * @example mergePendingRepack(new Map([['a 0 1', b]]), new Map([['b 0 1', c]])) // a 0 1 → c, b 0 1 → c
 */
export function mergePendingRepack(pending: ReadonlyMap<string, BlockSegment>, fresh: ReadonlyMap<string, BlockSegment>): RepackMapping {
  if (fresh.size === 0) return new Map(pending);
  const out: RepackMapping = new Map(fresh);
  for (const [orig, repl] of pending) {
    out.set(orig, fresh.get(segmentKey(repl.locator, repl.offset, repl.length)) ?? repl);
  }
  return out;
}

/**
 * The pending map in the wire form `sync()` sends as `replace_segments` (`"loc off len"` texts).
 * @example await source.save(text, { replaceSegments: toReplaceSegmentsRecord(pending) })
 */
export function toReplaceSegmentsRecord(mapping: ReadonlyMap<string, BlockSegment>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, repl] of mapping) out[key] = formatBlockSegment(repl);
  return out;
}
