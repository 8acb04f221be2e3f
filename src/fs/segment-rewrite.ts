import type { BlockStore } from '../blocks/block-store.js';
import type { FsTree } from './fs-tree.js';
import { planRepack, type RepackSegment } from './repack-plan.js';
import { mappingPairs, repackData, type RepackMapping } from './repack-data.js';
import { planSegmentReplacement, type ReplacementMapInput, type StoredSegmentLike } from './replace-segments.js';

/** Options of `CollectionFS.repack` (reference `RepackOptions`). */
export interface RepackOptions {
  /** One 32 MiB bucket: merge everything below 32 MiB. */
  full?: boolean;
  /** Only merge blocks that `isCached` reports as locally cached. */
  cachedOnly?: boolean;
  /** Only plan: return the number of plan groups, change nothing. */
  dryRun?: boolean;
  /** Cache check used with `cachedOnly`. */
  isCached?: (locator: string) => boolean;
  signal?: AbortSignal;
}

/** Every stored segment under `node`, in repack walk order. */
function storedSegments(tree: FsTree, node: number): RepackSegment[] {
  const out: RepackSegment[] = [];
  const locators = tree.locators;
  tree.mapStoredSegments(node, (loc, off, len) => {
    out.push({ locator: locators.text(loc), blockSize: locators.size(loc), offset: off, length: len });
    return undefined;
  });
  return out;
}

/**
 * Go `ReplaceSegments`: validate the whole map first (nothing changes on error), then give every
 * matching stored segment its new locator and offset. Synchronous, so the tree cannot change
 * between planning and applying.
 * @returns the number of distinct segments replaced (Go `len(changed)`: a segment shared by several
 *   files counts once)
 * @throws KeepError ERR_INVALID_ARGUMENT (reference texts)
 */
export function replaceTreeSegments(tree: FsTree, map: ReplacementMapInput): number {
  const segs: StoredSegmentLike[] = storedSegments(tree, tree.root);
  const plan = planSegmentReplacement(segs, map);
  if (plan.size === 0) return 0;
  const locators = tree.locators;
  tree.mapStoredSegments(tree.root, (loc, off, len) => {
    const r = plan.lookup(locators.text(loc), off, len);
    if (r === undefined) return undefined;
    return [locators.intern(r.locator, r.blockSize), r.offset];
  });
  return plan.appliedCount;
}

/**
 * Go `Repack` over the subtree at `node`: plan, write merged blocks, then apply the mapping.
 * @returns the plan length (dryRun) or the number of segments replaced, plus the mapping
 */
export async function repackTree(
  tree: FsTree,
  node: number,
  store: Pick<BlockStore, 'get' | 'put'>,
  options: RepackOptions,
): Promise<{ count: number; mapping: RepackMapping }> {
  const plan = planRepack(storedSegments(tree, node), {
    full: options.full === true,
    cachedOnly: options.cachedOnly === true,
    ...(options.isCached !== undefined ? { isCached: options.isCached } : {}),
  });
  if (options.dryRun === true || plan.length === 0) return { count: plan.length, mapping: new Map() };
  const mapping = await repackData(plan, store, options.signal !== undefined ? { signal: options.signal } : {});
  const count = replaceTreeSegments(tree, mappingPairs(mapping));
  return { count, mapping };
}
