import { KeepError } from '../errors.js';

interface S3ErrorShape {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  message?: string;
}

/** True when an S3 SDK error means "no such object". */
export function isS3NotFound(err: unknown): boolean {
  const e = err as S3ErrorShape | null;
  if (e === null || typeof e !== 'object') return false;
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.Code === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}

/**
 * Turn an S3 SDK (or network) error into a KeepError, the one place this store converts foreign
 * errors: aborts → ERR_ABORTED, 404 → ERR_BLOCK_NOT_FOUND, 403 → ERR_PERMISSION_DENIED,
 * anything else (after the SDK's retries) → ERR_VOLUME_UNAVAILABLE.
 */
export function fromS3Error(err: unknown, action: string, key: string, signal: AbortSignal | undefined): KeepError {
  if (err instanceof KeepError) return err;
  const e = (err ?? {}) as S3ErrorShape;
  if (signal?.aborted === true || e.name === 'AbortError') return new KeepError('ERR_ABORTED', 'Cannot continue: the operation was aborted', { cause: err });
  if (isS3NotFound(err)) return new KeepError('ERR_BLOCK_NOT_FOUND', `Cannot find block "${key}": not stored`, { cause: err });
  const status = e.$metadata?.httpStatusCode;
  if (status === 403 || e.name === 'AccessDenied') return new KeepError('ERR_PERMISSION_DENIED', `Cannot ${action} "${key}": access denied by the S3 service`, { cause: err });
  return new KeepError('ERR_VOLUME_UNAVAILABLE', `Cannot ${action} "${key}": ${e.name ?? 'error'}${status === undefined ? '' : ` (HTTP ${status})`}: ${e.message ?? String(err)}`, { cause: err });
}
