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
    const store = new KeepClient({ services: [{ url: server.url }], token: TOKEN, replicas: 1, backoffBaseMs: 1, timeoutMs: 60_000 });
    return { store, cleanup: async () => (store.close(), server.close()) };
  },
  common,
);

runBlockStoreConformance(
  'KeepClient → keep server with required signatures (MemoryStore)',
  async () => {
    const server = await startKeepServer({ store: new MemoryStore(), adminToken: TOKEN, signingKey: KEY, ttlSeconds: TTL_SECONDS, requireSignatures: true });
    const store = new KeepClient({ services: [{ url: server.url }], token: TOKEN, replicas: 1, backoffBaseMs: 1, timeoutMs: 60_000 });
    return { store, cleanup: async () => (store.close(), server.close()) };
  },
  {
    ...common,
    signLocator: (l) => signLocator(l, { key: KEY, token: TOKEN, expiry: Math.floor(Date.now() / 1000) + TTL_SECONDS, ttlSeconds: TTL_SECONDS }),
  },
);

runBlockStoreConformance(
  'KeepClient → 3 keep servers (MemoryStore, DirectoryStore, VolumeSet), 2 replicas',
  async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { DirectoryStore } = await import('../../src/blocks/directory-store.js');
    const { VolumeSet } = await import('../../src/blocks/volume-set.js');
    const dir = await mkdtemp(join(tmpdir(), 'keep-conf-'));
    const volumes = new VolumeSet({
      volumes: [
        { uuid: 'zzzzz-nyw5e-000000000000000', store: new MemoryStore() },
        { uuid: 'zzzzz-nyw5e-000000000000001', store: await DirectoryStore.open({ root: join(dir, 'vs'), fsync: false, minFreeBytes: 0 }) },
      ],
    });
    const stores = [new MemoryStore(), await DirectoryStore.open({ root: join(dir, 'd'), fsync: false, minFreeBytes: 0 }), volumes];
    const servers = await Promise.all(stores.map((store) => startKeepServer({ store, adminToken: TOKEN })));
    const store = new KeepClient({ services: servers.map((s) => ({ url: s.url })), token: TOKEN, replicas: 2, backoffBaseMs: 1, timeoutMs: 60_000 });
    return {
      store,
      cleanup: async () => {
        store.close();
        await Promise.all(servers.map((s) => s.close()));
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  common,
);
