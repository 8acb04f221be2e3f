import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeepError } from '../../src/errors.js';
import { MemoryStore } from '../../src/blocks/memory-store.js';
import { EMPTY_BLOCK_HASH, MAX_BLOCK_SIZE_BYTES, type BlockStore, type GetOptions, type PutOptions, type PutResult } from '../../src/blocks/block-store.js';
import { signLocator, verifyLocatorSignature } from '../../src/manifest/signature.js';
import { startKeepServer, type KeepServer } from '../../src/server/keep/keep-server.js';
import { KEEP_CORS_HEADERS } from '../../src/server/keep/keep-cors.js';
import { http, md5, randomData, rawExchange } from './keep-helpers.js';

const KEY = 'test-signing-key-0123456789';
const TOKEN = 'v2/zzzzz-gj3su-000000000000000/usertokensecret';
const ADMIN = 'admin-token-secret';
const TTL = 3600;
const bearer = (t: string): Record<string, string> => ({ Authorization: `Bearer ${t}` });
const sign = (loc: string, expiry = Math.floor(Date.now() / 1000) + TTL, token = TOKEN): string => signLocator(loc, { key: KEY, token, expiry, ttlSeconds: TTL });

function assertCors(headers: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(KEEP_CORS_HEADERS)) assert.equal(headers[name.toLowerCase()], value, name);
}

describe('keep server: PUT', () => {
  let server: KeepServer;
  let store: MemoryStore;
  before(async () => {
    store = new MemoryStore({ storageClasses: ['testclass1'] });
    server = await startKeepServer({ store, signingKey: KEY, ttlSeconds: TTL, adminToken: ADMIN });
  });
  after(() => server.close());

  it('stores the block and answers the signed locator, replica and class headers, CORS', async () => {
    const data = randomData(1000);
    const h = md5(data);
    const r = await http(server.url, 'PUT', `/${h}`, bearer(TOKEN), data);
    assert.equal(r.status, 200);
    const text = r.body.toString('utf8');
    assert.ok(text.endsWith('\n'));
    const locator = text.trimEnd();
    assert.match(locator, new RegExp(`^${h}\\+1000\\+A[0-9a-f]{40}@[0-9a-f]{8}$`));
    verifyLocatorSignature(locator, { key: KEY, token: TOKEN, ttlSeconds: TTL });
    const expiry = parseInt(locator.slice(-8), 16);
    assert.ok(Math.abs(expiry - (Date.now() / 1000 + TTL)) < 5, 'expiry is now + TTL');
    assert.equal(r.headers['x-keep-replicas-stored'], '1');
    assert.equal(r.headers['x-keep-storage-classes-confirmed'], 'testclass1=1');
    assertCors(r.headers);
    assert.deepEqual(await store.get(h), data);
  });

  it('answers an unsigned locator when the request has no token', async () => {
    const data = randomData(10);
    const r = await http(server.url, 'PUT', `/${md5(data)}`, {}, data);
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), `${md5(data)}+10\n`);
  });

  it('accepts a path locator with hints, and an empty block', async () => {
    const data = randomData(20);
    assert.equal((await http(server.url, 'PUT', `/${md5(data)}+20`, {}, data)).status, 200);
    const e = await http(server.url, 'PUT', `/${EMPTY_BLOCK_HASH}`, {}, new Uint8Array(0));
    assert.equal(e.status, 200);
    assert.equal(e.body.toString(), `${EMPTY_BLOCK_HASH}+0\n`);
  });

  it('refuses data whose md5 does not match the path with 400 and keepstore\'s message', async () => {
    const data = randomData(100);
    const wrong = md5('something else');
    const r = await http(server.url, 'PUT', `/${wrong}`, {}, data);
    assert.equal(r.status, 400);
    assert.equal(r.body.toString(), `content hash ${md5(data)} did not match specified locator ${wrong}\n`);
    await assert.rejects(store.get(wrong));
    await assert.rejects(store.get(md5(data)));
  });

  it('hashes PUT bodies as they arrive: the store gets hashChecked, a mismatch never reaches it (small and multi-MiB bodies)', async () => {
    const puts: PutOptions[] = [];
    const spy = new (class extends MemoryStore {
      override put(data: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
        puts.push(options);
        return super.put(data, options);
      }
    })();
    const srv = await startKeepServer({ store: spy });
    try {
      for (const size of [100, 5 * 1024 * 1024 + 1]) {
        puts.length = 0;
        const data = randomData(size);
        const ok = await http(srv.url, 'PUT', `/${md5(data)}`, {}, data);
        assert.equal(ok.status, 200);
        assert.equal(ok.body.toString(), `${md5(data)}+${size}\n`);
        assert.deepEqual(puts.map((o) => [o.hash, o.hashChecked]), [[md5(data), true]]);
        const wrong = md5('something else');
        const bad = await http(srv.url, 'PUT', `/${wrong}`, {}, data);
        assert.equal(bad.status, 400);
        assert.equal(bad.body.toString(), `content hash ${md5(data)} did not match specified locator ${wrong}\n`);
        assert.equal(puts.length, 1);
      }
    } finally {
      await srv.close();
    }
  });

  it('refuses a body over 64 MiB with 413 before reading it', async () => {
    const resp = await rawExchange(server.url, `PUT /${md5('x')} HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX_BLOCK_SIZE_BYTES + 1}\r\n\r\n`, false);
    assert.match(resp, /^HTTP\/1\.1 413 /);
  });

  it('refuses a chunked body that grows over 64 MiB with 413', async () => {
    const big = new Uint8Array(MAX_BLOCK_SIZE_BYTES + 1);
    const r = await new Promise<number>((resolve, reject) => {
      const u = new URL(server.url);
      import('node:http').then(({ request }) => {
        const req = request({ host: u.hostname, port: u.port, method: 'PUT', path: `/${md5('y')}`, headers: { 'Transfer-Encoding': 'chunked' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(big);
      }, reject);
    });
    assert.equal(r, 413);
  });

  it('refuses a body shorter than its Content-Length with 400 and keepstore\'s message', async () => {
    const resp = await rawExchange(server.url, `PUT /${md5('abc')} HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc`);
    // The client half-closed its side: the server still answers on it.
    assert.match(resp, /^HTTP\/1\.1 400 /);
    assert.match(resp, /content length 3 did not match specified data size 10\n$/);
    assert.equal((await store.get(md5('abc')).catch(() => 'absent')), 'absent');
  });

  it('answers 507 when the store is full', async () => {
    const small = await startKeepServer({ store: new MemoryStore({ capacityBytes: 10 }) });
    try {
      const data = randomData(100);
      const r = await http(small.url, 'PUT', `/${md5(data)}`, {}, data);
      assert.equal(r.status, 507);
      assert.equal(r.body.toString(), 'insufficient storage\n');
    } finally {
      await small.close();
    }
  });
});

/** A MemoryStore whose reads can fail or stall (fault injection). */
class FaultyStore extends MemoryStore {
  stall: ((signal: AbortSignal | undefined) => Promise<void>) | undefined;
  throwPlain = false;
  override async get(locator: string, options: GetOptions = {}): Promise<Uint8Array> {
    if (this.throwPlain) throw new Error('secret internal detail');
    if (this.stall !== undefined) await this.stall(options.signal);
    return super.get(locator, options);
  }
}

describe('keep server: GET and HEAD', () => {
  let server: KeepServer;
  let store: FaultyStore;
  const errors: unknown[] = [];
  before(async () => {
    store = new FaultyStore();
    server = await startKeepServer({ store, signingKey: KEY, ttlSeconds: TTL, requireSignatures: true, adminToken: ADMIN, onError: (e) => errors.push(e) });
  });
  after(() => server.close());

  async function putBlock(size: number): Promise<{ data: Uint8Array; locator: string; signed: string }> {
    const data = randomData(size);
    await store.put(data);
    const locator = `${md5(data)}+${size}`;
    return { data, locator, signed: sign(locator) };
  }

  it('GET of a signed locator returns the data with Content-Length, Vary and CORS', async () => {
    const { data, signed } = await putBlock(300_000);
    const r = await http(server.url, 'GET', `/${signed}`, bearer(TOKEN));
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-length'], '300000');
    assert.equal(r.headers.vary, 'X-Keep-Signature');
    assertCors(r.headers);
    assert.deepEqual(new Uint8Array(r.body), data);
    const viaDoubleSlash = await http(server.url, 'GET', `//${signed}`, bearer(TOKEN));
    assert.equal(viaDoubleSlash.status, 200);
  });

  it('finds the token in Bearer, OAuth2, api_token and Basic auth', async () => {
    const { data, signed } = await putBlock(50);
    const basic = `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`;
    for (const [path, headers] of [
      [`/${signed}`, { Authorization: `OAuth2 ${TOKEN}` }],
      [`/${signed}?api_token=${encodeURIComponent(TOKEN)}`, {}],
      [`/${signed}`, { Authorization: basic }],
      [`/${signed}`, { Cookie: `x=1; arvados_api_token=${encodeURIComponent(TOKEN)}` }],
    ] as const) {
      const r = await http(server.url, 'GET', path, headers);
      assert.equal(r.status, 200, JSON.stringify(headers));
      assert.deepEqual(new Uint8Array(r.body), data);
    }
  });

  it('refuses reads without a valid signature: 401 no token, 401 expired, 400 invalid or missing', async () => {
    const { locator, signed } = await putBlock(40);
    let r = await http(server.url, 'GET', `/${signed}`);
    assert.equal(r.status, 401);
    assert.equal(r.body.toString(), 'no token provided in Authorization header\n');
    r = await http(server.url, 'GET', `/${sign(locator, Math.floor(Date.now() / 1000) - 10)}`, bearer(TOKEN));
    assert.equal(r.status, 401);
    assert.equal(r.body.toString(), 'expired signature\n');
    r = await http(server.url, 'GET', `/${signed}`, bearer('another-token'));
    assert.equal(r.status, 400);
    assert.equal(r.body.toString(), 'invalid signature\n');
    r = await http(server.url, 'GET', `/${locator}`, bearer(TOKEN));
    assert.equal(r.status, 400);
    assert.equal(r.body.toString(), 'invalid signature\n');
    r = await http(server.url, 'HEAD', `/${locator}`, bearer(TOKEN));
    assert.equal(r.status, 400);
  });

  it('GET without a size hint is 405 except for the empty block; HEAD without one gives the real length', async () => {
    const { data } = await putBlock(123);
    const h = md5(data);
    let r = await http(server.url, 'GET', `/${sign(h)}`, bearer(TOKEN));
    assert.equal(r.status, 405);
    assert.equal(r.body.toString(), 'method not allowed\n');
    await store.put(new Uint8Array(0));
    r = await http(server.url, 'GET', `/${sign(EMPTY_BLOCK_HASH)}`, bearer(TOKEN));
    assert.equal(r.status, 200);
    assert.equal(r.body.byteLength, 0);
    r = await http(server.url, 'HEAD', `/${sign(h)}`, bearer(TOKEN));
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-length'], '123');
    assert.equal(r.body.byteLength, 0);
  });

  it('answers 400 "invalid locator" and 404 "file does not exist"', async () => {
    const h = md5('absent block');
    let r = await http(server.url, 'GET', `/${h}++3`, bearer(TOKEN));
    assert.equal(r.status, 400);
    assert.equal(r.body.toString(), 'invalid locator\n');
    r = await http(server.url, 'GET', `/${h}+3+4`, bearer(TOKEN));
    assert.equal(r.status, 400);
    r = await http(server.url, 'GET', `/${sign(`${h}+12`)}`, bearer(TOKEN));
    assert.equal(r.status, 404);
  });

  it('stored data failing its md5 (a damaged file of a DirectoryStore) is 502 for GET and HEAD', async () => {
    const { DirectoryStore } = await import('../../src/blocks/directory-store.js');
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const root = await mkdtemp(join(tmpdir(), 'keep-corrupt-'));
    const disk = await DirectoryStore.open({ root, fsync: false, minFreeBytes: 0 });
    const srv = await startKeepServer({ store: disk });
    try {
      const data = randomData(200_000);
      const h = md5(data);
      await disk.put(data);
      const bad = new Uint8Array(data);
      bad[1000] = (bad[1000] ?? 0) ^ 0xff;
      await writeFile(join(root, h.slice(0, 3), h), bad);
      const g = await http(srv.url, 'GET', `/${h}+200000`);
      assert.equal(g.status, 502);
      assert.equal(g.body.toString(), 'checksum mismatch in stored data\n');
      assert.equal((await http(srv.url, 'HEAD', `/${h}+200000`)).status, 502);
      assert.equal((await http(srv.url, 'HEAD', `/${h}`)).status, 502);
    } finally {
      await srv.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('GET streams a block of several chunks; one found corrupt after the headers has its response aborted', async () => {
    const { DirectoryStore } = await import('../../src/blocks/directory-store.js');
    const { KeepClient } = await import('../../src/blocks/keep-client.js');
    const { isKeepError } = await import('../../src/errors.js');
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const root = await mkdtemp(join(tmpdir(), 'keep-stream-'));
    const disk = await DirectoryStore.open({ root, fsync: false, minFreeBytes: 0, streamChunkBytes: 64 * 1024 });
    const srv = await startKeepServer({ store: disk });
    const kc = new KeepClient({ services: [{ url: srv.url }], replicas: 1, retries: 0 });
    try {
      const data = randomData(1_000_000);
      const h = md5(data);
      await disk.put(data);
      const ok = await http(srv.url, 'GET', `/${h}+1000000`);
      assert.equal(ok.status, 200);
      assert.equal(ok.headers['content-length'], '1000000');
      assert.equal(md5(ok.body), h);
      assert.equal(md5(await kc.get(`${h}+1000000`)), h);
      const bad = Uint8Array.from(data);
      bad[999_999] = (bad[999_999] ?? 0) ^ 0xff;
      await writeFile(join(root, h.slice(0, 3), h), bad);
      // The 200 head and every chunk but the last go out, then the connection is cut.
      const raw = await rawExchange(srv.url, `GET /${h}+1000000 HTTP/1.1\r\nHost: x\r\n\r\n`, false);
      const headEnd = raw.indexOf('\r\n\r\n');
      assert.match(raw.slice(0, headEnd), /^HTTP\/1\.1 200 /);
      assert.match(raw.slice(0, headEnd), /content-length: 1000000/i);
      const sent = raw.length - headEnd - 4;
      assert.ok(sent < 1_000_000, `sent ${sent} body bytes`);
      assert.deepEqual(Buffer.from(raw.slice(headEnd + 4), 'latin1'), Buffer.from(bad.subarray(0, sent)));
      await assert.rejects(kc.get(`${h}+1000000`), (err: unknown) => {
        assert.ok(isKeepError(err, 'ERR_REMOTE'), String(err));
        assert.match(err.message, /cut short/);
        return true;
      });
    } finally {
      kc.close();
      await srv.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('a non-KeepError from the store is a 500 with a generic body, reported to onError', async () => {
    const { signed } = await putBlock(10);
    store.throwPlain = true;
    try {
      const before = errors.length;
      const r = await http(server.url, 'GET', `/${signed}`, bearer(TOKEN));
      assert.equal(r.status, 500);
      assert.equal(r.body.toString(), 'internal server error\n');
      assert.equal(errors.length, before + 1);
    } finally {
      store.throwPlain = false;
    }
  });

  it('a client that disconnects aborts the store operation', async () => {
    const { signed } = await putBlock(10);
    let seen: AbortSignal | undefined;
    const aborted = new Promise<void>((resolve) => {
      store.stall = (signal) =>
        new Promise<void>((_, reject) => {
          seen = signal;
          signal?.addEventListener('abort', () => {
            resolve();
            reject(new KeepError('ERR_ABORTED', 'aborted'));
          });
        });
    });
    try {
      const ac = new AbortController();
      const p = fetch(`${server.url}/${signed}`, { headers: bearer(TOKEN), signal: ac.signal });
      while (seen === undefined) await new Promise((r) => setTimeout(r, 5));
      ac.abort();
      await assert.rejects(p);
      await aborted;
      assert.equal(seen.aborted, true);
    } finally {
      store.stall = undefined;
    }
  });
});

describe('keep server: OPTIONS, admin routes, bad requests', () => {
  let server: KeepServer;
  let store: BlockStore;
  before(async () => {
    store = new MemoryStore();
    server = await startKeepServer({ store, adminToken: ADMIN });
  });
  after(() => server.close());

  it('OPTIONS answers 200 with the CORS headers', async () => {
    for (const path of ['/', `/${md5('a')}+1`, '/index']) {
      const r = await http(server.url, 'OPTIONS', path);
      assert.equal(r.status, 200);
      assertCors(r.headers);
    }
  });

  it('the index needs the admin token (401/403) and lists hash+size mtime_ns with a trailing blank line', async () => {
    assert.equal((await http(server.url, 'GET', '/index')).status, 401);
    assert.equal((await http(server.url, 'GET', '/index', bearer('not-admin'))).status, 403);
    let r = await http(server.url, 'GET', '/index', bearer(ADMIN));
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), '\n');
    const blocks = [randomData(10), randomData(11), randomData(12)];
    const t0 = Date.now();
    for (const b of blocks) await store.put(b);
    r = await http(server.url, 'GET', '/index', bearer(ADMIN));
    const text = r.body.toString();
    assert.ok(text.endsWith('\n\n'));
    const lines = text.slice(0, -2).split('\n').sort();
    assert.deepEqual(lines.map((l) => l.split(' ')[0]), blocks.map((b) => `${md5(b)}+${b.byteLength}`).sort());
    for (const l of lines) {
      const ns = BigInt(l.split(' ')[1] ?? '');
      assert.ok(ns >= BigInt(t0 - 1000) * 1_000_000n && ns <= BigInt(Date.now() + 1000) * 1_000_000n, `mtime ${ns}`);
    }
    const first = md5(blocks[0] as Uint8Array);
    r = await http(server.url, 'GET', `/index/${first.slice(0, 4)}`, bearer(ADMIN));
    assert.ok(r.body.toString().startsWith(`${first}+10 `));
    assert.ok(r.body.toString().endsWith('\n\n'));
    assert.equal((await http(server.url, 'GET', '/index/xyz', bearer(ADMIN))).status, 400);
  });

  it('TOUCH refreshes the mtime (admin only)', async () => {
    const data = randomData(33);
    await store.put(data);
    const h = md5(data);
    const before = (await store.head(h)).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    const denied = await rawExchange(server.url, `TOUCH /${h}+33 HTTP/1.1\r\nHost: x\r\n\r\n`, false);
    assert.match(denied, /^HTTP\/1\.1 401 /);
    assert.equal((await store.head(h)).mtimeMs, before);
    const forbidden = await rawExchange(server.url, `TOUCH /${h}+33 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\n\r\n`, false);
    assert.match(forbidden, /^HTTP\/1\.1 403 /);
    const ok = await rawExchange(server.url, `TOUCH /${h}+33 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN}\r\n\r\n`, false);
    assert.match(ok, /^HTTP\/1\.1 200 /);
    assert.match(ok, /Access-Control-Allow-Origin: \*/);
    assert.ok((await store.head(h)).mtimeMs > before);
    const missing = await rawExchange(server.url, `TOUCH /${md5('none')} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN}\r\n\r\n`, false);
    assert.match(missing, /^HTTP\/1\.1 404 /);
  });

  it('DELETE trashes a block (admin only)', async () => {
    const data = randomData(44);
    await store.put(data);
    const h = md5(data);
    assert.equal((await http(server.url, 'DELETE', `/${h}+44`)).status, 401);
    assert.equal((await http(server.url, 'DELETE', `/${h}+44`, bearer('x'))).status, 403);
    assert.equal((await http(server.url, 'DELETE', `/${h}+44`, bearer(ADMIN))).status, 200);
    assert.equal((await http(server.url, 'GET', `/${h}+44`)).status, 404);
  });

  it('anything else is 400 Bad Request', async () => {
    const h = md5('q');
    for (const [method, path] of [['GET', '/'], ['PUT', `//${h}`], ['POST', `/${h}`], ['PROPFIND', '/'], ['GET', '/mounts/x'], ['PUT', '/index']] as const) {
      const r = await http(server.url, method, path, {}, method === 'PUT' || method === 'POST' ? new Uint8Array(1) : undefined);
      assert.equal(r.status, 400, `${method} ${path}`);
      assert.equal(r.body.toString(), 'Bad Request\n');
    }
    const unknown = await rawExchange(server.url, `FROB /${h} HTTP/1.1\r\nHost: x\r\n\r\n`, false);
    assert.match(unknown, /^HTTP\/1\.1 400 /);
    assert.match(unknown, /\r\nAccess-Control-Allow-Origin: \*\r\n/);
  });
});

describe('keep server over a VolumeSet: replica and class headers (keepstore TestBlockWrite_Headers)', () => {
  let server: KeepServer;
  before(async () => {
    const { VolumeSet } = await import('../../src/blocks/volume-set.js');
    const store = new VolumeSet({
      volumes: [
        { uuid: 'zzzzz-nyw5e-000000000000001', store: new MemoryStore(), storageClasses: ['testclass1'] },
        { uuid: 'zzzzz-nyw5e-000000000000002', store: new MemoryStore(), storageClasses: ['testclass2'] },
      ],
      defaultStorageClasses: ['testclass1'],
    });
    server = await startKeepServer({ store });
  });
  after(() => server.close());

  const table: Array<[string | undefined, string, string[]]> = [
    [undefined, '1', ['testclass1=1']],
    ['testclass1', '1', ['testclass1=1']],
    [' , testclass2 , ', '1', ['testclass2=1']],
    ['testclass1, testclass2', '2', ['testclass1=1', 'testclass2=1']],
  ];
  for (const [header, replicas, classes] of table) {
    it(`X-Keep-Storage-Classes ${JSON.stringify(header)} → ${replicas} replica(s), ${classes.join(', ')}`, async () => {
      const data = randomData(100);
      const r = await http(server.url, 'PUT', `/${md5(data)}`, header === undefined ? {} : { 'X-Keep-Storage-Classes': header }, data);
      assert.equal(r.status, 200);
      assert.equal(r.headers['x-keep-replicas-stored'], replicas);
      assert.deepEqual(String(r.headers['x-keep-storage-classes-confirmed']).split(', ').sort(), classes);
    });
  }
});

describe('keep server building blocks', () => {
  it('server/errors.ts maps every KeepErrorCode to an error status and masks 5xx messages', async () => {
    const { KEEP_HTTP_STATUS, httpErrorFor } = await import('../../src/server/errors.js');
    for (const [code, status] of Object.entries(KEEP_HTTP_STATUS)) {
      assert.ok(Number.isInteger(status) && status >= 400 && status <= 599, `${code} → ${status}`);
    }
    assert.deepEqual(httpErrorFor(new Error('db password is hunter2')), { status: 500, message: 'internal server error', unexpected: true });
    assert.deepEqual(httpErrorFor(new KeepError('ERR_BLOCK_NOT_FOUND', 'file does not exist')), { status: 404, message: 'file does not exist', unexpected: false });
    const masked = httpErrorFor(new KeepError('ERR_STORAGE_FULL', 'volume /secret/path is full'));
    assert.equal(masked.status, 507);
    assert.equal(masked.message, 'insufficient storage');
    assert.equal(httpErrorFor(new KeepError('ERR_INTERNAL', 'stack details')).message, 'internal server error');
  });

  it('parseKeepLocator follows keepstore getLocatorInfo', async () => {
    const { parseKeepLocator } = await import('../../src/server/keep/keep-locator.js');
    const h = md5('x');
    assert.deepEqual(parseKeepLocator(h), { hash: h, size: undefined, signed: false, remote: false });
    assert.deepEqual(parseKeepLocator(`${h}+3+A${'0'.repeat(40)}@12345678+Rzzzzz-abc+K😀`), { hash: h, size: 3, signed: true, remote: true });
    for (const bad of [h.toUpperCase(), `${h}+`, `+${h}`, `${h}++3`, `${h}+Kx+3`, `${h}+3x`, `${h.slice(1)}`, `${h}0+3`]) {
      assert.throws(() => parseKeepLocator(bad), (err: unknown) => err instanceof KeepError && err.code === 'ERR_BAD_LOCATOR' && err.message === 'invalid locator', bad);
    }
  });

  it('requestToken reads Bearer, OAuth2, api_token, Basic and the cookie, first one wins', async () => {
    const { requestToken } = await import('../../src/server/keep/keep-auth.js');
    const q = (s: string): URLSearchParams => new URLSearchParams(s);
    assert.equal(requestToken({ authorization: 'Bearer a' }, q('api_token=b')), 'a');
    assert.equal(requestToken({ authorization: 'OAuth2 a' }, q('')), 'a');
    assert.equal(requestToken({}, q('api_token=b')), 'b');
    assert.equal(requestToken({ authorization: `Basic ${Buffer.from('u:p:w').toString('base64')}` }, q('')), 'p:w');
    assert.equal(requestToken({ cookie: 'arvados_api_token=v2%2Fx%2Fy' }, q('')), 'v2/x/y');
    assert.equal(requestToken({ authorization: 'Bearer' }, q('')), undefined);
    assert.equal(requestToken({}, q('')), undefined);
  });
});

describe('keep server receive buffers', () => {
  it('recycles 64 MiB shared buffers for large bodies, up to maxIdle, and not small ones', async () => {
    const { ReceiveBuffers } = await import('../../src/server/keep/keep-buffers.js');
    const pool = new ReceiveBuffers(1);
    const a = pool.acquire(20 * 1024 * 1024);
    assert.equal(a.byteLength, 20 * 1024 * 1024);
    assert.ok(a.buffer instanceof SharedArrayBuffer);
    assert.equal(a.buffer.byteLength, MAX_BLOCK_SIZE_BYTES);
    const b = pool.acquire(MAX_BLOCK_SIZE_BYTES);
    assert.notEqual(b.buffer, a.buffer);
    pool.release(a);
    pool.release(a);
    pool.release(b);
    assert.equal(pool.idle, 1);
    const c = pool.acquire(30 * 1024 * 1024);
    assert.equal(c.buffer, a.buffer);
    assert.equal(pool.idle, 0);
    const small = pool.acquire(1000);
    assert.equal(small.byteLength, 1000);
    pool.release(small);
    assert.equal(pool.idle, 0);
  });

  it('a PUT body in a recycled buffer is not altered by the next PUT', async () => {
    const store = new MemoryStore();
    const srv = await startKeepServer({ store });
    try {
      const one = randomData(17 * 1024 * 1024);
      const two = randomData(17 * 1024 * 1024);
      assert.equal((await http(srv.url, 'PUT', `/${md5(one)}`, {}, one)).status, 200);
      assert.equal((await http(srv.url, 'PUT', `/${md5(two)}`, {}, two)).status, 200);
      assert.equal(md5(await store.get(md5(one))), md5(one));
      assert.equal(md5(await store.get(md5(two))), md5(two));
    } finally {
      await srv.close();
    }
  });
});
