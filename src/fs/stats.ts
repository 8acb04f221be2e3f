import { constants } from 'node:fs';

/** Collections hold only files and directories: every special-file predicate is false. */
abstract class RegularOrDirectory {
  isSymbolicLink(): boolean {
    return false;
  }
  isBlockDevice(): boolean {
    return false;
  }
  isCharacterDevice(): boolean {
    return false;
  }
  isFIFO(): boolean {
    return false;
  }
  isSocket(): boolean {
    return false;
  }
}

/**
 * Node-like `Stats` of a collection node. A directory's `size` is its number of entries (as in
 * the Go SDK); a file's is its length in bytes.
 */
export class CollectionStats extends RegularOrDirectory {
  readonly dev = 0;
  readonly ino: number;
  readonly mode: number;
  readonly nlink = 1;
  readonly uid = 0;
  readonly gid = 0;
  readonly rdev = 0;
  readonly size: number;
  readonly blksize = 65536;
  readonly blocks: number;
  readonly atimeMs: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly birthtimeMs: number;
  /** The base name (byte-decoded UTF-8); `""` for `.arvados#collection`, as in Go. */
  readonly name: string;

  constructor(init: { ino: number; isDir: boolean; perm: number; size: number; mtimeMs: number; name: string }) {
    super();
    this.ino = init.ino;
    this.mode = (init.isDir ? constants.S_IFDIR : constants.S_IFREG) | (init.perm & 0o7777);
    this.size = init.size;
    this.blocks = Math.ceil(init.size / 512);
    this.atimeMs = init.mtimeMs;
    this.mtimeMs = init.mtimeMs;
    this.ctimeMs = init.mtimeMs;
    this.birthtimeMs = init.mtimeMs;
    this.name = init.name;
  }

  get mtime(): Date {
    return new Date(this.mtimeMs);
  }
  get atime(): Date {
    return new Date(this.atimeMs);
  }
  get ctime(): Date {
    return new Date(this.ctimeMs);
  }
  get birthtime(): Date {
    return new Date(this.birthtimeMs);
  }
  isFile(): boolean {
    return (this.mode & constants.S_IFMT) === constants.S_IFREG;
  }
  isDirectory(): boolean {
    return (this.mode & constants.S_IFMT) === constants.S_IFDIR;
  }
}

/** A directory entry as returned by `readdir(path, { withFileTypes: true })`. */
export class CollectionDirent extends RegularOrDirectory {
  constructor(
    readonly name: string,
    readonly parentPath: string,
    readonly isDir: boolean,
  ) {
    super();
  }

  /** Node 20 alias of `parentPath`. */
  get path(): string {
    return this.parentPath;
  }
  isFile(): boolean {
    return !this.isDir;
  }
  isDirectory(): boolean {
    return this.isDir;
  }
}
