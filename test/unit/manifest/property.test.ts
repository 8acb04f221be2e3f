import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { loadManifest } from '../../../src/manifest/load-manifest.js';
import { ManifestSyntaxError } from '../../../src/manifest/manifest-syntax-error.js';
import { SimpleTree } from '../../../src/manifest/simple-tree.js';
import { writeManifest } from '../../../src/manifest/write-manifest.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/vectors/', import.meta.url));

const LOCATORS: Array<[string, number]> = [
  ['acbd18db4cc2f85cedef654fccc4a4d8+3', 3],
  ['37b51d194a7513e45b56f6524f2d51f2+3+K@xyzzy', 3],
  ['7f614da9329cd3aebf59b91aadc30bf0+67108864', 67108864],
  [`9e5ff35610a0249d59fd7cd1eaec383b+13+A${'5'.repeat(40)}@7fffffff`, 13],
  ['0123456789abcdef0123456789abcdef+1', 1],
];

/** A generated tree: path components -> file segments ([locator index, offset, length]) or 'dir'. */
type Entry = { path: string[]; file: Array<[number, number, number]> | null };

const latin1 = (a: Uint8Array): string => Buffer.from(a).toString('latin1');

const nameArb = fc
  .oneof(
    fc.constantFrom('a', 'b', 'B', '_', 'a b', 'a-b', 'x:y', 'back\\slash', '.hidden', '...', 'caf\xc3\xa9', '\xff', 'tab\t', 'nl\n', '\\056', 'del\x7f'),
    fc.uint8Array({ minLength: 1, maxLength: 6 }).map(latin1),
  )
  .filter((n) => n !== '.' && n !== '..' && !n.includes('/'));

function segmentArb(allowEmpty: boolean): fc.Arbitrary<[number, number, number]> {
  return fc.integer({ min: 0, max: LOCATORS.length - 1 }).chain((li) => {
    const size = LOCATORS[li]![1];
    return fc.integer({ min: 0, max: size - 1 }).chain((off) =>
      fc.integer({ min: allowEmpty ? 0 : 1, max: size - off }).map((len): [number, number, number] => [li, off, len]),
    );
  });
}

function entriesArb(allowEmpty: boolean): fc.Arbitrary<Entry[]> {
  const entry = fc.record({
    path: fc.array(nameArb, { minLength: 1, maxLength: 3 }),
    file: fc.option(fc.array(segmentArb(allowEmpty), { maxLength: 4 }), { nil: null, freq: 3 }),
  });
  return fc.array(entry, { maxLength: 25 });
}

/** Build a SimpleTree from entries, skipping entries that conflict with earlier ones. */
function build(entries: Entry[]): SimpleTree {
  const tree = new SimpleTree();
  for (const { path, file } of entries) {
    let dir = tree.root;
    let ok = true;
    for (const part of path.slice(0, -1)) {
      const child = tree.childOf(dir, part);
      if (child < 0) dir = tree.addDir(dir, part);
      else if (tree.isDir(child)) dir = child;
      else {
        ok = false;
        break;
      }
    }
    const base = path[path.length - 1]!;
    if (!ok || tree.childOf(dir, base) >= 0) continue;
    if (file === null) {
      tree.addDir(dir, base);
      continue;
    }
    const node = tree.addFile(dir, base);
    for (const [li, off, len] of file) {
      const [loc, size] = LOCATORS[li]!;
      tree.addSegment(node, tree.locators.intern(loc, size), off, len);
    }
  }
  return tree;
}

/** A canonical description of a tree: sorted paths, files with coalesced segments. */
function describeTree(tree: SimpleTree, dir = tree.root, prefix = ''): string[] {
  const out: string[] = [];
  const children = [...tree.children(dir)].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  for (const [name, node] of children) {
    const path = prefix + '/' + JSON.stringify(name);
    if (tree.isDir(node)) {
      out.push(path + '/', ...describeTree(tree, node, path));
      continue;
    }
    const segs: Array<[string, number, number]> = [];
    for (const s of tree.segments(node)) {
      const last = segs[segs.length - 1];
      if (last !== undefined && last[0] === s.locator && last[1] + last[2] === s.offset) last[2] += s.length;
      else segs.push([s.locator, s.offset, s.length]);
    }
    out.push(path + ' ' + JSON.stringify(segs));
  }
  return out;
}

function reload(bytes: Uint8Array): SimpleTree {
  const tree = new SimpleTree();
  loadManifest(bytes, tree);
  return tree;
}

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

describe('manifest properties', () => {
  it('load(write(tree)) gives the same tree, and write is idempotent', () => {
    fc.assert(
      fc.property(entriesArb(false), (entries) => {
        const tree = build(entries);
        const first = writeManifest(tree);
        const again = reload(first);
        assert.deepEqual(describeTree(again), describeTree(tree));
        assert.equal(again.size(), tree.size());
        assert.equal(text(writeManifest(again)), text(first));
      }),
      { numRuns: 400 },
    );
  });

  it('the writer output of any loaded tree is a fixed point (zero-length segments included)', () => {
    fc.assert(
      fc.property(entriesArb(true), fc.constantFrom('.', './p', './with space'), (entries, prefix) => {
        const once = writeManifest(reload(writeManifest(build(entries), prefix)));
        const twice = writeManifest(reload(once));
        assert.equal(text(twice), text(once));
      }),
      { numRuns: 300 },
    );
  });
});

/** Load `bytes`; only a ManifestSyntaxError may escape, and success must re-marshal to a fixed point. */
function checkLoad(bytes: Uint8Array): void {
  const tree = new SimpleTree();
  try {
    loadManifest(bytes, tree);
  } catch (err: unknown) {
    if (!(err instanceof ManifestSyntaxError)) throw err;
    assert.ok(err.line >= 1);
    assert.ok(err.message.startsWith(`malformed manifest_text: line ${err.line}: `), err.message);
    return;
  }
  const out = writeManifest(tree);
  assert.equal(text(writeManifest(reload(out))), text(out));
}

const seeds: Uint8Array[] = readFileSync(FIXTURES + 'manifest-roundtrip.jsonl', 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => Buffer.from((JSON.parse(line) as { manifest: string }).manifest, 'utf8'))
  .filter((b) => b.length < 4000);

type Mutation = { kind: 'flip' | 'insert' | 'delete'; at: number; byte: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('flip', 'insert', 'delete'),
  at: fc.nat(),
  byte: fc.oneof(fc.constantFrom(0x20, 0x3a, 0x0a, 0x2b, 0x2f, 0x5c, 0x2e, 0x30, 0x2d), fc.integer({ min: 0, max: 255 })),
});

function mutate(seed: Uint8Array, mutations: Mutation[]): Uint8Array {
  const bytes = [...seed];
  for (const m of mutations) {
    const at = bytes.length === 0 ? 0 : m.at % (bytes.length + (m.kind === 'insert' ? 1 : 0));
    if (m.kind === 'insert') bytes.splice(at, 0, m.byte);
    else if (bytes.length === 0) continue;
    else if (m.kind === 'delete') bytes.splice(at, 1);
    else bytes[at] = m.byte;
  }
  return Uint8Array.from(bytes);
}

describe('loadManifest() robustness', () => {
  it('throws only ManifestSyntaxError on random bytes', { timeout: 60_000 }, () => {
    const manifestish = fc.oneof(
      fc.constantFrom(' ', '\n', ':', '+', '.', '/', '\\', '0', '3', '-', 'a', 'acbd18db4cc2f85cedef654fccc4a4d8+3', '\\056', '..'),
      fc.uint8Array({ maxLength: 3 }).map(latin1),
    );
    fc.assert(
      fc.property(fc.array(manifestish, { maxLength: 40 }), (parts) => {
        checkLoad(Buffer.from(parts.join(''), 'latin1'));
      }),
      { numRuns: 3000 },
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => checkLoad(bytes)), { numRuns: 1000 });
  });

  it('throws only ManifestSyntaxError on mutated valid manifests', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(mutationArb, { minLength: 1, maxLength: 6 }), (seed, mutations) => {
        checkLoad(mutate(seed, mutations));
      }),
      { numRuns: 3000 },
    );
  });
});

/** One generated line: block sizes and file tokens [offset, length, name]. */
type GenLine = { stream: string; sizes: number[]; tokens: Array<[number, number, string]> };

const genLineArb: fc.Arbitrary<GenLine> = fc
  .record({
    stream: fc.constantFrom('.', './d'),
    sizes: fc.array(fc.constantFrom<number>(0, 1, 3, 5, 67108864), { minLength: 1, maxLength: 6 }),
  })
  .chain(({ stream, sizes }) => {
    const total = sizes.reduce((a: number, b: number) => a + b, 0);
    const pos = fc.oneof(fc.integer({ min: 0, max: total + 1 }), fc.constantFrom(0, 1, 3, 67108863, 67108864, total));
    const token = fc.tuple(pos, fc.oneof(fc.integer({ min: 0, max: 8 }), fc.constantFrom(0, 67108864, total)), fc.constantFrom('a', 'b', 'c'));
    return fc.array(token, { minLength: 1, maxLength: 8 }).map((tokens) => ({ stream, sizes, tokens }));
  });

/**
 * The Go loader's block mapping written as the plain linear scan of the original Go code
 * (rewinding to block 0 when a token starts before the current position): the oracle.
 */
function modelSegments(lines: GenLine[]): { files: Map<string, string[]>; error: string | null } {
  const files = new Map<string, string[]>();
  for (const [li, line] of lines.entries()) {
    let pos = 0;
    let idx = 0;
    for (const [offset, length, name] of line.tokens) {
      const key = `${line.stream}/${name}`;
      const segs = files.get(key) ?? [];
      files.set(key, segs);
      if (pos > offset) [idx, pos] = [0, 0];
      for (; idx < line.sizes.length; idx++) {
        const size = line.sizes[idx]!;
        const next = pos + size;
        if (next <= offset || size === 0) {
          pos = next;
          continue;
        }
        if (pos >= offset + length) break;
        const blkOff = pos < offset ? offset - pos : 0;
        let blkLen = size - blkOff;
        if (pos + blkOff + blkLen > offset + length) blkLen = offset + length - pos - blkOff;
        segs.push(`${idx}@${blkOff}+${blkLen}`);
        if (next > offset + length) break;
        pos = next;
      }
      if (idx === line.sizes.length && pos < offset + length) {
        return { files, error: `line ${li + 1}: invalid segment in ${pos}-byte stream: "${offset}:${length}:${name}"` };
      }
    }
  }
  return { files, error: null };
}

describe('loadManifest() block mapping', () => {
  it('equals the linear-scan model of the Go loader (fast path, binary search, continuation)', () => {
    fc.assert(
      fc.property(fc.array(genLineArb, { minLength: 1, maxLength: 3 }), (lines) => {
        // Block i of a line gets a locator naming its index, so segments can be compared by index.
        const text = lines
          .map((l) => `${l.stream} ${l.sizes.map((s, i) => `${String(i).padStart(32, '0')}+${s}`).join(' ')} ${l.tokens.map(([o, n, f]) => `${o}:${n}:${f}`).join(' ')}\n`)
          .join('');
        const expected = modelSegments(lines);
        const tree = new SimpleTree();
        let error: string | null = null;
        try {
          loadManifest(text, tree);
        } catch (err: unknown) {
          if (!(err instanceof ManifestSyntaxError)) throw err;
          error = err.message.replace('malformed manifest_text: ', '');
        }
        assert.equal(error, expected.error);
        if (error !== null) return;
        for (const [key, segs] of expected.files) {
          const node = tree.lookup(key);
          const got = tree.segments(node).map((s) => `${Number(s.locator.slice(0, 32))}@${s.offset}+${s.length}`);
          assert.deepEqual(got, segs, key);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
