import { KeepError } from '../errors.js';
import { MAX_BLOCK_SIZE_BYTES } from './block-store.js';

const HEX32 = /^[0-9a-f]{32}$/;

/**
 * The block hash of a locator (`md5[+size[+hints]]`): its first 32 characters, checked to be
 * lowercase hex and followed by nothing or `+`.
 * @throws KeepError ERR_BAD_LOCATOR
 */
export function hashOfLocator(locator: string): string {
  const hash = locator.slice(0, 32);
  if (!HEX32.test(hash) || (locator.length > 32 && locator.charCodeAt(32) !== 0x2b /* + */)) {
    throw new KeepError('ERR_BAD_LOCATOR', `Cannot parse locator "${locator.slice(0, 80)}": expected 32 lowercase hex digits`);
  }
  return hash;
}

/** The size hint of a locator (`md5+size…`), or undefined when absent or not a plain integer. */
export function sizeHintOf(locator: string): number | undefined {
  if (locator.charCodeAt(32) !== 0x2b) return undefined;
  let end = locator.indexOf('+', 33);
  if (end < 0) end = locator.length;
  const text = locator.slice(33, end);
  if (!/^[0-9]{1,9}$/.test(text)) return undefined;
  return Number(text);
}

/**
 * Check an expected hash given to `put` (32 lowercase hex).
 * @throws KeepError ERR_INVALID_ARGUMENT
 */
export function checkExpectedHash(hash: string): void {
  if (!HEX32.test(hash)) throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot put block: expected hash "${hash.slice(0, 80)}" is not 32 lowercase hex digits`);
}

/**
 * Refuse blocks larger than 64 MiB.
 * @throws KeepError ERR_BLOCK_TOO_LARGE
 */
export function checkBlockSize(sizeBytes: number): void {
  if (sizeBytes > MAX_BLOCK_SIZE_BYTES) {
    throw new KeepError('ERR_BLOCK_TOO_LARGE', `Cannot put block: ${sizeBytes} bytes exceeds the maximum block size (${MAX_BLOCK_SIZE_BYTES})`);
  }
}

/**
 * Resolve a get's `offset`/`length` against a block of `sizeBytes`: the range is clamped to the
 * end of the block; an offset past the end or a negative/non-integer value is refused.
 * @returns `[start, end)` byte indexes into the block
 * @throws KeepError ERR_INVALID_ARGUMENT
 */
export function resolveRange(sizeBytes: number, offset: number | undefined, length: number | undefined): [number, number] {
  const start = offset ?? 0;
  if (!Number.isSafeInteger(start) || start < 0 || start > sizeBytes) {
    throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot read block range: offset ${start} is outside the block (size ${sizeBytes})`);
  }
  if (length === undefined) return [start, sizeBytes];
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot read block range: length ${length} is not a non-negative integer`);
  }
  return [start, Math.min(sizeBytes, start + length)];
}

/** True when a get asks for the whole block. */
export function isWholeRange(offset: number | undefined, length: number | undefined, sizeBytes?: number): boolean {
  if ((offset ?? 0) !== 0) return false;
  return length === undefined || (sizeBytes !== undefined && length >= sizeBytes);
}

/** The KeepError for a missing block. */
export function blockNotFound(locator: string, cause?: unknown): KeepError {
  return new KeepError('ERR_BLOCK_NOT_FOUND', `Cannot find block "${locator.slice(0, 80)}": not stored`, cause === undefined ? {} : { cause });
}

/** The KeepError for data whose md5 differs from the expected hash. */
export function hashMismatch(expected: string, actual: string): KeepError {
  return new KeepError('ERR_HASH_MISMATCH', `Cannot accept block: data md5 "${actual}" does not match expected hash "${expected}"`);
}
