import { MemoryStore } from '../../src/blocks/memory-store.js';
import { KeepClient } from '../../src/blocks/keep-client.js';
import { signLocator } from '../../src/manifest/signature.js';
import { startKeepServer } from '../../src/server/keep/keep-server.js';
import { runBlockStoreConformance } from './block-store.suite.js';

const TOKEN = 'conformance-admin-token';
const KEY = 'conformance-signing-key';
const TTL_SECONDS = 3600;

// Last-Modified (how KeepClient.head learns the mtime) has 1 s resolution.
const common = { mtimeResolutionMs: 1000, timeoutMs: 180_000 };

runBlockStoreConformance(
  'KeepClient → keep server (MemoryStore)',
  async () => {
    const server = await startKeepServer({ store: new MemoryStore(), adminToken: TOKEN });
    const store = new KeepClient({ services: [{ url: server.url }], token: TOKEN, replicas: 1, backoffBaseMs: 1 });
    return { store, cleanup: async () => (store.close(), server.close()) };
  },
  common,
);

runBlockStoreConformance(
  'KeepClient → keep server with required signatures (MemoryStore)',
  async () => {
    const server = await startKeepServer({ store: new MemoryStore(), adminToken: TOKEN, signingKey: KEY, ttlSeconds: TTL_SECONDS, requireSignatures: true });
    const store = new KeepClient({ services: [{ url: server.url }], token: TOKEN, replicas: 1, backoffBaseMs: 1 });
    return { store, cleanup: async () => (store.close(), server.close()) };
  },
  {
    ...common,
    signLocator: (l) => signLocator(l, { key: KEY, token: TOKEN, expiry: Math.floor(Date.now() / 1000) + TTL_SECONDS, ttlSeconds: TTL_SECONDS }),
  },
);
