import { fsError } from './fs-error.js';
import type { FsCore } from './fs-core.js';
import { fromByteString } from './path.js';
import { O_APPEND, isReadable, isWritable } from './open-flags.js';
import { type CollectionStats, nodeStats, recordStats } from './stats.js';

/** Result of {@link CollectionFileHandle.read}. */
export interface ReadResult<T extends Uint8Array> {
  bytesRead: number;
  buffer: T;
}

/** Result of {@link CollectionFileHandle.write}. */
export interface WriteResult<T> {
  bytesWritten: number;
  buffer: T;
}

const READ_CHUNK_BYTES = 64 * 1024;

/**
 * An open file or directory of a CollectionFS, shaped like `node:fs/promises` `FileHandle`.
 * Reads and writes at `position`, or at (and advancing) the handle's own position when
 * `position` is null/undefined. With an append flag every write first moves to EOF. Closing
 * is required only to free the handle; unclosed writes are kept (as in the Go SDK).
 */
export class CollectionFileHandle implements AsyncIterable<Uint8Array> {
  readonly fd: number;
  readonly #core: FsCore;
  /** The tree node open (not a node when `#record` is set). */
  readonly #node: number;
  /** The `.arvados#collection` content, generated at open; undefined for a tree node. */
  readonly #record: Buffer | undefined;
  readonly #readable: boolean;
  readonly #writable: boolean;
  readonly #append: boolean;
  readonly #path: string;
  #pos = 0;
  #closed = false;
  #dirCursor: string[] | undefined;

  /**
   * @internal Created by CollectionFS.open with valid `flags` (numeric O_*): on tree node `node`,
   * or (`record` given) on the `.arvados#collection` content.
   */
  constructor(core: FsCore, node: number, record: Buffer | undefined, flags: number, path: string, fd: number) {
    this.fd = fd;
    this.#core = core;
    this.#node = node;
    this.#record = record;
    this.#readable = isReadable(flags);
    this.#writable = isWritable(flags);
    this.#append = (flags & O_APPEND) !== 0;
    this.#path = path;
  }

  /** The handle's current position (used when `position` is omitted). */
  get position(): number {
    return this.#pos;
  }

  #check(syscall: string): void {
    if (this.#closed) throw fsError('ErrClosed', syscall, this.#path);
  }

  #size(): number {
    if (this.#record !== undefined) return this.#record.length;
    const tree = this.#core.tree;
    return tree.isDir(this.#node) ? 0 : tree.fileSize(this.#node);
  }

  /** True if the handle is on a directory (false for `.arvados#collection`). */
  #isDir(): boolean {
    return this.#record === undefined && this.#core.tree.isDir(this.#node);
  }

  /**
   * Go `Seek`: `whence` 0 = start, 1 = current, 2 = end. Seeking past EOF is allowed.
   * @throws FsError EINVAL (ErrNegativeOffset) when the result would be negative
   */
  seek(offset: number, whence: 0 | 1 | 2 = 0): number {
    this.#check('seek');
    const base = whence === 0 ? 0 : whence === 1 ? this.#pos : this.#size();
    const next = base + offset;
    if (next < 0) throw fsError('ErrNegativeOffset', 'seek', this.#path);
    this.#pos = next;
    return next;
  }

  /**
   * Read into `buffer` (Node signature, or one options object). Fills as much as the file has.
   * @throws FsError EBADF (write-only handle, closed), ENOTSUP (directory)
   */
  async read<T extends Uint8Array = Buffer>(
    bufferOrOptions?: T | { buffer?: T; offset?: number; length?: number; position?: number | null },
    offset?: number,
    length?: number,
    position?: number | null,
  ): Promise<ReadResult<T>> {
    let buffer: T;
    if (bufferOrOptions === undefined || !(bufferOrOptions instanceof Uint8Array)) {
      const o = bufferOrOptions ?? {};
      buffer = o.buffer ?? (Buffer.alloc(16384) as unknown as T);
      offset = o.offset;
      length = o.length;
      position = o.position;
    } else {
      buffer = bufferOrOptions;
    }
    this.#check('read');
    const off = offset ?? 0;
    const len = length ?? buffer.length - off;
    if (!this.#readable) throw fsError('ErrWriteOnlyMode', 'read', this.#path);
    const usePos = position === undefined || position === null || position < 0;
    const at: number = usePos ? this.#pos : (position as number);
    let n: number;
    const record = this.#record;
    if (record !== undefined) {
      n = Math.max(0, Math.min(len, record.length - at));
      if (n > 0) buffer.set(record.subarray(at, at + n), off);
    } else {
      if (this.#core.tree.isDir(this.#node)) throw fsError('ErrInvalidOperation', 'read', this.#path);
      n = await this.#core.readAt(this.#node, buffer, off, len, at);
    }
    if (usePos) this.#pos = at + n;
    return { bytesRead: n, buffer };
  }

  /**
   * Write `data` (bytes, or a string as UTF-8). Node signatures: `(buffer, offset?, length?,
   * position?)` and `(string, position?, encoding?)`.
   * @throws FsError EBADF (read-only handle, closed), ENOTSUP (directory, `.arvados#collection`)
   */
  async write<T extends Uint8Array | string>(data: T, offsetOrPosition?: number | null, lengthOrEncoding?: number | BufferEncoding, position?: number | null): Promise<WriteResult<T>> {
    this.#check('write');
    let bytes: Uint8Array;
    let pos: number | null | undefined;
    if (typeof data === 'string') {
      bytes = Buffer.from(data, typeof lengthOrEncoding === 'string' ? lengthOrEncoding : 'utf8');
      pos = offsetOrPosition;
    } else {
      const off = offsetOrPosition ?? 0;
      const len = typeof lengthOrEncoding === 'number' ? lengthOrEncoding : data.length - off;
      bytes = off === 0 && len === data.length ? data : data.subarray(off, off + len);
      pos = position;
    }
    if (!this.#writable) throw fsError('ErrReadOnlyFile', 'write', this.#path);
    if (this.#record !== undefined || this.#core.tree.isDir(this.#node)) throw fsError('ErrInvalidOperation', 'write', this.#path);
    const usePos = pos === undefined || pos === null || pos < 0;
    if (this.#append) this.#pos = this.#core.tree.fileSize(this.#node);
    const at = usePos || this.#append ? this.#pos : (pos as number);
    const n = await this.#core.writeAt(this.#node, bytes, at);
    if (usePos || this.#append) this.#pos = at + n;
    return { bytesWritten: n, buffer: data };
  }

  /**
   * Set the file's size (zero-filled growth). Allowed on read-only handles, as in Go.
   * @throws FsError ENOTSUP (directory)
   */
  async truncate(len = 0): Promise<void> {
    this.#check('ftruncate');
    if (this.#record !== undefined || this.#core.tree.isDir(this.#node)) throw fsError('ErrInvalidOperation', 'ftruncate', this.#path);
    if (len < 0) throw fsError('ErrInvalidArgument', 'ftruncate', this.#path);
    await this.#core.waitForMarshal();
    this.#core.truncate(this.#node, len);
  }

  /** Stats of the open node (a directory's size is its number of entries). */
  async stat(): Promise<CollectionStats> {
    this.#check('fstat');
    return this.#record !== undefined ? recordStats(this.#record, this.#core.tree.now()) : nodeStats(this.#core.tree, this.#node);
  }

  /** Read from the handle's position to EOF; a string when `encoding` is given. */
  async readFile(options?: BufferEncoding | { encoding?: BufferEncoding | null }): Promise<Buffer | string> {
    this.#check('read');
    const encoding = typeof options === 'string' ? options : (options?.encoding ?? null);
    if (!this.#readable) throw fsError('ErrWriteOnlyMode', 'read', this.#path);
    if (this.#isDir()) throw fsError('ErrInvalidOperation', 'read', this.#path);
    const size = this.#size();
    const out = Buffer.alloc(Math.max(0, size - this.#pos));
    let got = 0;
    while (got < out.length) {
      const { bytesRead } = await this.read(out, got, out.length - got, null);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    const data = got === out.length ? out : out.subarray(0, got);
    return encoding === null ? data : data.toString(encoding);
  }

  /** Write all of `data` at the handle's position (Node `filehandle.writeFile`). */
  async writeFile(data: Uint8Array | string, options?: BufferEncoding | { encoding?: BufferEncoding }): Promise<void> {
    const encoding = typeof options === 'string' ? options : (options?.encoding ?? 'utf8');
    const bytes = typeof data === 'string' ? Buffer.from(data, encoding) : data;
    await this.write(bytes, 0, bytes.length, null);
  }

  /** Append `data` at EOF. */
  async appendFile(data: Uint8Array | string, options?: BufferEncoding | { encoding?: BufferEncoding }): Promise<void> {
    this.#check('write');
    if (this.#record === undefined && this.#writable && !this.#core.tree.isDir(this.#node)) this.#pos = this.#core.tree.fileSize(this.#node);
    await this.writeFile(data, options);
  }

  /**
   * Go `Readdir(n)` on a directory handle: `count <= 0` returns every name each time; `count > 0`
   * pages through a listing taken at the first call and returns `[]` when exhausted.
   * Names are sorted byte-wise and decoded as UTF-8.
   */
  async readdir(count = 0): Promise<string[]> {
    this.#check('readdir');
    if (!this.#isDir()) throw fsError('ErrInvalidOperation', 'readdir', this.#path);
    const all = (): string[] => this.#core.tree.sortedNames(this.#node).map(fromByteString);
    if (count <= 0) return all();
    this.#dirCursor ??= all();
    return this.#dirCursor.splice(0, count);
  }

  /** The content from the handle's position in chunks of up to `chunkBytes`. */
  async *chunks(chunkBytes = READ_CHUNK_BYTES): AsyncGenerator<Uint8Array> {
    for (;;) {
      const { bytesRead, buffer } = await this.read(Buffer.alloc(chunkBytes), 0, chunkBytes, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.chunks();
  }

  /** Release the handle. Further calls fail with EBADF. Data written is kept. */
  async close(): Promise<void> {
    this.#closed = true;
  }

  /** Same as close (for `await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
