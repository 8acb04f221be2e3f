/** The collection filesystem: a node:fs/promises-shaped, mutable tree over one collection. */
export { CollectionFS, DEFAULT_BLOCK_SIZE_BYTES, DEFAULT_CONCURRENT_WRITERS } from './collection-fs.js';
export type { CollectionFSOptions } from './collection-fs.js';
export { CollectionFileHandle } from './file-handle.js';
export type { CollectionStats, CollectionDirent } from './stats.js';
export { FsError, GO_SENTINELS } from './fs-error.js';
export type { FsErrorCode, GoSentinel } from './fs-error.js';
export type { CollectionSnapshot } from './snapshot.js';
export { MemoryCollectionSource } from './collection-source.js';
export type {
  CollectionSource,
  CollectionSnapshot as CollectionSourceRecord,
  SaveOptions,
  SaveResult,
  MemoryCollectionSourceOptions,
} from './collection-source.js';
export { formatBlockSegment, parseBlockSegment } from './replace-segments.js';
export type { BlockSegment } from './replace-segments.js';
