/**
 * Keep blob permission signatures (`+A<hmac>@<expiry>` hints), exactly as Arvados (§2.2):
 * HMAC-SHA1(key, `hash "@" token "@" expiryHex8 "@" ttlHex`), lowercase hex.
 *
 * Manifest-level functions find *block tokens* the way Go's `SignManifest` does: maximal runs of
 * non-whitespace (`[^\t\n\f\r ]+`) that start with 32 lowercase hex digits. To find them without
 * visiting every token, the text is probed every 32 bytes: a 32-hex-digit prefix must cover one
 * probe, so only hex runs that a probe lands on are examined.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { KeepError } from '../errors.js';
import { asBuffer, utf8 } from '../util/bytes.js';

/** Options to create a signature. */
export interface SignOptions {
  /** The blob signing key (used as raw UTF-8 bytes). */
  readonly key: string;
  /** The API token, exactly as presented (a v2 token is used whole). */
  readonly token: string;
  /** Expiry time, Unix seconds. */
  readonly expiry: number;
  /** The signing TTL in seconds (part of the signed message). */
  readonly ttlSeconds: number;
}

/** Options to verify a signature. */
export interface VerifyOptions {
  readonly key: string;
  readonly token: string;
  readonly ttlSeconds: number;
  /** Current time, Unix seconds. @default Date.now() / 1000 */
  readonly now?: number;
}

/** One failed check of {@link verifyManifestSignatures}. */
export interface SignatureProblem {
  /** 1-based line number. */
  readonly line: number;
  readonly locator: string;
  readonly code: 'ERR_SIGNATURE_MISSING' | 'ERR_SIGNATURE_INVALID' | 'ERR_SIGNATURE_EXPIRED';
  readonly message: string;
}

/** Go `SignedLocatorRe`: groups 1 = hash, 5 = signature, 6 = expiry (exactly 8 hex digits). */
const SIGNED_LOCATOR =
  /^([0-9a-fA-F]{32})(\+[0-9]+)?((?:\+[B-Z][A-Za-z0-9@_-]*)*)(\+A([0-9a-fA-F]{40})@([0-9a-fA-F]{8}))((?:\+[B-Z][A-Za-z0-9@_-]*)*)$/;

const PLUS = 0x2b;
const LETTER_A = 0x41;
const LF = 0x0a;
const HASH_LEN = 32;
/** Lowercase hex digits (Go `[0-9a-f]`). */
const IS_HEX = new Uint8Array(256);
for (const c of '0123456789abcdef') IS_HEX[c.charCodeAt(0)] = 1;
/** Go RE2 `\s`: TAB, LF, FF, CR, space. */
const IS_SPACE = new Uint8Array(256);
for (const c of [0x09, 0x0a, 0x0c, 0x0d, 0x20]) IS_SPACE[c] = 1;

function hexTimestamp(expiry: number): string {
  if (!Number.isSafeInteger(expiry) || expiry < 0) {
    throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot sign locator: expiry ${JSON.stringify(expiry)} is not a Unix time in seconds`);
  }
  return expiry.toString(16).padStart(8, '0');
}

function hexTtl(ttlSeconds: number): string {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds < 0) {
    throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot sign locator: ttlSeconds ${JSON.stringify(ttlSeconds)} is not a duration`);
  }
  return Math.trunc(ttlSeconds).toString(16);
}

/**
 * The signature; `hash` is UTF-8 text, or the raw bytes of a manifest token as latin1. Callers that
 * sign many locators pass a KeyObject (4x faster than a string key per HMAC).
 */
function mac(key: string | KeyObject, hash: string, token: string, expiryHex: string, ttlHex: string, hashEncoding: 'utf8' | 'latin1' = 'utf8'): string {
  return createHmac('sha1', key).update(hash, hashEncoding).update(`@${token}@${expiryHex}@${ttlHex}`).digest('hex');
}

/**
 * Append a permission signature to a locator (Go `SignLocator`). Existing hints are kept and
 * the `+A` hint goes last. With an empty key or token the locator is returned unchanged.
 *
 * @param locator `hash+size[+hints]`; the signed hash is the text before its first `+`
 * @param opts key, token, expiry (Unix s) and TTL (s)
 * @returns the signed locator
 * @throws KeepError `ERR_INVALID_ARGUMENT` for a negative or fractional expiry
 * @example signLocator('acbd18db4cc2f85cedef654fccc4a4d8+3', { key, token, expiry: 0x7fffffff, ttlSeconds: 1209600 })
 */
export function signLocator(locator: string, opts: SignOptions): string {
  if (opts.key === '' || opts.token === '') return locator;
  const plus = locator.indexOf('+');
  const hash = plus > 0 ? locator.slice(0, plus) : locator;
  const expiryHex = hexTimestamp(opts.expiry);
  return `${locator}+A${mac(opts.key, hash, opts.token, expiryHex, hexTtl(opts.ttlSeconds))}@${expiryHex}`;
}

/**
 * Check a signed locator (Go `VerifySignature`). The expiry is checked before the HMAC.
 *
 * @param locator a locator with one `+A<40 hex>@<8 hex>` hint
 * @param opts key, token, TTL and optionally the current time
 * @throws KeepError `ERR_SIGNATURE_MISSING` ("Missing signature") when the locator does not have
 *   the signed shape, `ERR_SIGNATURE_EXPIRED` ("Signature expired"), `ERR_SIGNATURE_INVALID`
 *   ("Invalid signature") when the HMAC does not match
 * @example verifyLocatorSignature(signed, { key, token, ttlSeconds: 1209600 })
 */
export function verifyLocatorSignature(locator: string, opts: VerifyOptions): void {
  verifyWithKey(locator, opts.key, opts.token, hexTtl(opts.ttlSeconds), opts.now ?? Date.now() / 1000);
}

function verifyWithKey(locator: string, key: string | KeyObject, token: string, ttlHex: string, now: number): void {
  const m = SIGNED_LOCATOR.exec(locator);
  if (m === null) throw new KeepError('ERR_SIGNATURE_MISSING', 'Missing signature');
  const [, hash = '', , , , signature = '', expiryHex = ''] = m;
  if (Number.parseInt(expiryHex, 16) < now) throw new KeepError('ERR_SIGNATURE_EXPIRED', 'Signature expired');
  if (signature !== mac(key, hash, token, expiryHex, ttlHex)) {
    throw new KeepError('ERR_SIGNATURE_INVALID', 'Invalid signature');
  }
}

/**
 * The expiry of a signed locator.
 *
 * @param locator a locator
 * @returns the expiry in Unix seconds, or `undefined` when the locator has no valid `+A` hint
 * @example signatureExpiry('acbd18db4cc2f85cedef654fccc4a4d8+3+A89118b78732c33104a4d6231e8b5a5fa1e4301e3@7fffffff') === 0x7fffffff
 */
export function signatureExpiry(locator: string): number | undefined {
  const m = SIGNED_LOCATOR.exec(locator);
  return m === null ? undefined : Number.parseInt(m[6] ?? '', 16);
}

/** Block tokens of a text: token i spans `[start[i], end[i])`, its hash run ends at `hexEnd[i]`. */
interface BlockTokens {
  start: number[];
  hexEnd: number[];
  end: number[];
}

/**
 * Find every whitespace-delimited token that starts with 32 lowercase hex digits.
 *
 * Probes sit every 32 bytes, so the 32-digit prefix of such a token covers exactly one probe.
 * From a probe on a hex digit, look back (at most 31 bytes, over hex digits only) for a token
 * start; only then look forward to confirm the 32 digits and find the token's end.
 */
function findBlockTokens(buf: Buffer): BlockTokens {
  const found: BlockTokens = { start: [], hexEnd: [], end: [] };
  const n = buf.length;
  let probe = HASH_LEN - 1;
  while (probe < n) {
    if (IS_HEX[buf[probe]!] === 0) {
      probe += HASH_LEN;
      continue;
    }
    const lowest = probe - (HASH_LEN - 1);
    let a = probe;
    while (a > lowest && IS_HEX[buf[a - 1]!] === 1) a--;
    // A token starting at `a` needs a whitespace (or the text start) before it.
    if (a > 0 && IS_SPACE[buf[a - 1]!] === 0) {
      probe += HASH_LEN;
      continue;
    }
    let b = probe + 1;
    while (b < n && IS_HEX[buf[b]!] === 1) b++;
    if (b - a < HASH_LEN) {
      probe = b - (b % HASH_LEN) + HASH_LEN - 1; // the first probe at or after `b`
      continue;
    }
    let e = b;
    while (e < n && IS_SPACE[buf[e]!] === 0) e++;
    found.start.push(a);
    found.hexEnd.push(b);
    found.end.push(e);
    probe = e - (e % HASH_LEN) + HASH_LEN - 1;
  }
  return found;
}

/** Bytes of `buf[from, to)` that survive removal of every `+A[^+]*`. */
function keptLength(buf: Buffer, from: number, to: number): number {
  let kept = to - from;
  let i = from;
  while (i < to) {
    if (buf[i] === PLUS && i + 1 < to && buf[i + 1] === LETTER_A) {
      let j = i + 2;
      while (j < to && buf[j] !== PLUS) j++;
      kept -= j - i;
      i = j;
    } else i++;
  }
  return kept;
}

/** Below this length a JS loop beats `Buffer#copy` (which allocates a view per call). */
const SMALL_COPY_BYTES = 96;

/** Copy `buf[from, to)` into `out` at `at`; returns the new offset. */
function copyRun(buf: Buffer, from: number, to: number, out: Buffer, at: number): number {
  if (to - from > SMALL_COPY_BYTES) return at + buf.copy(out, at, from, to);
  for (let i = from; i < to; i++) out[at++] = buf[i]!;
  return at;
}

/** Copy `buf[from, to)` into `out` at `at` without its `+A[^+]*` hints; returns the new offset. */
function copyWithoutSignatures(buf: Buffer, from: number, to: number, out: Buffer, at: number): number {
  let runStart = from;
  let i = from;
  while (i < to) {
    if (buf[i] === PLUS && i + 1 < to && buf[i + 1] === LETTER_A) {
      at = copyRun(buf, runStart, i, out, at);
      let j = i + 2;
      while (j < to && buf[j] !== PLUS) j++;
      i = j;
      runStart = j;
    } else i++;
  }
  return copyRun(buf, runStart, to, out, at);
}

/** End of a token's hash part: its first `+` (at or after the hex run), or the token end. */
function hashEnd(buf: Buffer, hexEnd: number, end: number): number {
  let h = hexEnd;
  while (h < end && buf[h] !== PLUS) h++;
  return h;
}

/**
 * Rewrite every block token: drop its `+A` hints, then append the latin1 string
 * `suffix(hashStart, hashEnd)` (or nothing when `suffix` is null). Output is sized exactly, then filled with one copy per
 * unchanged run.
 */
function rewriteBlockTokens(buf: Buffer, suffix: ((from: number, to: number) => string) | null, suffixLength: number): Uint8Array {
  const tokens = findBlockTokens(buf);
  const count = tokens.start.length;
  const hasSignature = new Uint8Array(count);
  let total = buf.length;
  for (let t = 0; t < count; t++) {
    const b = tokens.hexEnd[t]!;
    const e = tokens.end[t]!;
    const removed = e - b - keptLength(buf, b, e);
    if (removed > 0) hasSignature[t] = 1;
    total += suffixLength - removed;
  }
  if (suffix === null && total === buf.length) return Uint8Array.prototype.slice.call(buf);
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  let copied = 0; // buf[copied, …) is not in `out` yet
  for (let t = 0; t < count; t++) {
    const b = tokens.hexEnd[t]!;
    const e = tokens.end[t]!;
    if (hasSignature[t] === 1) {
      at = copyRun(buf, copied, b, out, at);
      at = copyWithoutSignatures(buf, b, e, out, at);
    } else if (suffix !== null) {
      at = copyRun(buf, copied, e, out, at);
    } else continue; // unchanged token: it stays in the pending run
    if (suffix !== null) {
      at += out.write(suffix(tokens.start[t]!, hashEnd(buf, b, e)), at, 'latin1');
    }
    copied = e;
  }
  at = copyRun(buf, copied, buf.length, out, at);
  if (at !== total) throw new KeepError('ERR_INTERNAL', `Cannot rewrite manifest: wrote ${at} of ${total} bytes`);
  return out;
}

function toBuffer(text: Uint8Array | string): Buffer {
  return asBuffer(typeof text === 'string' ? utf8(text) : text);
}

/**
 * Sign every block token of a manifest (Go `SignManifest`): each whitespace-delimited token
 * starting with 32 lowercase hex digits loses all `+A…` hints and gets a fresh signature; all
 * other bytes are copied unchanged. The HMAC is computed once per distinct hash.
 *
 * @param text manifest bytes, or a string (encoded as UTF-8)
 * @param opts key, token, expiry (Unix s) and TTL (s); an empty key or token only strips
 * @returns the signed manifest (new buffer)
 * @throws KeepError `ERR_INVALID_ARGUMENT` for a negative or fractional expiry
 * @example signManifest('. acbd18db4cc2f85cedef654fccc4a4d8+3 0:3:foo\n', { key, token, expiry, ttlSeconds: 1209600 })
 */
export function signManifest(text: Uint8Array | string, opts: SignOptions): Uint8Array {
  const buf = toBuffer(text);
  if (opts.key === '' || opts.token === '') return rewriteBlockTokens(buf, null, 0);
  const expiryHex = hexTimestamp(opts.expiry);
  const ttlHex = hexTtl(opts.ttlSeconds);
  const key = createSecretKey(Buffer.from(opts.key, 'utf8'));
  const cache = new Map<string, string>();
  let lastFrom = -1;
  let lastTo = -1;
  let last = '';
  const suffix = (from: number, to: number): string => {
    if (lastFrom >= 0 && buf.compare(buf, lastFrom, lastTo, from, to) === 0) return last;
    const hash = buf.toString('latin1', from, to);
    let hint = cache.get(hash);
    if (hint === undefined) {
      hint = `+A${mac(key, hash, opts.token, expiryHex, ttlHex, 'latin1')}@${expiryHex}`;
      cache.set(hash, hint);
    }
    lastFrom = from;
    lastTo = to;
    last = hint;
    return hint;
  };
  return rewriteBlockTokens(buf, suffix, 2 + 40 + 1 + expiryHex.length);
}

/**
 * Remove every `+A…` hint from every block token (tokens starting with 32 lowercase hex
 * digits); other hints (`+K`, `+R`, …) and all other bytes are kept.
 *
 * @param text manifest bytes, or a string (encoded as UTF-8)
 * @returns the unsigned manifest (new buffer)
 * @example stripManifestSignatures('. acbd18db4cc2f85cedef654fccc4a4d8+3+A89118b78732c33104a4d6231e8b5a5fa1e4301e3@7fffffff 0:3:foo\n')
 */
export function stripManifestSignatures(text: Uint8Array | string): Uint8Array {
  return rewriteBlockTokens(toBuffer(text), null, 0);
}

/**
 * Verify the signature of every block token of a manifest (the tokens {@link signManifest}
 * signs) and report each failure with its 1-based line number.
 *
 * @param text manifest bytes, or a string (encoded as UTF-8)
 * @param opts key, token, TTL and optionally the current time
 * @returns the failures, in text order (empty when every signature is valid)
 * @example verifyManifestSignatures(signed, { key, token, ttlSeconds: 1209600 }).length === 0
 */
export function verifyManifestSignatures(text: Uint8Array | string, opts: VerifyOptions): SignatureProblem[] {
  const buf = toBuffer(text);
  const tokens = findBlockTokens(buf);
  const ttlHex = hexTtl(opts.ttlSeconds);
  const key = createSecretKey(Buffer.from(opts.key, 'utf8'));
  const now = opts.now ?? Date.now() / 1000;
  const problems: SignatureProblem[] = [];
  const verified = new Set<string>();
  let line = 1;
  let nextLf = buf.indexOf(LF);
  for (let t = 0; t < tokens.start.length; t++) {
    const a = tokens.start[t]!;
    while (nextLf !== -1 && nextLf < a) {
      line++;
      nextLf = buf.indexOf(LF, nextLf + 1);
    }
    const locator = buf.toString('latin1', a, tokens.end[t]);
    if (verified.has(locator)) continue;
    try {
      verifyWithKey(locator, key, opts.token, ttlHex, now);
      verified.add(locator);
    } catch (err: unknown) {
      if (!(err instanceof KeepError)) throw err;
      const code = err.code as SignatureProblem['code'];
      problems.push({ line, locator, code, message: err.message });
    }
  }
  return problems;
}
