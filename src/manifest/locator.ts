/**
 * Keep block locators: `hash+size[+hint…]`.
 *
 * Two validation levels (reference §2.1):
 * - **lenient** — what the Arvados Go collection loader accepts: no `:`, at least two
 *   `+`-separated parts, the second a non-negative signed 32-bit decimal. The hash is not
 *   checked and hints are kept verbatim (even empty ones).
 * - **strict** — what the Arvados API server accepts: the documented grammar
 *   `^[0-9a-f]{32}\+[0-9]+(\+[A-Z][A-Za-z0-9@_-]*)*$` (lowercase hex).
 */
import { KeepError } from '../errors.js';

/** A parsed locator. `hints` are the `+`-separated parts after the size, without the `+`. */
export interface Locator {
  hash: string;
  size: number;
  hints: string[];
}

/** Options of {@link parseLocator}. */
export interface ParseLocatorOptions {
  /** Apply the API server's strict grammar instead of the Go loader's lenient rule. @default false */
  readonly strict?: boolean;
}

/** The documented locator grammar, as enforced by the API server (lowercase hex). */
const STRICT_LOCATOR = /^[0-9a-f]{32}\+[0-9]+(?:\+[A-Z][A-Za-z0-9@_-]*)*$/;
/** Go `strconv.ParseInt(s, 10, 32)` input shape (the `+` sign cannot occur after a split on `+`). */
const INT32_TEXT = /^-?[0-9]+$/;
const INT32_MAX = 2147483647;

/**
 * True when `text` matches the strict (API server) locator grammar
 * `^[0-9a-f]{32}\+[0-9]+(\+[A-Z][A-Za-z0-9@_-]*)*$`.
 *
 * @param text a candidate locator
 * @returns whether it is a strictly valid locator
 * @example isStrictLocator('acbd18db4cc2f85cedef654fccc4a4d8+3+K@xyzzy') === true
 */
export function isStrictLocator(text: string): boolean {
  return STRICT_LOCATOR.test(text);
}

function badLocator(text: string, reason: string): KeepError {
  return new KeepError('ERR_BAD_LOCATOR', `Cannot parse locator ${JSON.stringify(text)}: ${reason}`);
}

/** Go loader's size rule: a signed 32-bit decimal that is not negative. Returns -1 if invalid. */
function lenientSize(text: string): number {
  if (!INT32_TEXT.test(text)) return -1;
  const value = Number(text);
  // Go accepts leading zeros and "-0" (value 0); anything negative or above int32 is rejected.
  if (!(value >= 0) || value > INT32_MAX) return -1;
  return value === 0 ? 0 : value;
}

/**
 * Parse a locator into `{ hash, size, hints }`.
 *
 * Lenient (default): accepts what the Arvados Go collection loader accepts (see module doc);
 * `"xyz+3"` parses with hash `"xyz"`. Strict: requires the documented grammar and a size that
 * is a safe integer.
 *
 * @param text the locator text (no surrounding whitespace)
 * @param options `{ strict }`
 * @returns the parsed locator
 * @throws KeepError `ERR_BAD_LOCATOR` when the text is not a locator at the requested level
 * @example parseLocator('acbd18db4cc2f85cedef654fccc4a4d8+3+K@xyzzy') // { hash: 'acbd…', size: 3, hints: ['K@xyzzy'] }
 */
export function parseLocator(text: string, options: ParseLocatorOptions = {}): Locator {
  if (options.strict === true) {
    if (!STRICT_LOCATOR.test(text)) throw badLocator(text, 'does not match hash+size[+hints]');
    const parts = text.split('+');
    const size = Number(parts[1]);
    if (!Number.isSafeInteger(size)) throw badLocator(text, 'size is too large');
    return { hash: parts[0] ?? '', size, hints: parts.slice(2) };
  }
  if (text.includes(':')) throw badLocator(text, 'contains ":"');
  const parts = text.split('+');
  if (parts.length < 2) throw badLocator(text, 'no size');
  const size = lenientSize(parts[1] ?? '');
  if (size < 0) throw badLocator(text, 'size is not a non-negative 32-bit integer');
  return { hash: parts[0] ?? '', size, hints: parts.slice(2) };
}

/**
 * Format a locator as `hash+size[+hint…]`.
 *
 * @param loc the locator
 * @returns its text
 * @example formatLocator({ hash: 'acbd18db4cc2f85cedef654fccc4a4d8', size: 3, hints: ['K@xyzzy'] })
 */
export function formatLocator(loc: Readonly<{ hash: string; size: number; hints: readonly string[] }>): string {
  let out = `${loc.hash}+${loc.size}`;
  for (const hint of loc.hints) out += `+${hint}`;
  return out;
}

/**
 * Go `StripAllHints`: the text before the first `+` when that `+` is not at index 0, otherwise
 * the input unchanged. The result is the bare hash (without the size).
 *
 * @param loc a locator text
 * @returns the bare hash
 * @example stripAllHints('acbd18db4cc2f85cedef654fccc4a4d8+3+A1@2') === 'acbd18db4cc2f85cedef654fccc4a4d8'
 */
export function stripAllHints(loc: string): string {
  const i = loc.indexOf('+');
  return i > 0 ? loc.slice(0, i) : loc;
}
