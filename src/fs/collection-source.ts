/**
 * The CollectionSource port: where a CollectionFS fetches the current signed manifest of its
 * collection (signature refresh, change checks) and saves new versions (`sync()`). The catalog
 * and the REST client implement it; {@link MemoryCollectionSource} is the in-memory version for
 * tests and embedded use.
 */
import { KeepError } from '../errors.js';
import { throwIfAborted } from '../util/abort.js';
import { latin1, utf8, utf8Text } from '../util/bytes.js';
import { loadManifest } from '../manifest/load-manifest.js';
import { writeManifest } from '../manifest/write-manifest.js';
import { portableDataHash } from '../manifest/portable-data-hash.js';
import { signManifest, stripManifestSignatures } from '../manifest/signature.js';
import type { LocatorIds, ManifestTreeSink, ManifestTreeView } from '../manifest/tree.js';
import { planSegmentReplacement, type ReplacementMapInput } from './replace-segments.js';

/** The current version of a collection as the source sees it. */
export interface CollectionSnapshot {
  /** Manifest text, signed for the caller (every block token carries a `+A` hint). */
  readonly manifestText: string;
  /** Portable data hash of the manifest (signatures do not change it). */
  readonly portableDataHash: string;
  /** Last modification time, when the source tracks it. */
  readonly modifiedAt?: Date;
}

/** The saved version as the source returns it. */
export interface SaveResult {
  /** The stored manifest, signed for the caller. */
  readonly manifestText: string;
  readonly portableDataHash: string;
}

export interface SaveOptions {
  readonly signal?: AbortSignal;
  /**
   * `replace_segments` (reference §6.2/§6.4): applied by the source to `manifestText` *after*
   * taking it, with the ReplaceSegments algorithm. Keys and values are `"loc off len"` texts.
   */
  readonly replaceSegments?: Readonly<Record<string, string>>;
}

/**
 * What a CollectionFS needs from whoever stores its collection.
 *
 * `fetch` returns the current version (used for signature refresh: the CollectionFS applies the
 * returned signed locators to its segments by hash; and for change checks: a different PDH means
 * the collection changed elsewhere). `save` stores a new manifest (after applying
 * `replaceSegments`, if any) and returns the stored version signed for the caller; the
 * CollectionFS then updates its signatures from it. Both reject with a KeepError on failure and
 * with ERR_ABORTED when `signal` aborts. Implementations serialise saves of one collection.
 * @example
 * const fs = await CollectionFS.load((await source.fetch()).manifestText, { store, source });
 * await fs.writeFile('a.txt', 'hi');
 * await fs.sync(); // source.save(marshalled text)
 */
export interface CollectionSource {
  fetch(options?: { signal?: AbortSignal }): Promise<CollectionSnapshot>;
  save(manifestText: string, options?: SaveOptions): Promise<SaveResult>;
}

export interface MemoryCollectionSourceOptions {
  /** Initial manifest (signatures are stripped before storing). @default '' */
  readonly manifestText?: string;
  /** Blob signing key. Without key or token, manifests are returned unsigned. */
  readonly key?: string;
  /** API token the manifests are signed for. */
  readonly token?: string;
  /** Signing TTL in seconds. @default 1209600 (two weeks) */
  readonly ttlSeconds?: number;
  /** Clock, ms since the epoch (signatures expire at now + TTL). @default Date.now */
  readonly now?: () => number;
}

type FailOp = 'fetch' | 'save';

/**
 * An in-memory CollectionSource: holds the unsigned manifest, signs what it returns with
 * `signManifest` (expiry = now + TTL, from the injected clock), applies `replaceSegments` on
 * save, counts calls, and can be told to fail the next call.
 * @example
 * const source = new MemoryCollectionSource({ manifestText: '', key, token, ttlSeconds: 3600, now: () => clockMs });
 * source.failNext('save'); // the next save rejects with ERR_REMOTE
 */
export class MemoryCollectionSource implements CollectionSource {
  #manifest: string;
  #modifiedAt: Date;
  readonly #key: string;
  readonly #token: string;
  readonly #ttlSeconds: number;
  readonly #now: () => number;
  readonly #failures: Array<{ op: FailOp; error: Error }> = [];
  /** Number of fetch() calls (including failed ones). */
  fetchCount = 0;
  /** Number of save() calls (including failed ones). */
  saveCount = 0;
  /** Every successful save: the text received and the replaceSegments map, in order. */
  readonly saves: Array<{ manifestText: string; replaceSegments?: Readonly<Record<string, string>> }> = [];

  constructor(options: MemoryCollectionSourceOptions = {}) {
    this.#key = options.key ?? '';
    this.#token = options.token ?? '';
    this.#ttlSeconds = options.ttlSeconds ?? 1209600;
    this.#now = options.now ?? Date.now;
    this.#manifest = unsigned(options.manifestText ?? '');
    this.#modifiedAt = new Date(this.#now());
  }

  /** The stored (unsigned) manifest. */
  get manifestText(): string {
    return this.#manifest;
  }

  /** Portable data hash of the stored manifest. */
  get portableDataHash(): string {
    return portableDataHash(utf8(this.#manifest));
  }

  /** Replace the stored manifest, as another writer would (bumps modifiedAt). */
  setManifest(manifestText: string): void {
    this.#manifest = unsigned(manifestText);
    this.#modifiedAt = new Date(this.#now());
  }

  /** Make the next `op` call reject with `error` (queued; one failure per call). */
  failNext(op: FailOp, error: Error = new KeepError('ERR_REMOTE', `Cannot ${op} collection: injected failure`)): void {
    this.#failures.push({ op, error });
  }

  /** The stored manifest signed as fetch/save would return it now. */
  signed(): string {
    if (this.#key === '' || this.#token === '' || this.#manifest === '') return this.#manifest;
    const expiry = Math.floor(this.#now() / 1000) + this.#ttlSeconds;
    return utf8Text(signManifest(utf8(this.#manifest), { key: this.#key, token: this.#token, expiry, ttlSeconds: this.#ttlSeconds }));
  }

  async fetch(options: { signal?: AbortSignal } = {}): Promise<CollectionSnapshot> {
    this.fetchCount++;
    throwIfAborted(options.signal);
    this.#maybeFail('fetch');
    return { manifestText: this.signed(), portableDataHash: this.portableDataHash, modifiedAt: this.#modifiedAt };
  }

  async save(manifestText: string, options: SaveOptions = {}): Promise<SaveResult> {
    this.saveCount++;
    throwIfAborted(options.signal);
    this.#maybeFail('save');
    let text = manifestText;
    const repl = options.replaceSegments;
    if (repl !== undefined && Object.keys(repl).length > 0) text = applyReplaceSegmentsToManifest(text, repl);
    this.#manifest = unsigned(text);
    this.#modifiedAt = new Date(this.#now());
    this.saves.push(repl === undefined ? { manifestText } : { manifestText, replaceSegments: { ...repl } });
    return { manifestText: this.signed(), portableDataHash: this.portableDataHash };
  }

  #maybeFail(op: FailOp): void {
    const i = this.#failures.findIndex((f) => f.op === op);
    if (i < 0) return;
    const [f] = this.#failures.splice(i, 1);
    if (f) throw f.error;
  }
}

function unsigned(text: string): string {
  return text === '' ? '' : utf8Text(stripManifestSignatures(utf8(text)));
}

/**
 * Apply `replace_segments` to a manifest text the way the API server does (§6.4): load it, run
 * the §6.2 algorithm over its stored segments, and re-marshal it with prefix `.` only if something
 * changed (otherwise the text is returned untouched).
 * @param manifestText a manifest, as a UTF-8 JS string.
 * @returns the (possibly rewritten) manifest as a UTF-8 JS string.
 * @throws ERR_MANIFEST_SYNTAX for a malformed manifest; ERR_INVALID_ARGUMENT for invalid
 *   replacements (§6.2 texts).
 * @example applyReplaceSegmentsToManifest('. L1 L2 0:3:f\n', { 'L1 0 1': 'L3 0 1', 'L2 0 2': 'L3 1 2' }) // '. L3 0:3:f\n'
 */
export function applyReplaceSegmentsToManifest(manifestText: string, replaceSegments: ReplacementMapInput): string {
  const tree = new EditableTree();
  loadManifest(utf8(manifestText), tree);
  const plan = planSegmentReplacement(tree.storedSegments(), replaceSegments);
  let changed = false;
  tree.mapSegments((locator, offset, length) => {
    const r = plan.lookup(locator, offset, length);
    if (r === undefined) return undefined;
    changed = true;
    return { locator: r.locator, blockSize: r.blockSize, offset: r.offset };
  });
  if (!changed) return manifestText;
  return utf8Text(writeManifest(tree));
}

/** Interned locators (a tiny LocatorIds, independent of the manifest layer's table). */
class Locators implements LocatorIds {
  readonly #ids = new Map<string, number>();
  readonly #texts: string[] = [];
  readonly #sizes: number[] = [];
  internBytes(bytes: Uint8Array, start: number, end: number, blockSize: number): number {
    return this.intern(latin1(bytes, start, end), blockSize);
  }
  intern(locator: string, blockSize: number): number {
    let id = this.#ids.get(locator);
    if (id === undefined) {
      id = this.#texts.length;
      this.#ids.set(locator, id);
      this.#texts.push(locator);
      this.#sizes.push(blockSize);
    }
    return id;
  }
  text(id: number): string {
    return this.#texts[id] as string;
  }
  size(id: number): number {
    return this.#sizes[id] as number;
  }
}

/** A minimal tree whose stored segments can be rewritten in place. */
class EditableTree implements ManifestTreeSink, ManifestTreeView {
  readonly locators = new Locators();
  readonly root = 0;
  readonly #parent: number[] = [0];
  readonly #children: Array<Map<string, number> | undefined> = [new Map()];
  /** Per file: flat [locatorId, offset, length] triples. */
  readonly #segments: Array<number[] | undefined> = [undefined];

  parentOf(dir: number): number {
    return this.#parent[dir] as number;
  }
  childOf(dir: number, name: string): number {
    return this.#children[dir]?.get(name) ?? -1;
  }
  isDir(node: number): boolean {
    return this.#children[node] !== undefined;
  }
  addDir(dir: number, name: string): number {
    return this.#add(dir, name, true);
  }
  addFile(dir: number, name: string): number {
    return this.#add(dir, name, false);
  }
  addSegment(file: number, locator: number, offset: number, length: number): void {
    this.#segments[file]?.push(locator, offset, length);
  }
  children(dir: number): Iterable<readonly [string, number]> {
    return this.#children[dir]?.entries() ?? [];
  }
  forEachSegment(file: number, visit: (locator: number, offset: number, length: number) => void): void {
    const s = this.#segments[file];
    if (s === undefined) return;
    for (let i = 0; i < s.length; i += 3) visit(s[i] as number, s[i + 1] as number, s[i + 2] as number);
  }
  /** Every stored segment (any order). */
  *storedSegments(): Iterable<{ locator: string; offset: number; length: number }> {
    for (const s of this.#segments) {
      if (s === undefined) continue;
      for (let i = 0; i < s.length; i += 3) {
        yield { locator: this.locators.text(s[i] as number), offset: s[i + 1] as number, length: s[i + 2] as number };
      }
    }
  }
  /** Rewrite segments: `fn` returns new coordinates (length kept) or undefined to keep one. */
  mapSegments(fn: (locator: string, offset: number, length: number) => { locator: string; blockSize: number; offset: number } | undefined): void {
    for (const s of this.#segments) {
      if (s === undefined) continue;
      for (let i = 0; i < s.length; i += 3) {
        const r = fn(this.locators.text(s[i] as number), s[i + 1] as number, s[i + 2] as number);
        if (r === undefined) continue;
        s[i] = this.locators.intern(r.locator, r.blockSize);
        s[i + 1] = r.offset;
      }
    }
  }
  #add(dir: number, name: string, isDir: boolean): number {
    const id = this.#parent.length;
    this.#parent.push(dir);
    this.#children.push(isDir ? new Map() : undefined);
    this.#segments.push(isDir ? undefined : []);
    this.#children[dir]?.set(name, id);
    return id;
  }
}
