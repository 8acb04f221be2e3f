import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { signLocator, signatureExpiry, verifyLocatorSignature } from '../../../src/manifest/signature.js';
import { stripAllHints } from '../../../src/manifest/locator.js';
import { parseSignedLocators, SignatureTracker, signatureTimeLeft, type SignatureTtlState } from '../../../src/fs/signature-tracker.js';
import { MemoryCollectionSource } from '../../../src/fs/collection-source.js';
import { CollectionFS } from '../../../src/fs/collection-fs.js';
import { MemoryStore } from '../../../src/blocks/memory-store.js';
import { signManifest } from '../../../src/manifest/signature.js';

const KEY = 'zfhgfenhffzltr9dixws36j1yhksjoll2grmku38mi7yxd66h5j4q9w4jzanezacp8s6q0ro3hxakfye02152hncy6zml2ed0uc';
const TOKEN = '3kg6k6lzmp9kj5cpkcoxie963cmvjahbt2fod9zru30k1jqdmi';
const FOO = 'acbd18db4cc2f85cedef654fccc4a4d8+3';
const BAR = '37b51d194a7513e45b56f6524f2d51f2+3';
const T0 = 1_800_000_000_000; // ms
const HOUR = 3_600_000;

const signedAt = (locator: string, expiryMs: number, ttlSeconds = 1209600): string =>
  signLocator(locator, { key: KEY, token: TOKEN, expiry: Math.floor(expiryMs / 1000), ttlSeconds });

describe('signatureTimeLeft()', () => {
  it('no signatures means the whole TTL is left', () => {
    const state: SignatureTtlState = { guessedTtlMs: 0 };
    assert.deepEqual(signatureTimeLeft([FOO, `${BAR}+K@xyzzy`], T0, state), { fraction: 1, ttlMs: 0 });
    assert.equal(state.guessedTtlMs, 0);
  });
  it('uses the latest expiry as TTL guess and the earliest as remaining time', () => {
    const state: SignatureTtlState = { guessedTtlMs: 0 };
    const r = signatureTimeLeft([signedAt(FOO, T0 + HOUR), signedAt(BAR, T0 + 2 * HOUR)], T0, state);
    assert.equal(r.ttlMs, 2 * HOUR);
    assert.equal(r.fraction, 0.5);
    assert.equal(state.guessedTtlMs, 2 * HOUR);
  });
  it('keeps the guessed TTL monotone (a lower bound of the server TTL)', () => {
    const state: SignatureTtlState = { guessedTtlMs: 2 * HOUR };
    const r = signatureTimeLeft([signedAt(FOO, T0 + HOUR / 6)], T0, state);
    assert.equal(r.ttlMs, 2 * HOUR);
    assert.ok(Math.abs(r.fraction - 1 / 12) < 1e-12);
    assert.equal(state.guessedTtlMs, 2 * HOUR);
    signatureTimeLeft([signedAt(FOO, T0 + 3 * HOUR)], T0, state);
    assert.equal(state.guessedTtlMs, 3 * HOUR);
  });
  it('goes negative once a signature has expired', () => {
    const state: SignatureTtlState = { guessedTtlMs: 0 };
    const r = signatureTimeLeft([signedAt(FOO, T0 - HOUR), signedAt(BAR, T0 + HOUR)], T0, state);
    assert.equal(r.fraction, -1);
  });
  it('ignores malformed signatures', () => {
    const state: SignatureTtlState = { guessedTtlMs: 0 };
    assert.equal(signatureTimeLeft([`${FOO}+Aaaaaaaaaaaaaaaa@7fffffff`], T0, state).fraction, 1);
  });
});

describe('parseSignedLocators()', () => {
  it('maps each hash to its last locator token', () => {
    const first = signedAt(FOO, T0 + HOUR);
    const last = signedAt(FOO, T0 + 2 * HOUR);
    const text = `. ${first} ${BAR} 0:3:foo 3:3:bar\n./d ${last} 0:3:acbd18db4cc2f85cedef654fccc4a4d8\n`;
    const map = parseSignedLocators(text);
    assert.deepEqual([...map.entries()].sort(), [
      ['37b51d194a7513e45b56f6524f2d51f2', BAR],
      ['acbd18db4cc2f85cedef654fccc4a4d8', last],
    ]);
  });
  it('takes tokens separated by any whitespace, ignores uppercase and short hashes, accepts bytes', () => {
    const text = `.\t${FOO}\r${BAR.toUpperCase()} 0123456789abcdef0123456789abcde+1 0:3:foo\n`;
    const map = parseSignedLocators(Buffer.from(text));
    assert.deepEqual([...map.keys()], ['acbd18db4cc2f85cedef654fccc4a4d8']);
  });
  it('treats VT as a token byte, like Go \\S', () => {
    assert.equal(parseSignedLocators(`. ${FOO}\v 0:3:foo\n`).get('acbd18db4cc2f85cedef654fccc4a4d8'), `${FOO}\v`);
  });
  it('an empty manifest gives an empty map', () => {
    assert.equal(parseSignedLocators('').size, 0);
  });
});

describe('SignatureTracker.decide()', () => {
  it('refreshes synchronously when a signature has at most one minute left, or expired', () => {
    let now = T0;
    const t = new SignatureTracker({ now: () => now });
    const all = (): string[] => [];
    assert.equal(t.decide(signedAt(FOO, T0 + 60_000), all), 'sync');
    assert.equal(t.decide(signedAt(FOO, T0 - 1000), all), 'sync');
    now = T0 - 1000;
    assert.notEqual(t.decide(signedAt(FOO, T0 + 60_000), all), 'sync');
  });
  it('never refreshes synchronously for an unsigned locator', () => {
    const t = new SignatureTracker({ now: () => T0 });
    assert.equal(t.decide(FOO, () => [FOO]), 'none');
  });
  it('refreshes in the background when less than half the TTL remains', () => {
    let now = T0;
    const t = new SignatureTracker({ now: () => now });
    const locs = [signedAt(FOO, T0 + 2 * HOUR), signedAt(BAR, T0 + 2 * HOUR)];
    assert.equal(t.decide(locs[0] as string, () => locs), 'none');
    assert.equal(t.guessedTtlMs, 2 * HOUR);
    now = T0 + 1.5 * HOUR; // 30 min of a 2 h guess left
    assert.equal(t.decide(locs[0] as string, () => locs), 'background');
  });
  it('checks the collection at most once per ttl/100', () => {
    let now = T0;
    let walks = 0;
    const t = new SignatureTracker({ now: () => now });
    let locs = [signedAt(FOO, T0 + 100 * 60_000)];
    const all = (): string[] => {
      walks++;
      return locs;
    };
    assert.equal(t.decide(FOO, all), 'none');
    assert.equal(walks, 1);
    locs = [signedAt(FOO, T0 + 10 * 60_000)]; // now mostly used up, but the hold is 1 minute
    now = T0 + 30_000;
    assert.equal(t.decide(FOO, all), 'none');
    assert.equal(walks, 1);
    now = T0 + 61_000;
    assert.equal(t.decide(FOO, all), 'background');
    assert.equal(walks, 2);
    t.resetHold();
    t.decide(FOO, all);
    assert.equal(walks, 3);
  });
});

describe('SignatureTracker.decide() on unsigned collections', () => {
  it('does not walk an unsigned collection on every read', () => {
    let now = T0;
    let walks = 0;
    const t = new SignatureTracker({ now: () => now, unsignedHoldMs: 10_000 });
    const all = (): string[] => {
      walks++;
      return [FOO, BAR];
    };
    assert.equal(t.decide(FOO, all), 'none');
    now += 5000;
    assert.equal(t.decide(FOO, all), 'none');
    assert.equal(walks, 1);
    now += 5001;
    t.decide(FOO, all);
    assert.equal(walks, 2);
    t.resetHold();
    t.decide(FOO, all);
    assert.equal(walks, 3);
  });
});

describe('SignatureTracker.refresh()', () => {
  it('runs one task for concurrent callers and a new one afterwards', async () => {
    const t = new SignatureTracker({ now: () => T0 });
    let runs = 0;
    let release: () => void = () => {};
    const task = (): Promise<void> => {
      runs++;
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    };
    const a = t.refresh(task);
    const b = t.refresh(task);
    assert.equal(t.refreshing, true);
    await new Promise((r) => setImmediate(r));
    assert.equal(runs, 1);
    release();
    await Promise.all([a, b]);
    assert.equal(t.refreshing, false);
    await t.refresh(async () => {
      runs++;
    });
    assert.equal(runs, 2);
    assert.equal(t.refreshCount, 2);
  });
  it('rejects all joined callers with the task error and recovers', async () => {
    const t = new SignatureTracker({ now: () => T0 });
    const boom = (): Promise<void> => Promise.reject(new Error('fetch failed'));
    const a = t.refresh(boom);
    const b = t.refresh(boom);
    await assert.rejects(a, { message: 'fetch failed' });
    await assert.rejects(b, { message: 'fetch failed' });
    assert.equal(t.refreshing, false);
    const sync = (): Promise<void> => {
      throw new Error('sync throw');
    };
    await assert.rejects(t.refresh(sync), { message: 'sync throw' });
    await t.refresh(async () => {});
  });
  it('does not start background refreshes while one is running', async () => {
    let now = T0;
    const t = new SignatureTracker({ now: () => now });
    const locs = [signedAt(FOO, T0 + 2 * HOUR)];
    t.decide(FOO, () => locs);
    now = T0 + 1.9 * HOUR;
    let release: () => void = () => {};
    const p = t.refresh(() => new Promise<void>((r) => (release = r)));
    assert.equal(t.decide(FOO, () => locs), 'none');
    await new Promise((r) => setImmediate(r));
    release();
    await p;
    assert.equal(t.decide(FOO, () => locs), 'background');
  });
});

/**
 * A minimal reader that follows the documented integration: decide before each read, refresh
 * through the source, update every segment by hash.
 */
class Reader {
  readonly tracker: SignatureTracker;
  constructor(
    readonly segments: Map<string, string>,
    readonly source: MemoryCollectionSource,
    now: () => number,
  ) {
    this.tracker = new SignatureTracker({ now });
  }
  #task = async (): Promise<void> => {
    const snap = await this.source.fetch();
    const fresh = parseSignedLocators(snap.manifestText);
    for (const [file, loc] of this.segments) {
      const repl = fresh.get(stripAllHints(loc));
      if (repl !== undefined) this.segments.set(file, repl);
    }
  };
  async read(file: string): Promise<{ decision: string; locator: string }> {
    const loc = this.segments.get(file) as string;
    const decision = this.tracker.decide(loc, () => this.segments.values());
    if (decision === 'sync') await this.tracker.refresh(this.#task);
    else if (decision === 'background') void this.tracker.refresh(this.#task).catch(() => {});
    return { decision, locator: this.segments.get(file) as string };
  }
}

describe('signature refresh through a CollectionSource (TestRefreshSignatures)', () => {
  const manifest = `. ${FOO} ${BAR} 0:3:foo 3:3:bar\n`;

  it('an expired signature is refreshed synchronously, updating other files too', async () => {
    let now = T0;
    const source = new MemoryCollectionSource({ manifestText: manifest, key: KEY, token: TOKEN, ttlSeconds: 7200, now: () => now });
    const segs = new Map([
      ['foo', signedAt(FOO, T0 - 1000, 7200)],
      ['bar', signedAt(BAR, T0 - 1000, 7200)],
    ]);
    const reader = new Reader(segs, source, () => now);
    const { decision, locator } = await reader.read('foo');
    assert.equal(decision, 'sync');
    assert.equal(source.fetchCount, 1);
    for (const loc of [locator, segs.get('bar') as string]) {
      assert.ok((signatureExpiry(loc) as number) * 1000 > now + HOUR);
      verifyLocatorSignature(loc, { key: KEY, token: TOKEN, ttlSeconds: 7200, now: now / 1000 });
    }
    now += 1000;
    assert.equal((await reader.read('bar')).decision, 'none');
    assert.equal(source.fetchCount, 1);
  });

  it('a 2-minute expiry with a guessed TTL of 1 h is refreshed in the background', async () => {
    let now = T0;
    const source = new MemoryCollectionSource({ manifestText: manifest, key: KEY, token: TOKEN, ttlSeconds: 7200, now: () => now });
    const segs = new Map([
      ['foo', signedAt(FOO, T0 + HOUR, 7200)],
      ['bar', signedAt(BAR, T0 + HOUR, 7200)],
    ]);
    const reader = new Reader(segs, source, () => now);
    assert.equal((await reader.read('foo')).decision, 'none');
    assert.equal(reader.tracker.guessedTtlMs, HOUR);
    now = T0 + HOUR - 2 * 60_000;
    const first = await reader.read('foo');
    assert.equal(first.decision, 'background');
    assert.equal(first.locator, signedAt(FOO, T0 + HOUR, 7200), 'the read goes ahead with the old locator');
    await new Promise((r) => setImmediate(r));
    assert.equal(source.fetchCount, 1);
    for (const loc of segs.values()) assert.ok((signatureExpiry(loc) as number) * 1000 > now + HOUR);
  });
});

describe('CollectionFS signature refresh (TestRefreshSignatures, real clock, sync path)', () => {
  const plain = `. ${FOO} ${BAR} 0:3:foo 3:3:bar\n`;
  const signedText = (expirySeconds: number): string =>
    Buffer.from(signManifest(plain, { key: KEY, token: TOKEN, expiry: expirySeconds, ttlSeconds: 7200 })).toString('utf8');
  const expiries = (manifest: string): number[] =>
    manifest
      .split(/[ \n]/)
      .filter((t) => /^[0-9a-f]{32}\+/.test(t))
      .map((t) => signatureExpiry(t) ?? -1);

  async function setup(expirySeconds: number): Promise<{ fs: CollectionFS; source: MemoryCollectionSource }> {
    const store = new MemoryStore();
    await store.put(Buffer.from('foo'));
    await store.put(Buffer.from('bar'));
    const source = new MemoryCollectionSource({ manifestText: plain, key: KEY, token: TOKEN, ttlSeconds: 7200 });
    const fs = await CollectionFS.load(signedText(expirySeconds), { store, source });
    return { fs, source };
  }

  it('an expired signature is refreshed synchronously before the read, for every file', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    const { fs, source } = await setup(nowS - 10);
    assert.equal(await fs.readFile('foo', 'utf8'), 'foo');
    assert.equal(source.fetchCount, 1);
    const after = expiries(await fs.marshalManifest());
    assert.equal(after.length, 2);
    for (const e of after) assert.ok(e > nowS + 3600, `expiry ${e} refreshed`);
    assert.equal(await fs.readFile('bar', 'utf8'), 'bar');
    assert.equal(source.fetchCount, 1, 'fresh signatures need no further refresh');
  });

  it('a failed synchronous refresh does not fail the read', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    const { fs, source } = await setup(nowS - 10);
    source.failNext('fetch');
    assert.equal(await fs.readFile('foo', 'utf8'), 'foo');
    assert.equal(source.fetchCount, 1);
  });

  it('without a source, expired signatures are read as they are', async () => {
    const store = new MemoryStore();
    await store.put(Buffer.from('foo'));
    await store.put(Buffer.from('bar'));
    const fs = await CollectionFS.load(signedText(Math.floor(Date.now() / 1000) - 10), { store });
    assert.equal(await fs.readFile('bar', 'utf8'), 'bar');
  });
});

describe('CollectionFS signature refresh (injected clock)', () => {
  const plain = `. ${FOO} ${BAR} 0:3:foo 3:3:bar\n`;
  const MIN = 60_000;

  async function setup(manifest: string, clock: () => number): Promise<{ fs: CollectionFS; source: MemoryCollectionSource }> {
    const store = new MemoryStore();
    await store.put(Buffer.from('foo'));
    await store.put(Buffer.from('bar'));
    const source = new MemoryCollectionSource({ manifestText: plain, key: KEY, token: TOKEN, ttlSeconds: 7200, now: clock });
    const fs = await CollectionFS.load(manifest, { store, source, now: clock });
    return { fs, source };
  }
  const settle = async (fs: CollectionFS): Promise<void> => {
    for (let i = 0; i < 100 && fs.signatures.tracker.refreshing; i++) await new Promise((r) => setImmediate(r));
  };

  it('an expired signature (by the injected clock) is refreshed synchronously, with expiries from that clock', async () => {
    let now = T0;
    const manifest = `. ${signedAt(FOO, T0 + HOUR, 7200)} ${signedAt(BAR, T0 + HOUR, 7200)} 0:3:foo 3:3:bar\n`;
    const { fs, source } = await setup(manifest, () => now);
    assert.equal(await fs.readFile('foo', 'utf8'), 'foo');
    assert.equal(source.fetchCount, 0, 'an hour left at T0');
    now = T0 + HOUR + 1000; // expired
    assert.equal(await fs.readFile('bar', 'utf8'), 'bar');
    assert.equal(source.fetchCount, 1);
    const expiries = (await fs.marshalManifest()).split(/[ \n]/).filter((t) => t.includes('+A')).map((t) => signatureExpiry(t));
    assert.deepEqual(expiries, [Math.floor(now / 1000) + 7200, Math.floor(now / 1000) + 7200]);
  });

  it('a 2-minute expiry with a guessed TTL of 1 h is refreshed in the background', async () => {
    let now = T0;
    const { fs, source } = await setup(`. ${signedAt(FOO, T0 + HOUR, 7200)} ${signedAt(BAR, T0 + HOUR, 7200)} 0:3:foo 3:3:bar\n`, () => now);
    assert.equal(await fs.readFile('foo', 'utf8'), 'foo');
    assert.equal(source.fetchCount, 0, 'plenty of time left');
    assert.equal(fs.signatures.tracker.guessedTtlMs, HOUR);
    now = T0 + HOUR - 2 * MIN;
    assert.equal(await fs.readFile('bar', 'utf8'), 'bar');
    await settle(fs);
    assert.equal(source.fetchCount, 1);
    const expiries = (await fs.marshalManifest()).split(/[ \n]/).filter((t) => t.includes('+A')).map((t) => signatureExpiry(t));
    assert.deepEqual(expiries, [Math.floor(now / 1000) + 7200, Math.floor(now / 1000) + 7200]);
  });

  it('the clock also gives the mtimes of loaded and created nodes', async () => {
    let now = T0;
    const { fs } = await setup(plain, () => now);
    assert.equal((await fs.stat('foo')).mtimeMs, T0);
    now = T0 + HOUR;
    await fs.writeFile('new', 'x');
    await fs.mkdir('d');
    assert.equal((await fs.stat('new')).mtimeMs, T0 + HOUR);
    assert.equal((await fs.stat('d')).mtimeMs, T0 + HOUR);
    assert.equal((await fs.stat('.')).mtimeMs, T0 + HOUR);
  });

  it('new signatures reset the unsigned-collection hold: the next read checks at once', async () => {
    let now = T0;
    const { fs, source } = await setup(plain, () => now);
    assert.equal(await fs.readFile('foo', 'utf8'), 'foo'); // no signatures: hold for 60 s
    now += 1000;
    fs.signatures.updateSignatures(`. ${signedAt(FOO, now + 2 * HOUR, 7200)} ${signedAt(BAR, now + 30 * MIN, 7200)} 0:3:foo 3:3:bar\n`);
    assert.equal(await fs.readFile('bar', 'utf8'), 'bar'); // 1/4 of the 2 h TTL left: background refresh
    await settle(fs);
    assert.equal(source.fetchCount, 1, 'checked within the old 60 s hold');
    const expiries = (await fs.marshalManifest()).split(/[ \n]/).filter((t) => t.includes('+A')).map((t) => signatureExpiry(t));
    assert.deepEqual(expiries, [Math.floor(now / 1000) + 7200, Math.floor(now / 1000) + 7200]);
  });

  it('unchanged signatures keep the hold', async () => {
    let now = T0;
    const manifest = `. ${signedAt(FOO, T0 + 2 * HOUR, 7200)} ${signedAt(BAR, T0 + 30 * MIN, 7200)} 0:3:foo 3:3:bar\n`;
    const { fs, source } = await setup(manifest, () => now);
    fs.signatures.tracker.decide(signedAt(FOO, T0 + 2 * HOUR, 7200), () => [signedAt(FOO, T0 + 2 * HOUR, 7200)]); // hold = 2 h / 100
    now += 1000;
    fs.signatures.updateSignatures(manifest);
    assert.equal(await fs.readFile('bar', 'utf8'), 'bar');
    await settle(fs);
    assert.equal(source.fetchCount, 0, 'still within the ttl/100 hold');
  });
});
