import { KeepError, type KeepErrorCode } from '../errors.js';
import { type CollectionPath, pathToDisplay } from './path.js';

/**
 * The Go SDK error values (collection filesystem sentinels) that CollectionFS errors correspond
 * to. `goMessage` of an {@link FsError} is the exact `Error()` text the Go SDK would return.
 */
export type GoSentinel =
  | 'ErrNotExist'
  | 'ErrExist'
  | 'ErrNotADirectory'
  | 'ErrIsDirectory'
  | 'ErrDirectoryNotEmpty'
  | 'ErrInvalidArgument'
  | 'ErrInvalidOperation'
  | 'ErrNegativeOffset'
  | 'ErrReadOnlyFile'
  | 'ErrWriteOnlyMode'
  | 'ErrSyncNotSupported'
  | 'ErrPermission'
  | 'ErrClosed'
  | 'ErrInvalidFlags';

/** The fs-layer codes an {@link FsError} can carry. */
export type FsErrorCode = Extract<KeepErrorCode, 'ENOENT' | 'EEXIST' | 'ENOTDIR' | 'EISDIR' | 'ENOTEMPTY' | 'EINVAL' | 'EBADF' | 'EROFS' | 'ENOTSUP'>;

interface SentinelInfo {
  readonly code: FsErrorCode;
  /** Go's Error() text. */
  readonly text: string;
  /** Node-style description used in `message`. */
  readonly description: string;
}

/** One code per Go sentinel (the table in README.md, "Errors" under the collection filesystem). */
export const GO_SENTINELS: Readonly<Record<GoSentinel, SentinelInfo>> = {
  ErrNotExist: { code: 'ENOENT', text: 'file does not exist', description: 'no such file or directory' },
  ErrExist: { code: 'EEXIST', text: 'file already exists', description: 'file already exists' },
  ErrNotADirectory: { code: 'ENOTDIR', text: 'not a directory', description: 'not a directory' },
  ErrIsDirectory: { code: 'EISDIR', text: 'cannot rename file to overwrite existing directory', description: 'illegal operation on a directory' },
  ErrDirectoryNotEmpty: { code: 'ENOTEMPTY', text: 'directory not empty', description: 'directory not empty' },
  ErrInvalidArgument: { code: 'EINVAL', text: 'invalid argument', description: 'invalid argument' },
  ErrInvalidOperation: { code: 'ENOTSUP', text: 'invalid operation', description: 'operation not supported' },
  ErrNegativeOffset: { code: 'EINVAL', text: 'cannot seek to negative offset', description: 'negative offset' },
  ErrReadOnlyFile: { code: 'EBADF', text: 'read-only file', description: 'bad file descriptor (opened read-only)' },
  ErrWriteOnlyMode: { code: 'EBADF', text: 'file is O_WRONLY', description: 'bad file descriptor (opened write-only)' },
  ErrSyncNotSupported: { code: 'ENOTSUP', text: 'O_SYNC flag is not supported', description: 'O_SYNC is not supported' },
  ErrPermission: { code: 'EROFS', text: 'permission denied', description: 'read-only collection' },
  ErrClosed: { code: 'EBADF', text: 'file already closed', description: 'bad file descriptor (closed)' },
  ErrInvalidFlags: { code: 'EINVAL', text: 'invalid flags', description: 'invalid flags' },
};

/** Options of the {@link FsError} constructor. */
export interface FsErrorOptions {
  /** Override Go's error text (wrapped errors such as `"dir/": file does not exist`). */
  goMessage?: string;
  cause?: unknown;
}

/**
 * A filesystem error with a Node-style `code`, the `syscall` (API name) and `path` it concerns,
 * and the Go sentinel it corresponds to (`goSentinel`, `goMessage`).
 *
 * @example
 * ```ts
 * try { await fs.readFile('missing') } catch (e) { if (isKeepError(e, 'ENOENT')) { … } }
 * ```
 */
export class FsError extends KeepError {
  readonly syscall: string;
  readonly path: string;
  readonly goSentinel: GoSentinel;
  /** The exact Go SDK `Error()` text for the same failure. */
  readonly goMessage: string;
  /** Node compatibility: negative errno is not meaningful here, always -1. */
  readonly errno = -1;

  /** `path` may be the caller's Buffer path: like node:fs, errors show its UTF-8 string form. */
  constructor(sentinel: GoSentinel, syscall: string, rawPath: CollectionPath, options: FsErrorOptions = {}) {
    const info = GO_SENTINELS[sentinel];
    const path = pathToDisplay(rawPath);
    super(info.code, `${info.code}: ${info.description}, ${syscall} '${path}'`, options.cause === undefined ? {} : { cause: options.cause });
    this.syscall = syscall;
    this.path = path;
    this.goSentinel = sentinel;
    this.goMessage = options.goMessage ?? info.text;
  }
}

/** Shorthand constructor used throughout the fs layer. */
export function fsError(sentinel: GoSentinel, syscall: string, path: CollectionPath, options?: FsErrorOptions): FsError {
  return new FsError(sentinel, syscall, path, options);
}
