import { MemoryStore } from '../../src/blocks/memory-store.js';
import { runBlockStoreConformance } from './block-store.suite.js';

runBlockStoreConformance('MemoryStore', async () => ({ store: new MemoryStore(), cleanup: async () => {} }), { supportsUntrash: true });
