import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isKeepError, type KeepErrorCode } from '../../src/errors.js';
import { MemoryStore } from '../../src/blocks/memory-store.js';
import { DirectoryStore } from '../../src/blocks/directory-store.js';
import { EMPTY_BLOCK_LOCATOR, type BlockStore } from '../../src/blocks/block-store.js';
import { KeepClient } from '../../src/blocks/keep-client.js';
import { InsufficientReplicasError } from '../../src/blocks/keep-client-errors.js';
import { startKeepServer, type KeepServer } from '../../src/server/keep/keep-server.js';
import { md5, randomData } from './keep-helpers.js';

const FAST = { backoffBaseMs: 1, backoffMaxMs: 5 };

async function rejectsWith(p: Promise<unknown>, code: KeepErrorCode): Promise<unknown> {
  let caught: unknown;
  await assert.rejects(p, (err: unknown) => {
    caught = err;
    assert.ok(isKeepError(err, code), `expected ${code}, got ${String(err)}`);
    return true;
  });
  return caught;
}

async function has(store: BlockStore, hash: string): Promise<boolean> {
  try {
    await store.head(hash);
    return true;
  } catch {
    return false;
  }
}

/** A URL where nothing listens (a port that was just released). */
async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/**
 * Fault injection: an HTTP server in front of a real keep server. `plan(n, req)` decides per
 * request: a status to fail with, 'hang' (never answer), 'corrupt' (forward but flip a byte),
 * or 'forward'.
 */
async function faultyProxy(target: string, plan: (n: number, req: Seen) => number | 'hang' | 'corrupt' | 'forward'): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const info = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
      seen.push(info);
      const action = plan(seen.length, info);
      if (action === 'hang') return;
      if (typeof action === 'number') {
        res.writeHead(action, { 'Content-Type': 'text/plain' });
        res.end(`injected ${action}\n`);
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v;
      const body = Buffer.concat(chunks);
      fetch(target + (req.url ?? '/'), { method: req.method ?? 'GET', headers, ...(body.byteLength > 0 || req.method === 'PUT' ? { body } : {}) })
        .then(async (r) => {
          const data = Buffer.from(await r.arrayBuffer());
          if (action === 'corrupt' && data.byteLength > 0) data[0] = (data[0] ?? 0) ^ 0xff;
          const out: Record<string, string> = {};
          r.headers.forEach((v, k) => {
            if (k !== 'content-length' && k !== 'connection' && k !== 'keep-alive' && k !== 'transfer-encoding') out[k] = v;
          });
          res.writeHead(r.status, { ...out, 'Content-Length': String(req.method === 'HEAD' ? (r.headers.get('content-length') ?? 0) : data.byteLength) });
          res.end(req.method === 'HEAD' ? undefined : data);
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

describe('KeepClient probe order', () => {
  it('reproduces the rendezvous reference set (arvados-collections.md §7.2)', () => {
    const services = Array.from({ length: 16 }, (_, i) => ({ url: `http://keep${i}.invalid:25107`, uuid: `zzzzz-bi6l4-${i.toString(16).padStart(15, '0')}` }));
    const kc = new KeepClient({ services });
    const expected = ['3eab2d5fc9681074', '097dba52e648f1c3', 'c5b4e023f8a7d691', '9d81c02e76a3bf54'];
    const hashes = ['10eab6008d5642cf42abd2aa41f847cb', '9a25b027482b37e047104e2e532cabae', 'ece15765f11abfb7d3c71995a3d63bfe', '0c1728e2354416472350c906ca8b5718'];
    expected.forEach((order, h) => {
      const hash = md5(h.toString(16).padStart(64, '0'));
      assert.equal(hash, hashes[h]);
      const got = kc.probeOrder(hash).map((s) => parseInt(s.uuid.slice(12), 16).toString(16)).join('');
      assert.equal(got, order, `h=${h}`);
    });
    kc.close();
  });
});

describe('KeepClient against several keep servers', () => {
  const TOKEN = 'admin-and-user-token';
  let dir: string;
  let stores: BlockStore[];
  let servers: KeepServer[];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keep-client-'));
    stores = [new MemoryStore(), new DirectoryStore({ root: join(dir, 'v1'), fsync: false, minFreeBytes: 0 }), new MemoryStore(), new DirectoryStore({ root: join(dir, 'v3'), fsync: false, minFreeBytes: 0 })];
    servers = await Promise.all(stores.map((store) => startKeepServer({ store, adminToken: TOKEN })));
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });
  const client = (extra: Partial<ConstructorParameters<typeof KeepClient>[0]> = {}): KeepClient =>
    new KeepClient({ services: servers.map((s) => ({ url: s.url })), token: TOKEN, ...FAST, ...extra });

  it('writes `replicas` copies to the first services in probe order and reads them back', async () => {
    const kc = client({ replicas: 2 });
    const data = randomData(5000);
    const h = md5(data);
    const r = await kc.put(data);
    assert.equal(r.locator, `${h}+5000`);
    assert.equal(r.replicas, 2);
    assert.deepEqual(r.storageClasses, { default: 2 });
    const order = kc.probeOrder(h).map((s) => servers.findIndex((x) => x.url === s.url));
    const holders = (await Promise.all(stores.map((s) => has(s, h)))).map((x, i) => (x ? i : -1)).filter((i) => i >= 0);
    assert.deepEqual(holders.sort(), order.slice(0, 2).sort());
    assert.deepEqual(await kc.get(r.locator), data);
    assert.deepEqual(await kc.get(r.locator, { offset: 10, length: 5 }), data.subarray(10, 15));
    kc.close();
  });

  it('still writes and reads when one service is down', async () => {
    const dead = await deadUrl();
    for (let i = 0; i < 6; i++) {
      const kc = new KeepClient({ services: [{ url: dead }, ...servers.slice(0, 3).map((s) => ({ url: s.url }))], token: TOKEN, replicas: 2, retries: 1, ...FAST });
      const data = randomData(1000 + i);
      const r = await kc.put(data);
      assert.equal(r.replicas, 2);
      assert.deepEqual(await kc.get(r.locator), data);
      kc.close();
    }
  });

  it('reports ERR_INSUFFICIENT_REPLICAS with the partial result when too few services can store', async () => {
    const dead = await deadUrl();
    const kc = new KeepClient({ services: [{ url: dead }, { url: servers[0]?.url ?? '' }, { url: servers[1]?.url ?? '' }], token: TOKEN, replicas: 3, retries: 1, ...FAST });
    const data = randomData(700);
    const err = await rejectsWith(kc.put(data), 'ERR_INSUFFICIENT_REPLICAS');
    assert.ok(err instanceof InsufficientReplicasError);
    assert.equal(err.result.replicas, 2);
    assert.equal(err.result.locator, `${md5(data)}+700`);
    assert.match(err.message, /^Could not write sufficient replicas: /);
    kc.close();
  });

  it('a block stored nowhere is ERR_BLOCK_NOT_FOUND; a read falls through to the service that has it', async () => {
    const kc = client({ replicas: 1 });
    await rejectsWith(kc.get(`${md5('nowhere')}+7`), 'ERR_BLOCK_NOT_FOUND');
    const data = randomData(64);
    const h = md5(data);
    const last = kc.probeOrder(h).at(-1);
    const idx = servers.findIndex((s) => s.url === last?.url);
    await stores[idx]?.put(data);
    assert.deepEqual(await kc.get(`${h}+64`), data);
    kc.close();
  });

  it('lists, touches and trashes across services (admin routes)', async () => {
    const kc = client({ replicas: 2 });
    const data = randomData(99);
    const { locator } = await kc.put(data);
    const listed = [];
    for await (const info of kc.list(md5(data).slice(0, 6))) listed.push(info);
    assert.deepEqual(listed.map((i) => [i.hash, i.size]), [[md5(data), 99]]);
    await kc.touch(locator);
    await kc.trash(locator);
    await rejectsWith(kc.get(locator), 'ERR_BLOCK_NOT_FOUND');
    kc.close();
  });

  it('a put with a given hash is not hashed by the client; the servers refuse a wrong one (ERR_HASH_MISMATCH)', async () => {
    const kc = client({ replicas: 2 });
    const data = randomData(321);
    const r = await kc.put(data, { hash: md5(data) });
    assert.equal(r.locator, `${md5(data)}+321`);
    const wrong = md5('not the data');
    await rejectsWith(kc.put(data, { hash: wrong }), 'ERR_HASH_MISMATCH');
    for (const s of stores) assert.equal(await has(s, wrong), false);
    await rejectsWith(kc.put(data, { hash: 'XYZ' }), 'ERR_INVALID_ARGUMENT');
    kc.close();
  });

  it('the empty block needs no request', async () => {
    const proxy = await faultyProxy(servers[0]?.url ?? '', () => 500);
    const kc = new KeepClient({ services: [{ url: proxy.url }], ...FAST });
    assert.equal((await kc.get(EMPTY_BLOCK_LOCATOR)).byteLength, 0);
    assert.equal(proxy.seen.length, 0);
    kc.close();
    await proxy.close();
  });
});

describe('KeepClient retries, verification and timeouts (fault injection)', () => {
  let store: MemoryStore;
  let server: KeepServer;
  before(async () => {
    store = new MemoryStore();
    server = await startKeepServer({ store });
  });
  after(() => server.close());

  for (const status of [408, 429, 500, 502, 503]) {
    it(`retries a PUT answered ${status}, then succeeds`, async () => {
      const proxy = await faultyProxy(server.url, (n) => (n <= 2 ? status : 'forward'));
      const kc = new KeepClient({ services: [{ url: proxy.url }], token: 'tok', replicas: 1, retries: 2, ...FAST });
      const data = randomData(300);
      const r = await kc.put(data);
      assert.equal(r.locator, `${md5(data)}+300`);
      assert.equal(proxy.seen.length, 3);
      assert.equal(proxy.seen[0]?.headers.authorization, 'Bearer tok');
      assert.equal(proxy.seen[0]?.headers['x-keep-desired-replicas'], '1');
      assert.equal(proxy.seen[0]?.headers['content-type'], 'application/octet-stream');
      assert.match(String(proxy.seen[0]?.headers['x-request-id']), /^req-[a-z0-9]{20}$/);
      kc.close();
      await proxy.close();
    });
  }

  it('gives up after 1 + retries rounds', async () => {
    const proxy = await faultyProxy(server.url, () => 503);
    const kc = new KeepClient({ services: [{ url: proxy.url }], replicas: 1, retries: 3, ...FAST });
    const err = await rejectsWith(kc.put(randomData(10)), 'ERR_INSUFFICIENT_REPLICAS');
    assert.match((err as Error).message, /\[503\] injected 503/);
    assert.equal(proxy.seen.length, 4);
    kc.close();
    await proxy.close();
  });

  for (const status of [507, 400, 403]) {
    it(`does not retry a PUT answered ${status}`, async () => {
      const proxy = await faultyProxy(server.url, () => status);
      const kc = new KeepClient({ services: [{ url: proxy.url }], replicas: 1, retries: 3, ...FAST });
      await rejectsWith(kc.put(randomData(10)), 'ERR_INSUFFICIENT_REPLICAS');
      assert.equal(proxy.seen.length, 1);
      kc.close();
      await proxy.close();
    });
  }

  it('retries a GET answered 500 and a network failure', async () => {
    const data = randomData(2000);
    await store.put(data);
    const proxy = await faultyProxy(server.url, (n) => (n === 1 ? 500 : 'forward'));
    const kc = new KeepClient({ services: [{ url: proxy.url }], retries: 1, ...FAST });
    assert.deepEqual(await kc.get(`${md5(data)}+2000`), data);
    assert.equal(proxy.seen.length, 2);
    kc.close();
    await proxy.close();
  });

  it('verifies the md5 of GET bodies: a corrupt copy is skipped, a lone corrupt copy is ERR_HASH_MISMATCH', async () => {
    const data = randomData(4000);
    await store.put(data);
    const loc = `${md5(data)}+4000`;
    const bad = await faultyProxy(server.url, () => 'corrupt');
    const lone = new KeepClient({ services: [{ url: bad.url }], retries: 0, ...FAST });
    await rejectsWith(lone.get(loc), 'ERR_HASH_MISMATCH');
    assert.equal((await lone.get(loc, { verify: false })).byteLength, 4000);
    const both = new KeepClient({ services: [{ url: bad.url }, { url: server.url }], retries: 0, ...FAST });
    assert.deepEqual(await both.get(loc), data);
    lone.close();
    both.close();
    await bad.close();
  });

  it('checks the size hint against the response', async () => {
    const data = randomData(100);
    await store.put(data);
    const kc = new KeepClient({ services: [{ url: server.url }], retries: 0, ...FAST });
    // The server ignores hints when reading; the client notices the length differs from its hint.
    const err = await rejectsWith(kc.get(`${md5(data)}+99`), 'ERR_BLOCK_NOT_FOUND').catch(async () => rejectsWith(kc.get(`${md5(data)}+99`), 'ERR_SIZE_MISMATCH'));
    assert.ok(err);
    kc.close();
  });

  it('times out a service that does not answer and uses the next one', async () => {
    const data = randomData(500);
    await store.put(data);
    const hang = await faultyProxy(server.url, () => 'hang');
    const lone = new KeepClient({ services: [{ url: hang.url }], retries: 1, timeoutMs: 100, ...FAST });
    const t0 = Date.now();
    await rejectsWith(lone.get(`${md5(data)}+500`), 'ERR_TIMEOUT');
    assert.ok(Date.now() - t0 >= 200);
    const kc = new KeepClient({ services: [{ url: hang.url, uuid: 'zzzzz-bi6l4-000000000000000' }, { url: server.url, uuid: 'zzzzz-bi6l4-000000000000001' }], retries: 0, timeoutMs: 100, ...FAST });
    assert.deepEqual(await kc.get(`${md5(data)}+500`), data);
    lone.close();
    kc.close();
    await hang.close();
  });

  it('an AbortSignal stops a request in flight with ERR_ABORTED (no retry)', async () => {
    const hang = await faultyProxy(server.url, () => 'hang');
    const kc = new KeepClient({ services: [{ url: hang.url }], retries: 5, ...FAST });
    const ac = new AbortController();
    const p = kc.get(`${md5('x')}+1`, { signal: ac.signal });
    while (hang.seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    await rejectsWith(p, 'ERR_ABORTED');
    assert.equal(hang.seen.length, 1);
    kc.close();
    await hang.close();
  });
});

describe('KeepClient storage classes', () => {
  let servers: KeepServer[];
  before(async () => {
    // Five servers that each report class1=2, class2=2 (arvados TestPutWithStorageClasses).
    servers = await Promise.all(Array.from({ length: 5 }, () => startKeepServer({ store: new MemoryStore({ storageClasses: ['class1', 'class2'], replication: 2 }) })));
  });
  after(() => Promise.all(servers.map((s) => s.close())));

  it('one write satisfies two classes when the server confirms both', async () => {
    const proxies = await Promise.all(servers.map((s) => faultyProxy(s.url, () => 'forward')));
    const kc = new KeepClient({ services: proxies.map((p) => ({ url: p.url })), replicas: 2, storageClasses: ['class1', 'class2'], ...FAST });
    const r = await kc.put(randomData(10));
    // Each request is assumed to store one replica, so up to two go out at once.
    const requests = proxies.flatMap((p) => p.seen);
    assert.ok(requests.length >= 1 && requests.length <= 2, `${requests.length} requests`);
    assert.equal(r.replicas, 2 * requests.length);
    assert.deepEqual(r.storageClasses, { class1: 2 * requests.length, class2: 2 * requests.length });
    for (const req of requests) assert.equal(req.headers['x-keep-storage-classes'], 'class1, class2');
    kc.close();
    await Promise.all(proxies.map((p) => p.close()));
  });

  it('an unknown class makes every server get tried, then fails; later requests ask only for the missing class', async () => {
    const proxies = await Promise.all(servers.map((s) => faultyProxy(s.url, () => 'forward')));
    const kc = new KeepClient({ services: proxies.map((p) => ({ url: p.url })), replicas: 2, ...FAST });
    const err = await rejectsWith(kc.put(randomData(11), { storageClasses: ['class1', 'class404'] }), 'ERR_INSUFFICIENT_REPLICAS');
    assert.ok(err instanceof InsufficientReplicasError);
    assert.equal(err.result.replicas, 10);
    assert.equal(err.result.storageClasses.class1, 10);
    assert.equal(err.result.storageClasses.class404, undefined);
    const requests = proxies.flatMap((p) => p.seen);
    assert.equal(requests.length, 5);
    // The first round asks for both classes; once class1 is satisfied only class404 is asked for.
    const classHeaders = requests.map((r) => r.headers['x-keep-storage-classes']);
    const both = classHeaders.filter((h) => h === 'class1, class404').length;
    assert.ok(both >= 1 && both <= 2, `${both} requests asked for both classes`);
    assert.equal(classHeaders.filter((h) => h === 'class404').length, 5 - both);
    kc.close();
    await Promise.all(proxies.map((p) => p.close()));
  });

  it('without a confirmed-classes header the client counts replicas only', async () => {
    const plain = await startKeepServer({ store: new MemoryStore({ storageClasses: [] }) });
    const kc = new KeepClient({ services: [{ url: plain.url }], replicas: 1, storageClasses: ['whatever'], ...FAST });
    const r = await kc.put(randomData(12));
    assert.equal(r.replicas, 1);
    assert.deepEqual(r.storageClasses, {});
    kc.close();
    await plain.close();
  });
});
