import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlockStore, PutOptions } from '../../src/blocks/block-store.js';
import { DirectoryStore } from '../../src/blocks/directory-store.js';
import { MemoryStore } from '../../src/blocks/memory-store.js';
import { VolumeSet } from '../../src/blocks/volume-set.js';
import { runBlockStoreConformance } from './block-store.suite.js';

runBlockStoreConformance('VolumeSet (memory + directory volumes, 2 replicas)', async () => {
  const root = await mkdtemp(join(tmpdir(), 'keepfs-volset-'));
  const volumes = [
    { uuid: 'zzzzz-nyw5e-111111111111111', store: new MemoryStore() },
    { uuid: 'zzzzz-nyw5e-121212121212121', store: await DirectoryStore.open({ root, minFreeBytes: 0 }) },
    { uuid: 'zzzzz-nyw5e-222222222222222', store: new MemoryStore(), storageClasses: ['archive'] },
  ];
  const set = new VolumeSet({ volumes });
  // Every put asks for 2 replicas, so blocks really span volumes.
  const store = {
    put: (data: Uint8Array, options: PutOptions = {}) => set.put(data, { replicas: 2, ...options }),
    get: set.get.bind(set),
    head: set.head.bind(set),
    list: set.list.bind(set),
    touch: set.touch.bind(set),
    trash: set.trash.bind(set),
    untrash: set.untrash.bind(set),
    delete: set.delete.bind(set),
  } satisfies BlockStore & { untrash: VolumeSet["untrash"] };
  return { store, cleanup: () => rm(root, { recursive: true, force: true }) };
}, { supportsUntrash: true });
