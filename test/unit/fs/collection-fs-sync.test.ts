// CollectionFS with a CollectionSource: sync, signature refresh on read, repack, replaceSegments.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { MemoryStore } from '../../../src/blocks/memory-store.js';
import { isKeepError, KeepError } from '../../../src/errors.js';
import { signatureExpiry, signManifest } from '../../../src/manifest/signature.js';
import { CollectionFS } from '../../../src/fs/collection-fs.js';
import { MemoryCollectionSource } from '../../../src/fs/collection-source.js';
import { httpErrorFor } from '../../../src/server/errors.js';

const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnop';
const TOKEN = '3kg6k6lzmp9kj5cpkcoxie963cmvjahbt2fod9zru30k1jqdmi';
const T0 = 1_800_000_000_000;
const md5 = (s: string | Uint8Array): string => createHash('md5').update(s).digest('hex');

function expiries(manifest: string): number[] {
  return manifest
    .split(/[ \n]/)
    .filter((t) => t.includes('+A'))
    .map((t) => signatureExpiry(t) ?? -1);
}

describe('CollectionFS sync and signatures', () => {
  it('sync saves through the source, skips unchanged content, and takes the signed response', async () => {
    let now = T0;
    const store = new MemoryStore();
    const source = new MemoryCollectionSource({ key: KEY, token: TOKEN, ttlSeconds: 3600, now: () => now });
    const fs = await CollectionFS.load('', { store, source, now: () => now });
    await fs.sync();
    assert.equal(source.saveCount, 0, 'empty and unchanged: nothing saved');
    await fs.writeFile('foo', 'foo');
    await fs.sync();
    assert.equal(source.saveCount, 1);
    assert.equal(source.manifestText, `. ${md5('foo')}+3 0:3:foo\n`);
    const m = await fs.marshalManifest();
    assert.deepEqual(expiries(m), [T0 / 1000 + 3600], 'segments carry the signature from the response');
    await fs.sync();
    assert.equal(source.saveCount, 1, 'unchanged PDH: no save');
    now += 1000;
    source.failNext('save');
    await fs.writeFile('bar', 'bar');
    await assert.rejects(fs.sync(), (e: unknown) => isKeepError(e) && /^sync failed: /.test((e as Error).message));
    await fs.sync();
    assert.equal(source.saveCount, 3);
    assert.match(source.manifestText, / 0:3:bar 3:3:foo\n$/);
  });

  it('TestSyncNonCanonicalManifest: a loaded non-canonical manifest is not written back', async () => {
    const store = new MemoryStore();
    const text = `. ${md5('foo')}+3 ${md5('bar')}+3 0:3:foo 3:3:bar\n`;
    const source = new MemoryCollectionSource({ manifestText: text });
    const fs = await CollectionFS.load(text, { store, source });
    assert.notEqual(await fs.marshalManifest(), text, 'Go order differs from the input');
    await fs.sync();
    assert.equal(source.saveCount, 0);
    assert.equal(source.manifestText, text);
  });

  it('TestRefreshSignatures: expired signatures are refreshed synchronously before a read', async () => {
    let now = T0;
    const store = new MemoryStore();
    await store.put(Buffer.from('foo'));
    const plain = `. ${md5('foo')}+3 0:3:foo\n`;
    const source = new MemoryCollectionSource({ manifestText: plain, key: KEY, token: TOKEN, ttlSeconds: 3600, now: () => now });
    const expired = Buffer.from(signManifest(plain, { key: KEY, token: TOKEN, expiry: T0 / 1000 - 10, ttlSeconds: 3600 })).toString();
    const fs = await CollectionFS.load(expired, { store, source, now: () => now });
    assert.equal(await fs.readFile('foo', 'utf8'), 'foo');
    assert.equal(source.fetchCount, 1);
    const m = await fs.marshalManifest();
    assert.ok((expiries(m)[0] ?? 0) > T0 / 1000 + 3000, m);
    now += 1000;
    await fs.readFile('foo');
    assert.equal(source.fetchCount, 1, 'fresh signatures: no refresh');
  });

  it('near-expiry signatures are refreshed in the background', async () => {
    let now = T0;
    const store = new MemoryStore();
    await store.put(Buffer.from('foo'));
    await store.put(Buffer.from('bar'));
    const plain = `. ${md5('bar')}+3 ${md5('foo')}+3 0:3:bar 3:3:foo\n`;
    const source = new MemoryCollectionSource({ manifestText: plain, key: KEY, token: TOKEN, ttlSeconds: 3600, now: () => now });
    const fs = await CollectionFS.load(source.signed(), { store, source, now: () => now });
    await fs.readFile('foo');
    assert.equal(source.fetchCount, 0);
    now += 3600_000 - 120_000; // 2 minutes left of a 1 h TTL: fraction < 0.5
    await fs.readFile('foo');
    for (let i = 0; i < 20 && source.fetchCount === 0; i++) await new Promise((r) => setTimeout(r, 1));
    assert.equal(source.fetchCount, 1);
    await new Promise((r) => setTimeout(r, 5));
    const m = await fs.marshalManifest();
    for (const e of expiries(m)) assert.ok(e > now / 1000 + 3000, 'both files were updated');
  });

  it('replaceSegments and repack rewrite stored segments; sync sends replace_segments', async () => {
    const store = new MemoryStore();
    const source = new MemoryCollectionSource({});
    const fs = await CollectionFS.load('', { store, source, blockSize: 4 });
    await fs.writeFile('a', 'aaaa');
    await fs.writeFile('b', 'bbbb');
    await fs.sync();
    assert.equal(await fs.marshalManifest(), `. ${md5('aaaa')}+4 ${md5('bbbb')}+4 0:4:a 4:4:b\n`);
    assert.equal(await fs.repack({ full: true, dryRun: true }), 0, 'total < 32 MiB: nothing planned');
    const target = (await store.put(Buffer.from('bbbbaaaa'))).locator;
    assert.equal(await fs.replaceSegments({ [`${md5('aaaa')}+4 0 4`]: `${target} 4 4` }), true);
    assert.equal(await fs.marshalManifest(), `. ${target} ${md5('bbbb')}+4 4:4:a 8:4:b\n`);
    assert.equal(await fs.readFile('a', 'utf8'), 'aaaa');
    await assert.rejects(fs.replaceSegments({ [`${md5('bbbb')}+4 0 4`]: `${target} 6 4` }), /invalid replacement: offset 6 \+ length 4 > block size 8/);
    assert.equal(await fs.replaceSegments({ [`${md5('zzzz')}+4 0 4`]: `${target} 0 4` }), false);
  });
});

describe('CollectionFS sync conflict check (no lost updates)', () => {
  const CONFLICT = 'sync failed: collection changed on the server since it was loaded';
  const isConflict = (e: unknown): boolean => isKeepError(e) && e.code === 'ERR_CONFLICT' && (e as Error).message === CONFLICT;

  async function loaded(): Promise<{ fs: CollectionFS; source: MemoryCollectionSource; store: MemoryStore }> {
    const store = new MemoryStore();
    await store.put(Buffer.from('foo'));
    const source = new MemoryCollectionSource({ manifestText: `. ${md5('foo')}+3 0:3:foo\n`, key: KEY, token: TOKEN, ttlSeconds: 3600 });
    const fs = await CollectionFS.load((await source.fetch()).manifestText, { store, source });
    return { fs, source, store };
  }

  it('refuses to overwrite a version changed by another writer, keeping all local data', async () => {
    const { fs, source } = await loaded();
    const theirs = `. ${md5('other')}+5 0:5:other\n`;
    source.setManifest(theirs);
    await fs.writeFile('mine', 'mine');
    await assert.rejects(fs.sync(), isConflict);
    assert.equal(source.saveCount, 0);
    assert.equal(source.manifestText, theirs, 'the other version is untouched');
    assert.equal(await fs.readFile('mine', 'utf8'), 'mine');
    assert.equal(await fs.readFile('foo', 'utf8'), 'foo');
    await assert.rejects(fs.sync(), isConflict, 'still in conflict on retry');
    assert.equal(source.saveCount, 0);
  });

  it('a change back to the loaded version is no conflict', async () => {
    const { fs, source } = await loaded();
    const original = source.manifestText;
    source.setManifest(`. ${md5('other')}+5 0:5:other\n`);
    source.setManifest(original);
    await fs.writeFile('mine', 'mine');
    await fs.sync();
    assert.equal(source.saveCount, 1);
    assert.match(source.manifestText, / 0:3:foo 3:4:mine\n$/);
  });

  it('its own saves move the base: repeated and concurrent syncs do not conflict', async () => {
    const { fs, source } = await loaded();
    await fs.writeFile('a', 'a');
    await fs.sync();
    await fs.writeFile('b', 'b');
    await fs.sync();
    assert.equal(source.saveCount, 2);
    await fs.writeFile('c', 'c');
    const first = fs.sync();
    await fs.writeFile('d', 'd');
    await Promise.all([first, fs.sync()]);
    assert.ok(source.saveCount >= 3, 'the concurrent pair saved (the second may find nothing new)');
    assert.match(source.manifestText, / 0:1:a 1:1:b 2:1:c 3:1:d 4:3:foo\n$/);
    assert.equal(source.fetchCount, 1 + source.saveCount, 'one load fetch, then one check per save');
    source.setManifest(`. ${md5('x')}+1 0:1:x\n`);
    await fs.writeFile('e', 'e');
    await assert.rejects(fs.sync(), isConflict, 'a change after our last save is still detected');
  });

  it('a failed check fetch fails the sync without saving', async () => {
    const { fs, source } = await loaded();
    await fs.writeFile('mine', 'mine');
    source.failNext('fetch');
    await assert.rejects(fs.sync(), (e: unknown) => isKeepError(e) && e.code === 'ERR_REMOTE' && /^sync failed: /.test((e as Error).message));
    assert.equal(source.saveCount, 0);
    await fs.sync();
    assert.equal(source.saveCount, 1);
  });

  it('ERR_CONFLICT maps to HTTP 409', () => {
    assert.equal(httpErrorFor(new KeepError('ERR_CONFLICT', CONFLICT)).status, 409);
  });
});
