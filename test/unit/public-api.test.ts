// The package root exports the public API that the issues and the README promise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as keepfs from '../../src/index.js';
import * as manifest from '../../src/manifest/index.js';

test('the package root exports the manifest API, the stores and CollectionFS', () => {
  const names = [
    'parseLocator', 'formatLocator', 'stripAllHints', 'manifestEscape', 'manifestUnescape',
    'portableDataHash', 'signLocator', 'verifyLocatorSignature', 'signManifest',
    'stripManifestSignatures', 'validateManifest', 'loadManifest', 'writeManifest',
    'normalizeManifest', 'tokenizeManifest', 'ManifestSyntaxError', 'KeepError', 'isKeepError',
    'MemoryStore', 'DirectoryStore', 'S3Store', 'VolumeSet', 'ReadCache', 'KeepClient', 'HashPool',
    'CollectionFS', 'FsError', 'MemoryCollectionSource', 'startKeepServer',
  ];
  const missing = names.filter((n) => typeof (keepfs as Record<string, unknown>)[n] !== 'function');
  assert.deepEqual(missing, []);
});

test('the manifest entry point round-trips a manifest through the loader/writer pair', () => {
  const text = '. acbd18db4cc2f85cedef654fccc4a4d8+3 0:3:foo\n';
  const tree = new manifest.SimpleTree();
  manifest.loadManifest(text, tree);
  assert.equal(Buffer.from(manifest.writeManifest(tree)).toString('utf8'), text);
  assert.equal(manifest.portableDataHash(text), '1f4b0bc7583c2a7f9102c395f4ffc5e3+45');
});
