/**
 * The keepfs error family. Every error keepfs raises on purpose is a {@link KeepError} with a
 * stable `code`; callers branch on `code` (via {@link isKeepError}), never on message text.
 * HTTP/S3/WebDAV mappings live only in `src/server/errors.ts`.
 */

/** Stable error codes. Add new codes here (one line each, grouped by layer). */
export type KeepErrorCode =
  // generic
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_ABORTED'
  | 'ERR_INTERNAL'
  // manifest layer
  | 'ERR_MANIFEST_SYNTAX'
  | 'ERR_MANIFEST_INVALID'
  | 'ERR_BAD_LOCATOR'
  | 'ERR_SIGNATURE_MISSING'
  | 'ERR_SIGNATURE_INVALID'
  | 'ERR_SIGNATURE_EXPIRED'
  // blocks layer
  | 'ERR_BLOCK_NOT_FOUND'
  | 'ERR_BLOCK_TOO_LARGE'
  | 'ERR_HASH_MISMATCH'
  | 'ERR_SIZE_MISMATCH'
  | 'ERR_STORAGE_FULL'
  | 'ERR_HASH_COLLISION'
  | 'ERR_INSUFFICIENT_REPLICAS'
  | 'ERR_VOLUME_UNAVAILABLE'
  | 'ERR_NOT_CACHED'
  | 'ERR_NOT_SUPPORTED'
  | 'ERR_UNAUTHORIZED'
  | 'ERR_PERMISSION_DENIED'
  | 'ERR_TIMEOUT'
  | 'ERR_REMOTE'
  // fs layer (Node-style codes, see README.md, collection filesystem errors)
  | 'ENOENT'
  | 'EEXIST'
  | 'ENOTDIR'
  | 'EISDIR'
  | 'ENOTEMPTY'
  | 'EINVAL'
  | 'EBADF'
  | 'EROFS'
  | 'ENOTSUP'
  | 'EIO'
  // sync: the stored collection changed since this filesystem loaded/saved it
  | 'ERR_CONFLICT';

const BRAND = Symbol.for('keepfs.KeepError');

/** Options accepted by every KeepError constructor. */
export interface KeepErrorOptions {
  cause?: unknown;
}

/** Base class of all keepfs errors. `name` is derived from the concrete class. */
export class KeepError extends Error {
  readonly code: KeepErrorCode;

  constructor(code: KeepErrorCode, message: string, options: KeepErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** True when `err` is a KeepError (from any copy of this package), optionally with `code`. */
export function isKeepError(err: unknown, code?: KeepErrorCode): err is KeepError {
  if (typeof err !== 'object' || err === null || (err as Record<symbol, unknown>)[BRAND] !== true) return false;
  return code === undefined || (err as KeepError).code === code;
}
