/** The blocks layer: immutable md5-addressed block stores and the Keep client. */
export { MAX_BLOCK_SIZE_BYTES, EMPTY_BLOCK_HASH, EMPTY_BLOCK_LOCATOR } from './block-store.js';
export type { AbortOptions, BlockStore, BlockInfo, GetOptions, PutOptions, PutResult } from './block-store.js';
export { HashPool, defaultHashPool } from './hash-pool.js';
export type { HashPoolOptions, DigestResult } from './hash-pool.js';
export { MemoryStore } from './memory-store.js';
export type { MemoryStoreOptions } from './memory-store.js';
export { DirectoryStore } from './directory-store.js';
export type { DirectoryStoreOptions } from './directory-store.js';
export { S3Store } from './s3-store.js';
export type { S3StoreOptions } from './s3-store.js';
export { VolumeSet } from './volume-set.js';
export type { VolumeConfig, VolumeSetOptions } from './volume-set.js';
export { ReadCache } from './read-cache.js';
export type { ReadCacheOptions, ReadCacheStats } from './read-cache.js';
export { KeepClient } from './keep-client.js';
export type { KeepClientOptions } from './keep-client.js';
export { InsufficientReplicasError } from './keep-client-errors.js';
export { rendezvousWeight, rendezvousOrder, volumeOrder } from './rendezvous.js';
