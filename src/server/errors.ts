/**
 * The only place that knows how keepfs errors become HTTP statuses. `KEEP_HTTP_STATUS` is an
 * exhaustive table: adding a KeepErrorCode without mapping it here fails `tsc`.
 * Anything that is not a KeepError becomes a 500 with a generic body (details stay in logs).
 */
import { isKeepError, type KeepErrorCode } from '../errors.js';

/** HTTP status for each KeepErrorCode (keep block protocol, REST API). */
export const KEEP_HTTP_STATUS: Readonly<Record<KeepErrorCode, number>> = {
  ERR_INVALID_ARGUMENT: 400,
  ERR_ABORTED: 499,
  ERR_INTERNAL: 500,
  ERR_MANIFEST_SYNTAX: 422,
  ERR_MANIFEST_INVALID: 422,
  ERR_BAD_LOCATOR: 400,
  // keepstore: a bad or missing signature is 400 "invalid signature", an expired one 401
  ERR_SIGNATURE_MISSING: 400,
  ERR_SIGNATURE_INVALID: 400,
  ERR_SIGNATURE_EXPIRED: 401,
  ERR_BLOCK_NOT_FOUND: 404,
  ERR_BLOCK_TOO_LARGE: 413,
  // data sent by the client does not match its hash (keepstore answers 400)
  ERR_HASH_MISMATCH: 400,
  ERR_SIZE_MISMATCH: 400,
  ERR_STORAGE_FULL: 507,
  ERR_HASH_COLLISION: 500,
  ERR_INSUFFICIENT_REPLICAS: 503,
  ERR_VOLUME_UNAVAILABLE: 503,
  ERR_NOT_CACHED: 404,
  ERR_NOT_SUPPORTED: 501,
  ERR_UNAUTHORIZED: 401,
  ERR_PERMISSION_DENIED: 403,
  ERR_TIMEOUT: 504,
  ERR_REMOTE: 502,
  // fs layer (Node-style codes), as WebDAV/REST map them
  ENOENT: 404,
  EEXIST: 409,
  ENOTDIR: 409,
  EISDIR: 409,
  ENOTEMPTY: 409,
  EINVAL: 400,
  EBADF: 400,
  EROFS: 403,
  ENOTSUP: 501,
  EIO: 500,
  // CollectionFS.sync(): the collection changed on the server since it was loaded
  ERR_CONFLICT: 409,
};

/**
 * Statuses of keep protocol conditions that are not errors of the stores: a GET without a size
 * hint (405), stored data failing its checksum on HEAD (502, keepstore `errChecksum`), and a
 * client that went away (499, logged only).
 */
export const KEEP_PROTOCOL_STATUS = {
  methodNotAllowed: 405,
  storedChecksumMismatch: 502,
  clientClosedRequest: 499,
  badRequest: 400,
} as const;

/** Public bodies of 5xx answers: internal messages never reach clients. */
const PUBLIC_5XX_MESSAGE: Readonly<Partial<Record<KeepErrorCode, string>>> = {
  ERR_STORAGE_FULL: 'insufficient storage',
  ERR_VOLUME_UNAVAILABLE: 'volume unavailable',
  ERR_INSUFFICIENT_REPLICAS: 'volume unavailable',
  ERR_HASH_COLLISION: 'hash collision',
  ERR_NOT_SUPPORTED: 'not implemented',
  ERR_TIMEOUT: 'timeout',
  ERR_REMOTE: 'bad gateway',
  ENOTSUP: 'not implemented',
};

export interface HttpErrorResponse {
  status: number;
  /** Body text, without the trailing newline (keep protocol bodies are `message + "\n"`). */
  message: string;
  /** True when the error was not a KeepError (the caller should log it). */
  unexpected: boolean;
}

/** Status and public message for any thrown value. */
export function httpErrorFor(err: unknown): HttpErrorResponse {
  if (!isKeepError(err)) return { status: 500, message: 'internal server error', unexpected: true };
  const status = KEEP_HTTP_STATUS[err.code];
  if (status < 500) return { status, message: err.message, unexpected: false };
  return { status, message: PUBLIC_5XX_MESSAGE[err.code] ?? 'internal server error', unexpected: err.code === 'ERR_INTERNAL' };
}
