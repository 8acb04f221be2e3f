// The README's code examples, run with their documented results, so the docs cannot rot.
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectionFS, DirectoryStore, MemoryStore, parseLocator, portableDataHash } from '../../src/index.js';

test('README: manifest examples give the documented results', () => {
  assert.equal(portableDataHash('. acbd18db4cc2f85cedef654fccc4a4d8+3 0:3:foo\n'), '1f4b0bc7583c2a7f9102c395f4ffc5e3+45');
  assert.deepEqual(parseLocator('acbd18db4cc2f85cedef654fccc4a4d8+3+K@xyzzy'), { hash: 'acbd18db4cc2f85cedef654fccc4a4d8', size: 3, hints: ['K@xyzzy'] });
});

test('README: CollectionFS "Loading and saving" example', async () => {
  const store = new MemoryStore();
  const fs = await CollectionFS.load('', { store });
  await fs.mkdir('data');
  await fs.writeFile('data/hello.txt', 'hello');
  const text = await fs.marshalManifest();
  assert.equal(text, './data 5d41402abc4b2a76b9719d911017c592+5 0:5:hello.txt\n');
  assert.equal(await fs.portableDataHash(), portableDataHash(text));
  const again = await CollectionFS.load(await fs.marshalManifest(), { store });
  assert.equal(await again.readFile('data/hello.txt', 'utf8'), 'hello');
});

test('README: CollectionFS Buffer paths example', async () => {
  const store = new MemoryStore();
  await store.put(Buffer.from('foo'));
  const fs = await CollectionFS.load('. acbd18db4cc2f85cedef654fccc4a4d8+3 0:3:caf\\351\n', { store });
  assert.deepEqual(await fs.readdir('.'), ['caf\uFFFD']);
  const [name] = await fs.readdir('.', 'buffer');
  assert.deepEqual(name, Buffer.from([0x63, 0x61, 0x66, 0xe9]));
  assert.equal(await fs.readFile(name!, 'utf8'), 'foo');
  await fs.rename(name!, 'cafe');
  assert.equal(await fs.marshalManifest(), '. acbd18db4cc2f85cedef654fccc4a4d8+3 0:3:cafe\n');
});

test('README: DirectoryStore put and ranged get', async () => {
  const root = await mkdtemp(join(tmpdir(), 'keepfs-readme-'));
  try {
    const disk = new DirectoryStore({ root, storageClasses: ['default'] });
    const data = Buffer.from('hello, keep');
    const { locator } = await disk.put(data);
    assert.equal(locator, `${createHash('md5').update(data).digest('hex')}+11`);
    assert.equal(Buffer.from(await disk.get(locator, { offset: 7, length: 4 })).toString(), 'keep');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
