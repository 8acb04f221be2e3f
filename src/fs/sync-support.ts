import { KeepError } from '../errors.js';
import { Mutex } from '../util/mutex.js';
import { stripAllHints } from '../manifest/locator.js';
import { portableDataHash } from '../manifest/portable-data-hash.js';
import { writeManifest } from '../manifest/write-manifest.js';
import type { BlockSegment } from './replace-segments.js';
import { toReplaceSegmentsRecord, mergePendingRepack } from './repack-data.js';
import type { CollectionSource } from './collection-source.js';
import type { FsCore } from './fs-core.js';
import { SignatureTracker, parseSignedLocators } from './signature-tracker.js';

/** Options for signature tracking (clock injection for tests). */
export interface SyncSupportOptions {
  now?: () => number;
}

/**
 * Persistence and signature upkeep of a CollectionFS through its {@link CollectionSource}:
 * `sync()` (save unless the PDH is unchanged, then take the signatures of the response),
 * signature refresh before reads (synchronous when ≤ 1 minute is left, in the background when
 * less than half the guessed TTL remains), and pending repack results sent as `replaceSegments`.
 */
export class SyncSupport {
  readonly #core: FsCore;
  readonly #source: CollectionSource | undefined;
  readonly #tracker: SignatureTracker;
  #savedPdh: string | undefined;
  /** PDH of the server's version this fs last loaded or saved (conflict check of `sync()`). */
  #basePdh: string | undefined;
  /** One sync at a time: a second sync must see the first one's save as its own. */
  readonly #syncLock = new Mutex();
  #pendingRepack: ReadonlyMap<string, BlockSegment> = new Map();
  /** Errors of background refreshes (reported, never thrown into reads). */
  readonly backgroundErrors: unknown[] = [];

  constructor(core: FsCore, source: CollectionSource | undefined, _owner: object, options: SyncSupportOptions = {}) {
    this.#core = core;
    this.#source = source;
    this.#tracker = new SignatureTracker(options.now !== undefined ? { now: options.now } : {});
    if (source !== undefined) core.beforeRead = (ids) => this.#beforeRead(ids);
  }

  /** The signature tracker (guessed TTL, refresh count). */
  get tracker(): SignatureTracker {
    return this.#tracker;
  }

  /**
   * Remember the PDH of the loaded tree as marshalled (Go `savedPDH`) and the PDH of the loaded
   * text itself (the server version `sync()` expects to replace); only with a source.
   */
  markLoaded(text: Uint8Array | string): void {
    if (this.#source === undefined) return;
    this.#savedPdh = portableDataHash(writeManifest(this.#core.tree, '.'));
    this.#basePdh = portableDataHash(text);
  }

  /** Merge repack results into the pending `replaceSegments` map sent by the next sync. */
  addRepackResults(fresh: ReadonlyMap<string, BlockSegment>): void {
    this.#pendingRepack = mergePendingRepack(this.#pendingRepack, fresh);
  }

  /** Pending repack results. */
  get pendingRepack(): ReadonlyMap<string, BlockSegment> {
    return this.#pendingRepack;
  }

  /**
   * Save the collection through the source: marshal (uploading buffered data), skip when the PDH
   * equals the last saved/loaded one and no repack results are pending; else `fetch` the current
   * version first and refuse to overwrite it when its PDH is not the one this fs loaded or last
   * saved (someone else changed it), then `save` and apply the signatures of the stored version.
   * Syncs of one fs run one at a time. Without a source only the upload happens.
   * @throws the upload error; KeepError ERR_CONFLICT (`sync failed: collection changed on the
   *   server since it was loaded`; nothing is saved, local data and pending repack results are
   *   kept); or the source's error (`sync failed: …`)
   */
  async sync(options: { signal?: AbortSignal } = {}): Promise<void> {
    const text = await this.#core.marshal('.');
    const source = this.#source;
    if (source === undefined) return;
    await this.#syncLock.runExclusive(() => this.#save(source, text, options), options.signal);
  }

  async #save(source: CollectionSource, text: Uint8Array, options: { signal?: AbortSignal }): Promise<void> {
    const signal = options.signal !== undefined ? { signal: options.signal } : {};
    const pdh = portableDataHash(text);
    if (pdh === this.#savedPdh && this.#pendingRepack.size === 0) return;
    const replaceSegments = this.#pendingRepack.size > 0 ? toReplaceSegmentsRecord(this.#pendingRepack) : undefined;
    let res;
    try {
      if (this.#basePdh !== undefined && (await source.fetch(signal)).portableDataHash !== this.#basePdh) {
        throw new KeepError('ERR_CONFLICT', 'sync failed: collection changed on the server since it was loaded');
      }
      res = await source.save(Buffer.from(text).toString('utf8'), { ...signal, ...(replaceSegments !== undefined ? { replaceSegments } : {}) });
    } catch (err) {
      if (err instanceof KeepError && err.code === 'ERR_CONFLICT') throw err;
      throw new KeepError(err instanceof KeepError ? err.code : 'ERR_REMOTE', `sync failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    this.#pendingRepack = new Map();
    this.#basePdh = res.portableDataHash;
    this.updateSignatures(res.manifestText);
    this.#savedPdh = replaceSegments === undefined ? pdh : res.portableDataHash;
  }

  /**
   * Go `updateSignatures`: give every stored segment the signed locator of its block in `manifest`.
   * When any locator changed, the tracker's check hold is reset (a collection that just got
   * signatures is checked on its next read, not up to a minute later).
   */
  updateSignatures(manifest: string | Uint8Array): void {
    const signed = parseSignedLocators(manifest);
    if (signed.size === 0) return;
    const table = this.#core.tree.locators;
    const n = table.count;
    const remap = new Int32Array(n);
    let changed = false;
    for (let id = 0; id < n; id++) {
      remap[id] = id;
      const text = table.text(id);
      const next = signed.get(stripAllHints(text));
      if (next !== undefined && next !== text) {
        remap[id] = table.intern(next, table.size(id));
        changed = true;
      }
    }
    if (!changed) return;
    this.#core.tree.remapLocators(remap);
    // New signatures make the "no signatures, check again in 60 s" hold (and any ttl/100 hold
    // computed from the old ones) stale: let the next read re-check the whole collection.
    this.#tracker.resetHold();
  }

  async #refreshTask(): Promise<void> {
    const source = this.#source;
    if (source === undefined) return;
    const snap = await source.fetch();
    this.updateSignatures(snap.manifestText);
  }

  async #beforeRead(ids: readonly number[]): Promise<readonly number[]> {
    const table = this.#core.tree.locators;
    let needSync = false;
    let background = false;
    const all = (): Iterable<string> => {
      const used = new Set<number>();
      this.#core.tree.mapStoredSegments(this.#core.tree.root, (loc) => {
        used.add(loc);
        return undefined;
      });
      return [...used].map((id) => table.text(id));
    };
    for (const id of new Set(ids)) {
      const d = this.#tracker.decide(table.text(id), all);
      if (d === 'sync') needSync = true;
      else if (d === 'background') background = true;
    }
    if (needSync) {
      try {
        await this.#tracker.refresh(() => this.#refreshTask());
      } catch (err) {
        this.backgroundErrors.push(err);
      }
      return ids.map((id) => this.#core.tree.currentLocator(id));
    }
    if (background) void this.#tracker.refresh(() => this.#refreshTask()).catch((err: unknown) => this.backgroundErrors.push(err));
    return ids;
  }
}
