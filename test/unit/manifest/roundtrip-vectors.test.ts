import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadManifest } from '../../../src/manifest/load-manifest.js';
import { ManifestSyntaxError } from '../../../src/manifest/manifest-syntax-error.js';
import { normalizeManifest } from '../../../src/manifest/normalize.js';
import { portableDataHash } from '../../../src/manifest/portable-data-hash.js';
import { SimpleTree } from '../../../src/manifest/simple-tree.js';
import { writeManifest } from '../../../src/manifest/write-manifest.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/vectors/', import.meta.url));

interface RoundtripVector {
  manifest: string;
  marshal: string | null;
  error: string | null;
  pdh_in: string;
  pdh_out: string | null;
  size: number | null;
}

const vectors: RoundtripVector[] = readFileSync(FIXTURES + 'manifest-roundtrip.jsonl', 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as RoundtripVector);

const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');

describe('manifest-roundtrip.jsonl', () => {
  it('has the documented number of vectors, with both outcomes', () => {
    assert.equal(vectors.length, 80);
    assert.ok(vectors.some((v) => v.error !== null));
    assert.ok(vectors.some((v) => v.marshal !== null));
  });

  vectors.forEach((v, i) => {
    it(`vector ${i}: ${v.error === null ? 'loads and re-marshals' : 'fails'} as the reference`, () => {
      assert.equal(portableDataHash(utf8(v.manifest)), v.pdh_in);
      const tree = new SimpleTree();
      if (v.error !== null) {
        assert.throws(
          () => loadManifest(utf8(v.manifest), tree),
          (err: unknown) => err instanceof ManifestSyntaxError && err.message === v.error && v.error.startsWith(`malformed manifest_text: line ${err.line}: `),
        );
        assert.throws(() => normalizeManifest(v.manifest), ManifestSyntaxError);
        return;
      }
      loadManifest(utf8(v.manifest), tree);
      const out = writeManifest(tree);
      assert.equal(Buffer.from(out).toString('utf8'), v.marshal);
      assert.equal(tree.size(), v.size);
      assert.equal(portableDataHash(out), v.pdh_out);
      assert.deepEqual(normalizeManifest(v.manifest), out);
      // Writer output is a fixed point.
      assert.deepEqual(normalizeManifest(out), out);
    });
  });
});
