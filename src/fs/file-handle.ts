import { fsError } from './fs-error.js';
import type { FsCore } from './fs-core.js';
import { CollectionStats } from './stats.js';

/** What a handle is open on: a tree node, or the read-only `.arvados#collection` content. */
export type HandleTarget = { kind: 'node'; node: number } | { kind: 'getter'; content: Buffer };

/** Access flags of an open handle. */
export interface HandleMode {
  readable: boolean;
  writable: boolean;
  append: boolean;
}

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
  readonly #target: HandleTarget;
  readonly #mode: HandleMode;
  readonly #path: string;
  #pos = 0;
  #closed = false;
  #dirCursor: string[] | undefined;

  /** @internal Created by CollectionFS.open. */
  constructor(core: FsCore, target: HandleTarget, mode: HandleMode, path: string, fd: number) {
    this.#core = core;
    this.#target = target;
    this.#mode = mode;
    this.#path = path;
    this.fd = fd;
  }

  /** The handle's current position (used when `position` is omitted). */
  get position(): number {
    return this.#pos;
  }

  #check(syscall: string): void {
    if (this.#closed) throw fsError('ErrClosed', syscall, this.#path);
  }

  #size(): number {
    const t = this.#target;
    return t.kind === 'getter' ? t.content.length : this.#core.tree.isDir(t.node) ? 0 : this.#core.tree.fileSize(t.node);
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
    if (!this.#mode.readable) throw fsError('ErrWriteOnlyMode', 'read', this.#path);
    const usePos = position === undefined || position === null || position < 0;
    const at: number = usePos ? this.#pos : (position as number);
    let n: number;
    const t = this.#target;
    if (t.kind === 'getter') {
      n = Math.max(0, Math.min(len, t.content.length - at));
      if (n > 0) buffer.set(t.content.subarray(at, at + n), off);
    } else {
      if (this.#core.tree.isDir(t.node)) throw fsError('ErrInvalidOperation', 'read', this.#path);
      n = await this.#core.readAt(t.node, buffer, off, len, at);
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
    if (!this.#mode.writable) throw fsError('ErrReadOnlyFile', 'write', this.#path);
    const t = this.#target;
    if (t.kind === 'getter' || this.#core.tree.isDir(t.node)) throw fsError('ErrInvalidOperation', 'write', this.#path);
    const usePos = pos === undefined || pos === null || pos < 0;
    if (this.#mode.append) this.#pos = this.#core.tree.fileSize(t.node);
    const at = usePos || this.#mode.append ? this.#pos : (pos as number);
    const n = await this.#core.writeAt(t.node, bytes, at);
    if (usePos || this.#mode.append) this.#pos = at + n;
    return { bytesWritten: n, buffer: data };
  }

  /**
   * Set the file's size (zero-filled growth). Allowed on read-only handles, as in Go.
   * @throws FsError ENOTSUP (directory)
   */
  async truncate(len = 0): Promise<void> {
    this.#check('ftruncate');
    const t = this.#target;
    if (t.kind === 'getter' || this.#core.tree.isDir(t.node)) throw fsError('ErrInvalidOperation', 'ftruncate', this.#path);
    if (len < 0) throw fsError('ErrInvalidArgument', 'ftruncate', this.#path);
    await this.#core.waitForMarshal();
    this.#core.truncate(t.node, len);
  }

  /** Stats of the open node (a directory's size is its number of entries). */
  async stat(): Promise<CollectionStats> {
    this.#check('fstat');
    const t = this.#target;
    if (t.kind === 'getter') return new CollectionStats({ ino: -1, isDir: false, perm: 0o444, size: t.content.length, mtimeMs: this.#core.tree.now(), name: '' });
    const tree = this.#core.tree;
    const isDir = tree.isDir(t.node);
    return new CollectionStats({
      ino: t.node,
      isDir,
      perm: tree.modeOf(t.node),
      size: isDir ? tree.childCount(t.node) : tree.fileSize(t.node),
      mtimeMs: tree.mtimeOf(t.node),
      name: Buffer.from(tree.nameOf(t.node), 'latin1').toString('utf8'),
    });
  }

  /** Read from the handle's position to EOF; a string when `encoding` is given. */
  async readFile(options?: BufferEncoding | { encoding?: BufferEncoding | null }): Promise<Buffer | string> {
    this.#check('read');
    const encoding = typeof options === 'string' ? options : (options?.encoding ?? null);
    if (!this.#mode.readable) throw fsError('ErrWriteOnlyMode', 'read', this.#path);
    const t = this.#target;
    if (t.kind === 'node' && this.#core.tree.isDir(t.node)) throw fsError('ErrInvalidOperation', 'read', this.#path);
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
    const t = this.#target;
    if (t.kind === 'node' && this.#mode.writable && !this.#core.tree.isDir(t.node)) this.#pos = this.#core.tree.fileSize(t.node);
    await this.writeFile(data, options);
  }

  /**
   * Go `Readdir(n)` on a directory handle: `count <= 0` returns every name each time; `count > 0`
   * pages through a listing taken at the first call and returns `[]` when exhausted.
   * Names are sorted byte-wise and decoded as UTF-8.
   */
  async readdir(count = 0): Promise<string[]> {
    this.#check('readdir');
    const t = this.#target;
    if (t.kind === 'getter' || !this.#core.tree.isDir(t.node)) throw fsError('ErrInvalidOperation', 'readdir', this.#path);
    const all = (): string[] => this.#core.tree.sortedNames(t.node).map((n) => Buffer.from(n, 'latin1').toString('utf8'));
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
