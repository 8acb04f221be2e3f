/**
 * Signature expiry tracking and refresh policy (reference §5: signatureTimeLeft,
 * checkChangesOnServer, refreshSignature, updateSignatures).
 *
 * CollectionFS keeps the signed locator each stored segment was loaded with. Before reading a
 * stored segment it asks {@link SignatureTracker.decide}:
 * - `'sync'`: the locator's signature has ≤ 1 minute left (or has expired): await
 *   `tracker.refresh(task)` and re-read the segment's locator before reading the block;
 * - `'background'`: less than half of the (guessed) TTL remains somewhere in the collection:
 *   start `tracker.refresh(task)` without awaiting it;
 * - `'none'`: read as is.
 * The `task` fetches the current signed manifest through the CollectionSource and applies
 * {@link parseSignedLocators} to every stored segment (match by hash only). `refresh` is
 * single-flight: concurrent callers share one task.
 */
import { signatureExpiry } from '../manifest/signature.js';
import { stripAllHints } from '../manifest/locator.js';
import { latin1 } from '../util/bytes.js';

/** Fraction of the TTL left and the TTL used to compute it. */
export interface SignatureTimeLeft {
  /**
   * `(earliest expiry − now) / ttl`: usually in [0, 1], negative once a signature has expired,
   * 1 when there are no signatures at all.
   */
  readonly fraction: number;
  /** The TTL estimate used (ms); 0 when there are no signatures. */
  readonly ttlMs: number;
}

/** Mutable state the guessed-TTL rule keeps between calls. */
export interface SignatureTtlState {
  /** Monotone lower bound of the server's signing TTL, in ms (starts at 0). */
  guessedTtlMs: number;
}

const SEVEN_YEARS_MS = 7 * 365 * 24 * 3600 * 1000;

/**
 * The reference's `signatureTimeLeft` over a set of locators.
 *
 * earliest = min(expiry) (starting from now + 7×365 days), latest = max(expiry) over the locators
 * with a parseable `+A` signature. ttl = latest − now; if that exceeds `state.guessedTtlMs` the
 * guess is raised to it, otherwise the guess is used. Returns `(earliest − now) / ttl`.
 *
 * @param locators the stored segments' locators; distinct locators suffice (duplicates do not
 *   change the result), so pass the interned locator table rather than every segment.
 * @param nowMs current time, ms since the epoch.
 * @param state the guessed-TTL state; `guessedTtlMs` is updated in place (monotone).
 * @example signatureTimeLeft(['acbd…+3+A…@7fffffff'], Date.now(), { guessedTtlMs: 0 })
 */
export function signatureTimeLeft(locators: Iterable<string>, nowMs: number, state: SignatureTtlState): SignatureTimeLeft {
  let earliest = nowMs + SEVEN_YEARS_MS;
  let latest = -Infinity;
  for (const loc of locators) {
    if (loc.indexOf('+A') < 0) continue;
    const expiry = signatureExpiry(loc);
    if (expiry === undefined) continue;
    const ms = expiry * 1000;
    if (ms < earliest) earliest = ms;
    if (ms > latest) latest = ms;
  }
  if (latest === -Infinity) return { fraction: 1, ttlMs: 0 };
  let ttl = latest - nowMs;
  if (ttl > state.guessedTtlMs) state.guessedTtlMs = ttl;
  else ttl = state.guessedTtlMs;
  if (ttl <= 0) return { fraction: earliest > nowMs ? Infinity : -Infinity, ttlMs: 0 };
  return { fraction: (earliest - nowMs) / ttl, ttlMs: ttl };
}

/** Every token (Go `\S+`: separated by TAB, LF, FF, CR, space) beginning with 32 lowercase hex digits. */
const BLOCK_TOKEN_RE = /(?:^|[\t\n\f\r ])([0-9a-f]{32}[^\t\n\f\r ]*)/g;

/**
 * Map each block hash to its (signed) locator token in a manifest: every whitespace-delimited
 * token matching `^[0-9a-f]{32}` counts; the key is `stripAllHints(token)`; the last occurrence
 * wins (reference `updateSignatures`).
 * @param manifestText manifest text (a string, or bytes decoded losslessly as latin1).
 * @returns hash → locator token. Replace the locator of every stored segment whose
 *   `stripAllHints(locator)` is a key (match by hash only, not size or offset).
 * @example parseSignedLocators('. acbd18db4cc2f85cedef654fccc4a4d8+3+Axx@1 0:3:foo\n').get('acbd18db4cc2f85cedef654fccc4a4d8')
 */
export function parseSignedLocators(manifestText: string | Uint8Array): Map<string, string> {
  const text = typeof manifestText === 'string' ? manifestText : latin1(manifestText);
  const out = new Map<string, string>();
  for (const m of text.matchAll(BLOCK_TOKEN_RE)) {
    const tok = m[1] as string;
    out.set(stripAllHints(tok), tok);
  }
  return out;
}

/** What to do before reading a stored segment. */
export type RefreshDecision = 'none' | 'background' | 'sync';

export interface SignatureTrackerOptions {
  /** Clock, ms since the epoch. @default Date.now */
  readonly now?: () => number;
  /** Refresh synchronously when a signature has at most this long left. @default 60_000 (1 minute) */
  readonly syncMarginMs?: number;
  /** Refresh in the background when the fraction of TTL left is below this. @default 0.5 */
  readonly backgroundFraction?: number;
  /**
   * How long to skip the collection-wide check after finding no signatures at all (the reference
   * would re-walk every segment on every read). Call `resetHold()` when signatures change.
   * @default 60_000
   */
  readonly unsignedHoldMs?: number;
}

/**
 * Per-collection signature policy: guessed TTL, the "check at most every ttl/100" hold, the
 * sync/background decision, and single-flight refreshes. One instance per CollectionFS.
 * @example
 * const tracker = new SignatureTracker();
 * const d = tracker.decide(locator, () => distinctLocators());
 * if (d === 'sync') await tracker.refresh(fetchAndUpdate);
 * else if (d === 'background') void tracker.refresh(fetchAndUpdate).catch(report);
 */
export class SignatureTracker {
  readonly #now: () => number;
  readonly #syncMarginMs: number;
  readonly #backgroundFraction: number;
  readonly #unsignedHoldMs: number;
  readonly #state: SignatureTtlState = { guessedTtlMs: 0 };
  #holdUntilMs = -Infinity;
  #inFlight: Promise<void> | undefined;
  #refreshes = 0;

  constructor(options: SignatureTrackerOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#syncMarginMs = options.syncMarginMs ?? 60_000;
    this.#backgroundFraction = options.backgroundFraction ?? 0.5;
    this.#unsignedHoldMs = options.unsignedHoldMs ?? 60_000;
  }

  /** Current guessed TTL (ms): the largest `latest expiry − now` seen so far. */
  get guessedTtlMs(): number {
    return this.#state.guessedTtlMs;
  }

  /** Number of refresh tasks started (joined callers are not counted). */
  get refreshCount(): number {
    return this.#refreshes;
  }

  /** True while a refresh task is running. */
  get refreshing(): boolean {
    return this.#inFlight !== undefined;
  }

  /** {@link signatureTimeLeft} with this tracker's clock and TTL guess. */
  timeLeft(locators: Iterable<string>): SignatureTimeLeft {
    return signatureTimeLeft(locators, this.#now(), this.#state);
  }

  /**
   * Decide how to refresh before reading a stored segment.
   *
   * `'sync'` when `locator` has a parseable signature with ≤ `syncMarginMs` left (or expired).
   * Otherwise, at most once per `ttl/100` (the reference's `holdCheckChanges`), compute the
   * collection-wide fraction over `collectionLocators()` and return `'background'` when it is
   * below `backgroundFraction`; else `'none'`. While a refresh is running, never `'background'`.
   * A collection without any signature is re-checked only after `unsignedHoldMs`.
   *
   * @param locator the segment's current locator.
   * @param collectionLocators lazily supplies the distinct locators of every stored segment
   *   (called only when the hold has elapsed).
   */
  decide(locator: string, collectionLocators: () => Iterable<string>): RefreshDecision {
    const now = this.#now();
    if (locator.indexOf('+A') >= 0) {
      const expiry = signatureExpiry(locator);
      if (expiry !== undefined && expiry * 1000 - now <= this.#syncMarginMs) return 'sync';
    }
    if (this.#inFlight !== undefined || now < this.#holdUntilMs) return 'none';
    const { fraction, ttlMs } = signatureTimeLeft(collectionLocators(), now, this.#state);
    if (ttlMs === 0 && fraction === 1) this.#holdUntilMs = now + this.#unsignedHoldMs;
    else if (fraction > 0.01) this.#holdUntilMs = now + ttlMs / 100;
    return fraction < this.#backgroundFraction ? 'background' : 'none';
  }

  /**
   * Run `task` unless one is already running, in which case join it (single flight). The task
   * should fetch the signed manifest and update the stored segments' locators. Errors reject the
   * returned promise (a background caller should catch and report them); the next call starts a
   * fresh task.
   */
  refresh(task: () => Promise<void>): Promise<void> {
    if (this.#inFlight !== undefined) return this.#inFlight;
    this.#refreshes++;
    const run = Promise.resolve()
      .then(task)
      .finally(() => {
        this.#inFlight = undefined;
      });
    this.#inFlight = run;
    return run;
  }

  /** Forget the `ttl/100` hold (e.g. after a reload), so the next decide() re-checks. */
  resetHold(): void {
    this.#holdUntilMs = -Infinity;
  }
}
