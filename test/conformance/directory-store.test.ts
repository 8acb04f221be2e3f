import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryStore } from '../../src/blocks/directory-store.js';
import { runBlockStoreConformance } from './block-store.suite.js';

runBlockStoreConformance('DirectoryStore', async () => {
  const root = await mkdtemp(join(tmpdir(), 'keepfs-dirstore-'));
  return { store: await DirectoryStore.open({ root, minFreeBytes: 0 }), cleanup: () => rm(root, { recursive: true, force: true }) };
}, { supportsUntrash: true });
