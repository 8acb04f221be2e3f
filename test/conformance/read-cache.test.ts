import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryStore } from '../../src/blocks/directory-store.js';
import { MemoryStore } from '../../src/blocks/memory-store.js';
import { ReadCache } from '../../src/blocks/read-cache.js';
import { runBlockStoreConformance } from './block-store.suite.js';

runBlockStoreConformance('ReadCache over MemoryStore (memory only, populate on put)', async () => ({
  store: new ReadCache(new MemoryStore(), { maxBytes: 8 << 20, populateOnPut: true }),
  cleanup: async () => {},
}), { supportsUntrash: true });

runBlockStoreConformance('ReadCache over DirectoryStore (memory + disk tier)', async () => {
  const root = await mkdtemp(join(tmpdir(), 'keepfs-readcache-'));
  const backend = await DirectoryStore.open({ root: join(root, 'store'), minFreeBytes: 0 });
  return {
    store: new ReadCache(backend, { maxBytes: 4 << 20, diskDir: join(root, 'cache'), diskMaxBytes: 96 << 20 }),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}, { supportsUntrash: true });
